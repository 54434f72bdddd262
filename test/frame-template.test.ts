import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileFrame, type FrameColumns, type FrameValues } from '../src/frame-template.js';
import { decodePacket } from '../src/dissect.js';
import { emitFrame, encodeFrame, type FrameLayer } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { onesComplementSum } from '../src/checksum/internet.js';
import { allocBuffer } from '../src/wasm/backend.js';
import { TcpFlag } from '../src/transport/tcp.js';
import type { TcpOption } from '../src/transport/tcp-options.js';

// ---- shapes ----

type Spec = Record<string, unknown>;
interface Shape {
  layers: { name: string; header: Spec }[];
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const byte = fc.integer({ min: 0, max: 255 });
const hex2 = (n: number) => n.toString(16).padStart(2, '0');
const macArb = fc.array(byte, { minLength: 6, maxLength: 6 }).map((b) => b.map(hex2).join(':'));
const ipv4Arb = fc.array(byte, { minLength: 4, maxLength: 4 }).map((b) => b.join('.'));
const ipv6Arb = fc.array(u16, { minLength: 8, maxLength: 8 }).map((w) => w.map((x) => x.toString(16)).join(':'));

const ethArb = fc.record(
  { src: macArb, dst: macArb, pad: fc.constantFrom(undefined, true, false), fcs: fc.constantFrom(undefined, false, true) },
  { requiredKeys: ['src', 'dst'] },
);
const tagArb = fc.record({
  name: fc.constantFrom('vlan', 'ieee8021ad'),
  header: fc.record({ id: fc.integer({ min: 0, max: 4095 }), priority: fc.integer({ min: 0, max: 7 }), dei: fc.integer({ min: 0, max: 1 }) }),
});

const ipv4OptionsArb = fc.constantFrom<unknown[]>([], [{ type: 1 }], [{ type: 1 }, { type: 148, value: 0 }], [{ type: 7, addresses: ['0.0.0.0', '0.0.0.0'] }]);
const ipv4LayerArb = fc.record({
  src: ipv4Arb,
  dst: ipv4Arb,
  ttl: byte,
  dscp: fc.integer({ min: 0, max: 63 }),
  ecn: fc.integer({ min: 0, max: 3 }),
  id: u16,
  dontFragment: fc.boolean(),
  options: ipv4OptionsArb,
});
const ipv6ExtensionsArb = fc.oneof(
  fc.constant<unknown[]>([]),
  fc.constant<unknown[]>([{ type: 0, options: [] }]),
  fc.constant<unknown[]>([{ type: 60, options: [{ type: 5, data: [0, 0] }] }]),
  // A routing header with segments left: the pseudo-header takes the final destination (RFC 8200 8.1).
  ipv6Arb.map<unknown[]>((a) => [{ type: 43, routingType: 0, segmentsLeft: 1, addresses: [a] }]),
);
const ipv6LayerArb = fc.record({
  src: ipv6Arb,
  dst: ipv6Arb,
  hopLimit: byte,
  flowLabel: fc.integer({ min: 0, max: 0xfffff }),
  extensions: ipv6ExtensionsArb,
});

const tcpOptionArb: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant<TcpOption>({ kind: 'nop' }),
  u16.map<TcpOption>((value) => ({ kind: 'mss', value })),
  fc.integer({ min: 0, max: 14 }).map<TcpOption>((shift) => ({ kind: 'wscale', shift })),
  fc.constant<TcpOption>({ kind: 'sack_perm' }),
  fc.tuple(u32, u32).map<TcpOption>(([a, b]) => ({ kind: 'sack', blocks: [[a, b]] })),
  fc.tuple(u32, u32).map<TcpOption>(([tsval, tsecr]) => ({ kind: 'timestamp', tsval, tsecr })),
);
const optionBytes = (o: TcpOption) => (o.kind === 'nop' ? 1 : o.kind === 'mss' ? 4 : o.kind === 'wscale' ? 3 : o.kind === 'sack_perm' ? 2 : o.kind === 'sack' ? 10 : 10);
const tcpOptionsArb = fc.array(tcpOptionArb, { maxLength: 6 }).map((list) => {
  const kept: TcpOption[] = [];
  let used = 0;
  for (const o of list) {
    if (used + optionBytes(o) > 40) break;
    kept.push(o);
    used += optionBytes(o);
  }
  return kept;
});
const tcpLayerArb = fc.record({
  srcport: u16,
  dstport: u16,
  seq: u32,
  ack: u32,
  flags: fc.integer({ min: 0, max: 0xfff }),
  window: u16,
  urgentPointer: u16,
  options: tcpOptionsArb,
});
const udpLayerArb = fc.record({ srcport: u16, dstport: u16, zeroChecksum: fc.boolean() });

const shapeArb: fc.Arbitrary<Shape> = fc
  .record({
    eth: fc.option(ethArb, { nil: undefined, freq: 4 }),
    tags: fc.array(tagArb, { maxLength: 2 }),
    ip: fc.oneof(
      { weight: 3, arbitrary: ipv4LayerArb.map((h) => ({ name: 'ip', header: h as Spec })) },
      { weight: 2, arbitrary: ipv6LayerArb.map((h) => ({ name: 'ipv6', header: h as Spec })) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
    l4: fc.oneof(
      { weight: 3, arbitrary: tcpLayerArb.map((h) => ({ name: 'tcp', header: h as Spec })) },
      { weight: 2, arbitrary: udpLayerArb.map((h) => ({ name: 'udp', header: h as Spec })) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
  })
  .map(({ eth, tags, ip, l4 }) => {
    const layers: Shape['layers'] = [];
    // Link layers have no ethertype for a bare segment: TCP/UDP without IP stand alone.
    if (eth !== undefined && !(ip === undefined && l4 !== undefined)) {
      layers.push({ name: 'eth', header: { ...eth } });
      for (const t of tags) layers.push({ name: t.name, header: { ...t.header } });
    }
    if (ip !== undefined) layers.push({ name: ip.name, header: { ...ip.header } });
    if (l4 !== undefined) {
      const header = { ...l4.header };
      // A UDP checksum of 0 is "none" over IPv4 only (RFC 8200 8.1 forbids it over IPv6).
      if (l4.name === 'udp') {
        if (header.zeroChecksum && ip?.name === 'ip') header.checksum = 0;
        delete header.zeroChecksum;
      }
      layers.push({ name: l4.name, header });
    } else if (ip !== undefined) {
      layers[layers.length - 1]!.header.protocol = 253; // RFC 3692 experimental: an opaque payload
    }
    const last = layers[layers.length - 1];
    // Whatever ends the stack needs a type for its payload when no next layer names one.
    if (last !== undefined && (last.name === 'eth' || last.name === 'vlan' || last.name === 'ieee8021ad')) last.header.type = 0x88b5;
    if (layers.length === 0) layers.push({ name: 'ip', header: { src: '192.0.2.1', dst: '198.51.100.2', protocol: 253 } });
    return { layers };
  });

const toLayers = (shape: Shape): FrameLayer[] => shape.layers.map((l) => ({ [l.name]: l.header }));

/** The same layers with the per-frame values written into them, for emitFrame. */
function withValues(shape: Shape, v: FrameValues): FrameLayer[] {
  return shape.layers.map(({ name, header }) => {
    const h: Spec = { ...header };
    if (name === 'ip' && v.id !== undefined) h.id = v.id;
    if (name === 'tcp') {
      for (const k of ['seq', 'ack', 'flags', 'window'] as const) if (v[k] !== undefined) h[k] = v[k];
      if (v.tsval !== undefined || v.tsecr !== undefined) {
        const options = [...(h.options as TcpOption[])];
        const i = options.findIndex((o) => o.kind === 'timestamp');
        const ts = options[i] as { kind: 'timestamp'; tsval: number; tsecr: number };
        options[i] = { kind: 'timestamp', tsval: v.tsval ?? ts.tsval, tsecr: v.tsecr ?? ts.tsecr };
        h.options = options;
      }
    }
    return { [name]: h };
  });
}

/** Per-frame values that apply to the shape (random subset). */
function valuesArb(shape: Shape): fc.Arbitrary<FrameValues> {
  const names = shape.layers.map((l) => l.name);
  const tcp = shape.layers.find((l) => l.name === 'tcp');
  const hasTs = tcp !== undefined && (tcp.header.options as TcpOption[]).some((o) => o.kind === 'timestamp');
  const model: Record<string, fc.Arbitrary<number>> = {};
  if (names.includes('ip')) model.id = u16;
  if (tcp) Object.assign(model, { seq: u32, ack: u32, flags: fc.integer({ min: 0, max: 0xfff }), window: u16 });
  if (hasTs) Object.assign(model, { tsval: u32, tsecr: u32 });
  return fc.record(model, { requiredKeys: [] }) as fc.Arbitrary<FrameValues>;
}

const payloadArb = fc.oneof(fc.uint8Array({ maxLength: 64, size: 'max' }), fc.uint8Array({ maxLength: 1600, size: 'max' }));

function caseArb() {
  return shapeArb.chain((shape) => fc.tuple(fc.constant(shape), valuesArb(shape), payloadArb, fc.integer({ min: 0, max: 7 })));
}

/** Decodes cleanly: no errors, and every checksum that was computed verifies. */
function expectClean(shape: Shape, frame: Uint8Array): void {
  const first = shape.layers[0]!.name;
  if (first !== 'eth' && first !== 'ip' && first !== 'ipv6') return; // no link type for a bare tag or segment
  const p = decodePacket(frame, { linkType: first === 'eth' ? 'ethernet' : 'raw' });
  expect(p.errors).toEqual([]);
  for (const name of ['ip', 'tcp', 'udp']) {
    const spec = shape.layers.find((l) => l.name === name);
    if (spec === undefined) continue;
    const layer = p.layer<{ checksumStatus: string }>(name);
    expect(layer, name).toBeDefined();
    const expected = spec.header.checksum === 0 ? 'unverified' : 'good';
    expect(layer!.header.checksumStatus, name).toBe(expected);
  }
}

// ---- properties ----

describe('frame templates: the same bytes as emitFrame', () => {
  it('emit with the payload copied, pre-placed, or with its sum given (fast-check)', () => {
    fc.assert(
      fc.property(caseArb(), ([shape, values, payload, offset]) => {
        const expected = encodeFrame(withValues(shape, values), payload);
        const t = compileFrame(toLayers(shape));
        expect(t.frameLength(payload.length)).toBe(expected.length);
        // Garbage around and under the frame: padding must be written, not assumed.
        const out = new Uint8Array(offset + expected.length + 5).fill(0xee);
        expect(t.emit(out, offset, payload, values)).toBe(expected.length);
        expect(out.subarray(offset, offset + expected.length)).toEqual(expected);
        expect(out[offset + expected.length]).toBe(0xee);
        expectClean(shape, expected);

        // The payload already in place: only its length is given.
        const placed = new Uint8Array(offset + expected.length).fill(0xee);
        placed.set(payload, offset + t.headerLength);
        expect(t.emit(placed, offset, payload.length, values)).toBe(expected.length);
        expect(placed.subarray(offset)).toEqual(expected);

        // ... and its sum given: the payload bytes are not read.
        const summed = new Uint8Array(offset + expected.length).fill(0xee);
        summed.set(payload, offset + t.headerLength);
        expect(t.emit(summed, offset, payload.length, { ...values, payloadSum: onesComplementSum(payload) })).toBe(expected.length);
        expect(summed.subarray(offset)).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('emitMany: shared, per-frame and pre-placed payloads with typed-array columns (fast-check)', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((shape) => fc.tuple(fc.constant(shape), fc.array(valuesArb(shape), { minLength: 0, maxLength: 6 }), fc.array(payloadArb, { minLength: 6, maxLength: 6 }))),
        ([shape, perFrame, payloads]) => {
          const t = compileFrame(toLayers(shape));
          const count = perFrame.length;
          // A column for a field only when every frame gives it (a column has a value per frame).
          const columns: FrameColumns = {};
          for (const k of ['id', 'seq', 'ack', 'flags', 'window', 'tsval', 'tsecr'] as const) {
            if (count > 0 && perFrame.every((v) => v[k] !== undefined)) {
              columns[k] = k === 'id' || k === 'window' || k === 'flags' ? Uint16Array.from(perFrame, (v) => v[k]!) : Uint32Array.from(perFrame, (v) => v[k]!);
            }
          }
          const applied = perFrame.map((v) => Object.fromEntries(Object.keys(columns).map((k) => [k, v[k as keyof FrameValues]])) as FrameValues);
          const concat = (frames: Uint8Array[]) => {
            const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
            let at = 0;
            for (const f of frames) {
              all.set(f, at);
              at += f.length;
            }
            return all;
          };
          const offsetsOf = (frames: Uint8Array[], start: number) => {
            const o = [start];
            for (const f of frames) o.push(o[o.length - 1]! + f.length);
            return o;
          };

          // One payload in every frame.
          const shared = payloads[0]!;
          const sharedFrames = applied.map((v) => encodeFrame(withValues(shape, v), shared));
          const out1 = new Uint8Array(3 + sharedFrames.reduce((n, f) => n + f.length, 0)).fill(0xee);
          const o1 = t.emitMany(out1, 3, count, shared, columns);
          expect([...o1]).toEqual(offsetsOf(sharedFrames, 3));
          expect(out1.subarray(3)).toEqual(concat(sharedFrames));

          // One payload per frame, sums given for some.
          const own = applied.map((v, i) => encodeFrame(withValues(shape, v), payloads[i]!));
          const out2 = new Uint8Array(own.reduce((n, f) => n + f.length, 0)).fill(0xee);
          const o2 = t.emitMany(out2, 0, count, payloads, { ...columns, payloadSum: payloads.map((p) => onesComplementSum(p)) });
          expect([...o2]).toEqual(offsetsOf(own, 0));
          expect(out2).toEqual(concat(own));
          const out2b = new Uint8Array(out2.length).fill(0xee);
          t.emitMany(out2b, 0, count, payloads, columns);
          expect(out2b).toEqual(concat(own));

          // Pre-placed: frame i's payload at offsets[i] + headerLength, frames frameLength(n) long.
          const n = shared.length;
          const out3 = new Uint8Array(out1.length - 3).fill(0xee);
          for (let i = 0; i < count; i++) out3.set(shared, i * t.frameLength(n) + t.headerLength);
          const o3 = t.emitMany(out3, 0, count, n, columns);
          expect([...o3]).toEqual(offsetsOf(sharedFrames, 0));
          expect(out3).toEqual(concat(sharedFrames));
        },
      ),
      { numRuns: 150 },
    );
  });
});

// ---- fixed cases ----

const eth = { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } };
const ip4 = { ip: { src: '192.0.2.1', dst: '198.51.100.2' } };
const ip6 = { ipv6: { src: '2001:db8::1', dst: '2001:db8::2' } };
const tcp = { tcp: { srcport: 40000, dstport: 443, flags: TcpFlag.ACK, options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamp', tsval: 1, tsecr: 2 }] } };
const udp = { udp: { srcport: 40000, dstport: 9 } };

/** The checksum field of the frame's TCP/UDP layer. */
function checksumOf(frame: Uint8Array, name: 'tcp' | 'udp' | 'ip'): number {
  const layer = decodePacket(frame).layer<{ checksum: number }>(name)!;
  return layer.header.checksum;
}

/** A 2-byte payload whose word brings the segment's sum to 0xffff: a computed checksum of 0. */
function zeroingPayload(layers: FrameLayer[], name: 'tcp' | 'udp'): Uint8Array {
  const stored = checksumOf(encodeFrame(layers, new Uint8Array(2)), name);
  const sum = stored === 0xffff && name === 'udp' ? 0xffff : ~stored & 0xffff; // folded sum with a zero word
  const word = 0xffff - sum;
  return new Uint8Array([word >>> 8, word & 0xff]);
}

describe('frame templates: checksum edge cases', () => {
  it('UDP: a computed 0 is sent as 0xffff, over IPv4 and IPv6 (RFC 768)', () => {
    for (const ip of [ip4, ip6]) {
      const layers = [eth, ip, udp];
      const payload = zeroingPayload(layers, 'udp');
      const expected = encodeFrame(layers, payload);
      expect(checksumOf(expected, 'udp')).toBe(0xffff);
      const out = new Uint8Array(expected.length);
      compileFrame(layers).emit(out, 0, payload);
      expect(out).toEqual(expected);
      expectClean({ layers: layers.map((l) => ({ name: Object.keys(l)[0]!, header: Object.values(l)[0] as Spec })) }, out);
    }
  });

  it('TCP: a computed 0 stays 0', () => {
    const layers = [eth, ip6, tcp];
    const payload = zeroingPayload(layers, 'tcp');
    const expected = encodeFrame(layers, payload);
    expect(checksumOf(expected, 'tcp')).toBe(0);
    const out = new Uint8Array(expected.length);
    compileFrame(layers).emit(out, 0, payload, { payloadSum: onesComplementSum(payload) });
    expect(out).toEqual(expected);
  });

  it('IPv4: an id that makes the header checksum 0', () => {
    const base = encodeFrame([eth, { ip: { ...ip4.ip, id: 0 } }, udp]);
    const id = 0xffff - (~checksumOf(base, 'ip') & 0xffff);
    const expected = encodeFrame([eth, { ip: { ...ip4.ip, id } }, udp]);
    expect(checksumOf(expected, 'ip')).toBe(0);
    const out = new Uint8Array(expected.length);
    compileFrame([eth, ip4, udp]).emit(out, 0, new Uint8Array(0), { id });
    expect(out).toEqual(expected);
  });

  it('huge payload sums (any non-negative safe integer) fold like onesComplementSum', () => {
    const payload = new Uint8Array(300).fill(0xff);
    const expected = encodeFrame([eth, ip4, tcp], payload);
    const t = compileFrame([eth, ip4, tcp]);
    const out = new Uint8Array(expected.length);
    // 0xffff * 2^36 ≡ 0xffff (mod 0xffff): the same checksum as the payload's true sum.
    t.emit(out, 0, payload, { payloadSum: onesComplementSum(payload, 0xffff * 2 ** 36) });
    expect(out).toEqual(expected);
  });

  it('checksums given in the layers are written as given; no IP layer leaves the transport checksum 0', () => {
    for (const layers of [
      [eth, { ip: { ...ip4.ip, checksum: 0x1234 } }, { tcp: { ...tcp.tcp, checksum: 0xbeef } }],
      [eth, ip4, { udp: { ...udp.udp, checksum: 0 } }],
      [{ tcp: tcp.tcp }],
      [{ udp: udp.udp }],
    ] as FrameLayer[][]) {
      const payload = new Uint8Array([1, 2, 3]);
      const expected = encodeFrame(layers, payload);
      const out = new Uint8Array(expected.length);
      compileFrame(layers).emit(out, 0, payload, { payloadSum: 12345 });
      expect(out).toEqual(expected);
    }
  });

  it('reads and writes WASM memory in place (allocBuffer)', () => {
    const payload = Uint8Array.from({ length: 1460 }, (_, i) => i * 7);
    const expected = encodeFrame([eth, ip4, tcp], payload);
    const t = compileFrame([eth, ip4, tcp]);
    const out = allocBuffer(expected.length + 10);
    out.set(payload, 10 + t.headerLength);
    t.emit(out, 10, payload.length);
    expect(out.subarray(10)).toEqual(expected);
  });

  it('Ethernet runts are padded and the FCS covers the padding', () => {
    const layers = [{ eth: { ...eth.eth, fcs: true } }, ip4, udp];
    const t = compileFrame(layers);
    expect(t.frameLength(0)).toBe(64);
    expect(t.frameLength(100)).toBe(14 + 20 + 8 + 100 + 4);
    const out = new Uint8Array(64).fill(0xee);
    t.emit(out, 0, new Uint8Array([9]));
    expect(out).toEqual(encodeFrame(layers, new Uint8Array([9])));
  });
});

describe('frame templates: what they refuse', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(WireError);
      return (e as WireError).code;
    }
    return 'no error';
  };

  it('shapes it cannot patch', () => {
    expect(code(() => compileFrame([eth, ip4, { icmp: { type: 8, code: 0 } }]))).toBe('unsupported');
    expect(code(() => compileFrame([eth, ip4, ip4, udp]))).toBe('unsupported');
    expect(code(() => compileFrame([eth, ip4, udp, tcp]))).toBe('unsupported');
    expect(code(() => compileFrame([ip4, eth]))).toBe('unsupported');
    expect(code(() => compileFrame([eth, { ip: { ...ip4.ip, totalLength: 100 } }, udp]))).toBe('unsupported');
    expect(code(() => compileFrame([eth, { ipv6: { ...ip6.ipv6, payloadLength: 8 } }, udp]))).toBe('unsupported');
    expect(code(() => compileFrame([eth, ip4, { udp: { ...udp.udp, length: 8 } }]))).toBe('unsupported');
    expect(code(() => compileFrame([{ eth: {}, ip: {} } as unknown as FrameLayer]))).toBe('bad-value');
    // emitFrame's own errors come through.
    expect(code(() => compileFrame([{ eth: eth.eth }]))).toBe('bad-value');
  });

  it('values that do not apply or are out of range, and outputs too small', () => {
    const t = compileFrame([eth, ip6, udp]);
    const out = new Uint8Array(2000);
    expect(code(() => t.emit(out, 0, 10, { id: 1 }))).toBe('bad-value');
    expect(code(() => t.emit(out, 0, 10, { seq: 1 }))).toBe('bad-value');
    const u = compileFrame([eth, ip4, { tcp: { srcport: 1, dstport: 2 } }]);
    expect(code(() => u.emit(out, 0, 10, { tsval: 1 }))).toBe('bad-value');
    for (const v of [{ seq: -1 }, { seq: 2 ** 32 }, { ack: 1.5 }, { id: 0x10000 }, { flags: 0x1000 }, { window: -2 }, { payloadSum: -1 }, { payloadSum: 0.5 }]) {
      expect(code(() => u.emit(out, 0, 10, v)), JSON.stringify(v)).toBe('bad-value');
    }
    expect(code(() => u.emit(out, 1990, 10))).toBe('bad-length');
    expect(code(() => u.emit(out, -1, 10))).toBe('bad-length');
    expect(code(() => u.emit(out, 0, 0xffff))).toBe('bad-length');
    expect(u.maxPayloadLength).toBe(0xffff - 40);
    expect(code(() => u.emitMany(out, 0, 2, 10, { seq: new Uint32Array(1) }))).toBe('bad-value');
    expect(code(() => u.emitMany(out, 0, 2, [new Uint8Array(1)]))).toBe('bad-value');
  });

  it('emits exactly what emitFrame emits when no value is given', () => {
    const layers = [eth, { vlan: { id: 100 } }, ip4, tcp];
    const t = compileFrame(layers);
    expect(t.layers).toEqual(['eth', 'vlan', 'ip', 'tcp']);
    expect(t.headerLength).toBe(14 + 4 + 20 + 32);
    const a = new Uint8Array(200);
    const b = new Uint8Array(200);
    const payload = new Uint8Array([5, 6, 7]);
    expect(t.emit(a, 0, payload)).toBe(emitFrame(layers, payload, b));
    expect(a).toEqual(b);
  });
});
