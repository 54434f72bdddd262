// One direction's reassembly: order, retransmissions, overlaps, wraparound, gaps, probes; the
// in-order fast path's zero copy; the three outputs (callbacks, async iterator, ReadableStream);
// and fast-check properties over random streams on both backends.
import { captureBatchesResident, type CaptureBatch } from '../src/batch-capture.js';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeFrame } from '../src/encode.js';
import { decodeBatch } from '../src/batch.js';
import { indexCapture } from '../src/capture/index-capture.js';
import { writePcap } from '../src/capture/writer.js';
import { setBackend } from '../src/wasm/backend.js';
import { WireError } from '../src/errors.js';
import { readCaptureSync } from '../src/capture/reader.js';
import { readdirSync, readFileSync } from 'node:fs';
import { TcpReassembler, type TcpConnection, type GapReason } from '../src/transport/tcp-flows.js';
import { followTcpStream, reassembleCapture, reassembleTcp, tcpStreamReadable } from '../src/transport/tcp-follow.js';

const FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16;
const C = { ip: '10.0.0.1', port: 40000 };
const S = { ip: '10.0.0.2', port: 80 };

interface Seg { from: 0 | 1; seq: number; ack?: number; flags?: number; data?: Uint8Array | string; window?: number }

const bytes = (d: Uint8Array | string | undefined) => (d === undefined ? new Uint8Array(0) : typeof d === 'string' ? new TextEncoder().encode(d) : d);

function frame(s: Seg): Uint8Array {
  const [a, b] = s.from === 0 ? [C, S] : [S, C];
  return encodeFrame(
    [
      { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
      { ip: { src: a.ip, dst: b.ip } },
      { tcp: { srcport: a.port, dstport: b.port, seq: s.seq >>> 0, ack: (s.ack ?? 0) >>> 0, flags: s.flags ?? (ACK | PSH), window: s.window ?? 65535 } },
    ],
    bytes(s.data),
  );
}

interface Out {
  chunks: { dir: number; data: Uint8Array }[];
  gaps: { dir: number; size: number; reason: GapReason }[];
  closed: TcpConnection[];
  conns: TcpConnection[];
}

function run(segs: Seg[], options = {}, frames = segs.map(frame)): { out: Out; r: TcpReassembler; frames: Uint8Array[] } {
  const out: Out = { chunks: [], gaps: [], closed: [], conns: [] };
  const r = new TcpReassembler(
    {
      onConnection: (c) => out.conns.push(c),
      onData: (_c, dir, data) => out.chunks.push({ dir, data }),
      onGap: (_c, dir, size, reason) => out.gaps.push({ dir, size, reason }),
      onClose: (c) => out.closed.push(c),
    },
    options,
  );
  frames.forEach((f, i) => r.pushFrame(f, BigInt(i) * 1000n));
  return { out, r, frames };
}

const text = (out: Out, dir: number) => new TextDecoder().decode(concat(out.chunks.filter((c) => c.dir === dir).map((c) => c.data)));
const pieces = (out: Out, dir: number) => out.chunks.filter((c) => c.dir === dir).map((c) => new TextDecoder().decode(c.data));

function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const handshake = (ci: number, si: number): Seg[] => [
  { from: 0, seq: ci, flags: SYN },
  { from: 1, seq: si, ack: ci + 1, flags: SYN | ACK },
  { from: 0, seq: ci + 1, ack: si + 1, flags: ACK },
];

const BACKENDS = ['wasm', 'js'] as const;
afterEach(() => setBackend('auto'));

describe.each(BACKENDS)('reassembly (%s)', (backend) => {
  const use = () => setBackend(backend);

  it('hands in-order segments on as views of the packet (no copy)', () => {
    use();
    const { out, frames } = run([...handshake(1000, 5000), { from: 0, seq: 1001, ack: 5001, data: 'hello ' }, { from: 0, seq: 1007, ack: 5001, data: 'world' }]);
    expect(pieces(out, 0)).toEqual(['hello ', 'world']);
    expect(out.chunks[0]!.data.buffer).toBe(frames[3]!.buffer);
  });

  it('buffers out-of-order segments and delivers them in order, one chunk per segment', () => {
    use();
    const { out, r } = run([
      ...handshake(1000, 5000),
      { from: 0, seq: 1001, data: 'AAAA' },
      { from: 0, seq: 1013, data: 'DDDD' },
      { from: 0, seq: 1009, data: 'CCCC' },
      { from: 0, seq: 1005, data: 'BBBB' },
    ]);
    expect(pieces(out, 0)).toEqual(['AAAA', 'BBBB', 'CCCC', 'DDDD']);
    const conn = out.conns[0]!;
    expect(conn.directions[0].stats.outOfOrder).toBe(2);
    expect(r.stats().bufferedBytes).toBe(0);
    expect(r.stats().bufferedMemory).toBe(0);
  });

  it('drops and counts retransmissions, keeps the new tail of a partial one', () => {
    use();
    const { out } = run([
      ...handshake(1000, 5000),
      { from: 0, seq: 1001, data: 'abcd' },
      { from: 0, seq: 1001, data: 'abcd' },
      { from: 0, seq: 1003, data: 'cdef' },
    ]);
    expect(text(out, 0)).toBe('abcdef');
    expect(pieces(out, 0)).toEqual(['abcd', 'ef']);
    const s = out.conns[0]!.directions[0].stats;
    expect(s.retransmissions).toBe(1);
    expect(s.retransmittedBytes).toBe(6);
  });

  it.each([
    ['first', 'abcdXYgh'],
    ['last', 'abcdEFgh'],
  ] as const)('resolves overlapping buffered bytes by policy %s and flags conflicts', (overlap, expected) => {
    use();
    const { out } = run(
      [
        ...handshake(1000, 5000),
        { from: 0, seq: 1005, data: 'XY' },
        { from: 0, seq: 1005, data: 'EFgh' },
        { from: 0, seq: 1001, data: 'abcd' },
      ],
      { overlap },
    );
    expect(text(out, 0)).toBe(expected);
    const s = out.conns[0]!.directions[0].stats;
    expect(s.overlapBytes).toBe(2);
    expect(s.conflictBytes).toBe(2);
  });

  it('compares sequence numbers modulo 2^32 (a stream across the wrap)', () => {
    use();
    const isn = 0xfffffff0;
    const data = 'the quick brown fox jumps over the lazy dog';
    const segs: Seg[] = [...handshake(isn, 7)];
    for (let at = 0; at < data.length; at += 5) segs.push({ from: 0, seq: (isn + 1 + at) >>> 0, data: data.slice(at, at + 5) });
    const shuffled = [...segs.slice(0, 3), ...segs.slice(3).reverse()];
    expect(text(run(segs).out, 0)).toBe(data);
    expect(text(run(shuffled).out, 0)).toBe(data);
  });

  it('reports a hole the receiver acknowledged as an acked gap and goes on', () => {
    use();
    const { out } = run([
      ...handshake(1000, 5000),
      { from: 0, seq: 1001, data: 'AAAA' },
      { from: 0, seq: 1009, data: 'CCCC' },
      { from: 1, seq: 5001, ack: 1013, flags: ACK },
    ]);
    expect(pieces(out, 0)).toEqual(['AAAA', 'CCCC']);
    expect(out.gaps).toEqual([{ dir: 0, size: 4, reason: 'acked' }]);
  });

  it('skips holes when a segment lies beyond the per-flow cap', () => {
    use();
    const { out } = run(
      [
        ...handshake(1000, 5000),
        { from: 0, seq: 1101, data: 'far' },
        { from: 0, seq: 1001 + 10000, data: 'farther' },
      ],
      { maxBufferedPerFlow: 4096 },
    );
    expect(pieces(out, 0)).toEqual(['far', 'farther']);
    expect(out.gaps.map((g) => [g.size, g.reason])).toEqual([
      [100, 'buffer-limit'],
      [10000 - 103, 'buffer-limit'],
    ]);
  });

  it('flushes holes at the end, filling them with zeros on request', () => {
    use();
    const { out, r } = run([...handshake(1000, 5000), { from: 0, seq: 1005, data: 'tail' }], { fillGaps: true });
    expect(out.chunks).toEqual([]);
    r.end();
    expect(out.gaps).toEqual([{ dir: 0, size: 4, reason: 'closed' }]);
    expect(Array.from(concat(out.chunks.map((c) => c.data)))).toEqual([0, 0, 0, 0, ...new TextEncoder().encode('tail')]);
    expect(out.closed).toHaveLength(1);
  });

  it('recognises keep-alives and zero-window probes and does not deliver them', () => {
    use();
    const segs: Seg[] = [
      ...handshake(1000, 5000),
      { from: 0, seq: 1001, data: 'data' },
      { from: 0, seq: 1004, flags: ACK, data: 'x' }, // keep-alive with one garbage byte
      { from: 0, seq: 1004, flags: ACK }, // keep-alive
      { from: 1, seq: 5001, ack: 1005, flags: ACK, window: 0 },
      { from: 0, seq: 1005, flags: ACK, data: 'p' }, // zero-window probe
    ];
    const { out } = run(segs);
    expect(text(out, 0)).toBe('data');
    const s = out.conns[0]!.directions[0].stats;
    expect(s.keepAlives).toBe(2);
    expect(s.zeroWindowProbes).toBe(1);
    expect(s.retransmissions).toBe(0);
    expect(text(run(segs, { zeroWindowProbes: 'deliver' }).out, 0)).toBe('datap');
  });

  it('reads a decoded capture through pushTable exactly as packet by packet', () => {
    use();
    const segs: Seg[] = [...handshake(1000, 5000), { from: 0, seq: 1009, data: 'CCCC' }, { from: 0, seq: 1001, data: 'AAAABBBB' }, { from: 1, seq: 5001, ack: 1013, data: 'reply' }];
    const frames = segs.map(frame);
    const file = writePcap(frames.map((data, i) => ({ data, timestamp: BigInt(i) * 1000n, linkType: 1, originalLength: data.length, capturedLength: data.length, interfaceId: 0 })));
    const viaPackets = run(segs).out;
    const chunks: { dir: number; data: string }[] = [];
    reassembleTcp(file, { onData: (_c, dir, data) => chunks.push({ dir, data: new TextDecoder().decode(data) }) });
    expect(chunks).toEqual(viaPackets.chunks.map((c) => ({ dir: c.dir, data: new TextDecoder().decode(c.data) })));
    const index = indexCapture(file);
    const r = new TcpReassembler();
    r.pushTable(decodeBatch(index), index);
    const conn = [...r.connections()][0]!;
    expect(conn.frameBytes[0]).toBe(frames.filter((_, i) => segs[i]!.from === 0).reduce((n, f) => n + f.length, 0));
  });
});

describe('reassembleTcp (batch decoder) against pushRecord (decodePacket), packet by packet', () => {
  // Linux cooked captures (SLL, SLL2: what `tcpdump -i any` writes) go through the batch decoder;
  // link types outside it (BSD loopback here: the Ethernet capture with a NULL header instead) go
  // to pushRecord, in order with the rest.
  const files = [
    ...['sll.pcap', 'sll2.pcap', 'lo-eth.pcap', 'lo-eth-big.pcap', 'lo-eth.pcapng', 'null:lo-eth.pcap'].map((f) => `test/fixtures/capture-real/${f}`),
    ...readdirSync('test/fixtures/reassembly').filter((f) => f.endsWith('.pcap')).map((f) => `test/fixtures/reassembly/${f}`),
  ];
  /** The same traffic with a 4-byte little-endian AF_ word (2: IPv4, 30: IPv6) for link type 0. */
  const asNull = (file: Uint8Array) =>
    writePcap(
      [...readCaptureSync(file)].map((r) => {
        const af = ((r.data[12]! << 8) | r.data[13]!) === 0x86dd ? 30 : 2;
        const data = new Uint8Array(r.data.length - 10);
        new DataView(data.buffer).setUint32(0, af, true);
        data.set(r.data.subarray(14), 4);
        return { ...r, data, linkType: 0, capturedLength: data.length, originalLength: r.originalLength - 10 };
      }),
    );
  it.each(files)('%s: the same chunks and gaps in the same order (WASM and JS)', (path) => {
    const file = path.includes('null:') ? asNull(new Uint8Array(readFileSync(path.replace('null:', '')))) : new Uint8Array(readFileSync(path));
    if (path.includes('null:')) expect(indexCapture(file).linkTypes[0]).toBe(0);
    const log = (out: string[]) => ({
      onData: (c: TcpConnection, d: number, b: Uint8Array) => out.push(`${c.stream}/${d} ${Buffer.from(b).toString('hex')}`),
      onGap: (c: TcpConnection, d: number, n: number, why: GapReason) => out.push(`${c.stream}/${d} gap ${n} ${why}`),
    });
    for (const backend of ['wasm', 'js'] as const) {
      setBackend(backend);
      const viaBatch: string[] = [];
      reassembleTcp(file, log(viaBatch));
      const viaPackets: string[] = [];
      const r = new TcpReassembler(log(viaPackets));
      for (const record of readCaptureSync(file)) r.pushRecord(record);
      r.end();
      expect(viaBatch.length).toBeGreaterThan(0);
      expect(viaBatch).toEqual(viaPackets);
      // Callbacks that decode into the caller's resident table, or reassemble another capture,
      // change nothing: the batch being reassembled lives in a region of its own.
      const busy: string[] = [];
      const plain = log(busy);
      reassembleTcp(file, {
        ...plain,
        onData: (c, d, b) => {
          decodeBatch([file.subarray(40, 100), file.subarray(0, 60)], { resident: true });
          if (busy.length === 1) reassembleTcp(file, {});
          plain.onData(c, d, b);
        },
      });
      expect(busy).toEqual(viaPackets);
    }
    setBackend('auto');
  });

  it('a callback that throws stops the walk and frees its region: the next reassembleTcp is whole again', () => {
    setBackend('wasm');
    const file = new Uint8Array(readFileSync('test/fixtures/capture-real/lo-eth-big.pcap'));
    const all: number[] = [];
    reassembleTcp(file, { onData: (_c, _d, b) => all.push(b.length) });
    expect(() => reassembleTcp(file, { onData: () => { throw new Error('stop'); } })).toThrow('stop');
    const again: number[] = [];
    reassembleTcp(file, { onData: (_c, _d, b) => again.push(b.length) });
    expect(again).toEqual(all);
    const batches = captureBatchesResident(file);
    expect((batches.next().value as CaptureBatch).table.resident).toBe(true);
    batches.return(undefined);
    setBackend('auto');
  });
});

describe('reassembleTcp on a damaged file', () => {
  it('hands on everything before the damage, closes the connections, then throws the capture error', () => {
    for (const backend of ['wasm', 'js'] as const) {
      setBackend(backend);
      const segs: Seg[] = [...handshake(1000, 5000), { from: 0, seq: 1001, data: 'AAAA' }, { from: 0, seq: 1009, data: 'CCCC' }, { from: 0, seq: 1013, data: 'DDDD' }];
      const frames = segs.map(frame);
      const file = writePcap(frames.map((data, i) => ({ data, timestamp: BigInt(i) * 1000n, linkType: 1, originalLength: data.length, capturedLength: data.length, interfaceId: 0 })));
      // The last record cut short: the file ends inside it.
      const cut = file.subarray(0, file.length - 3);
      const data: string[] = [];
      const gaps: number[] = [];
      const closed: string[] = [];
      let error: unknown;
      try {
        reassembleTcp(cut, { onData: (_c, _d, b) => data.push(new TextDecoder().decode(b)), onGap: (_c, _d, n) => gaps.push(n), onClose: (_c, why) => closed.push(why) });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WireError);
      expect((error as WireError).code).toBe('truncated');
      // AAAA in order; CCCC held behind a 4-byte hole, handed on at the end with the hole as a gap.
      expect(data).toEqual(['AAAA', 'CCCC']);
      expect(gaps).toEqual([4]);
      expect(closed).toEqual(['end']);
    }
    setBackend('auto');
  });
});

describe('outputs', () => {
  const segs: Seg[] = [
    ...handshake(1000, 5000),
    { from: 0, seq: 1001, ack: 5001, data: 'GET / HTTP/1.1\r\n\r\n' },
    { from: 1, seq: 5001 + 6, ack: 1019, data: 'world' },
    { from: 1, seq: 5001, ack: 1019, data: 'hello ' },
    { from: 0, seq: 1019, ack: 5012, flags: FIN | ACK },
    { from: 1, seq: 5012, ack: 1020, flags: FIN | ACK },
    { from: 0, seq: 1020, ack: 5013, flags: ACK },
  ];
  const file = writePcap(segs.map((s, i) => { const data = frame(s); return { data, timestamp: BigInt(i) * 1_000_000n, linkType: 1, originalLength: data.length, capturedLength: data.length, interfaceId: 0 }; }));

  it('yields events from reassembleCapture, chunks from followTcpStream', async () => {
    const types: string[] = [];
    for await (const e of reassembleCapture(file)) types.push(e.type);
    expect(types).toEqual(['open', 'data', 'data', 'data', 'close']);
    const chunks: string[] = [];
    for await (const c of followTcpStream(file, 0)) if ('data' in c) chunks.push(`${c.direction}:${new TextDecoder().decode(c.data)}`);
    expect(chunks).toEqual(['0:GET / HTTP/1.1\r\n\r\n', '1:hello ', '1:world']);
  });

  it('streams one direction as a web ReadableStream', async () => {
    const text = await new Response(tcpStreamReadable(file, 0, 1)).text();
    expect(text).toBe('hello world');
  });

  it('tracks connection state and the handshake RTT', () => {
    const { out } = run(segs);
    const conn = out.conns[0]!;
    expect(conn.state).toBe('closed');
    expect(conn.client).toBe(0);
    expect(conn.midstream).toBe(false);
    expect(conn.rtt).toBe(2000);
    expect(conn.directions[1].stats.bytes).toBe(11);
  });

  it('follows the states of a handshake, half-close and reset', () => {
    const states: string[] = [];
    const all: Seg[] = [...handshake(1, 9), { from: 0, seq: 2, ack: 10, data: 'x' }, { from: 0, seq: 3, ack: 10, flags: FIN | ACK }, { from: 1, seq: 10, ack: 4, flags: RST }];
    const r = new TcpReassembler({});
    all.forEach((s, i) => {
      r.pushFrame(frame(s), BigInt(i));
      states.push([...r.connections()][0]!.state);
    });
    expect(states).toEqual(['syn-sent', 'syn-received', 'established', 'established', 'half-closed', 'reset']);
  });

  it('picks up a connection already running (no SYN seen)', () => {
    const { out } = run([{ from: 1, seq: 777, ack: 3, data: 'mid' }, { from: 0, seq: 3, ack: 780, data: 'way' }, { from: 1, seq: 780, ack: 6, data: '!' }]);
    const conn = out.conns[0]!;
    expect(conn.midstream).toBe(true);
    expect(conn.state).toBe('established');
    expect(conn.addresses).toEqual([S.ip, C.ip]);
    expect(text(out, 0)).toBe('mid!');
    expect(text(out, 1)).toBe('way');
  });
});

// -- properties ------------------------------------------------------------------------------------

/** Segments of `data` from `isn + 1`, cut at random sizes up to mss, with duplicates and overlaps. */
function cut(data: Uint8Array, isn: number, from: 0 | 1, mss: number, rnd: () => number, peerIsn: number): Seg[] {
  // Every segment acknowledges the peer's SYN only: no ACK proves a hole delivered.
  const ack = (peerIsn + 1) >>> 0;
  const out: Seg[] = [];
  let at = 0;
  while (at < data.length) {
    const n = Math.min(data.length - at, 1 + Math.floor(rnd() * mss));
    out.push({ from, seq: (isn + 1 + at) >>> 0, ack, data: data.subarray(at, at + n) });
    // A duplicate, or one that overlaps both neighbours (same bytes: a repacketised retransmission).
    if (rnd() < 0.2) out.push({ from, seq: (isn + 1 + at) >>> 0, ack, data: data.subarray(at, at + n) });
    if (rnd() < 0.2 && at > 0) {
      const s = Math.max(0, at - Math.floor(rnd() * 8));
      const e = Math.min(data.length, at + n + Math.floor(rnd() * 8));
      out.push({ from, seq: (isn + 1 + s) >>> 0, ack, data: data.subarray(s, e) });
    }
    at += n;
  }
  return out;
}

function lcg(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe.each(BACKENDS)('properties (%s)', (backend) => {
  it('reassembles shuffled, duplicated, overlapping segments of random streams back to the original, both ways', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 3000, size: 'max' }),
        fc.uint8Array({ minLength: 0, maxLength: 3000, size: 'max' }),
        fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0xffffff00, max: 0xffffffff })),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 1, max: 1500 }),
        fc.integer(),
        fc.constantFrom<'first' | 'last'>('first', 'last'),
        (up, down, ci, si, mss, seed, overlap) => {
          setBackend(backend);
          const rnd = lcg(seed);
          const body = [...cut(up, ci, 0, mss, rnd, si), ...cut(down, si, 1, mss, rnd, ci)];
          // Shuffle within a window, so reordering stays within the per-flow cap as on a real path.
          for (let i = body.length - 1; i > 0; i--) {
            const j = Math.max(0, i - Math.floor(rnd() * 8));
            [body[i], body[j]] = [body[j]!, body[i]!];
          }
          const { out, r } = run([...handshake(ci, si), ...body], { overlap });
          r.end();
          expect(out.gaps).toEqual([]);
          expect(concat(out.chunks.filter((c) => c.dir === 0).map((c) => c.data))).toEqual(up);
          expect(concat(out.chunks.filter((c) => c.dir === 1).map((c) => c.data))).toEqual(down);
          expect(r.stats().bufferedMemory).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
