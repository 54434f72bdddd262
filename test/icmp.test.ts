import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodePacket, protocolNamed } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { FieldSink, type FieldMap } from '../src/packet/fields.js';
import type { DecodeContext } from '../src/packet/protocol.js';
import { decodeIcmp, encodeIcmp, icmp, IcmpType, IcmpView, type IcmpHeader, type IcmpInput } from '../src/network/icmp.js';
import { readPcapFile, type TestRecord } from './util/pcap.js';
import { compareFields, readTsharkJson, type TsharkFields } from './util/tshark.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));
const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));

/** Fields tshark shows whenever the message has them: ours must be there too. */
const REQUIRED = [
  'icmp.type', 'icmp.code', 'icmp.checksum', 'icmp.checksum.status', 'icmp.ident', 'icmp.ident_le', 'icmp.seq',
  'icmp.seq_le', 'icmp.mtu', 'icmp.pointer', 'icmp.unused', 'icmp.length', 'icmp.length.original_datagram',
  'icmp.redir_gw', 'icmp.originate_timestamp', 'icmp.receive_timestamp', 'icmp.transmit_timestamp', 'icmp.address_mask',
];

const records = readPcapFile(fixture('icmp.pcap'));
const tshark = readTsharkJson(fixture('icmp.json'));
/** tshark's `frame.protocols` per packet, e.g. `eth:ethertype:ip:icmp:ip:udp:data`. */
const tsharkProtocols = (JSON.parse(readFileSync(fixture('icmp.json'), 'utf8')) as { _source: { layers: { frame: Record<string, string> } } }[]).map(
  (p) => p._source.layers.frame['frame.protocols']!,
);

const only = <T extends FieldMap | TsharkFields>(fields: T, prefix: string) => Object.fromEntries(Object.entries(fields).filter(([k]) => k.startsWith(prefix))) as T;

/**
 * Decodes the ICMP message of a record with the ICMP decoder alone, below it Ethernet and IPv4 as
 * their decoders see them, so ICMP is tested even where the dissector stops earlier (packet 23).
 */
function decodeIcmpOfRecord(r: TestRecord) {
  const below = decodePacket(r.data).layers.slice(0, 2);
  const ip = below[1]!;
  expect(ip.name).toBe('ip');
  const ctx: DecodeContext = { bytes: r.data, offset: ip.payloadOffset, end: ip.payloadOffset + ip.payloadLength, below, quoted: false, verifyChecksum: true };
  const decoded = icmp.decode(ctx);
  const sink = new FieldSink();
  icmp.fields(decoded.header, sink, { name: 'icmp', header: decoded.header, offset: ctx.offset, length: decoded.headerLength, payloadOffset: 0, payloadLength: 0 });
  return { decoded, fields: sink.map };
}

describe('icmp: agrees with tshark 4.0', () => {
  it('the ICMP decoder alone, field by field, on every message of icmp.pcap', () => {
    expect(records.length).toBe(tshark.length);
    const mismatches = records.flatMap((r, i) => {
      const { fields } = decodeIcmpOfRecord(r);
      // A quoted ICMP message adds tshark values after ours (packet 8): compare ours with the first ones.
      const theirs = Object.fromEntries(
        Object.entries(only(tshark[i]!, 'icmp.')).map(([k, v]) => {
          const n = Array.isArray(fields[k]) ? (fields[k] as unknown[]).length : 1;
          return [k, Array.isArray(v) && v.length > n ? (n === 1 ? v[0]! : v.slice(0, n)) : v];
        }),
      );
      // Packet 24's timestamps are cut short; packet 8's ident and seq are the quoted echo's.
      const required = i === 23 ? REQUIRED.filter((f) => !f.endsWith('_timestamp')) : i === 7 ? REQUIRED.filter((f) => !/ident|seq/.test(f)) : REQUIRED;
      return compareFields(fields, theirs, required).map((m) => ({ packet: i + 1, ...m }));
    });
    expect(mismatches).toEqual([]);
  });

  it('through decodePacket: every icmp field, the quoted datagram and its layers', () => {
    records.forEach((r, i) => {
      const p = decodePacket(r.data, { linkType: r.linkType });
      // Our IPv4 decoder stops at a datagram the capture cut short (packet 23) where tshark goes on.
      if (p.errors.some((e) => e.layer === 'ip') && !p.layer('icmp')) return;
      expect(compareFields(only(p.fields(), 'icmp.'), only(tshark[i]!, 'icmp.'), i === 23 ? [] : REQUIRED), `packet ${i + 1}`).toEqual([]);
      // The quoted IP header's addresses follow the outer ones (ip.src becomes an array).
      expect(compareFields(only(p.fields(), 'ip.src'), only(tshark[i]!, 'ip.src'), ['ip.src']), `packet ${i + 1}`).toEqual([]);
      // Layer by layer like tshark's frame.protocols, where every protocol there is one we decode.
      const theirs = tsharkProtocols[i]!.split(':').filter((n) => n !== 'ethertype' && n !== 'data');
      if (theirs.every((n) => protocolNamed(n) !== undefined)) expect(p.protocols, `packet ${i + 1}`).toBe(theirs.join(':'));
      expect(p.errors.filter((e) => e.layer === 'icmp').map((e) => e.code)).toEqual(i === 23 ? ['truncated'] : []);
    });
  });

  it('marks the quoted packet: ICMP inside an error is unverified, as tshark leaves it', () => {
    const p = decodePacket(records[7]!.data);
    expect(p.protocols).toBe('eth:ip:icmp:ip:icmp');
    expect(p.fields()['icmp.checksum.status']).toEqual(['good', 'unverified']);
    expect(p.layers[4]!.header).toMatchObject({ type: 8, ident: 9, seq: 1 });
  });

  it('leaves fragments and captures cut short unverified; reports bad checksums', () => {
    const status = (i: number) => decodeIcmpOfRecord(records[i]!).decoded.header.checksumStatus;
    expect([status(21), status(22)]).toEqual(['unverified', 'unverified']);
    expect([status(18), status(19)]).toEqual(['bad', 'bad']);
    expect(status(0)).toBe('good');
    expect(decodePacket(records[0]!.data, { checksums: { icmp: false } }).layer<IcmpHeader>('icmp')!.header.checksumStatus).toBe('unverified');
  });
});

describe('icmp: decoding', () => {
  it('decodes each type into its fields', () => {
    expect(decodeIcmp(hex('0800f7f8 0001 0006'))).toEqual({ type: 8, code: 0, checksum: 0xf7f8, checksumStatus: 'good', ident: 1, seq: 6 });
    const frag = encodeIcmp({ type: 3, code: 4, mtu: 1400 });
    expect(decodeIcmp(frag)).toMatchObject({ type: 3, code: 4, mtu: 1400, length: 0, unused: 0, checksumStatus: 'good' });
    expect(decodeIcmp(encodeIcmp({ type: 12, pointer: 9, unused: 0x1234 }))).toMatchObject({ pointer: 9, length: 0, unused: 0x1234 });
    expect(decodeIcmp(encodeIcmp({ type: 5, code: 1, gateway: '10.0.0.254' }))).toMatchObject({ gateway: '10.0.0.254' });
    expect(decodeIcmp(encodeIcmp({ type: 4, unused: 7 }))).toMatchObject({ unused: 7 });
    expect(decodeIcmp(encodeIcmp({ type: 17, addressMask: '255.255.0.0' }))).toMatchObject({ ident: 0, seq: 0, addressMask: '255.255.0.0' });
  });

  it('keeps everything after the checksum of an unknown type as payload', () => {
    const bytes = encodeIcmp({ type: 42, code: 1 }, hex('01020304 05'));
    expect(bytes.length).toBe(9);
    const decoded = icmp.decode({ bytes, offset: 0, end: bytes.length, below: [], quoted: false, verifyChecksum: true });
    expect(decoded).toEqual({ header: { type: 42, code: 1, checksum: decoded.header.checksum, checksumStatus: 'good' }, headerLength: 4 });
  });

  it('bounds the quoted datagram by the RFC 4884 length and hands version 6 to ipv6', () => {
    const quoted = new Uint8Array(40).fill(0x45, 0, 1);
    const message = encodeIcmp({ type: 11, length: 5 }, quoted);
    const ctx = { bytes: message, offset: 0, end: message.length, below: [], quoted: false, verifyChecksum: true };
    expect(icmp.decode(ctx)).toMatchObject({ quotes: true, payloadEnd: 28, next: { protocol: 'ip' } });
    quoted[0] = 0x60;
    const v6 = encodeIcmp({ type: 3, code: 0 }, quoted);
    expect(icmp.decode({ ...ctx, bytes: v6, end: v6.length })).toMatchObject({ quotes: true, next: { protocol: 'ipv6' } });
    const empty = encodeIcmp({ type: 3 });
    expect(icmp.decode({ ...ctx, bytes: empty, end: 8 }).next).toBeUndefined();
  });

  it('throws a typed error below 4 bytes and reports a cut header leniently', () => {
    expect(() => decodeIcmp(hex('0800f7'))).toThrow(/message needs 4 bytes, 3 captured at offset 0/);
    try {
      decodeIcmp(hex('0800f7'));
    } catch (e) {
      expect(e).toMatchObject({ code: 'truncated', layer: 'icmp', offset: 0, required: 4, available: 3 });
    }
    const d = icmp.decode({ bytes: hex('0800f7ff00'), offset: 0, end: 5, below: [], quoted: false, verifyChecksum: true });
    expect(d.header).toMatchObject({ type: 8, code: 0 });
    expect(d.error).toMatchObject({ code: 'truncated', required: 8, available: 5 });
    expect(() => decodeIcmp(encodeIcmp({ type: 13 }).subarray(0, 12))).toThrow(/type 13 message needs 20 bytes, 12 captured/);
  });

  it('never reads past the end it is given', () => {
    const bytes = encodeIcmp({ type: 13, ident: 1, originateTimestamp: 5 });
    const d = icmp.decode({ bytes, offset: 0, end: 12, below: [], quoted: false, verifyChecksum: true });
    expect(d.header.originateTimestamp).toBeUndefined();
    expect(d.error?.code).toBe('truncated');
  });
});

describe('icmp: encoding', () => {
  const types = [0, 3, 4, 5, 8, 11, 12, 13, 14, 15, 16, 17, 18, 9, 42, 255];
  const u = (bits: number) => fc.integer({ min: 0, max: 2 ** bits - 1 });
  const ipv4 = fc.tuple(u(8), u(8), u(8), u(8)).map((b) => b.join('.'));
  /** Headers as decodeIcmp gives them, less the checksum. */
  const header: fc.Arbitrary<Omit<IcmpHeader, 'checksum' | 'checksumStatus'>> = fc
    .record({ type: fc.constantFrom(...types), code: u(8), ident: u(16), seq: u(16), mtu: u(16), pointer: u(8), length: u(8), unused: u(32), gateway: ipv4, t: fc.tuple(u(32), u(32), u(32)), mask: ipv4 })
    .map(({ type, code, ident, seq, mtu, pointer, length, unused, gateway, t, mask }) => {
      if (type === 3) {
        return code === 4
          ? { type, code, mtu, length, unused: (unused & 0xff000000) >>> 0 }
          : { type, code, length, unused: (unused & 0xff00ffff) >>> 0 };
      }
      if (type === 11) return { type, code, length, unused: (unused & 0xff00ffff) >>> 0 };
      if (type === 12) return { type, code, pointer, length, unused: unused & 0xffff };
      if (type === 4) return { type, code, unused };
      if (type === 5) return { type, code, gateway };
      if (type === 13 || type === 14) return { type, code, ident, seq, originateTimestamp: t[0], receiveTimestamp: t[1], transmitTimestamp: t[2] };
      if (type === 17 || type === 18) return { type, code, ident, seq, addressMask: mask };
      if ([0, 8, 15, 16].includes(type)) return { type, code, ident, seq };
      return { type, code };
    });

  it('decode(encode(h)) reproduces h, with a good checksum, for every type', () => {
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 64, size: 'max' }), (h, payload) => {
        const bytes = encodeIcmp(h, payload);
        const decoded = decodeIcmp(bytes);
        expect(decoded).toEqual({ ...h, checksum: decoded.checksum, checksumStatus: 'good' });
        if (bytes.length >= 8) expect(new IcmpView(bytes).check().verifyChecksum()).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('inside a frame: the quoted datagram is encoded and decoded back as IP', () => {
    const frame = encodeFrame(
      [
        { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
        { ip: { src: '192.0.2.1', dst: '10.0.0.2', ttl: 64 } },
        { icmp: { type: IcmpType.DestinationUnreachable, code: 4, mtu: 1280 } },
        { ip: { src: '10.0.0.2', dst: '198.51.100.7', ttl: 1, protocol: 17 } },
      ],
      hex('9c40829a 000d 0000'), // the first 8 bytes of a UDP datagram
    );
    const p = decodePacket(frame);
    expect(p.layers.map((l) => l.name).slice(0, 4)).toEqual(['eth', 'ip', 'icmp', 'ip']);
    expect(p.layers[2]!.header).toMatchObject({ type: 3, code: 4, mtu: 1280, checksumStatus: 'good' });
    expect(p.fields()['ip.dst']).toEqual(['10.0.0.2', '198.51.100.7']);
  });

  it('writes a given checksum as is, and 0 when fill is off', () => {
    expect(decodeIcmp(encodeIcmp({ type: 8, checksum: 0xbeef })).checksum).toBe(0xbeef);
    const frame = encodeFrame([{ ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { icmp: { type: 8 } }], new Uint8Array(0), { fill: false });
    expect((frame[22]! << 8) | frame[23]!).toBe(0);
  });

  it('refuses values that do not fit, saying which', () => {
    expect(() => encodeIcmp({ type: 8, ident: 70000 })).toThrow(/ident must be an integer 0\.\.65535, got 70000/);
    expect(() => encodeIcmp({ type: 3, code: 4, mtu: -1 })).toThrow(WireError);
    expect(() => encodeIcmp({ type: 5, gateway: '10.0.0' })).toThrow(WireError);
    expect(() => encodeIcmp({ type: 256 } as IcmpInput)).toThrow(/type must be an integer 0\.\.255/);
  });
});

describe('icmp: view', () => {
  it('reads and rewrites in place, then fixes the checksum', () => {
    const bytes = encodeIcmp({ type: 8, ident: 0x1234, seq: 1 }, hex('616263'));
    const v = new IcmpView(bytes).check();
    expect([v.type, v.ident, v.seq, v.payload.length]).toEqual([8, 0x1234, 1, 3]);
    v.type = IcmpType.EchoReply;
    expect(v.verifyChecksum()).toBe(false);
    v.fillChecksum();
    expect(decodeIcmp(bytes)).toMatchObject({ type: 0, ident: 0x1234, checksumStatus: 'good' });
    expect(() => new IcmpView(bytes.subarray(0, 7)).check()).toThrow(WireError);
  });
});

describe('icmp: hostile input', () => {
  it('every prefix of every fixture decodes to layers and WireErrors only, lenient and strict', () => {
    for (const r of records) {
      for (let n = 0; n <= r.data.length; n++) {
        const cut = r.data.subarray(0, n);
        const p = decodePacket(cut);
        for (const e of p.errors) {
          expect(e).toBeInstanceOf(WireError);
          expect(e.code).not.toBe('internal');
        }
        try {
          decodePacket(cut, { strict: true });
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }
    }
  });

  it('random bytes after an ICMP type decode or fail with a WireError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48, size: 'max' }), (bytes) => {
        try {
          const h = decodeIcmp(bytes);
          const sink = new FieldSink();
          icmp.fields(h, sink, { name: 'icmp', header: h, offset: 0, length: 8, payloadOffset: 8, payloadLength: 0 });
          for (const v of Object.values(sink.map).flat()) expect(v === undefined || Number.isNaN(v)).toBe(false);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
