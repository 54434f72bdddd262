// Segmentation and reassembly through the package entry, in Node and in headless Chromium: a stream
// cut into frames (WASM kernel and JS twin), shuffled and duplicated, comes back whole from
// TcpReassembler on every backend; a datagram fragmented and shuffled comes back from IpDefragmenter.
import { afterAll, describe, expect, it } from 'vitest';
import {
  compileSegmenter,
  decodePacket,
  encodeIpv4,
  encodeIpv6,
  fragmentIpv4,
  fragmentIpv6,
  IpDefragmenter,
  setBackend,
  TcpFlag,
  TcpReassembler,
  encodeFrame,
} from 'wirekit';

afterAll(() => setBackend('auto'));

/** A deterministic shuffle with some duplicates, so every backend sees the same order. */
function scramble<T>(items: T[], seed: number): T[] {
  const out = items.slice();
  let x = seed;
  const rnd = (n: number) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x % n;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = rnd(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  for (let k = 0; k < items.length / 5; k++) out.splice(rnd(out.length), 0, items[rnd(items.length)]!);
  return out;
}

const backends = [
  { name: 'wasm', set: () => setBackend('wasm') },
  { name: 'js', set: () => setBackend('js') },
];

describe.each(backends)('segmentation and reassembly ($name)', ({ set }) => {
  it('a stream segmented into frames, shuffled and duplicated, is reassembled byte for byte (ISN wrapping 2^32)', () => {
    set();
    const stream = new Uint8Array(50_000).map((_, i) => (i * 7 + (i >> 8)) & 0xff);
    const eth = { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } };
    const ip = { ip: { src: '10.0.0.1', dst: '10.0.0.2' } };
    const isn = 0xffffff00;
    const seg = compileSegmenter([eth, ip, { tcp: { srcport: 40000, dstport: 80, seq: isn + 1, ack: 1 } }], { mss: 1000 });
    const frames: Uint8Array[] = [];
    for (const batch of seg.batches(stream)) for (const f of batch) frames.push(f.slice());
    expect(frames.length).toBe(50);
    for (const f of frames) expect(decodePacket(f).fields()['tcp.checksum.status']).toBe('good');
    const syn = encodeFrame([eth, ip, { tcp: { srcport: 40000, dstport: 80, seq: isn, flags: TcpFlag.SYN } }]);
    const synAck = encodeFrame([{ eth: { src: '02:00:00:00:00:02', dst: '02:00:00:00:00:01' } }, { ip: { src: '10.0.0.2', dst: '10.0.0.1' } }, { tcp: { srcport: 80, dstport: 40000, seq: 0, ack: isn + 1, flags: TcpFlag.SYN | TcpFlag.ACK } }]);
    const chunks: Uint8Array[] = [];
    let retransmissions = -1;
    const r = new TcpReassembler({
      onData: (_c, direction, data) => {
        if (direction === 0) chunks.push(data.slice());
      },
      onClose: (conn) => {
        retransmissions = conn.directions[0].stats.retransmissions;
      },
    });
    let t = 1n;
    r.pushFrame(syn, t++);
    r.pushFrame(synAck, t++);
    for (const f of scramble(frames, 42)) r.pushFrame(f, t++);
    r.end();
    const joined = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      joined.set(c, at);
      at += c.length;
    }
    expect(joined).toEqual(stream);
    // The duplicates were seen as retransmissions, not delivered twice.
    expect(retransmissions).toBeGreaterThan(0);
  });

  it('IPv4 and IPv6 datagrams fragmented, shuffled and duplicated come back whole', () => {
    set();
    const payload = new Uint8Array(9000).map((_, i) => i & 0xff);
    const v4 = encodeIpv4({ src: '192.0.2.1', dst: '198.51.100.2', protocol: 17, id: 0x1234 }, payload);
    const v6 = encodeIpv6({ src: '2001:db8::1', dst: '2001:db8::2', protocol: 17 }, payload);
    for (const [original, fragments] of [
      [v4, fragmentIpv4(v4, 1500)],
      [v6, fragmentIpv6(v6, 1280, { identification: 7 })],
    ] as const) {
      const d = new IpDefragmenter();
      let whole: Uint8Array | undefined;
      let t = 0n;
      for (const f of scramble(fragments, 7)) {
        const result = d.push(f, t++);
        if (result.status === 'complete') whole ??= result.packet.slice();
      }
      expect(whole).toEqual(original);
      // Duplicates arriving after completion start a datagram that can never complete: flushed.
      d.flush();
      expect(d.bufferedBytes).toBe(0);
    }
  });
});
