import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { formatIpv6 } from '../src/network/ip-address.js';
import { decodeIpv6, emitIpv6, encodeIpv6, ipv6, Ipv6View, type Ipv6Header, type Ipv6Input } from '../src/network/ipv6.js';
import type { Ipv6ExtensionInput } from '../src/network/ipv6-extensions.js';
import { readPcapFile } from './util/pcap.js';
import { compareFields, readTsharkJson } from './util/tshark.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));

/**
 * A WireError, and not one wrapping an exception this layer let escape (decodePacket turns those
 * into code 'internal'). Upper layers' errors are their own suites' business.
 */
function expectWireError(e: unknown): void {
  expect(e).toBeInstanceOf(WireError);
  const { layer, code } = e as WireError;
  expect(`${layer}:${code}`).not.toBe('ipv6:internal');
}
const S = '2001:db8::1';
const D = '2001:db8:0:1::2';

const REQUIRED = [
  'ipv6.version', 'ip.version', 'ipv6.tclass', 'ipv6.tclass.dscp', 'ipv6.tclass.ecn', 'ipv6.flow', 'ipv6.plen', 'ipv6.nxt',
  'ipv6.hlim', 'ipv6.src', 'ipv6.dst', 'ipv6.addr', 'ipv6.src_host', 'ipv6.dst_host', 'ipv6.host', 'ipv6.hopopts.nxt',
  'ipv6.hopopts.len', 'ipv6.hopopts.len_oct', 'ipv6.dstopts.nxt', 'ipv6.dstopts.len', 'ipv6.dstopts.len_oct', 'ipv6.opt.type',
  'ipv6.opt.type.action', 'ipv6.opt.type.change', 'ipv6.opt.type.rest', 'ipv6.opt.length', 'ipv6.opt.pad1', 'ipv6.opt.padn',
  'ipv6.opt.router_alert', 'ipv6.opt.mipv6.home_address', 'ipv6.opt.experimental', 'ipv6.routing.nxt', 'ipv6.routing.len',
  'ipv6.routing.len_oct', 'ipv6.routing.type', 'ipv6.routing.segleft', 'ipv6.routing.src.reserved', 'ipv6.routing.src.addr',
  'ipv6.routing.mipv6.reserved', 'ipv6.routing.mipv6.home_address', 'ipv6.routing.srh.last_entry', 'ipv6.routing.srh.flags',
  'ipv6.routing.srh.tag', 'ipv6.routing.srh.addr', 'ipv6.fraghdr.nxt', 'ipv6.fraghdr.reserved_octet', 'ipv6.fraghdr.offset',
  'ipv6.fraghdr.reserved_bits', 'ipv6.fraghdr.more', 'ipv6.fraghdr.ident',
];

function compareIpv6(file: string, skip: readonly number[] = []) {
  const records = readPcapFile(fixture(`${file}.pcap`));
  const tshark = readTsharkJson(fixture(`${file}.json`));
  expect(records.length).toBe(tshark.length);
  return records.map((r, i) => {
    const p = decodePacket(r.data, { linkType: r.linkType });
    const mine = (k: string) => k.startsWith('ipv6.') || k === 'ip.version';
    const ours = Object.fromEntries(Object.entries(p.fields()).filter(([k]) => mine(k)));
    const theirs = Object.fromEntries(Object.entries(tshark[i]!).filter(([k]) => mine(k)));
    return { packet: p, index: i + 1, mismatches: skip.includes(i + 1) ? [] : compareFields(ours, theirs, REQUIRED) };
  });
}

describe('ipv6: agrees with tshark 4.0', () => {
  it('field by field on every packet of ipv6.pcap (extension chains, fragments, AH, ESP, hostile lengths)', () => {
    // Packet 13's hop-by-hop header runs past the payload into Ethernet padding: tshark decodes
    // options from the padding, we stop with an error (compared below without REQUIRED).
    const results = compareIpv6('ipv6', [13]);
    expect(results.filter((r) => r.mismatches.length > 0).map((r) => ({ packet: r.index, mismatches: r.mismatches }))).toEqual([]);
    expect(results.every((r) => r.packet.layers[1]?.name === 'ipv6')).toBe(true);
    const tshark = readTsharkJson(fixture('ipv6.json'));
    const p13 = results[12]!.packet;
    expect(compareFields(p13.fields(), tshark[12]!)).toEqual([]);
    expect(p13.errors[0]).toMatchObject({ code: 'bad-length', layer: 'ipv6', offset: 54 });
    expect(results[13]!.packet.errors[0]).toMatchObject({ code: 'truncated', layer: 'ipv6' });
  });

  it('on raw IP link types 101 and 229, and prints every address form as tshark does', () => {
    for (const file of ['ip-raw101', 'ip-raw229']) {
      const results = compareIpv6(file);
      expect(results.flatMap((r) => r.mismatches)).toEqual([]);
    }
    expect(compareIpv6('ip-raw101')[1]!.packet.protocols).toMatch(/^ipv6/);
    expect(compareIpv6('ip-raw229').every((r) => r.packet.protocols === 'ipv6')).toBe(true);
  });

  it('walks the chain to the upper layer and names what is next', () => {
    const results = compareIpv6('ipv6');
    const at = (n: number) => results[n - 1]!.packet.layer<Ipv6Header>('ipv6')!.header;
    expect(at(3).extensions.map((e) => e.name)).toEqual(['hopopts', 'dstopts', 'routing', 'fraghdr']);
    expect(at(3)).toMatchObject({ protocol: 17, finalDst: '2001:db8::b', fragment: { offset: 0, more: true, id: 0xabcdef } });
    expect(at(4)).toMatchObject({ protocol: 17, fragment: { offset: 5, more: false } });
    expect(results[3]!.packet.protocols).toBe('eth:ipv6'); // a later fragment is opaque
    expect(at(5).finalDst).toBe('2001:db8::c'); // SRv6: segment list[0]
    expect(at(7)).toMatchObject({ protocol: 17, extensions: [{ name: 'ah', spi: 0x100, sequence: 1, length: 24 }] });
    expect(at(8).protocol).toBe(50);
    expect(ipv6.decode({ bytes: results[7]!.packet.bytes, offset: 14, end: results[7]!.packet.bytes.length, below: [], quoted: false, verifyChecksum: true }).next).toEqual({ table: 'ip.proto', value: 50 });
    expect(results[8]!.packet.protocols).toBe('eth:ipv6'); // no next header
    expect(results[8]!.packet.trailer.length).toBe(60 - 54); // Ethernet padding stays out of the payload
    expect(at(10).finalDst).toBe('2001:db8::99'); // Mobile IPv6 home address
  });
});

describe('ipv6: decoding', () => {
  it('RFC 8200 section 8.1: the pseudo-header destination is the routing header’s final one while segments are left', () => {
    const base = { src: S, dst: D, protocol: 59 };
    const rh0 = (segmentsLeft: number) => decodeIpv6(encodeIpv6({ ...base, extensions: [{ type: 43, routingType: 0, segmentsLeft, addresses: ['2001:db8::a', '2001:db8::f'] }] }));
    expect(rh0(1).finalDst).toBe('2001:db8::f');
    expect(rh0(0).finalDst).toBeUndefined();
    const srh = decodeIpv6(encodeIpv6({ ...base, extensions: [{ type: 43, routingType: 4, addresses: ['2001:db8::f', '2001:db8::a'] }] }));
    expect(srh.extensions[0]).toMatchObject({ routingType: 4, segmentsLeft: 1, lastEntry: 1, addresses: ['2001:db8::f', '2001:db8::a'] });
    expect(srh.finalDst).toBe('2001:db8::f');
  });

  it('RFC 2675: a jumbogram takes its length from the hop-by-hop Jumbo Payload option', () => {
    const payload = new Uint8Array(100);
    const bytes = encodeIpv6({ src: S, dst: D, protocol: 253, payloadLength: 0, extensions: [{ type: 0, options: [{ type: 0xc2, data: [0, 0, 0, 108] }] }] }, payload);
    const p = decodePacket(bytes, { linkType: 'ipv6' });
    expect(p.errors).toEqual([]);
    expect(p.layers[0]!.header).toMatchObject({ payloadLength: 0, jumboLength: 108 });
    expect(p.layers[0]!.payloadLength).toBe(100);
    // Payload length 0 and no jumbo option: the hop-by-hop header has no room.
    const bad = encodeIpv6({ src: S, dst: D, protocol: 253, payloadLength: 0, extensions: [{ type: 0, options: [] }] });
    expect(decodePacket(bad, { linkType: 'ipv6' }).errors[0]!.message).toMatch(/payload length 0 at offset 0 without a Jumbo Payload option/);
  });

  it('hostile lengths give actionable WireErrors', () => {
    const good = encodeIpv6({ src: S, dst: D, protocol: 253, extensions: [{ type: 60, options: [] }, { type: 44, id: 1 }] }, new Uint8Array(8));
    const mutate = (f: (b: Uint8Array) => void) => {
      const b = good.slice();
      f(b);
      return b;
    };
    const cases: [Uint8Array, object, RegExp][] = [
      [good.subarray(0, 39), { code: 'truncated', required: 40, available: 39 }, /header needs 40 bytes, 39 captured at offset 0/],
      [mutate((b) => (b[0] = 0x45)), { code: 'bad-version' }, /version is 4, expected 6/],
      [mutate((b) => (b[41] = 9)), { code: 'bad-length', offset: 40, required: 80, available: 24 }, /extension header 60 of 80 bytes at offset 40 needs 80 bytes, the payload length leaves 24/],
      [mutate((b) => (b[5] = 12)), { code: 'bad-length', offset: 48 }, /extension header 44 of 8 bytes at offset 48 needs 8 bytes, the payload length leaves 4/],
      [mutate((b) => (b[5] = 200)), { code: 'truncated', required: 240, available: 64 }, /payload length 200 exceeds the 24 bytes captured after the header at offset 0/],
      [good.subarray(0, 50), { code: 'truncated', offset: 48 }, /extension header 44 of 8 bytes at offset 48 needs 8 bytes, 2 captured/],
      [mutate((b) => (b[43] = 9)), { code: 'bad-value', offset: 42 }, /option 1 at offset 42 has 9 data bytes, past the end of its header \(4 left\)/],
    ];
    for (const [bytes, props, message] of cases) {
      const p = decodePacket(bytes, { linkType: 'ipv6' });
      expect(p.errors.length, String(message)).toBe(1);
      expect(p.errors[0]).toBeInstanceOf(WireError);
      expect(p.errors[0]).toMatchObject({ layer: 'ipv6', ...props });
      expect(p.errors[0]!.message).toMatch(message);
      expect(() => decodeIpv6(bytes)).toThrow(message);
    }
  });

  it('stops a crafted chain after 16 extension headers', () => {
    const extensions: Ipv6ExtensionInput[] = Array.from({ length: 20 }, () => ({ type: 60, options: [] }));
    const bytes = encodeIpv6({ src: S, dst: D, protocol: 253, extensions });
    const p = decodePacket(bytes, { linkType: 'ipv6' });
    expect(p.errors[0]).toMatchObject({ code: 'limit-exceeded', offset: 40 + 16 * 8 });
    expect(p.layers[0]!.header).toMatchObject({ extensions: { length: 16 } });
  });

  it('inside an ICMPv6 error quote, a payload length beyond the bytes is no error', () => {
    const inner = encodeIpv6({ src: S, dst: D, protocol: 17 }, new Uint8Array(100)).subarray(0, 48);
    const ctx = { bytes: inner, offset: 0, end: inner.length, below: [], verifyChecksum: true };
    expect(ipv6.decode({ ...ctx, quoted: false }).truncated?.code).toBe('truncated');
    const quoted = ipv6.decode({ ...ctx, quoted: true });
    expect(quoted.error).toBeUndefined();
    expect(quoted.next).toEqual({ table: 'ip.proto', value: 17 });
  });

  it('decodes every prefix of every fixture packet without throwing (only WireErrors, recorded)', () => {
    for (const r of readPcapFile(fixture('ipv6.pcap'))) {
      for (let n = 0; n <= r.data.length; n++) {
        const bytes = r.data.subarray(0, n);
        const p = decodePacket(bytes);
        p.fields();
        p.errors.forEach(expectWireError);
        if (n < 14 + 40 && n >= 14) expect(p.errors[0]).toMatchObject({ code: 'truncated', layer: 'ipv6', offset: 14 });
        try {
          decodePacket(bytes, { strict: true });
        } catch (e) {
          expectWireError(e);
        }
      }
    }
  });

  it('survives random mutations (fuzz): only WireErrors, layers stay inside the bytes', () => {
    const seeds = readPcapFile(fixture('ipv6.pcap')).map((r) => r.data.subarray(14));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), (i, edits, cut) => {
        const b = seeds[i]!.slice();
        for (const [at, v] of edits) b[at % b.length] = v;
        b[0] = 0x60 | (b[0]! & 0x0f);
        const bytes = b.subarray(0, cut % (b.length + 1));
        const p = decodePacket(bytes, { linkType: 'ipv6' });
        p.fields();
        p.errors.forEach(expectWireError);
        for (const l of p.layers) expect(l.payloadOffset + l.payloadLength).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('never reads past ctx.end: bytes after it change nothing', () => {
    const seeds = readPcapFile(fixture('ipv6.pcap')).map((r) => r.data.subarray(14));
    const outcome = (bytes: Uint8Array, end: number) => {
      try {
        const d = ipv6.decode({ bytes, offset: 0, end, below: [], quoted: false, verifyChecksum: true });
        return JSON.stringify({ ...d, error: d.error?.message });
      } catch (e) {
        return (e as Error).message;
      }
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 64, size: 'max' }), (i, cut, garbage) => {
        const seed = seeds[i]!;
        const end = cut % (seed.length + 1);
        const withGarbage = new Uint8Array(end + garbage.length);
        withGarbage.set(seed.subarray(0, end));
        withGarbage.set(garbage, end);
        expect(outcome(withGarbage, end)).toBe(outcome(seed.slice(0, end), end));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('ipv6: view', () => {
  it('reads and rewrites the fixed header in place', () => {
    const b = encodeIpv6({ src: S, dst: D, protocol: 17, dscp: 46, ecn: 1, flowLabel: 0x12345, hopLimit: 3 }, new Uint8Array(8));
    const v = new Ipv6View(b).check();
    expect([v.version, v.trafficClass, v.dscp, v.ecn, v.flowLabel, v.payloadLength, v.nextHeader, v.hopLimit, v.src, v.dst]).toEqual([
      6, 0xb9, 46, 1, 0x12345, 8, 17, 3, S, D,
    ]);
    v.dscp = 10;
    v.ecn = 2;
    v.flowLabel = 0xfffff;
    v.hopLimit -= 1;
    v.dst = 'ff02::1';
    v.src = '::';
    expect(decodeIpv6(b)).toMatchObject({ dscp: 10, ecn: 2, flowLabel: 0xfffff, hopLimit: 2, src: '::', dst: 'ff02::1', version: 6 });
    expect(v.payload.length).toBe(8);
    expect(() => new Ipv6View(b.subarray(0, 39)).check()).toThrow(/header needs 40 bytes, 39 captured/);
    b[0] = 0x40;
    expect(() => new Ipv6View(b).check()).toThrow(/version is 4, expected 6/);
  });
});

describe('ipv6: encoding', () => {
  const address = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b));
  const option = fc.oneof(
    fc.constant({ type: 0 }),
    fc.record({ type: fc.integer({ min: 1, max: 255 }), data: fc.uint8Array({ maxLength: 10, size: 'max' }) }),
  );
  const extension: fc.Arbitrary<Ipv6ExtensionInput> = fc.oneof(
    fc.record({ type: fc.constantFrom(0, 60), options: fc.array(option, { maxLength: 4 }) }),
    fc.record({ type: fc.constant(43), routingType: fc.constantFrom(0, 2, 4), segmentsLeft: fc.integer({ min: 0, max: 3 }), addresses: fc.array(address, { minLength: 1, maxLength: 3 }) }),
    fc.record({ type: fc.constant(44), fragmentOffset: fc.constant(0), moreFragments: fc.boolean(), id: fc.integer({ min: 0, max: 0xffffffff }) }),
    fc.record({ type: fc.constant(51), data: fc.integer({ min: 3, max: 5 }).chain((n) => fc.uint8Array({ minLength: 4 * n + 2, maxLength: 4 * n + 2 })) }),
  );
  const input: fc.Arbitrary<Ipv6Input> = fc.record({
    src: address,
    dst: address,
    hopLimit: fc.integer({ min: 0, max: 255 }),
    dscp: fc.integer({ min: 0, max: 63 }),
    ecn: fc.integer({ min: 0, max: 3 }),
    flowLabel: fc.integer({ min: 0, max: 0xfffff }),
    protocol: fc.constantFrom(6, 17, 58, 253),
    extensions: fc.array(extension, { maxLength: 5 }),
  });

  it('round-trips random headers and extension chains: decode(encode(h)) reproduces h, and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(input, fc.uint8Array({ maxLength: 32, size: 'max' }), (h, payload) => {
        const bytes = encodeIpv6(h, payload);
        const d = decodeIpv6(bytes);
        const { extensions, ...scalars } = h;
        expect(d).toMatchObject(scalars);
        expect(d.payloadLength).toBe(bytes.length - 40);
        expect(d.nextHeader).toBe(extensions![0]?.type ?? h.protocol);
        expect(d.extensions.map((e) => e.type)).toEqual(extensions!.map((e) => e.type));
        d.extensions.forEach((e, i) => {
          const given = extensions![i]!;
          expect(e.nextHeader).toBe(extensions![i + 1]?.type ?? h.protocol);
          if (given.type === 43) {
            expect(e).toMatchObject({ routingType: given.routingType, segmentsLeft: given.segmentsLeft });
            if (given.routingType !== 4 || given.addresses!.length > 0) expect(e.addresses).toEqual(given.addresses);
          }
          if (given.type === 44) expect(e).toMatchObject({ fragmentOffset: 0, moreFragments: given.moreFragments, id: given.id });
          if (given.options) {
            // Our options first, then the Pad1/PadN the encoder added to reach 8 bytes.
            const decoded = e.options!.slice(0, given.options.length);
            expect(decoded.map((o) => o.type)).toEqual(given.options.map((o) => o.type));
            decoded.forEach((o, j) => {
              const data = (given.options![j] as { data?: Uint8Array }).data;
              if (data) expect(o.data).toBe([...data].map((x) => x.toString(16).padStart(2, '0')).join(':'));
            });
            expect(e.options!.slice(given.options.length).every((o) => o.type <= 1)).toBe(true);
          }
        });
        expect(encodeIpv6(d, payload)).toEqual(bytes);
      }),
      { numRuns: 400 },
    );
  });

  it('fills payload length and next headers in frames, from the next layer', () => {
    const frame = encodeFrame(
      [
        { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
        { ipv6: { src: S, dst: D, extensions: [{ type: 0, options: [{ type: 5, data: [0, 0] }] }] } },
        { ip: { src: '10.0.0.1', dst: '10.0.0.2', protocol: 253 } },
      ],
      Uint8Array.of(1, 2),
    );
    const p = decodePacket(frame);
    expect(p.protocols).toBe('eth:ipv6:ip');
    expect(p.layers[1]!.header).toMatchObject({ nextHeader: 0, protocol: 4, payloadLength: 8 + 22 });
    expect(p.errors).toEqual([]);
    const nothing = encodeIpv6({ src: S, dst: D });
    expect(decodeIpv6(nothing)).toMatchObject({ nextHeader: 59, payloadLength: 0 });
    const unfilled = encodeFrame([{ ipv6: { src: S, dst: D } }], new Uint8Array(4), { fill: false });
    expect(new Ipv6View(unfilled)).toMatchObject({ payloadLength: 0, nextHeader: 0 });
    expect(() => encodeIpv6({ src: S, dst: D }, new Uint8Array(4))).toThrow(/no protocol given/);
    expect(() => encodeIpv6({ src: S, dst: D, protocol: 17, extensions: [{ type: 60, data: [1, 2, 3] }] })).toThrow(/extension header 60 \(dstopts\) of 5 bytes is not a whole number of 8-byte units/);
    expect(() => encodeIpv6({ src: S, dst: D, protocol: 17, extensions: [{ type: 51, data: [0, 0, 0, 0, 0, 0] }] })).toThrow(/shorter than the 12 bytes/);
    expect(() => encodeIpv6({ src: S, dst: '2001:db8::1::2', protocol: 17 })).toThrow(/'::' may appear only once/);
    const out = new Uint8Array(60);
    expect(emitIpv6({ src: S, dst: D, protocol: 17 }, Uint8Array.of(9), out, 3)).toBe(41);
    expect(decodeIpv6(out.subarray(0, 44), 3).payloadLength).toBe(1);
  });
});
