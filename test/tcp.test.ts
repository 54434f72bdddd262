import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { FieldSink, type FieldMap } from '../src/packet/fields.js';
import { internetChecksum } from '../src/checksum/internet.js';
import { pseudoHeaderSum } from '../src/checksum/incremental.js';
import { parseIpv4, parseIpv6 } from '../src/network/ip-address.js';
import { decodeTcp, encodeTcp, tcp, TcpFlag, tcpFlagString, TcpView, type TcpHeader, type TcpInput } from '../src/transport/tcp.js';
import { parseTcpOptions, type TcpOption } from '../src/transport/tcp-options.js';
import { readPcapFile } from './util/pcap.js';
import { compareFields, readTsharkJson, type TsharkFields } from './util/tshark.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));

const records = readPcapFile(fixture('tcp.pcap'));
const tshark = readTsharkJson(fixture('tcp.json'));
const protocolsOf = (JSON.parse(readFileSync(fixture('tcp.json'), 'utf8')) as { _source: { layers: { frame: Record<string, string> } } }[]).map(
  (p) => p._source.layers.frame['frame.protocols']!,
);

/** Fields tshark shows for a live segment that we must show too. */
const REQUIRED = [
  'tcp.srcport', 'tcp.dstport', 'tcp.port', 'tcp.len', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.hdr_len', 'tcp.flags',
  'tcp.flags.res', 'tcp.flags.ae', 'tcp.flags.cwr', 'tcp.flags.ece', 'tcp.flags.urg', 'tcp.flags.ack', 'tcp.flags.push',
  'tcp.flags.reset', 'tcp.flags.syn', 'tcp.flags.fin', 'tcp.flags.str', 'tcp.window_size_value', 'tcp.checksum',
  'tcp.checksum.status', 'tcp.checksum_calculated', 'tcp.urgent_pointer', 'tcp.options', 'tcp.options.mss',
  'tcp.options.mss_val', 'tcp.options.wscale', 'tcp.options.wscale.shift', 'tcp.options.wscale.multiplier',
  'tcp.options.sack_perm', 'tcp.options.sack', 'tcp.options.sack.count', 'tcp.options.timestamp',
  'tcp.options.timestamp.tsval', 'tcp.options.timestamp.tsecr', 'tcp.options.nop', 'tcp.options.eol',
  'tcp.option_kind', 'tcp.option_len', 'tcp.options.unknown', 'tcp.options.unknown.payload', 'tcp.options.tfo',
  'tcp.options.tfo.cookie', 'tcp.options.md5', 'tcp.options.md5.digest', 'tcp.options.user_to',
  'tcp.options.user_to_val', 'tcp.options.ao', 'tcp.options.ao.mac', 'tcp.options.experimental',
  'tcp.options.experimental.exid', 'tcp.options.experimental.data', 'tcp.options.echo', 'tcp.options.echo_value',
];

const only = <T extends object>(fields: T, prefix: string): T =>
  Object.fromEntries(Object.entries(fields).filter(([k]) => k.startsWith(prefix))) as T;

/**
 * tshark's JSON groups repeated keys of one object (`--no-duplicate-keys`), so `tcp.option_kind`
 * from different option subtrees comes out grouped by option type, not in packet order: compare
 * those two as multisets.
 */
function unordered<T extends FieldMap | TsharkFields>(fields: T): T {
  const out = { ...fields } as Record<string, unknown>;
  for (const k of ['tcp.option_kind', 'tcp.option_len']) {
    const v = out[k];
    if (Array.isArray(v)) out[k] = [...v].map(String).sort();
  }
  return out as T;
}

/** tcp.fields() of a header decoded on its own (as a whole segment with no payload). */
function fields(h: TcpHeader): FieldMap {
  const sink = new FieldSink();
  const length = h.dataOffset * 4;
  tcp.fields(h, sink, { name: 'tcp', header: h, offset: 0, length, payloadOffset: length, payloadLength: 0 });
  return sink.map;
}

const isIpv6 = (i: number) => protocolsOf[i]!.includes(':ipv6:');
const isQuoted = (i: number) => protocolsOf[i]!.includes(':icmp:');
const ipv6Registered = () => decodePacket(records.find((_, i) => isIpv6(i))!.data).layer('ipv6') !== undefined;

describe('tcp: agrees with tshark 4.0 on scapy-made segments', () => {
  it('every fixture packet, field by field', () => {
    expect(records.length).toBe(tshark.length);
    const v6 = ipv6Registered();
    let compared = 0;
    records.forEach((r, i) => {
      if ((isIpv6(i) && !v6) || !protocolsOf[i]!.includes(':tcp')) return;
      const p = decodePacket(r.data, { linkType: r.linkType });
      const layer = p.layer<TcpHeader>('tcp');
      expect(layer, `packet ${i + 1} (${protocolsOf[i]})`).toBeDefined();
      const ours = unordered(only(p.fields(), 'tcp.'));
      const theirs = unordered(only(tshark[i]!, 'tcp.'));
      // A data offset past the segment: tshark shows an empty `tcp.options` (its exception), we show none.
      const badOffset = p.errors.some((e) => e.layer === 'tcp' && /data offset/.test(e.message));
      const required = isQuoted(i) ? ['tcp.srcport', 'tcp.dstport', 'tcp.hdr_len'] : REQUIRED.filter((f) => !(badOffset && f === 'tcp.options'));
      expect(compareFields(ours, theirs, required), `packet ${i + 1}`).toEqual([]);
      // SACK edges are absolute under the fixture's preferences (sequence analysis off): the header holds them.
      const sack = layer!.header.options.find((o) => o.kind === 'sack');
      if (sack && 'blocks' in sack) {
        expect(sack.blocks.map(([l]) => String(l))).toEqual([theirs['tcp.options.sack_le']].flat());
        expect(sack.blocks.map(([, r]) => String(r))).toEqual([theirs['tcp.options.sack_re']].flat());
      }
      compared++;
    });
    expect(compared).toBeGreaterThanOrEqual(records.length - (v6 ? 1 : 4));
  });

  it('reports what tshark flags as malformed as errors, and stops there', () => {
    const errorOf = (n: number) => decodePacket(records[n - 1]!.data).errors.find((e) => e.layer === 'tcp');
    expect(errorOf(17)).toMatchObject({ code: 'bad-length', offset: 58 });
    expect(errorOf(17)!.message).toBe('tcp: option kind 99 at offset 58 has length 0, below the 2 bytes of its kind and length');
    expect(errorOf(18)!.message).toMatch(/option kind 99 at offset 55 has length 1/);
    expect(errorOf(19)!.message).toBe('tcp: option kind 8 at offset 56 has length 10, past the end of the options at offset 62');
    expect(errorOf(22)).toMatchObject({ code: 'bad-length', offset: 34, required: 20 });
    expect(errorOf(22)!.message).toBe('tcp: data offset 3 (12 bytes) is below the minimum 5 (20 bytes) at offset 34');
    expect(errorOf(23)!.message).toBe('tcp: data offset 15 (60 bytes) exceeds the 20-byte segment at offset 34');
    // Wrong lengths of known options, unknown kinds and shifts above 14 are not errors (tshark goes on too).
    for (const n of [8, 9, 20, 21, 24, 26, 28, 29, 30]) expect(errorOf(n), `packet ${n}`).toBeUndefined();
    const p20 = decodePacket(records[19]!.data).layer<TcpHeader>('tcp')!.header;
    expect(p20.options[0]).toEqual({ kind: 2, data: '05' });
  });

  it('reads an ICMP-quoted segment as far as it goes, without errors', () => {
    const eight = decodePacket(records[24]!.data);
    expect(eight.errors).toEqual([]);
    const h = eight.layer<TcpHeader>('tcp')!.header;
    expect(h).toMatchObject({ srcport: 5555, dstport: 6666, seq: 0xdeadbeef, quoted: true, captured: 8, checksumStatus: 'unverified' });
    expect(Object.keys(only(eight.fields(), 'tcp.')).sort()).toEqual(['tcp.dstport', 'tcp.port', 'tcp.seq', 'tcp.srcport']);
    const cutInOptions = decodePacket(records[30]!.data);
    expect(cutInOptions.errors).toEqual([]);
    expect(cutInOptions.layer<TcpHeader>('tcp')!.header).toMatchObject({
      options: [{ kind: 'mss', value: 1460 }, { kind: 'nop' }],
      unparsed: '03',
      captured: 26,
    });
  });
});

describe('tcp: flags', () => {
  it('prints tcp.flags.str like tshark, one letter per bit', () => {
    expect(tcpFlagString(TcpFlag.SYN | TcpFlag.ACK)).toBe('·······A··S·');
    expect(tcpFlagString(0xfff)).toBe('RRRACEUAPRSF');
    expect(tcpFlagString(0)).toBe('············');
  });

  it('every one of the 4096 flag combinations survives encode, decode and fields()', () => {
    const bits: [string, number][] = [
      ['tcp.flags.ae', TcpFlag.AE], ['tcp.flags.cwr', TcpFlag.CWR], ['tcp.flags.ece', TcpFlag.ECE], ['tcp.flags.urg', TcpFlag.URG],
      ['tcp.flags.ack', TcpFlag.ACK], ['tcp.flags.push', TcpFlag.PSH], ['tcp.flags.reset', TcpFlag.RST], ['tcp.flags.syn', TcpFlag.SYN],
      ['tcp.flags.fin', TcpFlag.FIN],
    ];
    const wrong: number[] = [];
    for (let flags = 0; flags < 0x1000; flags++) {
      const seg = encodeTcp({ srcport: 1, dstport: 2, flags }, new Uint8Array(0), { src: '10.0.0.1', dst: '10.0.0.2' });
      const f = fields(decodeTcp(seg, 0, { addresses: { src: '10.0.0.1', dst: '10.0.0.2' } }));
      const ok =
        f['tcp.flags'] === flags &&
        f['tcp.flags.res'] === (flags & 0xe00 ? 1 : 0) &&
        bits.every(([name, mask]) => f[name] === (flags & mask ? 1 : 0)) &&
        (f['tcp.flags.str'] as string).replace(/·/g, '').length === flags.toString(2).replace(/0/g, '').length &&
        f['tcp.checksum.status'] === 'good';
      if (!ok) wrong.push(flags);
    }
    expect(wrong).toEqual([]);
  });

  it('leaves the checksum unverified when asked not to verify it', () => {
    const p = decodePacket(records[0]!.data, { checksums: { tcp: false } });
    expect(p.layer<TcpHeader>('tcp')!.header.checksumStatus).toBe('unverified');
    expect(p.fields()['tcp.checksum.status']).toBe('unverified');
    expect(p.fields()['tcp.checksum_calculated']).toBeUndefined();
  });
});

// ---- round trips ----

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const hexData = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));
const optionArb: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant<TcpOption>({ kind: 'nop' }),
  fc.integer({ min: 0, max: 0xffff }).map<TcpOption>((value) => ({ kind: 'mss', value })),
  fc.integer({ min: 0, max: 255 }).map<TcpOption>((shift) => ({ kind: 'wscale', shift })),
  fc.constant<TcpOption>({ kind: 'sack_perm' }),
  fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 4 }).map<TcpOption>((blocks) => ({ kind: 'sack', blocks })),
  fc.tuple(u32, u32).map<TcpOption>(([tsval, tsecr]) => ({ kind: 'timestamp', tsval, tsecr })),
  // Raw kinds: everything but EOL/NOP and the kinds with a named form (a raw MSS of the right length would decode named).
  fc
    .tuple(fc.integer({ min: 6, max: 255 }).filter((k) => k !== 8), hexData(12))
    .map<TcpOption>(([kind, data]) => ({ kind, data })),
  hexData(6).map<TcpOption>((data) => ({ kind: 2, data: data.length === 5 ? '' : data })),
);

const byteLength = (o: TcpOption) =>
  o.kind === 'nop' ? 1 : o.kind === 'mss' ? 4 : o.kind === 'wscale' ? 3 : o.kind === 'sack_perm' ? 2 : o.kind === 'sack' ? 2 + 8 * o.blocks.length : o.kind === 'timestamp' ? 10 : 2 + hexLength((o as { data: string }).data);
const hexLength = (data: string) => (data === '' ? 0 : (data.length + 1) / 3);

/** Options that fit in 40 bytes, as decode gives them back: zero fill after them reads as EOL and padding. */
const optionListArb = fc.array(optionArb, { maxLength: 8 }).map((list) => {
  const kept: TcpOption[] = [];
  let used = 0;
  for (const o of list) {
    const n = byteLength(o);
    if (used + n > 40) break;
    kept.push(o);
    used += n;
  }
  return { options: kept, used };
});

const headerArb = fc.record({
  srcport: fc.integer({ min: 0, max: 0xffff }),
  dstport: fc.integer({ min: 0, max: 0xffff }),
  seq: u32,
  ack: u32,
  flags: fc.integer({ min: 0, max: 0xfff }),
  window: fc.integer({ min: 0, max: 0xffff }),
  urgentPointer: fc.integer({ min: 0, max: 0xffff }),
  list: optionListArb,
});

/** What decoding the encoded header gives back: the zero fill to 4 bytes becomes an EOL and padding. */
function expected(h: { list: { options: TcpOption[]; used: number } } & Omit<TcpInput, 'options'>): Partial<TcpHeader> {
  const { list, ...rest } = h;
  const fill = (4 - (list.used % 4)) % 4;
  const out: Partial<TcpHeader> = { ...rest, options: [...list.options], dataOffset: 5 + (list.used + fill) / 4 };
  if (fill > 0) out.options!.push({ kind: 'eol' });
  if (fill > 1) out.padding = Array(fill - 1).fill('00').join(':');
  return out;
}

describe('tcp: round trips', () => {
  it('decode(encode(h)) gives h back, checksum good, over IPv4 and IPv6 (fast-check)', () => {
    fc.assert(
      fc.property(headerArb, fc.uint8Array({ maxLength: 40, size: 'max' }), fc.boolean(), (h, payload, v6) => {
        const addresses = v6 ? { src: '2001:db8::1', dst: '2001:db8:1::2' } : { src: '192.0.2.1', dst: '198.51.100.2' };
        const { list, ...rest } = h;
        const bytes = encodeTcp({ ...rest, options: list.options }, payload, addresses);
        const back = decodeTcp(bytes, 0, { addresses });
        expect(back).toMatchObject(expected(h));
        expect(back.checksumStatus).toBe('good');
        // Byte-exact re-encode of the decoded header, stored checksum included.
        expect(encodeTcp(back, payload)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('every fixture segment re-encodes byte for byte from its decoded header', () => {
    const v6 = ipv6Registered();
    records.forEach((r, i) => {
      if ((isIpv6(i) && !v6) || isQuoted(i) || !protocolsOf[i]!.includes(':tcp')) return;
      const p = decodePacket(r.data);
      const layer = p.layer<TcpHeader>('tcp')!;
      const end = layer.payloadOffset + layer.payloadLength;
      const original = r.data.subarray(layer.offset, end);
      const payload = r.data.subarray(layer.payloadOffset, end);
      expect(encodeTcp(layer.header, payload), `packet ${i + 1}`).toEqual(original);
    });
  });

  it('encodeFrame fills the data offset and the checksum from the IP layer outside', () => {
    const frame = encodeFrame(
      [
        { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
        { ip: { src: '192.0.2.1', dst: '198.51.100.2' } },
        { tcp: { srcport: 43512, dstport: 8080, seq: 1000, flags: TcpFlag.SYN, options: [{ kind: 'mss', value: 1460 }, { kind: 'wscale', shift: 7 }] } },
      ],
      new Uint8Array(0),
    );
    expect(frame.length).toBe(14 + 20 + 28);
    const p = decodePacket(frame);
    expect(p.errors).toEqual([]);
    const h = p.layer<TcpHeader>('tcp')!.header;
    expect(h).toMatchObject({ dataOffset: 7, checksumStatus: 'good', window: 65535, options: [{ kind: 'mss', value: 1460 }, { kind: 'wscale', shift: 7 }, { kind: 'eol' }] });
    expect(p.fields()['tcp.len']).toBe(0);
    // fill: false writes what is given, and 0 for the checksum left out.
    const raw = encodeFrame([{ ip: { src: '192.0.2.1', dst: '198.51.100.2' } }, { tcp: { srcport: 1, dstport: 2 } }], new Uint8Array(0), { fill: false });
    expect(raw[20 + 16]).toBe(0);
    expect(raw[20 + 17]).toBe(0);
  });
});

// ---- robustness ----

describe('tcp: malformed input', () => {
  it('every prefix of every fixture packet: lenient never throws, strict throws only WireError', () => {
    for (const r of records) {
      for (let n = 0; n <= r.data.length; n++) {
        const cut = r.data.subarray(0, n);
        const p = decodePacket(cut);
        for (const e of p.errors) expect(e).toBeInstanceOf(WireError);
        p.fields();
        try {
          decodePacket(cut, { strict: true });
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
          expect((e as WireError).code).not.toBe('internal');
        }
      }
    }
  });

  it('a segment cut short names the bytes it needs and has', () => {
    const seg = encodeTcp({ srcport: 1, dstport: 2, options: [{ kind: 'timestamp', tsval: 1, tsecr: 2 }] });
    for (let n = 0; n < 20; n++) {
      expect(() => decodeTcp(seg.subarray(0, n))).toThrow(new RegExp(`tcp: header needs 20 bytes, ${n} captured at offset 0`));
    }
    for (let n = 20; n < seg.length; n++) {
      expect(() => decodeTcp(seg.subarray(0, n))).toThrow(`tcp: data offset 8 (32 bytes) exceeds the ${n}-byte segment at offset 0`);
    }
  });

  it('garbage option lists: length 0 or 1, past the end, no length byte; only WireErrors on random bytes', () => {
    const hex = (bytes: ArrayLike<number>) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
    /** A header whose option space is exactly `opts`, zero-filled to 4 bytes. */
    const withOptions = (opts: number[]) => encodeTcp({ srcport: 1, dstport: 2, unparsed: hex(opts) });
    expect(() => decodeTcp(withOptions([2, 0, 1, 1]))).toThrow(/option kind 2 at offset 20 has length 0/);
    expect(() => decodeTcp(withOptions([1, 1, 1, 30, 1]))).toThrow(/option kind 30 at offset 23 has length 1/);
    expect(() => decodeTcp(withOptions([1, 1, 1, 2]))).toThrow(/option kind 2 at offset 23 has no room for its length byte/);
    expect(() => decodeTcp(withOptions([5, 14, 0, 0, 0, 1, 0, 0, 0, 2]))).toThrow(/option kind 5 at offset 20 has length 14, past the end/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40, size: 'max' }), (opts) => {
        const parsed = parseTcpOptions(opts, 0, opts.length);
        if (parsed.error) expect(parsed.error).toBeInstanceOf(WireError);
        const frame = encodeFrame([{ ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { tcp: { srcport: 1, dstport: 2, unparsed: hex(opts) } }]);
        const p = decodePacket(frame, { linkType: 'raw' });
        for (const e of p.errors) expect(e).toBeInstanceOf(WireError);
        const f = p.fields();
        for (const v of Object.values(f).flat()) expect(typeof v === 'string' || Number.isFinite(v)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

// ---- views ----

describe('tcp: view', () => {
  const src = parseIpv4('192.0.2.1');
  const dst = parseIpv4('198.51.100.2');
  const checksumOk = (seg: Uint8Array, s = src, d = dst) => internetChecksum(seg, pseudoHeaderSum(s, d, 6, seg.length)) === 0;

  it('rewrites ports, seq, ack, flags and window in place with incremental checksum fix-ups (RFC 1624)', () => {
    const seg = encodeTcp({ srcport: 1234, dstport: 80, seq: 5, ack: 6, flags: TcpFlag.ACK, window: 100 }, new TextEncoder().encode('payload!'), { src, dst });
    const v = new TcpView(seg).check();
    expect(checksumOk(seg)).toBe(true);
    const edits: [keyof TcpView & ('srcport' | 'dstport' | 'seq' | 'ack' | 'flags' | 'window' | 'urgentPointer'), number][] = [
      ['srcport', 40000],
      ['dstport', 8080],
      ['seq', 0xfffffff0],
      ['ack', 0x12345678],
      ['flags', TcpFlag.ACK | TcpFlag.PSH | TcpFlag.CWR],
      ['window', 0],
      ['urgentPointer', 9],
    ];
    for (const [field, value] of edits) {
      const old = v[field];
      v[field] = value;
      v.adjustChecksum(old, value);
      expect(v[field]).toBe(value);
      expect(checksumOk(seg), field).toBe(true);
    }
    expect(v.dataOffset).toBe(5);
    expect(new TextDecoder().decode(v.payload)).toBe('payload!');
  });

  it('follows a NAT address rewrite of either family, and recomputes from scratch', () => {
    const seg = encodeTcp({ srcport: 1, dstport: 2, flags: TcpFlag.SYN }, new Uint8Array(3), { src, dst });
    const v = new TcpView(seg).check();
    const nat = parseIpv4('203.0.113.9');
    v.adjustChecksumForAddress(src, nat);
    expect(checksumOk(seg, nat, dst)).toBe(true);
    const s6 = parseIpv6('2001:db8::1');
    const d6 = parseIpv6('2001:db8::2');
    v.fillChecksum(s6, d6);
    expect(v.verifyChecksum('2001:db8::1', '2001:db8::2')).toBe(true);
    const n6 = parseIpv6('64:ff9b::c000:201');
    v.adjustChecksumForAddress(s6, n6);
    expect(v.verifyChecksum(n6, d6)).toBe(true);
  });

  it('check() refuses short headers and bad data offsets', () => {
    const seg = encodeTcp({ srcport: 1, dstport: 2, options: [{ kind: 'mss', value: 1 }] });
    expect(() => new TcpView(seg.subarray(0, 19)).check()).toThrow(WireError);
    expect(() => new TcpView(seg.subarray(0, 22)).check()).toThrow(/data offset 6 \(24 bytes\) exceeds the 22 bytes captured/);
    seg[12] = 0x40;
    expect(() => new TcpView(seg).check()).toThrow(/data offset 4 \(16 bytes\) is below the minimum/);
  });
});
