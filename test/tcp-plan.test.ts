// pushTable plans the rows of a flow that waits for earlier bytes (src/kernels/tcp-plan.ts, and the
// kernel assembly/reassembly/plan.ts for tables in WebAssembly memory) and replays the plan instead
// of placing each segment. The kernel and its twin must make the same plans, and a planned run may
// change nothing a caller can see: the same chunks, gaps and counters at every callback as when each
// record goes through pushRecord, under tight caps, with runs that hit every reason a plan stops.
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { writePcap } from '../src/capture/writer.js';
import { indexCapture } from '../src/capture/index-capture.js';
import { BatchLayer, decodeBatch } from '../src/batch.js';
import { allocBuffer, requireArena, setBackend } from '../src/wasm/backend.js';
import { reassemblyMemory } from '../src/transport/tcp-buffers.js';
import { PLAN_COLUMNS, PLAN_RECORD, RunPlan, planRun, type PlanInput } from '../src/kernels/tcp-plan.js';
import { TcpReassembler, type TcpReassemblyOptions } from '../src/transport/tcp-flows.js';
import { reassembleTcp } from '../src/transport/tcp-follow.js';
import { ACK, PSH, SYN, frame, lcg, type Seg } from './util/tcp-traffic.js';
import { events, viaRecords, viaTable } from './util/reassembly-events.js';

afterEach(() => setBackend('auto'));

/** Counts the kernel's calls while `f` runs. */
function countingKernel<T>(f: () => T): [T, number] {
  const a = requireArena();
  const real = a.exports;
  let calls = 0;
  a.exports = { ...real, reasmPlan: (p: number, o: number) => (calls++, real.reasmPlan(p, o)) };
  try {
    return [f(), calls];
  } finally {
    a.exports = real;
  }
}

/** The committed part of a plan, to compare two. */
function committed(p: RunPlan): unknown {
  return { rows: p.rows, stop: p.stop, peak: p.peak, record: Array.from(p.record.subarray(0, p.rows * PLAN_RECORD)), order: Array.from(p.order.subarray(0, p.rows)) };
}

describe('reasmPlan against its twin', () => {
  it('makes the same plan of random rows', () => {
    setBackend('wasm');
    const memory = reassemblyMemory(requireArena());
    let planned = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            // Mostly the flow's rows; now and then another flow, other flags, IPv6, a fragment, no
            // TCP, a cut, a sequence number moved.
            kind: fc.noBias(fc.integer({ min: 0, max: 150 })),
            len: fc.oneof(fc.noBias(fc.integer({ min: 2, max: 3000 })), fc.integer({ min: 0, max: 40 })),
            shift: fc.integer({ min: -3000, max: 3000 }),
          }),
          { minLength: 1, maxLength: 400, size: 'max' },
        ),
        fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 40, max: 140 })),
        fc.integer(),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.oneof(fc.integer({ min: 0, max: 200000 }), fc.constant(767 * 4096), fc.constant(767 * 4096)),
        fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constant(8192), fc.constant(8192)),
        fc.boolean(),
        fc.boolean(),
        (rows, window, seed, isn, limit, avail, defragment, clean) => {
          const n = rows.length;
          // Columns in WebAssembly memory (one allocBuffer, 8-byte aligned slices), filled as a decoder would.
          const sizes = { layers: 2, ipVersion: 1, ipSrc: 4, ipDst: 4, srcPort: 2, dstPort: 2, tcpFlags: 2, tcpSeq: 4, payloadOffset: 2, payloadLength: 4, l3Offset: 2, l4Offset: 2, tcpHeaderLength: 1, ipLength: 2 } as const;
          const room = PLAN_COLUMNS.reduce((s, c) => s + ((n * sizes[c] + 7) & ~7), 8);
          const mem = allocBuffer(room);
          let at = (8 - (mem.byteOffset & 7)) & 7;
          const col = <T>(make: new (b: ArrayBufferLike, o: number, n: number) => T, size: number): T => {
            const v = new make(mem.buffer, mem.byteOffset + at, n);
            at += (n * size + 7) & ~7;
            return v;
          };
          const t: PlanInput = {
            layers: col(Uint16Array, 2), ipVersion: col(Uint8Array, 1), ipSrc: col(Uint32Array, 4), ipDst: col(Uint32Array, 4),
            srcPort: col(Uint16Array, 2), dstPort: col(Uint16Array, 2), tcpFlags: col(Uint16Array, 2), tcpSeq: col(Uint32Array, 4),
            payloadOffset: col(Uint16Array, 2), payloadLength: col(Uint32Array, 4), l3Offset: col(Uint16Array, 2), l4Offset: col(Uint16Array, 2),
            tcpHeaderLength: col(Uint8Array, 1), ipLength: col(Uint16Array, 2),
          };
          // A stream cut into the rows' lengths, the rows shuffled within windows.
          const stream: number[] = [];
          rows.reduce((p, r) => (stream.push(p), p + r.len), 0);
          const rnd = lcg(seed);
          const order = rows.map((_, k) => k);
          for (let w = 0; w < n; w += window) {
            for (let i = Math.min(n, w + window) - 1; i > w; i--) {
              const j = w + Math.floor(rnd() * (i - w + 1));
              [order[i], order[j]] = [order[j]!, order[i]!];
            }
          }
          const offsets = new Uint32Array(n);
          let pos = 24;
          order.forEach((s, k) => {
            // Half the cases without odd rows: whole windows planned, long lists held.
            const r = clean ? { ...rows[s]!, kind: 0 } : rows[s]!;
            const len = r.len;
            t.layers[k] = r.kind === 1 ? BatchLayer.ETH | BatchLayer.IPV4 | BatchLayer.FRAGMENT | BatchLayer.TCP : r.kind === 2 ? BatchLayer.ETH | BatchLayer.IPV4 : BatchLayer.ETH | BatchLayer.IPV4 | BatchLayer.TCP;
            t.ipVersion[k] = r.kind === 3 ? 6 : 4;
            t.ipSrc[k] = r.kind === 4 ? 0x0a000003 : 0x0a000001;
            t.ipDst[k] = 0x0a000002;
            t.srcPort[k] = r.kind === 5 ? 40001 : 40000;
            t.dstPort[k] = 80;
            t.tcpFlags[k] = r.kind === 6 ? ACK | 1 : r.kind === 7 ? ACK | PSH : ACK;
            t.tcpSeq[k] = (isn + stream[s]! + (r.kind === 9 ? r.shift : 0)) >>> 0;
            t.l3Offset[k] = 14;
            t.l4Offset[k] = 34;
            t.tcpHeaderLength[k] = 20;
            t.payloadOffset[k] = 54;
            t.payloadLength[k] = len;
            // The wire length may say more than was captured (a cut).
            t.ipLength[k] = 40 + len + (r.kind === 8 ? 1 + (r.shift & 7) : 0);
            pos += 16;
            offsets[k] = pos;
            pos += 54 + len;
          });
          const size = pos;
          // Plans from a few windows' first rows, each with the stream's next byte at the least of the window's positions.
          for (let from = 0; from < n; from += window * Math.max(1, Math.ceil(n / window / 6))) {
            let least = Infinity;
            for (let k = from; k < Math.min(n, from + window); k++) least = Math.min(least, stream[order[k]!]!);
            const next = (isn + least) | 0;
            const viaKernel = new RunPlan();
            const [, calls] = countingKernel(() => memory.plan(t, offsets, size, from, n, 0x0a000001, 0x0a000002, 40000 * 65536 + 80, next, limit, avail, defragment, viaKernel));
            expect(calls).toBe(1);
            const viaTwin = new RunPlan();
            planRun(t, offsets, size, from, n, 0x0a000001, 0x0a000002, 40000 * 65536 + 80, next, limit, avail, defragment, viaTwin);
            expect(committed(viaKernel)).toEqual(committed(viaTwin));
            planned += viaTwin.rows;
          }
        },
      ),
      { numRuns: 400 },
    );
    // Plans were made, not only stopped at their first row.
    expect(planned).toBeGreaterThan(4000);
  });
});

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

describe.each(['wasm', 'js'] as const)('planned runs (%s)', (backend) => {
  it('hand on and count what pushRecord does, at every callback', () => {
    let kernelCalls = 0;
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 2000, max: 50000 }),
        fc.constantFrom(3, 40, 700, 1460, 9000),
        fc.integer({ min: 2, max: 64 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.constantFrom(0, 0, 0.02),
        fc.record({
          maxBufferedPerFlow: fc.option(fc.integer({ min: 0, max: 60000 }), { nil: undefined }),
          maxBufferedTotal: fc.option(fc.integer({ min: 0, max: 16 }).map((n) => n * 4096), { nil: undefined }),
          overlap: fc.constantFrom<'first' | 'last' | 'tshark'>('first', 'last', 'tshark'),
          fillGaps: fc.boolean(),
        }),
        (seed, bytes, mss, window, isn, retransmit, caps) => {
          setBackend(backend);
          const options: TcpReassemblyOptions = { ...caps, zeroCopy: true };
          const frames = shuffledFlow(seed, bytes, mss, window, isn, retransmit).map(frame);
          // Times out of order now and then (a capture merged from two interfaces), over 2^32 ns apart.
          const time = (i: number) => 1_700_000_000_000_000_000n + BigInt(i) * 1000n + (i % 7 === 3 ? BigInt((seed >>> 0) % 9) * 1_000_000_000n : 0n);
          const file = writePcap(frames.map((data, i) => ({ data, timestamp: time(i), linkType: 1, capturedLength: data.length, originalLength: data.length, interfaceId: 0 })), { precision: 'nano' });
          const index = indexCapture(file);
          const byRecord = events(viaRecords(file, index), options);
          // The twin: a table of its own (copied out of WebAssembly memory, or made by the JS decoder).
          const byTable = events(viaTable(index), options);
          expect(byTable).toEqual(byRecord);
          if (backend === 'wasm') {
            // The kernel: a resident table, then reassembleTcp over a capture in WebAssembly memory.
            const [byResident, calls] = countingKernel(() =>
              events((handlers, o, bind) => {
                const r = new TcpReassembler(handlers, o);
                bind(r);
                for (let from = 0; from < index.count; from += 4096) {
                  const part = { ...index, count: Math.min(4096, index.count - from), offsets: index.offsets.subarray(from), lengths: index.lengths.subarray(from), timestamps: index.timestamps.subarray(from), originalLengths: index.originalLengths.subarray(from), linkTypes: index.linkTypes.subarray(from), interfaceIds: index.interfaceIds.subarray(from) };
                  const table = decodeBatch(part, { resident: true });
                  expect(table.resident).toBe(true);
                  r.pushTable(table, part);
                }
                r.end();
                return r;
              }, options),
            );
            kernelCalls += calls;
            expect(byResident).toEqual(byRecord);
            const buf = allocBuffer(file.length);
            buf.set(file);
            const inPlace = events((handlers, o) => reassembleTcp(buf, handlers, o), options);
            const copied = events((handlers, o) => reassembleTcp(file, handlers, o), options);
            const records = byRecord.map((e) => (Array.isArray(e) && e[0] !== 'end' ? stripReassembler(e) : e));
            expect(inPlace.map((e) => (Array.isArray(e) && e[0] !== 'end' ? stripReassembler(e) : e))).toEqual(records);
            expect(copied.map((e) => (Array.isArray(e) && e[0] !== 'end' ? stripReassembler(e) : e))).toEqual(records);
          }
        },
      ),
      { numRuns: 16 },
    );
    if (backend === 'wasm') expect(kernelCalls).toBeGreaterThan(16);
  });

  it('hand on what pushRecord does on captures with damaged headers', () => {
    setBackend(backend);
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(fc.record({ row: fc.nat(), at: fc.integer({ min: 0, max: 59 }), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 24 }),
        (seed, hits) => {
          const frames = shuffledFlow(seed, 30000, 1460, 16, seed >>> 0, 0.02).map(frame);
          // Header bytes set at random (lengths, flags, sequence numbers, ports, addresses), past the handshake.
          for (const h of hits) {
            const f = frames[3 + (h.row % (frames.length - 3))]!;
            if (h.at < f.length) f[h.at] = h.value;
          }
          const file = writePcap(frames.map((data, i) => ({ data, timestamp: BigInt(i) * 1000n, linkType: 1, capturedLength: data.length, originalLength: data.length, interfaceId: 0 })));
          const index = indexCapture(file);
          const options: TcpReassemblyOptions = { zeroCopy: true, maxBufferedPerFlow: 40000 };
          const byRecord = events(viaRecords(file, index), options).map((e) => (Array.isArray(e) && e[0] !== 'end' ? stripReassembler(e) : e));
          expect(events((handlers, o) => reassembleTcp(file, handlers, o), options).map((e) => (Array.isArray(e) && e[0] !== 'end' ? stripReassembler(e) : e))).toEqual(byRecord);
          expect(events(viaTable(index), options).map((e) => (Array.isArray(e) && e[0] !== 'end' ? stripReassembler(e) : e))).toEqual(byRecord);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('refuses a push from a handler while a planned run is handed on', () => {
    setBackend(backend);
    const isn = 5;
    const data = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
    const seg = (at: number, n: number): Seg => ({ conn: 0, from: 0, seq: isn + 1 + at, ack: 1001, flags: ACK | PSH, data: data.subarray(at, at + n) });
    // The second segment first: the plan holds it, the first releases it, all inside the plan.
    const segs: Seg[] = [
      { conn: 0, from: 0, seq: isn, ack: 0, flags: SYN, data: new Uint8Array(0) },
      { conn: 0, from: 1, seq: 1000, ack: isn + 1, flags: SYN | ACK, data: new Uint8Array(0) },
      { conn: 0, from: 0, seq: isn + 1, ack: 1001, flags: ACK, data: new Uint8Array(0) },
      seg(1000, 2000),
      seg(0, 1000),
    ];
    const frames = segs.map(frame);
    const file = writePcap(frames.map((f, i) => ({ data: f, timestamp: BigInt(i) * 1000n, linkType: 1, capturedLength: f.length, originalLength: f.length, interfaceId: 0 })));
    const index = indexCapture(file);
    // Another connection's SYN: were it taken, it would change nothing of this one's bytes.
    const other = frame({ conn: 1, from: 0, seq: 1, ack: 0, flags: SYN, data: new Uint8Array(0) });
    const refused: unknown[] = [];
    const chunks: number[] = [];
    const r: TcpReassembler = new TcpReassembler(
      {
        onData: (_c, _d, bytes) => {
          chunks.push(bytes.length);
          try {
            r.pushFrame(other, 0n);
          } catch (e) {
            refused.push(e);
          }
        },
      },
      { zeroCopy: true },
    );
    r.pushTable(decodeBatch(index), index);
    r.end();
    expect(chunks).toEqual([1000, 2000]);
    expect(refused).toHaveLength(2);
    for (const e of refused) expect(e).toMatchObject({ name: 'WireError', code: 'unsupported' });
    expect(r.stats().streams).toBe(1);
  });
});

/** An event without what the callback saw of the reassembler (reassembleTcp's callbacks cannot see it). */
function stripReassembler(e: unknown[]): unknown[] {
  const seen = e[e.length - 1] as unknown[];
  return [...e.slice(0, -1), [undefined, undefined, ...seen.slice(2)]];
}
