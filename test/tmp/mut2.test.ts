import { it } from 'vitest';
import { writePcap } from '../../src/capture/writer.js';
import { indexCapture } from '../../src/capture/index-capture.js';
import { setBackend } from '../../src/wasm/backend.js';
import { reassembleTcp } from '../../src/transport/tcp-follow.js';
import { ACK, PSH, SYN, frame, lcg, type Seg } from '../util/tcp-traffic.js';
import { events, viaRecords, viaTable } from '../util/reassembly-events.js';
/** One connection's client bytes in segments of random sizes, shuffled within windows of `window`, after a handshake. */
function shuffledFlow(seed: number, bytes: number, mss: number, window: number, isn: number, retransmit: number): Seg[] {
  const rnd = lcg(seed);
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 131 + seed) & 0xff;
  const segs: Seg[] = [];
  for (let at = 0; at < bytes; ) {
    const n = Math.min(bytes - at, 2 + Math.floor(rnd() * mss));
    segs.push({ conn: 0, from: 0, seq: (isn + 1 + at) >>> 0, ack: 1001, flags: ACK | PSH, data: data.subarray(at, at + n) });
    // Now and then the same bytes again, or a server ACK between (a row of the other direction).
    if (rnd() < retransmit) segs.push({ conn: 0, from: 0, seq: (isn + 1 + at) >>> 0, ack: 1001, flags: ACK | PSH, data: data.subarray(at, at + n) });
    if (rnd() < 0.02) segs.push({ conn: 0, from: 1, seq: 1001, ack: (isn + 1 + at) >>> 0, flags: ACK, data: new Uint8Array(0) });
    at += n;
  }
  for (let w = 0; w < segs.length; w += window) {
    for (let i = Math.min(segs.length, w + window) - 1; i > w; i--) {
      const j = w + Math.floor(rnd() * (i - w + 1));
      [segs[i], segs[j]] = [segs[j]!, segs[i]!];
    }
  }
  return [
    { conn: 0, from: 0, seq: isn >>> 0, ack: 0, flags: SYN, data: new Uint8Array(0) },
    { conn: 0, from: 1, seq: 1000, ack: (isn + 1) >>> 0, flags: SYN | ACK, data: new Uint8Array(0) },
    { conn: 0, from: 0, seq: (isn + 1) >>> 0, ack: 1001, flags: ACK, data: new Uint8Array(0) },
    ...segs,
  ];
}

/** An event without what the callback saw of the reassembler (reassembleTcp's callbacks cannot see it). */
function stripReassembler(e: unknown[]): unknown[] {
  const seen = e[e.length - 1] as unknown[];
  return [...e.slice(0, -1), [undefined, undefined, ...seen.slice(2)]];
}

it('x', () => {
  setBackend('wasm');
  for (const [seed, hits] of [[0, [{ row: 0, at: 14, value: 70 }]]] as const) {
    const frames = shuffledFlow(seed, 30000, 1460, 16, seed >>> 0, 0.02).map(frame);
    for (const h of hits) { const f = frames[3 + (h.row % (frames.length - 3))]!; if (h.at < f.length) f[h.at] = h.value; console.log('hit frame', 3 + (h.row % (frames.length - 3)), f.length); }
    const file = writePcap(frames.map((data, i) => ({ data, timestamp: BigInt(i) * 1000n, linkType: 1, capturedLength: data.length, originalLength: data.length, interfaceId: 0 })));
    const index = indexCapture(file);
    const o = { zeroCopy: true, maxBufferedPerFlow: 40000 };
    const short = (e: any) => (Array.isArray(e) && e[0] !== 'end' ? JSON.stringify(stripReassembler(e).map((x: any, i: number) => (i === 3 && Array.isArray(x) ? x.length : x)), (k, v) => typeof v === 'bigint' ? String(v) : v) : JSON.stringify(e, (k, v) => typeof v === 'bigint' ? String(v) : v));
    const A = events(viaRecords(file, index), o).map(short);
    const B = events((h, oo) => reassembleTcp(file, h, oo), o).map(short);
    const C = events(viaTable(index), o).map(short);
    for (const [name, X] of [['rt', B], ['table', C]] as const) {
      const k = A.findIndex((e, i) => e !== X[i]);
      console.log(name, 'first diff at', k, 'of', A.length, X.length);
      if (k >= 0) { console.log('rec  ', A[k]?.slice(0, 600)); console.log(name.padEnd(5), X[k]?.slice(0, 600)); }
    }
  }
});
