import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodePacket, protocolNamed } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { FieldSink, type FieldMap } from '../src/packet/fields.js';
import type { DecodeContext, EncodeContext, Layer } from '../src/packet/protocol.js';
import { formatIpv6, parseIpv6 } from '../src/network/ip-address.js';
import {
  decodeIcmpv6,
  encodeIcmpv6,
  icmpv6,
  icmpv6Encoder,
  icmpv6HeaderLength,
  Icmpv6Type,
  Icmpv6View,
  type Icmpv6Header,
  type Icmpv6Input,
} from '../src/network/icmpv6.js';
import { readNdpOptions, writeNdpOptions, ndpOptionsLength, type NdpOption } from '../src/network/ndp.js';
import { readPcapFile, type TestRecord } from './util/pcap.js';
import { compareFields, readTsharkJson, type TsharkFields } from './util/tshark.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));
const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g) ?? [], (b) => parseInt(b, 16));

const REQUIRED = [
  'icmpv6.type', 'icmpv6.code', 'icmpv6.checksum', 'icmpv6.checksum.status', 'icmpv6.reserved', 'icmpv6.length',
  'icmpv6.mtu', 'icmpv6.pointer', 'icmpv6.echo.identifier', 'icmpv6.echo.sequence_number',
  'icmpv6.nd.ra.cur_hop_limit', 'icmpv6.nd.ra.flag', 'icmpv6.nd.ra.flag.m', 'icmpv6.nd.ra.flag.o', 'icmpv6.nd.ra.flag.h',
  'icmpv6.nd.ra.flag.prf', 'icmpv6.nd.ra.flag.p', 'icmpv6.nd.ra.flag.rsv', 'icmpv6.nd.ra.router_lifetime',
  'icmpv6.nd.ra.reachable_time', 'icmpv6.nd.ra.retrans_timer', 'icmpv6.nd.ns.target_address', 'icmpv6.nd.na.flag',
  'icmpv6.nd.na.flag.r', 'icmpv6.nd.na.flag.s', 'icmpv6.nd.na.flag.o', 'icmpv6.nd.na.flag.rsv', 'icmpv6.nd.na.target_address',
  'icmpv6.nd.rd.target_address', 'icmpv6.rd.na.destination_address', 'icmpv6.opt.type', 'icmpv6.opt.length',
  'icmpv6.opt.linkaddr', 'icmpv6.opt.src_linkaddr', 'icmpv6.opt.target_linkaddr', 'icmpv6.opt.linkaddr_eui64',
  'icmpv6.opt.src_linkaddr_eui64', 'icmpv6.opt.target_linkaddr_eui64', 'icmpv6.opt.prefix.length', 'icmpv6.opt.prefix.flag',
  'icmpv6.opt.prefix.flag.l', 'icmpv6.opt.prefix.flag.a', 'icmpv6.opt.prefix.flag.r', 'icmpv6.opt.prefix.flag.reserved',
  'icmpv6.opt.prefix.valid_lifetime', 'icmpv6.opt.prefix.preferred_lifetime', 'icmpv6.opt.prefix', 'icmpv6.opt.mtu',
];

/** Packets of icmpv6.pcap (0-based) that are malformed on purpose: tshark shows what it read before giving up. */
const MALFORMED = { zeroLengthOption: 18, optionOverrun: 21, prefixWrongLength: 22, cutSolicitation: 26 } as const;
const NESTED_ECHO = 6;
const MLD_REPORT = 27;

const records = readPcapFile(fixture('icmpv6.pcap'));
const tshark = readTsharkJson(fixture('icmpv6.json'));
const tsharkProtocols = (JSON.parse(readFileSync(fixture('icmpv6.json'), 'utf8')) as { _source: { layers: { frame: Record<string, string> } } }[]).map(
  (p) => p._source.layers.frame['frame.protocols']!,
);
const only = <T extends FieldMap | TsharkFields>(fields: T, prefix: string) => Object.fromEntries(Object.entries(fields).filter(([k]) => k.startsWith(prefix))) as T;

/**
 * The context the dissector gives the ICMPv6 decoder for a record (optionally cut to `cut` bytes):
 * Ethernet and IPv6 decoded by their own decoders, so the ICMPv6 decoder is tested on its own
 * even where the dissector would stop earlier (a capture cut short).
 */
const belowOf = new Map<TestRecord, Layer[]>();
function icmpv6Context(r: TestRecord, cut = r.data.length): DecodeContext {
  if (!belowOf.has(r)) belowOf.set(r, decodePacket(r.data).layers.slice(0, 2));
  const below = belowOf.get(r)!;
  const ip = below[1]!;
  expect(ip.name).toBe('ipv6');
  const bytes = r.data.subarray(0, cut);
  return { bytes, offset: ip.payloadOffset, end: Math.min(cut, ip.payloadOffset + ip.payloadLength), below, quoted: false, verifyChecksum: true };
}

function decodeRecord(r: TestRecord) {
  const ctx = icmpv6Context(r);
  const decoded = icmpv6.decode(ctx);
  const sink = new FieldSink();
  icmpv6.fields(decoded.header, sink, { name: 'icmpv6', header: decoded.header, offset: ctx.offset, length: decoded.headerLength, payloadOffset: 0, payloadLength: 0 });
  return { decoded, fields: sink.map };
}

/** tshark's values cut to as many as we have: after a malformed option or inside a quoted message tshark shows more. */
function firstValues(theirs: TsharkFields, ours: FieldMap): TsharkFields {
  return Object.fromEntries(
    Object.entries(theirs).map(([k, v]) => {
      const n = Array.isArray(ours[k]) ? (ours[k] as unknown[]).length : 1;
      return [k, Array.isArray(v) && v.length > n ? (n === 1 ? v[0]! : v.slice(0, n)) : v];
    }),
  );
}

describe('icmpv6: agrees with tshark 4.0', () => {
  it('the ICMPv6 decoder alone, field by field, on every message of icmpv6.pcap', () => {
    expect(records.length).toBe(tshark.length);
    const mismatches = records.flatMap((r, i) => {
      const { fields } = decodeRecord(r);
      let required = REQUIRED;
      if (i === NESTED_ECHO) required = REQUIRED.filter((f) => !f.includes('echo'));
      if (i === MALFORMED.optionOverrun || i === MALFORMED.prefixWrongLength) required = REQUIRED.filter((f) => !f.includes('.opt.'));
      if (i === MLD_REPORT) required = REQUIRED.filter((f) => f !== 'icmpv6.reserved'); // MLD is not ours: its reserved is 2 bytes
      return compareFields(fields, firstValues(only(tshark[i]!, 'icmpv6.'), fields), required).map((m) => ({ packet: i + 1, ...m }));
    });
    expect(mismatches).toEqual([]);
  });

  it('verifies over the IPv6 pseudo-header: good, bad, and unverified in fragments and short captures', () => {
    const status = (i: number) => decodeRecord(records[i]!).decoded.header.checksumStatus;
    expect(records.map((_, i) => status(i)).filter((s) => s === 'good').length).toBe(records.length - 4);
    expect([16, 17].map(status)).toEqual(['bad', 'bad']);
    expect([23, 24].map(status)).toEqual(['unverified', 'unverified']);
    // Behind a segment routing header and a type 0 routing header: the final destination counts.
    expect([28, 29].map(status)).toEqual(['good', 'good']);
    const ctx = { ...icmpv6Context(records[0]!), verifyChecksum: false };
    expect(icmpv6.decode(ctx).header.checksumStatus).toBe('unverified');
    expect(icmpv6.decode({ ...ctx, verifyChecksum: true, below: [] }).header.checksumStatus).toBe('unverified');
  });

  it('decodes router and neighbor discovery with their options', () => {
    expect(decodeRecord(records[9]!).decoded.header).toEqual({
      type: 134, code: 0, checksum: 0xb1f7, checksumStatus: 'good', curHopLimit: 64, managed: true, otherConfig: true,
      homeAgent: false, preference: 1, proxy: false, reserved: 0, routerLifetime: 1800, reachableTime: 30000, retransTimer: 1000,
      options: [
        { type: 1, linkAddress: '02:00:00:00:00:01' },
        { type: 5, reserved: 0, mtu: 1500 },
        { type: 3, prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, reserved1: 0, validLifetime: 86400, preferredLifetime: 14400, reserved2: 0, prefix: '2001:db8:1::' },
      ],
    });
    expect(decodeRecord(records[13]!).decoded.header).toMatchObject({ router: true, solicited: true, override: true, reserved: 0, targetAddress: 'fe80::2' });
    expect(decodeRecord(records[15]!).decoded.header).toMatchObject({ targetAddress: 'fe80::3', destinationAddress: '2001:db8:2::7', options: [{ type: 2, linkAddress: '02:00:00:00:00:03' }] });
    expect(decodeRecord(records[19]!).decoded.header.options).toEqual([
      { type: 200, data: 'aa:bb:cc:dd:ee:ff' },
      { type: 1, linkAddress: '02:00:00:00:00:01' },
    ]);
    expect(decodeRecord(records[MALFORMED.prefixWrongLength]!).decoded.header.options).toEqual([{ type: 3, data: '40:c0:00:00:00:01' }]);
  });

  it('stops at a malformed option and says why; errors and types quote IPv6 only', () => {
    const zero = decodeRecord(records[MALFORMED.zeroLengthOption]!).decoded;
    expect(zero.header.options).toEqual([{ type: 1, linkAddress: '02:00:00:00:00:01' }]);
    expect(zero.error).toMatchObject({ code: 'bad-length', layer: 'icmpv6', offset: 14 + 40 + 32 });
    expect(zero.error!.message).toMatch(/option type 0 at offset 86 has length 0, which RFC 4861 section 4.6 forbids/);
    expect(zero.headerLength).toBe(32);
    const overrun = decodeRecord(records[MALFORMED.optionOverrun]!).decoded;
    expect(overrun.error).toMatchObject({ code: 'truncated', required: 16, available: 14 });
    const cut = decodeRecord(records[MALFORMED.cutSolicitation]!).decoded;
    expect(cut.header).toMatchObject({ type: 135, reserved: 0 });
    expect(cut.header.targetAddress).toBeUndefined();
    expect(cut.error).toMatchObject({ code: 'truncated', required: 24, available: 20 });
    expect(decodeRecord(records[2]!).decoded).toMatchObject({ quotes: true, next: { protocol: 'ipv6' }, headerLength: 8 });
    expect(decodeRecord(records[25]!).decoded).toEqual({ header: expect.objectContaining({ type: 200 }), headerLength: 4 });
  });
});

describe.skipIf(protocolNamed('ipv6') === undefined)('icmpv6: through decodePacket (needs the ipv6 decoder)', () => {
  it('every icmpv6 field, the quoted packet and its layers', () => {
    records.forEach((r, i) => {
      const p = decodePacket(r.data, { linkType: r.linkType });
      if (p.errors.some((e) => e.layer === 'ipv6') && !p.layer('icmpv6')) return;
      const ours = only(p.fields(), 'icmpv6.');
      const malformed = (Object.values(MALFORMED) as number[]).includes(i) || i === MLD_REPORT;
      expect(compareFields(ours, malformed ? firstValues(only(tshark[i]!, 'icmpv6.'), ours) : only(tshark[i]!, 'icmpv6.'), malformed ? [] : REQUIRED), `packet ${i + 1}`).toEqual([]);
      expect(compareFields(only(p.fields(), 'ipv6.src'), only(tshark[i]!, 'ipv6.src'), ['ipv6.src']), `packet ${i + 1}`).toEqual([]);
      const theirs = tsharkProtocols[i]!.split(':').filter((n) => n !== 'ethertype' && n !== 'data');
      if (theirs.every((n) => protocolNamed(n) !== undefined)) expect(p.protocols, `packet ${i + 1}`).toBe(theirs.join(':'));
    });
  });

  it('encodes a frame with the pseudo-header from the ipv6 layer outside', () => {
    const frame = encodeFrame([
      { eth: { src: '02:00:00:00:00:01', dst: '33:33:ff:00:00:02' } },
      { ipv6: { src: 'fe80::1', dst: 'ff02::1:ff00:2', hopLimit: 255 } },
      { icmpv6: { type: Icmpv6Type.NeighborSolicitation, targetAddress: 'fe80::2', options: [{ type: 1, linkAddress: '02:00:00:00:00:01' }] } },
    ]);
    const p = decodePacket(frame);
    expect(p.layer<Icmpv6Header>('icmpv6')!.header).toMatchObject({ type: 135, targetAddress: 'fe80::2', checksumStatus: 'good' });
  });
});

describe('icmpv6: encoding', () => {
  const u = (bits: number) => fc.integer({ min: 0, max: 2 ** bits - 1 });
  const addr = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b));
  const bytesHex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
  const option: fc.Arbitrary<NdpOption> = fc.oneof(
    fc.record({ type: fc.constantFrom(1 as const, 2 as const), linkAddress: fc.oneof(bytesHex(6), bytesHex(14), bytesHex(22)) }),
    fc.record(
      { type: fc.constant(3 as const), prefixLength: fc.integer({ min: 0, max: 128 }), onLink: fc.boolean(), autonomous: fc.boolean(), routerAddress: fc.boolean(), reserved1: u(5), validLifetime: u(32), preferredLifetime: u(32), reserved2: u(32), prefix: addr },
    ),
    fc.record({ type: fc.constant(5 as const), reserved: u(16), mtu: u(32) }),
    fc.record({ type: fc.integer({ min: 0, max: 255 }).filter((t) => ![1, 2, 3, 5].includes(t)), data: fc.oneof(bytesHex(6), bytesHex(14)) }),
    fc.record({ type: fc.constantFrom(3, 5), data: bytesHex(14 + 8) }),
  );
  const options = fc.array(option, { maxLength: 4 });
  /** Headers as decodeIcmpv6 gives them, less the checksum. */
  const header: fc.Arbitrary<Omit<Icmpv6Header, 'checksum' | 'checksumStatus'>> = fc
    .record({ type: fc.constantFrom(1, 2, 3, 4, 128, 129, 133, 134, 135, 136, 137, 130, 143, 200), code: u(8), w: u(32), b: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), t: fc.tuple(u(32), u(32)), a: addr, d: addr, options })
    .map(({ type, code, w, b, t, a, d, options }) => {
      switch (type) {
        case 1:
        case 3:
          return { type, code, length: w >>> 24, reserved: w & 0xffffff };
        case 2:
          return { type, code, mtu: w };
        case 4:
          return { type, code, pointer: w };
        case 128:
        case 129:
          return { type, code, ident: w >>> 16, seq: w & 0xffff };
        case 133:
          return { type, code, reserved: w, options };
        case 134:
          return { type, code, curHopLimit: w >>> 24, managed: b[0]!, otherConfig: b[1]!, homeAgent: b[2]!, preference: (w >>> 8) & 3, proxy: b[3]!, reserved: (w >>> 10) & 3, routerLifetime: w & 0xffff, reachableTime: t[0], retransTimer: t[1], options };
        case 135:
          return { type, code, reserved: w, targetAddress: a, options };
        case 136:
          return { type, code, router: b[0]!, solicited: b[1]!, override: b[2]!, reserved: w & 0x1fffffff, targetAddress: a, options };
        case 137:
          return { type, code, reserved: w, targetAddress: a, destinationAddress: d, options };
        default:
          return { type, code };
      }
    });
  const addresses = { src: 'fe80::1', dst: 'ff02::1' };

  it('decode(encode(h)) reproduces h, with a good checksum, for every type and option', () => {
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 48, size: 'max' }), (h, payload) => {
        const body = h.type >= 133 && h.type <= 137 ? new Uint8Array(0) : payload; // NDP messages end with their options
        const bytes = encodeIcmpv6(h, body, addresses);
        expect(bytes.length).toBe(icmpv6HeaderLength(h) + body.length);
        const decoded = decodeIcmpv6(bytes, 0, addresses);
        expect(decoded).toEqual({ ...h, checksum: decoded.checksum, checksumStatus: 'good' });
        if (bytes.length >= 8) expect(new Icmpv6View(bytes).check().verifyChecksum(parseIpv6(addresses.src), parseIpv6(addresses.dst))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('takes the pseudo-header from the nearest ipv6 layer outside, as encodeFrame gives it', () => {
    const h: Icmpv6Input = { type: 128, ident: 1, seq: 2 };
    const out = new Uint8Array(8);
    const ctx = (outer: EncodeContext['outer']): EncodeContext => ({ outer, inner: [], codeFor: () => undefined, fill: true });
    icmpv6Encoder.emit(h, out, 0, 0, ctx([{ name: 'ipv6', header: { src: '2001:db8::9', dst: '2001:db8::8' } }, { name: 'ipv6', header: addresses }]));
    expect(decodeIcmpv6(out, 0, addresses).checksumStatus).toBe('good');
    expect(() => icmpv6Encoder.emit(h, out, 0, 0, ctx([{ name: 'ip', header: { src: '10.0.0.1', dst: '10.0.0.2' } }]))).toThrow(
      /checksum covers the IPv6 source and destination \(RFC 4443 section 2\.3\): put an ipv6 layer outside/,
    );
    icmpv6Encoder.emit({ ...h, checksum: 0x1234 }, out, 0, 0, ctx([]));
    expect(decodeIcmpv6(out).checksum).toBe(0x1234);
    icmpv6Encoder.emit(h, out, 0, 0, { ...ctx([]), fill: false });
    expect(decodeIcmpv6(out).checksum).toBe(0);
  });

  it('pads option bodies to 8-byte units and refuses what does not fit', () => {
    const bytes = encodeIcmpv6({ type: 133, options: [{ type: 14, data: '01:02:03' }] }, undefined, addresses);
    expect([...bytes.subarray(8)]).toEqual([14, 1, 1, 2, 3, 0, 0, 0]);
    expect(() => encodeIcmpv6({ type: 133, options: [{ type: 1, linkAddress: 'zz:00' }] }, undefined, addresses)).toThrow(/is not colon-separated hex bytes/);
    expect(() => encodeIcmpv6({ type: 134, preference: 4 }, undefined, addresses)).toThrow(/preference must be an integer 0\.\.3, got 4/);
    expect(() => encodeIcmpv6({ type: 135, targetAddress: 'fe80::1::2' }, undefined, addresses)).toThrow(WireError);
    expect(() => encodeIcmpv6({ type: 128 })).toThrow(/checksum covers the IPv6 source and destination/);
    expect(ndpOptionsLength([{ type: 1, linkAddress: '02:00:00:00:00:01' }, { type: 5, mtu: 1280 }])).toBe(16);
  });
});

describe('icmpv6: view', () => {
  it('reads and rewrites in place, then fixes the checksum over the pseudo-header', () => {
    const src = parseIpv6('fe80::2');
    const dst = parseIpv6('fe80::1');
    const bytes = encodeIcmpv6({ type: 136, solicited: true, targetAddress: 'fe80::2' }, undefined, { src, dst });
    const v = new Icmpv6View(bytes).check();
    expect([v.type, v.word >>> 0, v.targetAddress]).toEqual([136, 0x40000000, 'fe80::2']);
    v.targetAddress = '2001:db8::2';
    expect(v.verifyChecksum(src, dst)).toBe(false);
    v.fillChecksum(src, dst);
    expect(decodeIcmpv6(bytes, 0, { src, dst })).toMatchObject({ targetAddress: '2001:db8::2', solicited: true, checksumStatus: 'good' });
    expect(() => new Icmpv6View(bytes, 20).check()).toThrow(/header needs 8 bytes, 4 captured at offset 20/);
  });
});

describe('icmpv6: Neighbor Discovery options against hostile lengths', () => {
  it('a zero length never loops; an overrun or a lone byte is truncated', () => {
    expect(readNdpOptions(hex('0100 0000 0000 0000'))).toMatchObject({ options: [], end: 0, error: { code: 'bad-length', offset: 0 } });
    expect(readNdpOptions(hex('01ff 0200 0000 0001'))).toMatchObject({ options: [], end: 0, error: { code: 'truncated', required: 2040, available: 8 } });
    expect(readNdpOptions(hex('0101 0200 0000 0001 05'))).toMatchObject({ options: [{ type: 1 }], end: 8, error: { code: 'truncated', offset: 8, required: 2, available: 1 } });
    expect(readNdpOptions(new Uint8Array(0))).toEqual({ options: [], end: 0 });
  });

  it('random option bytes: reading ends, consumes whole options only, and errs only when it stops early', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80, size: 'max' }), (bytes) => {
        const read = readNdpOptions(bytes);
        expect(read.end <= bytes.length).toBe(true);
        expect(read.error === undefined).toBe(read.end === bytes.length);
        if (read.error) expect(read.error).toBeInstanceOf(WireError);
        // What was read writes back to the same bytes.
        const out = new Uint8Array(ndpOptionsLength(read.options));
        writeNdpOptions(read.options, out, 0);
        expect(out).toEqual(bytes.subarray(0, read.end));
      }),
      { numRuns: 1500 },
    );
  });

  it('a prefix length above 128 (invalid, RFC 4861 4.6.2) is read and written back as it is', () => {
    // Found by the property above: prefix information with prefix length 129, after a 24-byte option of type 0.
    const bytes = new Uint8Array(56);
    bytes.set([0, 3], 0);
    bytes.set([3, 4, 129], 24);
    const read = readNdpOptions(bytes);
    expect(read.error).toBeUndefined();
    expect(read.options[1]).toMatchObject({ type: 3, prefixLength: 129 });
    const out = new Uint8Array(ndpOptionsLength(read.options));
    writeNdpOptions(read.options, out, 0);
    expect(out).toEqual(bytes);
  });

  it('a 64 KiB list of the smallest options reads in one pass', () => {
    const bytes = new Uint8Array(65528);
    for (let i = 0; i < bytes.length; i += 8) bytes.set([200, 1], i);
    const started = performance.now();
    const read = readNdpOptions(bytes);
    expect(read.options.length).toBe(65528 / 8);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('every prefix of every fixture message decodes or fails with a WireError only', () => {
    for (const r of records) {
      const full = icmpv6Context(r);
      for (let n = full.offset; n <= r.data.length; n++) {
        const ctx = icmpv6Context(r, n);
        try {
          const d = icmpv6.decode(ctx);
          expect(ctx.offset + d.headerLength <= Math.max(ctx.end, ctx.offset)).toBe(true);
          if (d.error) expect(d.error).toBeInstanceOf(WireError);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
          expect((e as WireError).code).toBe('truncated');
        }
      }
      for (let n = 0; n <= r.data.length; n++) {
        const p = decodePacket(r.data.subarray(0, n));
        for (const e of p.errors) expect(e.code).not.toBe('internal');
      }
    }
  });

  it('random messages decode or fail with a WireError, with no undefined or NaN field', () => {
    const types = fc.constantFrom(1, 2, 3, 4, 128, 129, 133, 134, 135, 136, 137, 143);
    fc.assert(
      fc.property(types, fc.uint8Array({ maxLength: 96, size: 'max' }), (type, rest) => {
        const bytes = new Uint8Array(1 + rest.length);
        bytes[0] = type;
        bytes.set(rest, 1);
        try {
          const d = icmpv6.decode({ bytes, offset: 0, end: bytes.length, below: [], quoted: false, verifyChecksum: true });
          const sink = new FieldSink();
          icmpv6.fields(d.header, sink, { name: 'icmpv6', header: d.header, offset: 0, length: d.headerLength, payloadOffset: 0, payloadLength: 0 });
          for (const v of Object.values(sink.map).flat()) expect(v === undefined || Number.isNaN(v)).toBe(false);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
