import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { internetChecksum } from '../src/checksum/internet.js';
import { WireError } from '../src/errors.js';
import { FieldSink } from '../src/packet/fields.js';
import { decodeIpv4, encodeIpv4, emitIpv4, ipv4, Ipv4View, type Ipv4Input } from '../src/network/ipv4.js';
import { IPV4_OPTION, parseIpv4Options, type Ipv4OptionInput } from '../src/network/ipv4-options.js';
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
  expect(`${layer}:${code}`).not.toBe('ip:internal');
}
const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));

/** Fields tshark shows for every readable IPv4 header: ours must be there too. */
const REQUIRED = [
  'ip.version', 'ip.hdr_len', 'ip.dsfield', 'ip.dsfield.dscp', 'ip.dsfield.ecn', 'ip.id', 'ip.flags', 'ip.flags.rb',
  'ip.flags.df', 'ip.flags.mf', 'ip.frag_offset', 'ip.ttl', 'ip.proto', 'ip.checksum', 'ip.checksum.status',
  'ip.checksum_calculated', 'ip.src', 'ip.addr', 'ip.src_host', 'ip.host', 'ip.dst', 'ip.dst_host', 'ip.cur_rt',
  'ip.opt.type', 'ip.opt.type.copy', 'ip.opt.type.class', 'ip.opt.type.number', 'ip.opt.len', 'ip.opt.ptr', 'ip.rec_rt',
  'ip.empty_rt', 'ip.src_rt', 'ip.opt.ra', 'ip.opt.sid', 'ip.opt.mtu', 'ip.opt.time_stamp', 'ip.opt.time_stamp_addr',
  'ip.opt.flag', 'ip.opt.overflow', 'ip.opt.id_number', 'ip.opt.originator', 'ip.len', 'ip.options.eol', 'ip.options.nop',
  'ip.options.record_route', 'ip.options.route', 'ip.options.source_route', 'ip.options.timestamp', 'ip.options.security',
  'ip.options.sid', 'ip.options.mtu_probe', 'ip.options.mtu_reply', 'ip.options.traceroute', 'ip.options.routeralert',
  'ip.options.sdb', 'ip.options.qs', 'ip.options.cipso', 'ip.opt.addr',
];

/** The `ip.*` fields of ours and tshark's, compared (other layers are other suites' business). */
function compareIp(file: string) {
  const records = readPcapFile(fixture(`${file}.pcap`));
  const tshark = readTsharkJson(fixture(`${file}.json`));
  expect(records.length).toBe(tshark.length);
  return records.map((r, i) => {
    const p = decodePacket(r.data, { linkType: r.linkType });
    const ours = Object.fromEntries(Object.entries(p.fields()).filter(([k]) => k.startsWith('ip.')));
    const theirs = Object.fromEntries(Object.entries(tshark[i]!).filter(([k]) => k.startsWith('ip.')));
    return { packet: p, index: i + 1, mismatches: compareFields(ours, theirs, REQUIRED) };
  });
}

describe('ipv4: agrees with tshark 4.0', () => {
  it('field by field on every packet of ip.pcap (options, flags, fragments, bad checksum, hostile lengths)', () => {
    const results = compareIp('ip');
    expect(results.filter((r) => r.mismatches.length > 0).map((r) => ({ packet: r.index, mismatches: r.mismatches }))).toEqual([]);
    // Every packet decodes an ip layer.
    expect(results.every((r) => r.packet.layers[1]?.name === 'ip')).toBe(true);
  });

  it('on raw IP link types 101 and 228', () => {
    for (const file of ['ip-raw101', 'ip-raw228']) {
      const results = compareIp(file);
      expect(results.flatMap((r) => r.mismatches)).toEqual([]);
      expect(results[0]!.packet.layers[0]!.name).toBe('ip');
    }
  });
});

describe('ipv4: decoding', () => {
  // The header often used to teach the checksum (Wikipedia "IPv4 header checksum"): checksum 0xb861.
  const TEXTBOOK = hex('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7');

  it('reads every field of a textbook header and verifies its checksum', () => {
    // Total length 0x73 runs past these 20 bytes: decodeIpv4 is strict.
    expect(() => decodeIpv4(TEXTBOOK)).toThrow(/total length 115 exceeds the 20 bytes captured at offset 0/);
    const padded = new Uint8Array(0x73);
    padded.set(TEXTBOOK);
    expect(decodeIpv4(padded)).toEqual({
      version: 4, headerLength: 20, dscp: 0, ecn: 0, totalLength: 115, id: 0, reservedFlag: false, dontFragment: true,
      moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: 17, checksum: 0xb861, checksumStatus: 'good',
      src: '192.168.0.1', dst: '192.168.0.199', options: [],
    });
    expect(new Ipv4View(TEXTBOOK).computeChecksum()).toBe(0xb861);
  });

  it('RFC 791 appendix A: the minimal datagram and a fragmented one', () => {
    // Example 1: version 4, IHL 5, total length 21, id 111, TTL 123, protocol 1, one byte of data.
    const ex1 = encodeIpv4({ src: '10.0.0.1', dst: '10.0.0.2', id: 111, ttl: 123, protocol: 1 }, Uint8Array.of(0x42));
    expect(ex1.length).toBe(21);
    expect(decodeIpv4(ex1)).toMatchObject({ totalLength: 21, id: 111, ttl: 123, protocol: 1, checksumStatus: 'good' });
    // Example 2: the first fragment (MF, offset 0, 256 data bytes) and the second (offset 32 units = 256 bytes).
    const first = encodeIpv4({ src: '10.0.0.1', dst: '10.0.0.2', id: 111, ttl: 119, protocol: 6, moreFragments: true }, new Uint8Array(256));
    const second = encodeIpv4({ src: '10.0.0.1', dst: '10.0.0.2', id: 111, ttl: 119, protocol: 6, fragmentOffset: 32 }, new Uint8Array(196));
    expect([first.length, second.length]).toEqual([276, 216]);
    const p1 = decodePacket(first, { linkType: 'ipv4' });
    const p2 = decodePacket(second, { linkType: 'ipv4' });
    expect(p1.layers[0]!.header).toMatchObject({ moreFragments: true, fragmentOffset: 0 });
    expect(p2.layers[0]!.header).toMatchObject({ moreFragments: false, fragmentOffset: 32 });
    // Only the first fragment carries the TCP header: the later one is opaque data.
    expect(ipv4.decode({ bytes: first, offset: 0, end: first.length, below: [], quoted: false, verifyChecksum: true }).next).toEqual({ table: 'ip.proto', value: 6 });
    expect(ipv4.decode({ bytes: second, offset: 0, end: second.length, below: [], quoted: false, verifyChecksum: true }).next).toBeUndefined();
    expect(p2.payload.length).toBe(196);
    expect(p2.errors).toEqual([]);
  });

  it('trims the payload by the total length, leaving Ethernet padding in the trailer', () => {
    const [, runt] = readPcapFile(fixture('ip.pcap'));
    const p = decodePacket(runt!.data);
    const ip = p.layer('ip')!;
    expect(runt!.data.length).toBe(60);
    expect(ip.payloadOffset + ip.payloadLength).toBe(14 + 29);
    expect(p.trailer.length).toBe(60 - 14 - 29);
    expect([...p.trailer].every((b) => b === 0)).toBe(true);
  });

  it('reports a bad checksum with the value it should have, and skips verification when asked', () => {
    const bytes = encodeIpv4({ src: '192.0.2.1', dst: '198.51.100.2', protocol: 253, checksum: 0x1234 });
    const p = decodePacket(bytes, { linkType: 'raw' });
    const good = encodeIpv4({ src: '192.0.2.1', dst: '198.51.100.2', protocol: 253 });
    expect(p.layers[0]!.header).toMatchObject({ checksum: 0x1234, checksumStatus: 'bad', checksumExpected: decodeIpv4(good).checksum });
    expect(p.errors).toEqual([]);
    expect(decodePacket(bytes, { linkType: 'raw', checksums: { ip: false } }).fields()['ip.checksum.status']).toBe('unverified');
    expect(decodePacket(bytes, { linkType: 'raw', checksums: false }).fields()['ip.checksum_calculated']).toBeUndefined();
  });

  it('keeps options as TLVs with names and parsed contents', () => {
    const bytes = encodeIpv4(
      {
        src: '192.0.2.1', dst: '198.51.100.2', protocol: 17,
        options: [{ type: IPV4_OPTION.nop }, { type: IPV4_OPTION.routerAlert, value: 0 }, { type: IPV4_OPTION.rr, addresses: ['0.0.0.0', '0.0.0.0'] }],
      },
    );
    const h = decodeIpv4(bytes);
    expect(h.headerLength).toBe(20 + 16);
    expect(h.options).toEqual([
      { type: 1, name: 'nop' },
      { type: 148, name: 'router-alert', length: 4, data: '00:00', value: 0 },
      { type: 7, name: 'rr', length: 11, data: '04:00:00:00:00:00:00:00:00', pointer: 4, addresses: ['0.0.0.0', '0.0.0.0'] },
    ]);
    // 5 bytes of options are padded with EOL and zeros to 8.
    const padded = decodeIpv4(encodeIpv4({ src: '192.0.2.1', dst: '198.51.100.2', protocol: 17, options: [{ type: IPV4_OPTION.nop }, { type: IPV4_OPTION.routerAlert, value: 0 }] }));
    expect(padded.headerLength).toBe(28);
    expect(padded.options.map((o) => o.name)).toEqual(['nop', 'router-alert', 'eol']);
    // A loose source route in progress: ip.dst is the route's end, the header's dst the next hop.
    const lsrr = decodeIpv4(encodeIpv4({ src: '192.0.2.1', dst: '10.0.0.1', protocol: 17, options: [{ type: IPV4_OPTION.lsrr, addresses: ['10.0.0.2', '203.0.113.9'], pointer: 8 }] }));
    expect(lsrr.finalDst).toBe('203.0.113.9');
    const fields = new FieldSink();
    ipv4.fields(lsrr, fields, { name: 'ip', header: lsrr, offset: 0, length: 32, payloadOffset: 32, payloadLength: 0 });
    expect(fields.map['ip.dst']).toBe('203.0.113.9');
    expect(fields.map['ip.cur_rt']).toBe('10.0.0.1');
    expect(fields.map['ip.rec_rt']).toBe('10.0.0.2');
  });

  it('throws only WireErrors with actionable messages on hostile lengths', () => {
    const good = encodeIpv4({ src: '192.0.2.1', dst: '198.51.100.2', protocol: 17, options: [{ type: 1 }, { type: 1 }, { type: 1 }, { type: 1 }] }, new Uint8Array(8));
    const mutate = (f: (b: Uint8Array) => void) => {
      const b = good.slice();
      f(b);
      return b;
    };
    const cases: [Uint8Array, object, RegExp][] = [
      [mutate((b) => (b[0] = 0x43)), { code: 'bad-length', offset: 0 }, /header length 12 \(IHL 3\) is below the minimum 20 at offset 0/],
      [mutate((b) => (b[0] = 0x4f)), { code: 'truncated', required: 60, available: 32 }, /header length 60 exceeds the 32 bytes captured at offset 0/],
      [mutate((b) => (b[3] = 10)), { code: 'bad-length' }, /total length 10 is less than the header length 24/],
      [mutate((b) => (b[3] = 200)), { code: 'truncated', required: 200, available: 32 }, /total length 200 exceeds the 32 bytes captured/],
      [mutate((b) => (b[0] = 0x65)), { code: 'bad-version' }, /version is 6, expected 4/],
      [mutate((b) => (b[21] = 0x44)), { code: 'bad-value', offset: 21 }, /option timestamp \(68\) at offset 21 has length 1/],
      [good.subarray(0, 19), { code: 'truncated', required: 20, available: 19 }, /header needs 20 bytes, 19 captured at offset 0/],
    ];
    for (const [bytes, props, message] of cases) {
      const p = decodePacket(bytes, { linkType: 'ipv4' });
      // A snaplen cut (total length 200) is not fatal: UDP is decoded from what was captured.
      expect(p.errors.filter((e) => e.layer === 'ip').length, String(message)).toBe(1);
      expect(p.errors[0]).toBeInstanceOf(WireError);
      expect(p.errors[0]).toMatchObject({ layer: 'ip', ...props });
      expect(p.errors[0]!.message).toMatch(message);
      expect(() => decodePacket(bytes, { linkType: 'ipv4', strict: true })).toThrow(message);
    }
    // In Ethernet the offsets are absolute.
    const frame = encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', pad: false } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2', protocol: 253, headerLength: 60 } }]);
    expect(decodePacket(frame).errors[0]!.message).toBe('ip: header length 60 exceeds the 20 bytes captured at offset 14');
  });

  it('inside an ICMP error quote, a total length beyond the bytes is no error', () => {
    const inner = encodeIpv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, new Uint8Array(100)).subarray(0, 28);
    const ctx = { bytes: inner, offset: 0, end: inner.length, below: [], verifyChecksum: true };
    expect(ipv4.decode({ ...ctx, quoted: false }).truncated?.code).toBe('truncated');
    const quoted = ipv4.decode({ ...ctx, quoted: true });
    expect(quoted.error).toBeUndefined();
    expect(quoted.header.checksumStatus).toBe('good');
    expect(quoted.next).toEqual({ table: 'ip.proto', value: 17 });
  });

  it('decodes every prefix of every fixture packet without throwing (only WireErrors, recorded)', () => {
    for (const r of readPcapFile(fixture('ip.pcap'))) {
      for (let n = 0; n <= r.data.length; n++) {
        const bytes = r.data.subarray(0, n);
        const p = decodePacket(bytes);
        p.fields();
        p.errors.forEach(expectWireError);
        if (n < 14 + 20 && n >= 14) expect(p.errors[0]).toMatchObject({ code: 'truncated', layer: 'ip', offset: 14 });
        try {
          decodePacket(bytes, { strict: true });
        } catch (e) {
          expectWireError(e);
        }
      }
    }
  });

  it('survives random mutations (fuzz): only WireErrors, layers stay inside the bytes', () => {
    const seeds = readPcapFile(fixture('ip.pcap')).map((r) => r.data.subarray(14));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), (i, edits, cut) => {
        const b = seeds[i]!.slice();
        for (const [at, v] of edits) b[at % b.length] = v;
        b[0] = 0x40 | (b[0]! & 0x0f);
        const bytes = b.subarray(0, cut % (b.length + 1));
        const p = decodePacket(bytes, { linkType: 'ipv4' });
        p.fields();
        p.errors.forEach(expectWireError);
        for (const l of p.layers) expect(l.payloadOffset + l.payloadLength).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('never reads past ctx.end: bytes after it change nothing', () => {
    const seeds = readPcapFile(fixture('ip.pcap')).map((r) => r.data.subarray(14));
    const outcome = (bytes: Uint8Array, end: number) => {
      try {
        const d = ipv4.decode({ bytes, offset: 0, end, below: [], quoted: false, verifyChecksum: true });
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

describe('ipv4: options that do not parse', () => {
  it('are reported, and the packet decoded on past them (as tshark reads on); decodeIpv4 still throws', () => {
    const frame = encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { tcp: { srcport: 5300, dstport: 40000, seq: 1, ack: 1, flags: 0x18 } }], new TextEncoder().encode('payload'));
    // Four option bytes after the fixed header: type 0x9c with a length (64) past the options.
    const bytes = new Uint8Array(frame.length + 4);
    bytes.set(frame.subarray(0, 34));
    bytes.set([0x9c, 0x40, 0x00, 0x50], 34);
    bytes.set(frame.subarray(34), 38);
    bytes[14] = 0x46;
    const total = ((frame[16]! << 8) | frame[17]!) + 4;
    bytes[16] = total >> 8;
    bytes[17] = total & 0xff;
    const p = decodePacket(bytes);
    expect(p.layers.map((l) => l.name)).toEqual(['eth', 'ip', 'tcp']);
    expect(p.layers[2]!.payloadLength).toBe(7);
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]).toMatchObject({ layer: 'ip', code: 'bad-value', offset: 34 });
    expect(() => decodePacket(bytes, { strict: true })).toThrow(/bad options/);
    expect(() => decodeIpv4(bytes, 14)).toThrow(/bad options/);
  });
});

describe('ipv4: view', () => {
  const header = (): Uint8Array =>
    encodeIpv4({ src: '192.0.2.1', dst: '198.51.100.2', protocol: 6, ttl: 64, id: 0xbeef, dontFragment: true, dscp: 46, ecn: 1 }, new Uint8Array(12));

  it('reads and rewrites fields in place', () => {
    const b = header();
    const v = new Ipv4View(b).check();
    expect([v.version, v.headerLength, v.dscp, v.ecn, v.totalLength, v.id, v.flags, v.ttl, v.protocol, v.src, v.dst]).toEqual([
      4, 20, 46, 1, 32, 0xbeef, 2, 64, 6, '192.0.2.1', '198.51.100.2',
    ]);
    v.dscp = 10;
    v.ecn = 3;
    v.moreFragments = true;
    v.dontFragment = false;
    v.fragmentOffset = 0x1abc;
    v.id = 7;
    v.src = '10.9.8.7';
    v.fillChecksum();
    expect(decodeIpv4(b)).toMatchObject({
      dscp: 10, ecn: 3, moreFragments: true, dontFragment: false, fragmentOffset: 0x1abc, id: 7, src: '10.9.8.7',
    });
    expect(v.verifyChecksum()).toBe(true);
    expect(v.payload.length).toBe(12);
    expect(v.optionBytes.length).toBe(0);
  });

  it('decrementTtl updates the checksum incrementally, equal to a full recompute (RFC 1624)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ minLength: 8, maxLength: 8 }), (ttl, protocol, id, addrs) => {
        const src = [...addrs.subarray(0, 4)].join('.');
        const dst = [...addrs.subarray(4)].join('.');
        const b = encodeIpv4({ src, dst, ttl, protocol, id });
        const v = new Ipv4View(b).check();
        expect(v.decrementTtl()).toBe(ttl - 1);
        const incremental = v.checksum;
        expect(v.computeChecksum()).toBe(incremental);
        expect(v.verifyChecksum()).toBe(true);
      }),
      { numRuns: 500 },
    );
    const zero = encodeIpv4({ src: '10.0.0.1', dst: '10.0.0.2', ttl: 0, protocol: 1 });
    expect(() => new Ipv4View(zero).decrementTtl()).toThrow(/TTL is already 0/);
  });

  it('rewriteSrc/rewriteDst keep the checksum right (NAT)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (addrs) => {
        const b = header();
        const v = new Ipv4View(b);
        v.rewriteSrc([...addrs.subarray(0, 4)].join('.'));
        v.rewriteDst([...addrs.subarray(4)].join('.'));
        expect(v.verifyChecksum()).toBe(true);
        expect(v.checksum).toBe(v.computeChecksum());
      }),
      { numRuns: 300 },
    );
  });

  it('check() throws typed errors', () => {
    expect(() => new Ipv4View(new Uint8Array(19)).check()).toThrow(/header needs 20 bytes, 19 captured at offset 0/);
    const b = header();
    b[0] = 0x46;
    expect(() => new Ipv4View(b.subarray(0, 22)).check()).toThrow(/header length 24 exceeds the 22 bytes captured/);
    b[0] = 0x44;
    expect(() => new Ipv4View(b).check()).toThrow(WireError);
  });
});

describe('ipv4: encoding', () => {
  const address = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => [...b].join('.'));
  const option: fc.Arbitrary<Ipv4OptionInput> = fc.oneof(
    fc.constant({ type: 1 }),
    fc.record({ type: fc.constantFrom(7, 131, 137), addresses: fc.array(address, { minLength: 1, maxLength: 2 }), pointer: fc.constantFrom(4, 8, 12) }),
    fc.record({ type: fc.constantFrom(148, 136), value: fc.integer({ min: 0, max: 0xffff }) }),
    fc.record({ type: fc.integer({ min: 2, max: 255 }).filter((t) => ![7, 11, 12, 25, 68, 82, 131, 136, 137, 148].includes(t)), data: fc.uint8Array({ maxLength: 6 }) }),
  );
  /** Options that fit in 40 bytes, ending in EOL unless they fill a multiple of 4 exactly. */
  const options = fc.array(option, { maxLength: 5 }).map((list) => {
    const out: Ipv4OptionInput[] = [];
    let used = 0;
    for (const o of list) {
      const size = o.type === 1 ? 1 : 2 + (o.data?.length ?? (o.addresses ? 1 + 4 * o.addresses.length : 2));
      if (used + size > 39) break;
      out.push(o);
      used += size;
    }
    if (used % 4 !== 0) out.push({ type: 0 });
    return out;
  });
  const input: fc.Arbitrary<Ipv4Input> = fc.record({
    src: address,
    dst: address,
    ttl: fc.integer({ min: 0, max: 255 }),
    protocol: fc.integer({ min: 0, max: 255 }),
    dscp: fc.integer({ min: 0, max: 63 }),
    ecn: fc.integer({ min: 0, max: 3 }),
    id: fc.integer({ min: 0, max: 0xffff }),
    reservedFlag: fc.boolean(),
    dontFragment: fc.boolean(),
    moreFragments: fc.boolean(),
    fragmentOffset: fc.integer({ min: 0, max: 0x1fff }),
    options,
  });

  it('round-trips random headers and options: decode(encode(h)) reproduces h, and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(input, fc.uint8Array({ maxLength: 40, size: 'max' }), (h, payload) => {
        const bytes = encodeIpv4(h, payload);
        const d = decodeIpv4(bytes);
        const { options: inOptions, ...scalars } = h;
        expect(d).toMatchObject(scalars);
        expect(d.checksumStatus).toBe('good');
        expect(d.totalLength).toBe(bytes.length);
        expect(d.options.map((o) => o.type)).toEqual(inOptions!.map((o) => o.type));
        d.options.forEach((o, i) => {
          const given = inOptions![i]!;
          if (given.addresses) expect(o).toMatchObject({ addresses: given.addresses, pointer: given.pointer });
          if (given.value !== undefined) expect(o.value).toBe(given.value);
        });
        expect(encodeIpv4(d, payload)).toEqual(bytes);
        expect(parseIpv4Options(bytes, 20, d.headerLength).problem).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('fills lengths, checksum and protocol in frames; writes given values verbatim; fill: false leaves zeros', () => {
    const frame = encodeFrame([{ ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { ip: { src: '10.1.0.1', dst: '10.1.0.2', protocol: 253 } }], Uint8Array.of(1, 2, 3));
    const p = decodePacket(frame, { linkType: 'raw' });
    expect(p.protocols).toBe('ip:ip');
    expect(p.layers[0]!.header).toMatchObject({ protocol: 4, totalLength: 43, checksumStatus: 'good' });
    expect(p.layers[1]!.header).toMatchObject({ protocol: 253, totalLength: 23, checksumStatus: 'good' });
    const raw = encodeFrame([{ ip: { src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, totalLength: 999, checksum: 0xabcd } }]);
    expect(new Ipv4View(raw)).toMatchObject({ totalLength: 999, checksum: 0xabcd });
    const unfilled = encodeFrame([{ ip: { src: '10.0.0.1', dst: '10.0.0.2' } }], new Uint8Array(4), { fill: false });
    expect(new Ipv4View(unfilled)).toMatchObject({ totalLength: 0, checksum: 0, protocol: 0 });
    expect(() => encodeFrame([{ ip: { src: '10.0.0.1', dst: '10.0.0.2' } }], new Uint8Array(4))).toThrow(/no protocol given/);
    expect(() => encodeIpv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 1, ttl: 256 })).toThrow(/ttl must be an integer 0..255, got 256/);
    expect(() => encodeIpv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 1, options: [{ type: 99, data: new Uint8Array(40) }] })).toThrow(/more than the 40/);
    expect(() => encodeIpv4({ src: '10.0.0.256', dst: '10.0.0.2', protocol: 1 })).toThrow(/part 4 \(256\) is above 255/);
    const out = new Uint8Array(30);
    expect(emitIpv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 1 }, Uint8Array.of(9), out, 5)).toBe(21);
    expect(decodeIpv4(out.subarray(0, 26), 5).totalLength).toBe(21);
    expect(internetChecksum(out.subarray(5, 25))).toBe(0);
  });
});
