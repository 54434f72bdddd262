import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { segmentTcp, type TcpSegmentOptions } from '../src/transport/tcp-segment.js';
import { compileSegmenter, type SegmenterOptions } from '../src/segment-frames.js';
import { segmentFramesJs, SEGMENT_PARAM, SEGMENT_PARAM_COUNT, SEGMENT_NONE } from '../src/kernels/segment.js';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame, type FrameLayer } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { decodeTcp, TcpFlag, type TcpInput } from '../src/transport/tcp.js';
import type { TcpOption } from '../src/transport/tcp-options.js';
import { allocBuffer, requireArena, setBackend } from '../src/wasm/backend.js';

afterEach(() => setBackend('auto'));

const ETH = { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } };
const TS: TcpOption[] = [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamp', tsval: 1000, tsecr: 77 }];

function stream(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Byte equality without vitest's element-by-element diff (slow on megabytes); says where they part. */
function expectSameBytes(got: Uint8Array, want: Uint8Array, what = 'bytes'): void {
  if (got.length === want.length && Buffer.from(got.buffer, got.byteOffset, got.length).equals(Buffer.from(want.buffer, want.byteOffset, want.length))) return;
  let i = 0;
  while (i < got.length && i < want.length && got[i] === want[i]) i++;
  expect.fail(`${what} differ: lengths ${got.length} and ${want.length}, first difference at byte ${i}`);
}

/** The same frames in the same order. */
function expectSameFrames(got: Uint8Array[], want: Uint8Array[], what: string): void {
  expect(got.length, `${what}: frame count`).toBe(want.length);
  for (let i = 0; i < want.length; i++) expectSameBytes(got[i]!, want[i]!, `${what}: frame ${i}`);
}

/** Every frame of every batch, copied (batch views do not outlive the next batch). */
function framesOf(layers: FrameLayer[], data: Uint8Array, options: SegmenterOptions, start?: { seq?: number; id?: number; tsval?: number }): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const b of compileSegmenter(layers, options).batches(data, start)) for (const f of b) out.push(f.slice());
  return out;
}

/** What segmentTcp + encodeFrame make for the same stream: the reference frames. */
function referenceFrames(layers: FrameLayer[], data: Uint8Array, options: SegmenterOptions, ipOptionBytes = 0): Uint8Array[] {
  const tcp = layers[layers.length - 1]!.tcp as TcpInput;
  const ipLayer = layers.find((l) => 'ip' in l)?.ip as { id?: number } | undefined;
  // segmentTcp knows nothing of IP options: take their bytes off its MSS the way the frame form does.
  const segs = segmentTcp(data, { ...tcp, mss: options.mss - ipOptionBytes, push: options.push, tsvalStep: options.tsvalStep } as TcpSegmentOptions);
  return segs.map((s, i) => {
    const l = layers.slice(0, -1).map((x) => ('ip' in x ? { ip: { ...(x.ip as object), id: ((ipLayer?.id ?? 0) + i * (options.idStep ?? 1)) & 0xffff } } : x));
    return encodeFrame([...l, { tcp: s.header }], s.payload);
  });
}

describe('segmentTcp', () => {
  const base: TcpSegmentOptions = { srcport: 40000, dstport: 80, seq: 1001, ack: 5001, mss: 1460, addresses: { src: '192.0.2.1', dst: '198.51.100.2' } };

  it('an empty stream is no segments', () => {
    expect(segmentTcp(new Uint8Array(0), base)).toEqual([]);
  });

  it('one byte: one segment, ACK|PSH, seq as given, checksum good', () => {
    const [s, ...rest] = segmentTcp(Uint8Array.of(0x41), base);
    expect(rest).toHaveLength(0);
    const h = decodeTcp(s!.bytes, 0, { addresses: base.addresses });
    expect(h).toMatchObject({ seq: 1001, ack: 5001, flags: TcpFlag.ACK | TcpFlag.PSH, checksumStatus: 'good' });
    expect([...s!.payload]).toEqual([0x41]);
    expect(s!.bytes.length).toBe(21);
  });

  it('an exact multiple of the MSS: full segments, PSH only on the last', () => {
    const data = stream(1460 * 3);
    const segs = segmentTcp(data, base);
    expect(segs.map((s) => s.payload.length)).toEqual([1460, 1460, 1460]);
    expect(segs.map((s) => s.header.seq)).toEqual([1001, 2461, 3921]);
    expect(segs.map((s) => s.header.flags)).toEqual([TcpFlag.ACK, TcpFlag.ACK, TcpFlag.ACK | TcpFlag.PSH]);
    expect(concat(segs.map((s) => s.payload))).toEqual(data);
    for (const s of segs) expect(decodeTcp(s.bytes, 0, { addresses: base.addresses }).checksumStatus).toBe('good');
    // Payloads are views of the stream, not copies.
    expect(segs[1]!.payload.buffer).toBe(data.buffer);
  });

  it('options come off the MSS (RFC 9293 3.7.1): 12 bytes of timestamps leave 1448', () => {
    const segs = segmentTcp(stream(3000), { ...base, options: TS });
    expect(segs.map((s) => s.payload.length)).toEqual([1448, 1448, 104]);
    expect(segs.every((s) => s.bytes.length - s.payload.length === 32)).toBe(true);
  });

  it('timestamps are the same in every segment, or advance by tsvalStep', () => {
    const same = segmentTcp(stream(5000), { ...base, options: TS });
    expect(same.map((s) => decodeTcp(s.bytes).options[2])).toEqual(same.map(() => ({ kind: 'timestamp', tsval: 1000, tsecr: 77 })));
    const step = segmentTcp(stream(5000), { ...base, options: [{ kind: 'timestamp', tsval: 0xfffffffe, tsecr: 1 }], tsvalStep: 1 });
    expect(step.map((s) => (decodeTcp(s.bytes).options[0] as { tsval: number }).tsval)).toEqual([0xfffffffe, 0xffffffff, 0, 1]);
  });

  it('sequence numbers wrap modulo 2^32 and checksums stay good', () => {
    const seq = 0xffffffff - 1000;
    const segs = segmentTcp(stream(4000), { ...base, seq });
    expect(segs.map((s) => s.header.seq)).toEqual([seq, (seq + 1460) % 2 ** 32, (seq + 2920) % 2 ** 32]);
    expect(segs[1]!.header.seq).toBe(459);
    for (const s of segs) expect(decodeTcp(s.bytes, 0, { addresses: base.addresses }).checksumStatus).toBe('good');
  });

  it('IPv6 pseudo-header', () => {
    const addresses = { src: '2001:db8::1', dst: '2001:db8:ffff::2' };
    const segs = segmentTcp(stream(3000), { ...base, addresses });
    expect(segs.length).toBe(3);
    for (const s of segs) {
      expect(decodeTcp(s.bytes, 0, { addresses }).checksumStatus).toBe('good');
      expect(decodeTcp(s.bytes, 0, { addresses: base.addresses }).checksumStatus).toBe('bad');
    }
  });

  it('FIN and PSH only on the last segment, CWR only on the first; push: false adds no PSH', () => {
    const f = TcpFlag.ACK | TcpFlag.FIN | TcpFlag.CWR | TcpFlag.ECE;
    const segs = segmentTcp(stream(3000), { ...base, flags: f });
    expect(segs.map((s) => s.header.flags)).toEqual([TcpFlag.ACK | TcpFlag.CWR | TcpFlag.ECE, TcpFlag.ACK | TcpFlag.ECE, TcpFlag.ACK | TcpFlag.ECE | TcpFlag.FIN | TcpFlag.PSH]);
    const one = segmentTcp(stream(10), { ...base, flags: f, push: false });
    expect(one.map((s) => s.header.flags)).toEqual([f]);
    const quiet = segmentTcp(stream(3000), { ...base, push: false });
    expect(quiet.every((s) => s.header.flags === TcpFlag.ACK)).toBe(true);
  });

  it('without addresses the checksum is 0', () => {
    const [s] = segmentTcp(stream(10), { ...base, addresses: undefined });
    expect(decodeTcp(s!.bytes).checksum).toBe(0);
  });

  it('refuses an MSS the options leave no room in, SYN/RST, and bad numbers with WireError', () => {
    const tryIt = (o: Partial<TcpSegmentOptions>) => () => segmentTcp(stream(10), { ...base, ...o } as TcpSegmentOptions);
    expect(tryIt({ mss: 8, options: TS })).toThrow(WireError);
    expect(tryIt({ mss: 8, options: TS })).toThrow(/mss 8 leaves no room for data after 12 bytes of TCP options/);
    expect(tryIt({ mss: 12, options: TS })).toThrow(/no room/);
    expect(segmentTcp(stream(10), { ...base, mss: 13, options: TS }).map((s) => s.payload.length)).toEqual(Array(10).fill(1));
    expect(tryIt({ mss: 0 })).toThrow(/mss must be an integer 1..65535/);
    expect(tryIt({ mss: 1.5 })).toThrow(WireError);
    expect(tryIt({ mss: 70000 })).toThrow(WireError);
    expect(tryIt({ flags: TcpFlag.SYN })).toThrow(/SYN or RST/);
    expect(tryIt({ flags: TcpFlag.RST | TcpFlag.ACK })).toThrow(/SYN or RST/);
    expect(tryIt({ seq: -1 })).toThrow(/seq must be/);
    expect(tryIt({ seq: 2 ** 32 })).toThrow(/seq must be/);
    expect(() => segmentTcp([1, 2] as unknown as Uint8Array, base)).toThrow(/stream must be a Uint8Array/);
  });

  it('an MSS of 65535 is capped so a segment still fits the 16-bit IPv4 lengths', () => {
    const segs = segmentTcp(stream(70000), { ...base, mss: 65535 });
    expect(segs[0]!.bytes.length).toBe(65535);
    expect(decodeTcp(segs[0]!.bytes, 0, { addresses: base.addresses }).checksumStatus).toBe('good');
  });
});

describe('compileSegmenter: frames', () => {
  const v4: FrameLayer[] = [ETH, { ip: { src: '10.0.0.1', dst: '10.0.0.2', id: 0xfffe, dontFragment: true } }, { tcp: { srcport: 40000, dstport: 443, seq: 0xfffff000, ack: 7, options: TS } }];
  const v6: FrameLayer[] = [ETH, { ipv6: { src: '2001:db8::1', dst: '2001:db8::2' } }, { tcp: { srcport: 40000, dstport: 443, seq: 12345, ack: 7 } }];

  for (const backend of ['wasm', 'js'] as const) {
    it(`${backend}: every frame decodes with good checksums, seq and len right, payloads == the stream`, () => {
      setBackend(backend);
      for (const [layers, mss] of [[v4, 1460], [v6, 1440]] as const) {
        const data = stream(100_000, mss);
        const seg = compileSegmenter(layers, { mss });
        const frames = framesOf(layers, data, { mss });
        expect(frames.length).toBe(seg.frameCount(data.length));
        expect(frames.reduce((n, f) => n + f.length, 0)).toBe(seg.outputLength(data.length));
        const seq0 = (layers[2]!.tcp as TcpInput).seq!;
        let at = 0;
        const payloads: Uint8Array[] = [];
        frames.forEach((f, i) => {
          const p = decodePacket(f);
          const fields = p.fields();
          expect(p.errors).toEqual([]);
          expect(fields['tcp.checksum.status']).toBe('good');
          if (layers === v4) {
            expect(fields['ip.checksum.status']).toBe('good');
            expect(fields['ip.id']).toBe((0xfffe + i) & 0xffff);
          }
          expect(fields['tcp.seq_raw']).toBe((seq0 + at) % 2 ** 32);
          expect(fields['tcp.len']).toBe(p.payload.length);
          expect(fields['tcp.flags']).toBe(i === frames.length - 1 ? TcpFlag.ACK | TcpFlag.PSH : TcpFlag.ACK);
          at += p.payload.length;
          payloads.push(p.payload);
        });
        expectSameBytes(concat(payloads), data, 'payloads');
        // v4 wraps: 0xfffff000 + 100000 passes 2^32.
        if (layers === v4) expect(frames.some((f) => (decodePacket(f).fields()['tcp.seq_raw'] as number) < 0x1000_0000)).toBe(true);
      }
    });
  }

  it('stream lengths 0, 1, an exact multiple of the room; runts are padded to 60', () => {
    const seg = compileSegmenter(v6, { mss: 1440 });
    expect([...seg.batches(new Uint8Array(0))]).toEqual([]);
    expect(seg.frameCount(0)).toBe(0);
    expect(seg.outputLength(0)).toBe(0);
    const small = compileSegmenter([ETH, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { tcp: { srcport: 1, dstport: 2 } }], { mss: 1460 });
    const [one] = framesOf([ETH, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { tcp: { srcport: 1, dstport: 2 } }], Uint8Array.of(9), { mss: 1460 });
    expect(one!.length).toBe(60);
    expect(small.outputLength(1)).toBe(60);
    expect(decodePacket(one!).fields()['tcp.len']).toBe(1);
    const exact = framesOf(v6, stream(1440 * 4), { mss: 1440 });
    expect(exact.map((f) => f.length)).toEqual(Array(4).fill(14 + 40 + 20 + 1440));
  });

  it('IPv4 options and IPv6 extension headers come off the MSS; VLAN tags do not', () => {
    const withOptions = compileSegmenter([ETH, { ip: { src: '10.0.0.1', dst: '10.0.0.2', options: [{ type: 148, value: 0 }] } }, { tcp: { srcport: 1, dstport: 2 } }], { mss: 1460 });
    expect(withOptions.room).toBe(1456);
    const ext = compileSegmenter([ETH, { ipv6: { src: '::1', dst: '::2', extensions: [{ type: 60, options: [{ type: 5, data: [0, 0] }] }] } }, { tcp: { srcport: 1, dstport: 2, options: TS } }], { mss: 1440 });
    expect(ext.room).toBe(1440 - 8 - 12);
    const tagged = compileSegmenter([ETH, { vlan: { id: 5 } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { tcp: { srcport: 1, dstport: 2 } }], { mss: 1460 });
    expect(tagged.room).toBe(1460);
    expect(tagged.headerLength).toBe(58);
  });

  it('refuses what it cannot segment, with WireError', () => {
    const t = (layers: FrameLayer[], o: Partial<SegmenterOptions> = {}) => () => compileSegmenter(layers, { mss: 1460, ...o });
    expect(t(v4, { mss: 12 })).toThrow(/mss 12 leaves no room for data after 12 bytes of TCP options/);
    expect(t([ETH, { ip: { src: '10.0.0.1', dst: '10.0.0.2', options: [{ type: 148, value: 0 }] } }, { tcp: { srcport: 1, dstport: 2, options: TS } }], { mss: 16 })).toThrow(/4 of IP options/);
    expect(t([ETH, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { srcport: 1, dstport: 2 } }])).toThrow(/last layer must be tcp/);
    expect(t([{ eth: { ...ETH.eth, fcs: true } }, v4[1]!, v4[2]!])).toThrow(/FCS/);
    expect(t([ETH, v4[1]!, { tcp: { srcport: 1, dstport: 2, checksum: 5 } }])).toThrow(/computed per segment/);
    expect(t([ETH, v4[1]!, { tcp: { srcport: 1, dstport: 2, flags: TcpFlag.SYN } }])).toThrow(/SYN or RST/);
    expect(t([ETH, { ip: { src: '10.0.0.1', dst: '10.0.0.2', totalLength: 40 } }, v4[2]!])).toThrow(WireError);
    expect(t(v4, { idStep: -1 })).toThrow(/idStep/);
    const seg = compileSegmenter(v6, { mss: 1440 });
    expect(() => seg.batches(stream(10), { id: 3 })).toThrow(/no ip \(IPv4\) layer/);
    expect(() => seg.batches(stream(10), { tsval: 3 })).toThrow(/no timestamp option/);
    expect(() => seg.batches(stream(10), { seq: 2 ** 32 })).toThrow(/seq must be/);
    expect(() => seg.segmentInto(stream(3000), new Uint8Array(100))).toThrow(/need \d+ bytes, out has 100/);
    expect(() => seg.segmentInto(stream(3000), new Uint8Array(seg.outputLength(3000)), 0, undefined, new Uint32Array(2))).toThrow(/offsets has room for 2/);
    const shared = new Uint8Array(10_000);
    expect(() => seg.segmentInto(shared.subarray(0, 3000), shared, 2000)).toThrow(/overlaps/);
  });

  it('the start values: seq, id and tsval per call, tsvalStep and idStep', () => {
    const frames = framesOf(v4, stream(5000), { mss: 1460, tsvalStep: 10, idStep: 0 }, { seq: 5, id: 9, tsval: 0xfffffff0 });
    const fields = frames.map((f) => decodePacket(f).fields());
    expect(fields.map((x) => x['tcp.seq_raw'])).toEqual([5, 1453, 2901, 4349]);
    expect(fields.map((x) => x['ip.id'])).toEqual([9, 9, 9, 9]);
    expect(fields.map((x) => x['tcp.options.timestamp.tsval'])).toEqual([0xfffffff0, 0xfffffffa, 4, 14]);
    expect(fields.every((x) => x['tcp.checksum.status'] === 'good' && x['ip.checksum.status'] === 'good')).toBe(true);
  });
});

// ---- differential: WASM == JS twin == segmentTcp + encodeFrame ----

const u16 = fc.integer({ min: 0, max: 0xffff });
const byte = fc.integer({ min: 0, max: 255 });
const ipv4Arb = fc.array(byte, { minLength: 4, maxLength: 4 }).map((b) => b.join('.'));
const ipv6Arb = fc.array(u16, { minLength: 8, maxLength: 8 }).map((w) => w.map((x) => x.toString(16)).join(':'));
const optionsArb = fc.constantFrom<TcpOption[] | undefined>(
  undefined,
  [],
  TS,
  [{ kind: 'timestamp', tsval: 0xffffff00, tsecr: 5 }],
  [{ kind: 'wscale', shift: 7 }, { kind: 'timestamp', tsval: 3, tsecr: 4 }],
  [{ kind: 'sack', blocks: [[1, 2], [3, 4]] }, { kind: 'nop' }],
);
const caseArb = fc.record({
  v6: fc.boolean(),
  src4: ipv4Arb,
  dst4: ipv4Arb,
  src6: ipv6Arb,
  dst6: ipv6Arb,
  vlan: fc.boolean(),
  ipOptions: fc.boolean(),
  seq: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0xfffff000, max: 0xffffffff })),
  ack: fc.integer({ min: 0, max: 0xffffffff }),
  id: u16,
  window: u16,
  flags: fc.constantFrom(TcpFlag.ACK, TcpFlag.ACK | TcpFlag.FIN, TcpFlag.ACK | TcpFlag.CWR | TcpFlag.ECE, TcpFlag.ACK | TcpFlag.PSH, 0),
  options: optionsArb,
  mss: fc.oneof(fc.integer({ min: 45, max: 200 }), fc.integer({ min: 200, max: 9000 })),
  push: fc.boolean(),
  tsvalStep: fc.constantFrom(0, 1, 1000, 0xffffffff),
  idStep: fc.constantFrom(0, 1, 7),
  length: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 20_000 })),
  seed: fc.integer({ min: 1, max: 0x7fffffff }),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function layersOf(c: Case): { layers: FrameLayer[]; ipOptionBytes: number } {
  const ip: FrameLayer = c.v6
    ? { ipv6: { src: c.src6, dst: c.dst6, ...(c.ipOptions ? { extensions: [{ type: 0, options: [] }] } : {}) } }
    : { ip: { src: c.src4, dst: c.dst4, id: c.id, ...(c.ipOptions ? { options: [{ type: 148, value: 0 }] } : {}) } };
  const tcp: TcpInput = { srcport: 1234, dstport: 80, seq: c.seq, ack: c.ack, window: c.window, flags: c.flags };
  if (c.options) tcp.options = c.options;
  return { layers: [ETH, ...(c.vlan ? [{ vlan: { id: 42 } }] : []), ip, { tcp }], ipOptionBytes: c.ipOptions ? (c.v6 ? 8 : 4) : 0 };
}

describe('differential', () => {
  it('WASM (SIMD and scalar) batches == JS twin batches == segmentTcp + encodeFrame, on random streams, MSS, ISNs and addresses', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { layers, ipOptionBytes } = layersOf(c);
        const options: SegmenterOptions = { mss: c.mss, push: c.push, tsvalStep: c.tsvalStep, idStep: c.idStep };
        const data = stream(c.length, c.seed);
        setBackend('wasm');
        const wasm = framesOf(layers, data, options);
        setBackend('wasm', { simd: false });
        const scalar = framesOf(layers, data, options);
        setBackend('js');
        const js = framesOf(layers, data, options);
        setBackend('auto');
        const want = referenceFrames(layers, data, options, ipOptionBytes);
        expectSameFrames(js, want, 'js twin');
        expectSameFrames(wasm, want, 'wasm simd');
        expectSameFrames(scalar, want, 'wasm scalar');
      }),
      { numRuns: 150 },
    );
  });

  it('segmentInto: into plain memory and into allocBuffer (direct), stream in place or copied, WASM and JS, all equal', () => {
    const layers: FrameLayer[] = [ETH, { ip: { src: '10.0.0.1', dst: '10.0.0.2', id: 1 } }, { tcp: { srcport: 1, dstport: 2, seq: 0xffff0000, options: TS } }];
    const data = stream(300_000, 5);
    const want = referenceFrames(layers, data, { mss: 1460, tsvalStep: 3 });
    const joined = concat(want);
    for (const backend of ['wasm', 'js'] as const) {
      setBackend(backend);
      const seg = compileSegmenter(layers, { mss: 1460, tsvalStep: 3 });
      const n = seg.outputLength(data.length);
      expect(n).toBe(joined.length);
      // Plain memory, with an offset.
      const plain = new Uint8Array(n + 10);
      const offs = seg.segmentInto(data, plain, 10);
      expectSameBytes(plain.subarray(10), joined, `${backend} plain`);
      expect(offs[0]).toBe(10);
      expect(offs[offs.length - 1]).toBe(n + 10);
      expect(Array.from(offs.subarray(1), (o, i) => o - offs[i]!).join()).toBe(want.map((f) => f.length).join());
      // One allocBuffer region: the stream in its first part, the frames after it.
      const region = allocBuffer(data.length + n);
      region.set(data);
      const inPlace = region.subarray(0, data.length);
      const out = region.subarray(data.length);
      const offs2 = seg.segmentInto(inPlace, out);
      expectSameBytes(out, joined, `${backend} allocBuffer, stream in place`);
      expect(offs2[0]).toBe(0);
      // Frames into WASM memory from a stream outside it.
      const region2 = allocBuffer(n);
      seg.segmentInto(data, region2);
      expectSameBytes(region2, joined, `${backend} allocBuffer, stream copied`);
      // Batches from a stream already in WASM memory.
      const region3 = allocBuffer(data.length);
      region3.set(data);
      const parts: Uint8Array[] = [];
      for (const b of seg.batches(region3)) parts.push(b.data.slice());
      const viaBatches = concat(parts);
      expectSameBytes(viaBatches, joined, `${backend} batches, stream in place`);
    }
  });

  it('sub-batches: a stream of tiny segments needs several kernel calls and stays equal', () => {
    // 1 byte per segment: 60-byte runts, ~4 MiB of scratch holds ~64 K of them per call.
    const layers: FrameLayer[] = [ETH, { ip: { src: '10.0.0.1', dst: '10.0.0.2', id: 0xfff0 } }, { tcp: { srcport: 1, dstport: 2, seq: 0xfffffff0, flags: TcpFlag.ACK | TcpFlag.FIN | TcpFlag.CWR } }];
    const data = stream(150_000, 9);
    setBackend('wasm');
    const seg = compileSegmenter(layers, { mss: 1 });
    // Copied batch by batch: each batch's views are only valid until the next one.
    const batches: { first: number; streamOffset: number; count: number; data: Uint8Array; offsets: Uint32Array }[] = [];
    for (const b of seg.batches(data)) batches.push({ first: b.first, streamOffset: b.streamOffset, count: b.count, data: b.data.slice(), offsets: b.offsets.slice() });
    expect(batches.length).toBeGreaterThan(1);
    const frames = batches.flatMap((b) => Array.from({ length: b.count }, (_, i) => b.data.subarray(b.offsets[i]!, b.offsets[i + 1]!)));
    expect(frames.length).toBe(150_000);
    expect(batches[1]!.first).toBe(batches[0]!.count);
    expect(batches[1]!.streamOffset).toBe(batches[0]!.count);
    setBackend('js');
    const js = framesOf(layers, data, { mss: 1 });
    expect(js.length).toBe(frames.length);
    expectSameFrames(frames, js, 'wasm sub-batches vs js');
    // Flags across the call boundaries: CWR on the very first frame only, FIN|PSH on the very last.
    const flagsOf = (f: Uint8Array) => ((f[46]! & 0x0f) << 8) | f[47]!;
    expect(flagsOf(frames[0]!)).toBe(TcpFlag.ACK | TcpFlag.CWR);
    for (const b of batches.slice(1)) expect(flagsOf(b.data.subarray(0, 60))).toBe(TcpFlag.ACK);
    expect(flagsOf(frames[frames.length - 1]!)).toBe(TcpFlag.ACK | TcpFlag.FIN | TcpFlag.PSH);
    const last = decodePacket(frames[frames.length - 1]!).fields();
    expect(last['tcp.seq_raw']).toBe((0xfffffff0 + 149_999) % 2 ** 32);
    expect(last['ip.id']).toBe((0xfff0 + 149_999) & 0xffff);
    expect(last['tcp.checksum.status']).toBe('good');
  });

  it('a stream in WebAssembly memory detached between batches is a WireError, not stale bytes', () => {
    setBackend('wasm');
    const seg = compileSegmenter([ETH, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { tcp: { srcport: 1, dstport: 2 } }], { mss: 1460 });
    const view = allocBuffer(1 << 20);
    view.set(stream(1 << 20, 3));
    const it = seg.batches(view);
    expect(it.next().done).toBe(false);
    allocBuffer(64 << 20); // grows memory: `view` is detached
    expect(() => it.next()).toThrow(/detached/);
    // A batch's own view as the output of another segmentation: refused, it would be overwritten.
    const [batch] = seg.batches(stream(5000, 1));
    expect(() => seg.segmentInto(stream(10, 1), batch!.data)).toThrow(/scratch memory/);
  });

  it('the kernel and its twin stop at a full output or offsets table and write nothing past them', () => {
    const a = requireArena();
    const p = new Uint32Array(SEGMENT_PARAM_COUNT);
    const tpl = stream(54, 3);
    p[SEGMENT_PARAM.HEADER_LENGTH] = 54;
    p[SEGMENT_PARAM.IP4_AT] = 14;
    p[SEGMENT_PARAM.IP6_AT] = SEGMENT_NONE;
    p[SEGMENT_PARAM.TCP_AT] = 34;
    p[SEGMENT_PARAM.TS_AT] = SEGMENT_NONE;
    p[SEGMENT_PARAM.TCP_LENGTH] = 20;
    p[SEGMENT_PARAM.ROOM] = 100;
    p[SEGMENT_PARAM.CHECKSUMS] = 3;
    const src = stream(1000, 4);
    for (const [outLen, offsetsLen, want] of [[3 * 154 + 153, 11, 3], [10_000, 3, 2], [0, 11, 0], [10_000, 1, 0]] as const) {
      // JS twin, guarded by bytes after the output.
      const outJs = new Uint8Array(outLen + 64).fill(0xee);
      const offJs = new Uint32Array(offsetsLen + 4).fill(0xeeeeeeee);
      const nJs = segmentFramesJs(tpl, src, outJs.subarray(0, outLen), offJs.subarray(0, offsetsLen), p);
      expect(nJs).toBe(want);
      expect(outJs.subarray(outLen).every((b) => b === 0xee)).toBe(true);
      expect(offJs.subarray(offsetsLen).every((b) => b === 0xeeeeeeee)).toBe(true);
      // WASM, in a fresh allocBuffer region with the same guards.
      const region = allocBuffer(54 + 1000 + outLen + 64 + (offsetsLen + 4) * 4 + 92 + 64);
      const heap = region;
      const base = region.byteOffset;
      let at = 0;
      const put = (bytes: Uint8Array) => {
        const here = at;
        heap.set(bytes, at);
        at += bytes.length;
        at = (at + 3) & ~3;
        return here;
      };
      const tplAt = put(tpl);
      const srcAt = put(src);
      const outAt = put(new Uint8Array(outLen + 64).fill(0xee));
      const offAt = put(new Uint8Array(new Uint32Array(offsetsLen + 4).fill(0xeeeeeeee).buffer));
      const pAt = put(new Uint8Array(p.buffer));
      const n = a.exports.segmentFrames(base + tplAt, 54, base + srcAt, 1000, base + outAt, outLen, base + offAt, offsetsLen, base + pAt);
      expect(n).toBe(want);
      expect(heap.subarray(outAt, outAt + outLen)).toEqual(outJs.subarray(0, outLen));
      expect(heap.subarray(outAt + outLen, outAt + outLen + 64).every((b) => b === 0xee)).toBe(true);
      expect(new Uint32Array(heap.slice(offAt, offAt + (offsetsLen + 4) * 4).buffer)).toEqual(offJs);
    }
  });
});
