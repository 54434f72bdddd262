// Reassembly under attack or damage: memory and flow counts stay within the configured caps (a
// SYN flood of a million flows, a million one-byte segments out of order, many flows each holding
// a little), nothing hangs on huge sequence jumps, and garbage never throws.
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeFrame } from '../src/encode.js';
import { setBackend } from '../src/wasm/backend.js';
import { TcpReassembler, type GapReason } from '../src/transport/tcp-flows.js';
import { asTable, tcpColumns, type TcpColumns } from './util/tcp-table.js';

const SYN = 2, ACK = 16, PSH = 8;

/**
 * A PacketTable-shaped set of columns for `n` IPv4 TCP rows, each with `payloadLength` bytes at
 * `payloadOffset` of its record: the reassembler's batch input without a million encoded frames.
 */
function tcpTable(n: number, row: (i: number, t: TcpColumns) => void) {
  const t = tcpColumns(n);
  for (let i = 0; i < n; i++) row(i, t);
  return t;
}

afterEach(() => setBackend('auto'));

describe('caps hold under load', () => {
  it('a SYN flood of 1,000,000 flows never tracks more than maxFlows', () => {
    const N = 1_000_000;
    const maxFlows = 10_000;
    const t = tcpTable(N, (i, t) => {
      t.ipSrc[i] = 0x0a000000 + (i >>> 8);
      t.ipDst[i] = 0xc0000201;
      t.srcPort[i] = 1024 + (i & 0xff);
      t.dstPort[i] = 80;
      t.tcpSeq[i] = Math.imul(i, 2654435761) >>> 0;
      t.tcpFlags[i] = SYN;
    });
    const records = { data: new Uint8Array(0), offsets: new Uint32Array(N), timestamps: new BigInt64Array(N).map((_, i) => BigInt(i) * 1000n) };
    let closed = 0;
    const r = new TcpReassembler({ onClose: () => closed++ }, { maxFlows });
    const heapBefore = process.memoryUsage().heapUsed;
    for (let at = 0; at < N; at += 100_000) {
      r.pushTable(asTable(t), records, at, at + 100_000);
      expect(r.stats().flows).toBeLessThanOrEqual(maxFlows);
    }
    const s = r.stats();
    expect(s.streams).toBe(N);
    expect(s.flows).toBe(maxFlows);
    expect(s.evictedFlows).toBe(N - maxFlows);
    expect(closed).toBe(N - maxFlows);
    expect(s.bufferedMemory).toBe(0);
    // 10,000 connection objects, far from a million (a generous bound: GC timing varies).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
  });

  it('idle connections are evicted by capture time', () => {
    const N = 20_000;
    const t = tcpTable(N, (i, t) => {
      t.ipSrc[i] = 0x0a000000 + i;
      t.ipDst[i] = 0xc0000201;
      t.srcPort[i] = 5000;
      t.dstPort[i] = 80;
      t.tcpFlags[i] = SYN;
    });
    // One new flow per millisecond, idle timeout 1 s: about 1000 alive at any time.
    const records = { data: new Uint8Array(0), offsets: new Uint32Array(N), timestamps: new BigInt64Array(N).map((_, i) => BigInt(i) * 1_000_000n) };
    const r = new TcpReassembler({}, { idleTimeout: 1 });
    r.pushTable(asTable(t), records);
    expect(r.stats().flows).toBeLessThanOrEqual(1002);
    expect(r.stats().evictedFlows).toBeGreaterThanOrEqual(N - 1002);
  });

  it.each(['wasm', 'js'] as const)('1,000,000 one-byte segments out of order stay within the buffer caps (%s)', (backend) => {
    setBackend(backend);
    const N = 1_000_000;
    const data = new Uint8Array(N).map((_, i) => (i * 31) & 255);
    // Every other byte first (each one a new hole, forever unfilled), from ISN near the wrap.
    const isn = 0xffff0000;
    const t = tcpTable(N + 1, (i, t) => {
      t.ipSrc[i] = 0x0a000001;
      t.ipDst[i] = 0x0a000002;
      t.srcPort[i] = 40000;
      t.dstPort[i] = 80;
      t.tcpAck[i] = 1;
      if (i === 0) {
        t.tcpSeq[i] = isn;
        t.tcpFlags[i] = SYN;
        return;
      }
      const k = i - 1;
      t.tcpSeq[i] = (isn + 2 + 2 * k) >>> 0; // stream offset 1 + 2k: byte 0 never comes
      t.tcpFlags[i] = ACK | PSH;
      t.payloadOffset[i] = 0;
      t.payloadLength[i] = 1;
      t.ipLength[i] = 41;
    });
    const offsets = new Uint32Array(N + 1).map((_, i) => (i === 0 ? 0 : i - 1));
    const records = { data, offsets, timestamps: new BigInt64Array(N + 1) };
    const perFlow = 64 * 1024;
    const total = 256 * 1024;
    const gaps = new Map<GapReason, number>();
    let delivered = 0;
    let gapBytes = 0;
    const r = new TcpReassembler(
      {
        onData: (_c, _d, d) => {
          delivered += d.length;
        },
        onGap: (_c, _d, size, reason) => {
          gaps.set(reason, (gaps.get(reason) ?? 0) + 1);
          gapBytes += size;
        },
      },
      { maxBufferedPerFlow: perFlow, maxBufferedTotal: total },
    );
    for (let at = 0; at <= N; at += 50_000) {
      r.pushTable(asTable(t), records, at, Math.min(N + 1, at + 50_000));
      const s = r.stats();
      expect(s.bufferedMemory).toBeLessThanOrEqual(total);
      expect(s.bufferedBytes).toBeLessThanOrEqual(perFlow);
    }
    expect(r.stats().peakBufferedMemory).toBeLessThanOrEqual(total);
    r.end();
    // Every byte sent was delivered once; every byte never sent was reported as a gap.
    expect(delivered).toBe(N);
    expect(gapBytes).toBe(N);
    expect(gaps.get('holes')).toBeGreaterThan(0);
    expect(r.stats().bufferedMemory).toBe(0);
  });

  it('10,000 flows each holding bytes out of order share the total cap (the longest-waiting give way)', () => {
    const N = 10_000;
    const t = tcpTable(N * 2, (i, t) => {
      const flow = i >>> 1;
      t.ipSrc[i] = 0x0a000000 + flow;
      t.ipDst[i] = 0x0b000001;
      t.srcPort[i] = 1000;
      t.dstPort[i] = 80;
      if ((i & 1) === 0) {
        t.tcpSeq[i] = 100;
        t.tcpFlags[i] = SYN;
      } else {
        t.tcpSeq[i] = 111; // 10 bytes ahead of the stream
        t.tcpFlags[i] = ACK | PSH;
        t.payloadLength[i] = 5;
        t.ipLength[i] = 45;
      }
    });
    const data = new TextEncoder().encode('hello');
    const records = { data, offsets: new Uint32Array(N * 2), timestamps: new BigInt64Array(N * 2) };
    const total = 64 * 4096;
    const reasons = new Set<GapReason>();
    const r = new TcpReassembler({ onGap: (_c, _d, _s, reason) => reasons.add(reason) }, { maxBufferedTotal: total });
    r.pushTable(asTable(t), records);
    expect(r.stats().peakBufferedMemory).toBeLessThanOrEqual(total);
    expect(r.stats().bufferedMemory).toBeLessThanOrEqual(total);
    expect([...reasons]).toEqual(['buffer-limit']);
    r.end();
  });
});

describe('damage never throws or hangs', () => {
  const frame = (seq: number, data: string, flags = ACK | PSH) =>
    encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { tcp: { srcport: 1, dstport: 2, seq: seq >>> 0, flags } }], new TextEncoder().encode(data));

  it('sequence jumps of up to 2^31 are gaps, not waits', () => {
    const gaps: number[] = [];
    const chunks: string[] = [];
    const r = new TcpReassembler({ onGap: (_c, _d, s) => gaps.push(s), onData: (_c, _d, d) => chunks.push(new TextDecoder().decode(d)) });
    r.pushFrame(frame(0, '', SYN), 0n);
    r.pushFrame(frame(1, 'a'), 1n);
    r.pushFrame(frame(2 + 0x7ffffff0, 'far'), 2n);
    r.pushFrame(frame(0x100, 'back'), 3n); // now behind the stream: old data
    r.end();
    expect(chunks).toEqual(['a', 'far']);
    expect(gaps).toEqual([0x7ffffff0]);
  });

  it('random bytes and mutated segments never throw', () => {
    const good = frame(1000, 'payload payload payload');
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 120, size: 'max' }), fc.tuple(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.nat(good.length)).map(([at, v, cut]) => {
        const f = good.slice(0, Math.max(cut, 1));
        if (at < f.length) f[at] = v;
        return f;
      })), { maxLength: 50, size: 'max' }), (frames) => {
        const r = new TcpReassembler();
        frames.forEach((f, i) => r.pushFrame(f, BigInt(i)));
        r.end();
        expect(r.stats().bufferedMemory).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('snaplen-cut segments report the bytes the capture lacks as a truncated gap', () => {
    const gaps: [number, GapReason][] = [];
    const r = new TcpReassembler({ onGap: (_c, _d, s, reason) => gaps.push([s, reason]) });
    r.pushFrame(frame(0, '', SYN), 0n);
    const full = frame(1, 'abcdefghij');
    r.pushFrame(full.subarray(0, full.length - 4), 1n);
    r.pushFrame(frame(11, 'klm'), 2n);
    expect(gaps).toEqual([[4, 'truncated']]);
  });

  it('rejects nonsense options with a WireError', () => {
    expect(() => new TcpReassembler({}, { maxFlows: 0 })).toThrow(/maxFlows/);
    expect(() => new TcpReassembler({}, { overlap: 'middle' as never })).toThrow(/overlap/);
    expect(() => new TcpReassembler({}, { idleTimeout: -1 })).toThrow(/idleTimeout/);
  });
});
