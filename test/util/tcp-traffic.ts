// Random TCP traffic for the reassembler's tests: connections with and without a handshake,
// segments of random sizes (now and then jumbo), retransmissions whose bytes may differ, ACKs past
// holes, segments the capture missed or cut, FINs; shuffled within a window. Ethernet frames.
import fc from 'fast-check';
import { encodeFrame } from '../../src/encode.js';

export const FIN = 1, SYN = 2, PSH = 8, ACK = 16;

export interface Seg { conn: number; from: 0 | 1; seq: number; ack: number; flags: number; data: Uint8Array; cut?: number }

export function frame(s: Seg): Uint8Array {
  const ports = [40000 + s.conn, 80];
  const ips = ['10.0.0.1', '10.0.0.2'];
  const a = s.from, b = 1 - s.from;
  const f = encodeFrame(
    [
      { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
      { ip: { src: ips[a]!, dst: ips[b]! } },
      { tcp: { srcport: ports[a]!, dstport: ports[b]!, seq: s.seq >>> 0, ack: s.ack >>> 0, flags: s.flags, window: 65535 } },
    ],
    s.data,
  );
  // A capture cut by the snap length: the IP header still tells the length on the wire.
  return s.cut === undefined ? f : f.subarray(0, Math.max(54, f.length - s.cut));
}

export function lcg(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** Random traffic on `conns` connections: segments, retransmissions, overlaps that may differ, ACKs past holes, cuts. */
export function traffic(streams: Uint8Array[][], isns: number[][], seed: number, handshake: boolean[], window: number): Seg[] {
  const rnd = lcg(seed);
  const out: Seg[] = [];
  const body: Seg[] = [];
  streams.forEach((pair, conn) => {
    const [ci, si] = isns[conn]!;
    if (handshake[conn]) {
      out.push({ conn, from: 0, seq: ci!, ack: 0, flags: SYN, data: new Uint8Array(0) });
      out.push({ conn, from: 1, seq: si!, ack: ci! + 1, flags: SYN | ACK, data: new Uint8Array(0) });
    }
    pair.forEach((data, from) => {
      const base = (isns[conn]![from]! + 1) >>> 0;
      const peer = (isns[conn]![1 - from]! + 1) >>> 0;
      // Now and then jumbo (or offloaded) segments, whose delivery moves the window several blocks.
      const mss = 1 + Math.floor(rnd() * (rnd() < 0.5 ? 9000 : 1500));
      for (let at = 0; at < data.length; ) {
        const n = Math.min(mss, data.length - at, 1 + Math.floor(rnd() * mss));
        const seg: Seg = { conn, from: from as 0 | 1, seq: base + at, ack: peer, flags: ACK | PSH, data: data.subarray(at, at + n) };
        if (rnd() < 0.04) seg.cut = 1 + Math.floor(rnd() * n);
        body.push(seg);
        const roll = rnd();
        if (roll < 0.15) {
          // A retransmission of a range around here (so often of bytes still held), sometimes with different bytes.
          const s = Math.min(data.length - 1, Math.max(0, at - mss + Math.floor(rnd() * 3 * mss)));
          const e = Math.min(data.length, s + 1 + Math.floor(rnd() * 2 * mss));
          let bytes = data.subarray(s, e);
          if (rnd() < 0.4) bytes = bytes.map((x) => x ^ (rnd() < 0.3 ? 0xff : 0));
          body.push({ conn, from: from as 0 | 1, seq: base + s, ack: peer, flags: ACK | PSH, data: bytes });
        } else if (roll < 0.18) {
          // The receiver acknowledges past a point (perhaps past bytes the capture will miss).
          const upTo = Math.floor(rnd() * (data.length + 1));
          body.push({ conn, from: (1 - from) as 0 | 1, seq: peer, ack: base + upTo, flags: ACK, data: new Uint8Array(0) });
        } else if (roll < 0.2) {
          body.pop(); // the capture missed this segment
        }
        at += n;
      }
      if (rnd() < 0.5) body.push({ conn, from: from as 0 | 1, seq: base + data.length, ack: peer, flags: ACK | FIN, data: new Uint8Array(0) });
    });
  });
  // Shuffled within a window.
  for (let i = body.length - 1; i > 0; i--) {
    const j = Math.max(0, i - Math.floor(rnd() * window));
    [body[i], body[j]] = [body[j]!, body[i]!];
  }
  return [...out, ...body];
}

/**
 * What random traffic is drawn from: up to three connections' stream lengths (client bytes up to
 * `maxClientBytes`, server bytes up to 3,000), three ISN pairs (some a few KB short of 2^32, so
 * streams wrap), whether each connection's handshake is captured.
 */
export function trafficDraws(maxClientBytes: number) {
  return [
    fc.array(fc.tuple(fc.integer({ min: 0, max: maxClientBytes }), fc.integer({ min: 0, max: 3000 })), { minLength: 1, maxLength: 3 }),
    fc.array(fc.tuple(fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0xffffe000, max: 0xffffffff })), fc.integer({ min: 0, max: 0xffffffff })), { minLength: 3, maxLength: 3 }),
    fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  ] as const;
}

/** The traffic of those draws: stream bytes from `seed` (mixed with `salt`), segments by traffic(). */
export function randomTraffic(pairs: [number, number][], isns: [number, number][], handshake: boolean[], seed: number, window: number, salt: number): Seg[] {
  const fill = lcg(seed ^ salt);
  const stream = (n: number) => new Uint8Array(n).map(() => Math.floor(fill() * 256));
  return traffic(pairs.map(([a, b]) => [stream(a), stream(b)]), isns, seed, handshake, window);
}
