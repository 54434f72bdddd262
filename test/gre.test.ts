import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { decodeGre, emitGre, encodeGre, greHeaderLength, type GreHeader, type GreInput } from '../src/network/gre.js';
import { bytesField } from '../src/packet/fields.js';
import { readPcapFile } from './util/pcap.js';
import { compareFields, readTsharkJson } from './util/tshark.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));
const records = readPcapFile(fixture('gre.pcap'));
const tshark = readTsharkJson(fixture('gre.json'));
const tsharkProtocols = (JSON.parse(readFileSync(fixture('gre.json'), 'utf8')) as { _source: { layers: { frame: Record<string, string> } } }[]).map(
  (p) => p._source.layers.frame['frame.protocols']!,
);
const hex = (s: string) => Uint8Array.from(s.replace(/[^0-9a-f]/gi, '').match(/../g)!.map((b) => parseInt(b, 16)));
const text = (s: string) => new TextEncoder().encode(s);

/** tshark's expert item under a bad checksum (an FT_NONE marker, not a value): we report the status. */
const EXPERT = new Set(['gre.checksum.incorrect']);
/** Where the GRE header starts in the fixture packets (Ethernet and a 20-byte IPv4 header before it). */
const GRE_LAYER = 34;

describe('GRE vs tshark', () => {
  it('agrees field by field on every scapy-made packet', () => {
    expect(records.length).toBe(tshark.length);
    records.forEach((r, i) => {
      const p = decodePacket(r.data, { linkType: r.linkType });
      const theirs = tshark[i]!;
      const required = Object.keys(theirs).filter((f) => (f.startsWith('gre.') || f.startsWith('ppp.')) && !EXPERT.has(f));
      expect(compareFields(p.fields(), theirs, required), `packet ${i}: ${tsharkProtocols[i]}`).toEqual([]);
      expect(Object.keys(p.fields()).filter((f) => theirs[f] === undefined), `packet ${i}`).toEqual([]);
    });
  });

  it('decodes the layers tshark shows, in order', () => {
    records.forEach((r, i) => {
      const ours = decodePacket(r.data).protocols;
      const theirs = tsharkProtocols[i]!.split(':').filter((n) => n !== 'ethertype' && n !== 'data').join(':');
      // 2 bytes of GRE (packet 11): tshark names the protocol it failed in, where we record a
      // truncated GRE and show no layer. (PPTP's PPP in 9 names IP with no byte of it: packet.partial.)
      const expected = i === 11 ? 'eth:ip' : theirs;
      expect(ours, `packet ${i}`).toBe(expected);
    });
  });

  it('verifies the checksum as the checksum policy says', () => {
    const status = (i: number, checksums?: Parameters<typeof decodePacket>[1] extends infer O ? (O extends { checksums?: infer C } ? C : never) : never) =>
      decodePacket(records[i]!.data, { checksums }).fields()['gre.checksum.status'];
    expect([status(1), status(2), status(5), status(7)]).toEqual(['good', 'bad', 'good', 'good']);
    expect([status(1, { gre: false }), status(2, false), status(2, { default: false }), status(2, { ip: false })]).toEqual(['unverified', 'unverified', 'unverified', 'bad']);
    // In a fragment (more-fragments set) the rest of the datagram is elsewhere: unverified, as tshark
    // shows it with defragmentation off (with it on, tshark decodes GRE only in the reassembled datagram).
    const inner = encodeFrame([{ ip: { src: '10.1.0.1', dst: '10.1.0.2' } }, { udp: { srcport: 1000, dstport: 2000 } }], new Uint8Array(100).fill(7));
    const greOver = (ip: object) => encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2', ...ip } }, { gre: { checksumPresent: true, protocolType: 0x0800 } }], inner);
    expect(decodePacket(greOver({})).fields()['gre.checksum.status']).toBe('good');
    expect(decodePacket(greOver({ moreFragments: true, id: 77 })).fields()['gre.checksum.status']).toBe('unverified');
    // The header object says the same, lazily or eagerly built.
    for (const lazy of [true, false]) {
      expect(decodePacket(records[2]!.data, { lazy }).layer<GreHeader>('gre')!.header).toMatchObject({ checksum: 0x1234, checksumStatus: 'bad', offset: 0 });
    }
    // A bad checksum is reported, never fatal: the packet inside is decoded.
    expect(decodePacket(records[2]!.data).protocols).toBe('eth:ip:gre:ip:udp');
    // No checksum field: no status.
    expect(decodePacket(records[0]!.data).layer<GreHeader>('gre')!.header.checksumStatus).toBeUndefined();
  });
});

describe('GRE decode', () => {
  it('reads RFC 2784/2890 headers: flags, version, protocol type, checksum, key, sequence number', () => {
    expect(decodeGre(hex('b0006558 2d560000 deadbeef ffffffff'), 0, 16)).toMatchObject({
      flagsAndVersion: 0xb000,
      checksumPresent: true,
      keyPresent: true,
      sequencePresent: true,
      routingPresent: false,
      version: 0,
      protocolType: 0x6558,
      checksum: 0x2d56,
      offset: 0,
      key: 0xdeadbeef,
      sequenceNumber: 0xffffffff,
    });
    expect(decodeGre(records[0]!.data, 34)).toEqual<GreHeader>({
      flagsAndVersion: 0,
      checksumPresent: false,
      routingPresent: false,
      keyPresent: false,
      sequencePresent: false,
      strictSourceRoute: false,
      recursionControl: 0,
      ackPresent: false,
      flagsReserved: 0,
      version: 0,
      protocolType: 0x0800,
    });
    expect(decodeGre(records[1]!.data, 34).checksumStatus).toBe('good');
  });

  it('dispatches IPv4, IPv6 and Ethernet (0x6558) and leaves unknown types opaque', () => {
    expect(decodePacket(records[3]!.data).protocols).toBe('eth:ip:gre:ipv6:udp');
    expect(decodePacket(records[5]!.data).protocols).toBe('eth:ip:gre:eth:ip:udp');
    expect(decodePacket(records[6]!.data).protocols).toBe('eth:ipv6:gre:ip:udp');
    const opaque = decodePacket(records[8]!.data);
    expect(opaque.protocols).toBe('eth:ip:gre');
    expect(new TextDecoder().decode(opaque.payload)).toBe('opaque payload');
    // A version tshark does not know either: version 0's layout, dispatched.
    expect(decodePacket(records[14]!.data).protocols).toBe('eth:ip:gre:ip:udp');
  });

  it('reads PPTP enhanced GRE (version 1): payload length and call ID, sequence, acknowledgment', () => {
    const h = decodePacket(records[9]!.data).layer<GreHeader>('gre')!.header;
    expect(h).toMatchObject({ version: 1, keyPresent: true, sequencePresent: true, ackPresent: true, key: (4 << 16) | 0x4000, sequenceNumber: 17, ackNumber: 16, protocolType: 0x880b });
    const f = decodePacket(records[10]!.data).fields();
    expect([f['gre.key.payload_length'], f['gre.key.call_id'], f['gre.ack_number'], f['gre.sequence_number'], f['gre.key']]).toEqual([0, 0x4000, 18, undefined, undefined]);
  });

  it('reports truncated headers with what fits, and never throws in lenient mode', () => {
    const two = decodePacket(records[11]!.data);
    expect(two.errors[0]).toMatchObject({ code: 'truncated', layer: 'gre', offset: 34, required: 4, available: 2 });
    const noChecksum = decodePacket(records[12]!.data);
    expect(noChecksum.layer<GreHeader>('gre')!.header).toMatchObject({ checksumPresent: true, protocolType: 0x0800 });
    expect(noChecksum.layer<GreHeader>('gre')!.header.checksum).toBeUndefined();
    expect(noChecksum.errors[0]).toMatchObject({ code: 'truncated', layer: 'gre', offset: 34, required: 8, available: 4 });
    const keyOnly = decodePacket(records[13]!.data);
    expect(keyOnly.layer<GreHeader>('gre')!.header).toMatchObject({ key: 5 });
    expect(keyOnly.layer<GreHeader>('gre')!.header.sequenceNumber).toBeUndefined();
    expect(keyOnly.errors[0]).toMatchObject({ code: 'truncated', layer: 'gre', required: 12, available: 8 });
    expect(() => decodePacket(records[13]!.data, { strict: true })).toThrow(WireError);
    expect(() => decodeGre(records[13]!.data, GRE_LAYER)).toThrow(/12-byte header/);
    for (let n = GRE_LAYER; n < records[5]!.data.length; n++) {
      const p = decodePacket(records[5]!.data.subarray(0, n));
      expect(p.errors.every((e) => e instanceof WireError && e.code !== 'internal')).toBe(true);
    }
  });

  it('decodes RFC 1701 source routing only as far as the fixed fields, then says unsupported', () => {
    const routed = encodeFrame([{ ip: { src: '10.0.0.1', dst: '10.0.0.2', protocol: 47 } }], hex('4000 0800 0000 0000 00000000 0800'));
    const p = decodePacket(routed, { linkType: 'raw' });
    expect(p.layer<GreHeader>('gre')!.header).toMatchObject({ routingPresent: true, checksumPresent: false, offset: 0 });
    expect(p.errors[0]).toMatchObject({ code: 'unsupported', layer: 'gre' });
    expect(p.fields()['gre.checksum']).toBeUndefined();
  });
});

describe('GRE encode', () => {
  const eth = { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', pad: false };
  const outer = { src: '203.0.113.1', dst: '203.0.113.2', ttl: 64, id: 1 };
  const inner = { src: '192.0.2.1', dst: '198.51.100.2', ttl: 63, id: 1 };
  const udp = { srcport: 40000, dstport: 40001 };

  it('builds the fixture packets byte for byte with encodeFrame', () => {
    expect(encodeFrame([{ eth }, { ip: outer }, { gre: {} }, { ip: inner }, { udp }], text('plain'))).toEqual(records[0]!.data);
    expect(encodeFrame([{ eth }, { ip: outer }, { gre: { sequenceNumber: 42 } }, { ip: inner }, { udp }], text('sequenced'))).toEqual(records[4]!.data);
    expect(
      encodeFrame(
        [{ eth }, { ip: outer }, { gre: { checksumPresent: true, key: 0xdeadbeef, sequenceNumber: 0xffffffff } }, { eth: { src: '02:00:00:00:00:0a', dst: '02:00:00:00:00:0b', pad: false } }, { ip: inner }, { udp }],
        text('ethernet over gre'),
      ),
    ).toEqual(records[5]!.data);
    expect(
      encodeFrame([{ eth }, { ipv6: { src: '2001:db8:ffff::1', dst: '2001:db8:ffff::2' } }, { gre: { key: 7 } }, { ip: inner }, { udp }], text('over ipv6')),
    ).toEqual(records[6]!.data);
    expect(encodeFrame([{ eth }, { ip: outer }, { gre: { version: 1, key: (4 << 16) | 0x4000, sequenceNumber: 17, ackNumber: 16, protocolType: 0x880b } }], hex('ff030021'))).toEqual(
      records[9]!.data,
    );
  });

  it('computes the checksum over header and payload, or writes it as given', () => {
    const frame = encodeFrame([{ ip: outer }, { gre: { checksumPresent: true } }, { ipv6: { src: '2001:db8::1', dst: '2001:db8::2' } }, { udp }], text('abc'));
    expect(decodePacket(frame, { linkType: 'raw' }).fields()['gre.checksum.status']).toBe('good');
    const given = encodeFrame([{ ip: outer }, { gre: { checksum: 0xbeef } }, { ip: { ...inner, protocol: 253 } }], new Uint8Array(0));
    expect(decodePacket(given, { linkType: 'raw' }).layer<GreHeader>('gre')!.header).toMatchObject({ checksum: 0xbeef, checksumStatus: 'bad' });
    const unfilled = encodeFrame([{ ip: outer }, { gre: { checksumPresent: true } }, { ip: { ...inner, protocol: 253 } }], new Uint8Array(0), { fill: false });
    expect(decodePacket(unfilled, { linkType: 'raw' }).layer<GreHeader>('gre')!.header.checksum).toBe(0);
    const standalone = encodeGre({ checksumPresent: true, protocolType: 0x0800 }, text('payload!'));
    expect(decodeGre(standalone).checksumStatus).toBe('good');
  });

  it('checks its input', () => {
    expect(() => encodeGre({})).toThrow(/protocolType is required/);
    expect(() => encodeGre({ protocolType: 0x0800, ackNumber: 1 })).toThrow(/version 1/);
    expect(() => encodeGre({ protocolType: 0x0800, key: 2 ** 32 })).toThrow(WireError);
    expect(() => encodeGre({ protocolType: 0x10000 })).toThrow(WireError);
    expect(() => emitGre({ protocolType: 0x0800, key: 1 }, new Uint8Array(7))).toThrow(/output needs 8 bytes/);
    expect(() => encodeFrame([{ ip: outer }, { gre: {} }], text('x'))).toThrow(/no protocolType given/);
    expect(greHeaderLength({ checksumPresent: true, key: 1, sequenceNumber: 2, version: 1, ackNumber: 3 })).toBe(20);
  });

  it('round-trips random headers: decode(encode(h)) equals h', () => {
    const input = fc.oneof(
      fc.record(
        {
          version: fc.constant(0),
          checksumPresent: fc.boolean(),
          key: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
          sequenceNumber: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
          strictSourceRoute: fc.boolean(),
          recursionControl: fc.integer({ min: 0, max: 7 }),
          flagsReserved: fc.integer({ min: 0, max: 0x1f }),
          protocolType: fc.integer({ min: 0, max: 0xffff }),
        },
        { requiredKeys: ['version', 'protocolType'] },
      ),
      fc.record(
        {
          version: fc.constant(1),
          key: fc.integer({ min: 0, max: 0xffffffff }),
          sequenceNumber: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
          ackNumber: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
          flagsReserved: fc.integer({ min: 0, max: 0xf }),
          protocolType: fc.constant(0x880b),
        },
        { requiredKeys: ['version', 'key', 'protocolType'] },
      ),
    );
    fc.assert(
      fc.property(input, fc.uint8Array({ maxLength: 64, size: 'max' }), (h: GreInput, payload) => {
        const bytes = encodeGre(h, payload);
        const decoded = decodeGre(bytes);
        expect(bytes.length).toBe(greHeaderLength(h) + payload.length);
        expect(decoded).toMatchObject(Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)));
        expect(decoded.keyPresent).toBe(h.key !== undefined);
        if (decoded.checksumPresent) expect(decoded.checksumStatus).toBe('good');
        // The decoded header is an input too, and encodes to the same bytes.
        expect(bytesField(encodeGre(decoded, payload))).toBe(bytesField(bytes));
        expect(decodeGre(encodeGre(decoded, payload))).toEqual(decoded);
      }),
      { numRuns: 500 },
    );
  });
});
