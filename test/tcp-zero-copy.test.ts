// zeroCopy: held segments kept as views of the pushed bytes instead of copies in reassembly memory.
// The option must change where bytes live and nothing else: the same chunks (boundaries included),
// gaps, counters and memory accounting (blocks are allocated and freed as if bytes were copied), on
// both backends, whatever the traffic: reordering, duplicates, overlaps with differing bytes (which
// turn the views into copies), holes acknowledged past, truncated segments, tight caps, several
// connections competing for the total cap.
import { afterEach, describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { writePcap } from '../src/capture/writer.js';
import { setBackend } from '../src/wasm/backend.js';
import { WireError } from '../src/errors.js';
import { TcpReassembler, type TcpReassemblyOptions } from '../src/transport/tcp-flows.js';
import { reassembleTcp } from '../src/transport/tcp-follow.js';
import { asTable, tcpColumns } from './util/tcp-table.js';
import { ACK, FIN, PSH, SYN, frame, randomTraffic, trafficDraws, type Seg } from './util/tcp-traffic.js';

/** Every event and the counters after every packet, as plain data (chunk bytes copied on the spot). */
function log(frames: Uint8Array[], options: TcpReassemblyOptions): unknown[][] {
  const events: unknown[][] = [];
  const r = new TcpReassembler(
    {
      onData: (c, dir, data, info) => events.push(['data', c.stream, dir, Array.from(data), info.offset, info.timestamp, info.filler ?? false]),
      onGap: (c, dir, size, reason, info) => events.push(['gap', c.stream, dir, size, reason, info.offset, info.timestamp]),
      onClose: (c, reason) => events.push(['close', c.stream, reason, c.state, JSON.stringify(c.directions.map((d) => d.stats))]),
    },
    options,
  );
  frames.forEach((f, i) => {
    r.pushFrame(f, BigInt(i) * 1000n);
    events.push(['stats', r.stats(), [...r.connections()].map((c) => c.directions.map((d) => [d.next, d.buffered, d.blocks]))]);
  });
  r.end();
  events.push(['end', r.stats()]);
  return events;
}

const BACKENDS = ['wasm', 'js'] as const;
afterEach(() => setBackend('auto'));

describe.each(BACKENDS)('zeroCopy (%s)', (backend) => {
  it('changes nothing but where bytes live: same chunks, gaps, counters and memory on random traffic', () => {
    let materialized = 0;
    fc.assert(
      fc.property(
        ...trafficDraws(14000),
        fc.integer(),
        fc.integer({ min: 1, max: 48 }),
        fc.constantFrom<'first' | 'last' | 'tshark'>('first', 'last', 'tshark'),
        fc.option(fc.integer({ min: 0, max: 40000 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
        fc.boolean(),
        (pairs, isns, handshake, seed, window, overlap, perFlow, totalBlocks, fillGaps) => {
          setBackend(backend);
          // Stream lengths drawn as numbers (fast-check's byte arrays stay short by default), bytes from the seed.
          const segs = randomTraffic(pairs, isns, handshake, seed, window, 0x5bd1e995);
          const frames = segs.map(frame);
          const options: TcpReassemblyOptions = { overlap, fillGaps, maxBufferedPerFlow: perFlow, maxBufferedTotal: totalBlocks === undefined ? undefined : totalBlocks * 4096 };
          const copied = log(frames, { ...options, zeroCopy: false });
          const viewed = log(frames, { ...options, zeroCopy: true });
          expect(viewed).toEqual(copied);
          if (copied.some((e) => Array.isArray(e) && e[0] === 'close' && /"overlapBytes":[1-9]/.test(e[4] as string))) materialized++;
        },
      ),
      { numRuns: 300 },
    );
    // The runs exercised the path where views turn into copies, not only the clean one.
    expect(materialized).toBeGreaterThan(10);
  });

  it('agrees where the head lands inside a held segment (a cut segment whose lost tail covers it)', () => {
    setBackend(backend);
    const data = new Uint8Array(40).map((_, i) => 65 + i);
    const segs: Seg[] = [
      { conn: 0, from: 0, seq: 100, ack: 0, flags: SYN, data: new Uint8Array(0) },
      { conn: 0, from: 0, seq: 121, ack: 0, flags: ACK | PSH, data: data.subarray(20, 30) },
      { conn: 0, from: 0, seq: 133, ack: 0, flags: ACK | PSH, data: data.subarray(32, 36) },
      // Bytes 0..25 on the wire, the capture kept 0..5: its lost tail ends inside the first held one.
      { conn: 0, from: 0, seq: 101, ack: 0, flags: ACK | PSH, data: data.subarray(0, 25), cut: 20 },
      { conn: 0, from: 0, seq: 131, ack: 0, flags: ACK | PSH, data: data.subarray(30, 32) },
    ];
    for (const overlap of ['first', 'last', 'tshark'] as const) {
      const copied = log(segs.map(frame), { overlap, zeroCopy: false });
      expect(log(segs.map(frame), { overlap, zeroCopy: true })).toEqual(copied);
      // What both hand on: the 5 captured bytes, the held range from where the lost tail ends, the rest.
      const chunks = copied.filter((e) => Array.isArray(e) && e[0] === 'data').map((e) => String.fromCharCode(...((e as unknown[])[3] as number[])));
      expect(chunks).toEqual(['ABCDE', 'Z[\\]^', '_`', 'abcd']);
    }
  });

  it('agrees when one delivery moves the window several blocks (held jumbo segments)', () => {
    setBackend(backend);
    const data = new Uint8Array(30000).map((_, i) => i * 31);
    const at = (from: number, to: number): Seg => ({ conn: 0, from: 0, seq: 1001 + from, ack: 0, flags: ACK | PSH, data: data.subarray(from, to) });
    const segs: Seg[] = [{ conn: 0, from: 0, seq: 1000, ack: 0, flags: SYN, data: new Uint8Array(0) }, at(3000, 12000), at(12000, 21000), at(21500, 30000), at(0, 3000), at(21000, 21500)];
    const copied = log(segs.map(frame), { zeroCopy: false });
    expect(log(segs.map(frame), { zeroCopy: true })).toEqual(copied);
    // The held ones span three blocks each: the memory counted while they wait, all of it back after.
    const memory = copied.filter((e) => Array.isArray(e) && e[0] === 'stats').map((e) => ((e as unknown[])[1] as { bufferedMemory: number }).bufferedMemory);
    expect(memory).toEqual([0, 4 * 4096, 7 * 4096, 9 * 4096, 4 * 4096, 0]);
  });

  it('agrees when the held window slides, then reaches past 16 blocks (the block ring grows), then a segment overlaps it', () => {
    setBackend(backend);
    const MSS = 1448;
    const data = new Uint8Array(300_000).map((_, i) => (i * 7) ^ (i >>> 8));
    const at = (from: number, to = from + MSS): Seg => ({ conn: 0, from: 0, seq: 1001 + from, ack: 0, flags: ACK | PSH, data: data.subarray(from, Math.min(to, data.length)) });
    const segs: Seg[] = [{ conn: 0, from: 0, seq: 1000, ack: 0, flags: SYN, data: new Uint8Array(0) }];
    // Pairs swapped: each later one waits, then goes with the one before it, so the window slides
    // block after block while something is held (the ring's start moves on).
    let pos = 0;
    for (; pos + 2 * MSS <= 40 * MSS; pos += 2 * MSS) segs.push(at(pos + MSS), at(pos));
    segs.push(at(pos + MSS, pos + 2 * MSS));
    // Then 100 segments far ahead (about 35 blocks), a hole of one segment before them.
    const ahead = pos + 2 * MSS;
    for (let k = 0; k < 100; k++) segs.push(at(ahead + k * MSS));
    const end = ahead + 100 * MSS;
    // One that overlaps two held ones: from here on the direction holds copies, not views.
    segs.push(at(ahead + 50 * MSS + 700));
    segs.push(at(pos));
    const tail: Seg[] = [];
    for (let k = end; k < data.length; k += MSS) tail.push(at(k));
    segs.push(...tail);
    for (const overlap of ['first', 'last', 'tshark'] as const) {
      const copied = log(segs.map(frame), { overlap, zeroCopy: false });
      expect(log(segs.map(frame), { overlap, zeroCopy: true })).toEqual(copied);
      const chunks = copied.filter((e) => Array.isArray(e) && e[0] === 'data').map((e) => (e as unknown[])[3] as number[]);
      expect(Uint8Array.from(chunks.flat())).toEqual(data);
      // The far-ahead segments waited in more than 16 blocks at once.
      const memory = copied.filter((e) => Array.isArray(e) && e[0] === 'stats').map((e) => ((e as unknown[])[1] as { bufferedMemory: number }).bufferedMemory);
      expect(Math.max(...memory)).toBeGreaterThan(30 * 4096);
    }
    // Without the overlapping one, every chunk is a view of a pushed frame, none a copy.
    const frames = [...segs.slice(0, -2 - tail.length), at(pos), ...tail].map(frame);
    const buffers = new Set(frames.map((f) => f.buffer));
    let views = 0;
    let bytes = 0;
    const r = new TcpReassembler({ onData: (_c, _d, chunk) => { if (buffers.has(chunk.buffer as ArrayBuffer)) views++; bytes += chunk.length; } }, { zeroCopy: true });
    frames.forEach((f, i) => r.pushFrame(f, BigInt(i)));
    r.end();
    expect(bytes).toBe(data.length);
    expect(views).toBe(frames.length - 1);
  });

  it('agrees when more segments wait than the range list holds (views become copies, ranges merge)', () => {
    setBackend(backend);
    const n = 400;
    const data = new Uint8Array(n).map((_, i) => i * 13);
    const segs: Seg[] = [{ conn: 0, from: 0, seq: 7, ack: 0, flags: SYN, data: new Uint8Array(0) }];
    // Every other byte first (each a separate range), then the ones between, backwards.
    for (let i = 1; i < n; i += 2) segs.push({ conn: 0, from: 0, seq: 8 + i, ack: 0, flags: ACK | PSH, data: data.subarray(i, i + 1) });
    for (let i = n - 2; i >= 0; i -= 2) segs.push({ conn: 0, from: 0, seq: 8 + i, ack: 0, flags: ACK | PSH, data: data.subarray(i, i + 1) });
    const copied = log(segs.map(frame), { zeroCopy: false });
    expect(log(segs.map(frame), { zeroCopy: true })).toEqual(copied);
    const gaps = copied.filter((e) => Array.isArray(e) && e[0] === 'gap');
    const got = copied.filter((e) => Array.isArray(e) && e[0] === 'data').reduce((k: number, e) => k + (e[3] as number[]).length, 0);
    // The list fills up: some bytes are given up as 'holes' gaps; the rest arrive.
    expect(gaps.length).toBeGreaterThan(0);
    expect((gaps[0] as unknown[])[4]).toBe('holes');
    expect(got + gaps.reduce((k: number, e) => k + (e[3] as number), 0)).toBe(n);
  });

  it('keeps no JS memory for a direction once it stops waiting (50,000 flows, each held a segment)', () => {
    setBackend(backend);
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const N = 50_000;
    // Per flow: SYN, bytes 6-10 (held), bytes 1-5 (both handed on, the buffer empty again).
    const n = N * 3;
    const table = tcpColumns(n);
    table.ipDst.fill(0x0b000001);
    table.srcPort.fill(1000);
    table.dstPort.fill(80);
    table.tcpFlags.fill(ACK | PSH);
    table.payloadLength.fill(5);
    table.ipLength.fill(45);
    for (let f = 0; f < N; f++) {
      for (let k = 0; k < 3; k++) table.ipSrc[f * 3 + k] = 0x0a000000 + f;
      table.tcpSeq[f * 3] = 100;
      table.tcpFlags[f * 3] = SYN;
      table.payloadLength[f * 3] = 0;
      table.ipLength[f * 3] = 40;
      table.tcpSeq[f * 3 + 1] = 106;
      table.payloadOffset[f * 3 + 1] = 5;
      table.tcpSeq[f * 3 + 2] = 101;
    }
    const records = { data: new TextEncoder().encode('abcdefghij'), offsets: new Uint32Array(n), timestamps: new BigInt64Array(n) };
    const heapAfter = (zeroCopy: boolean) => {
      let bytes = 0;
      const r = new TcpReassembler({ onData: (_c, _d, d) => (bytes += d.length) }, { zeroCopy });
      gc();
      const before = process.memoryUsage().heapUsed;
      r.pushTable(asTable(table), records);
      gc();
      const grown = process.memoryUsage().heapUsed - before;
      expect(bytes).toBe(N * 10);
      expect(r.stats().flows).toBe(N);
      return grown;
    };
    const copied = heapAfter(false);
    const viewed = heapAfter(true);
    // The connections themselves weigh the same either way; per-direction lists kept after the
    // buffer emptied added ~1.4 KB a flow (72 MB here) before directions let go of them.
    expect(viewed - copied).toBeLessThan(8 * 1024 * 1024);
  });

  it('never reads outside the records\' bytes, whatever the table says (pushTable)', () => {
    setBackend(backend);
    // The records' data is a window of a larger buffer whose other bytes must never show up.
    const outer = new Uint8Array(64).fill(0xee);
    const data = outer.subarray(16, 26).fill(0x11);
    const rows = [
      { seq: 100, flags: SYN, at: 0, len: 0 },
      { seq: 101, flags: ACK | PSH, at: 8, len: 20 }, // runs past the data's end
      { seq: 121, flags: ACK | PSH, at: 40, len: 5 }, // starts past it
    ];
    const n = rows.length;
    const table = tcpColumns(n);
    rows.forEach((r, i) => {
      table.ipLength[i] = 40 + r.len;
      table.payloadOffset[i] = r.at;
      table.payloadLength[i] = r.len;
      table.tcpSeq[i] = r.seq;
      table.tcpFlags[i] = r.flags;
    });
    table.ipSrc.fill(0x0a000001);
    table.ipDst.fill(0x0a000002);
    table.srcPort.fill(1000);
    table.dstPort.fill(80);
    for (const zeroCopy of [false, true]) {
      const seen: number[] = [];
      const r = new TcpReassembler({ onData: (_c, _d, d) => seen.push(...d) }, { zeroCopy });
      r.pushTable(asTable(table), { data, offsets: new Uint32Array(n), timestamps: new BigInt64Array(n) });
      r.end();
      expect(seen).toEqual([0x11, 0x11]);
    }
  });

  it('hands on a held segment as a view of the pushed bytes', () => {
    setBackend(backend);
    const data = new TextEncoder().encode('abcdefghij');
    const segs: Seg[] = [
      { conn: 0, from: 0, seq: 100, ack: 0, flags: SYN, data: new Uint8Array(0) },
      { conn: 0, from: 0, seq: 106, ack: 0, flags: ACK | PSH, data: data.subarray(5) },
      { conn: 0, from: 0, seq: 101, ack: 0, flags: ACK | PSH, data: data.subarray(0, 5) },
    ];
    const frames = segs.map(frame);
    for (const zeroCopy of [false, true]) {
      const chunks: Uint8Array[] = [];
      const r = new TcpReassembler({ onData: (_c, _d, d) => chunks.push(d) }, { zeroCopy });
      frames.forEach((f, i) => r.pushFrame(f, BigInt(i)));
      r.end();
      expect(chunks.map((c) => new TextDecoder().decode(c))).toEqual(['abcde', 'fghij']);
      // The held one: a view of its frame's bytes with zeroCopy, a copy without.
      expect(chunks[1]!.buffer === frames[1]!.buffer).toBe(zeroCopy);
      expect(r.stats().peakBufferedMemory).toBe(2 * 4096);
    }
  });

  it('reports a held segment whose bytes were detached as a WireError', () => {
    setBackend(backend);
    const f = [
      frame({ conn: 0, from: 0, seq: 100, ack: 0, flags: SYN, data: new Uint8Array(0) }),
      frame({ conn: 0, from: 0, seq: 106, ack: 0, flags: ACK | PSH, data: new Uint8Array(5).fill(7) }),
    ];
    const r = new TcpReassembler({}, { zeroCopy: true });
    r.pushFrame(f[0]!, 0n);
    r.pushFrame(f[1]!, 1n);
    structuredClone(f[1]!.buffer, { transfer: [f[1]!.buffer as ArrayBuffer] }); // detaches it
    let error: unknown;
    try {
      r.end();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WireError);
    expect((error as WireError).message).toMatch(/held segment's 5 bytes are gone/);
  });

  it('is on in reassembleTcp: held chunks are views of the capture', () => {
    setBackend(backend);
    const data = new Uint8Array(3000).map((_, i) => i * 7);
    const segs: Seg[] = [
      { conn: 0, from: 0, seq: 1, ack: 0, flags: SYN, data: new Uint8Array(0) },
      { conn: 0, from: 0, seq: 1002, ack: 0, flags: ACK | PSH, data: data.subarray(1000, 2000) },
      { conn: 0, from: 0, seq: 2002, ack: 0, flags: ACK | PSH, data: data.subarray(2000) },
      { conn: 0, from: 0, seq: 2, ack: 0, flags: ACK | PSH, data: data.subarray(0, 1000) },
    ];
    const capture = writePcap(segs.map(frame).map((f, i) => ({ data: f, timestamp: BigInt(i) * 1000n, linkType: 1, capturedLength: f.length, originalLength: f.length, interfaceId: 0 })));
    for (const zeroCopy of [undefined, false] as const) {
      const chunks: Uint8Array[] = [];
      reassembleTcp(capture, { onData: (_c, _d, d) => chunks.push(d) }, { zeroCopy });
      expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 1000]);
      expect(Array.from(chunks.flatMap((c) => Array.from(c)))).toEqual(Array.from(data));
      expect(chunks.every((c) => c.buffer === capture.buffer)).toBe(zeroCopy === undefined);
    }
  });
});
