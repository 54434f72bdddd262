import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { decodePpp, encodePpp, emitPpp, type PppHeader } from '../src/link/ppp.js';
import {
  decodePppoe,
  decodePppoeDiscovery,
  emitPppoe,
  encodePppoe,
  encodePppoeDiscovery,
  PppoeCode,
  PppoeTagType,
  type PppoeDiscoveryHeader,
  type PppoeHeader,
} from '../src/link/pppoe.js';
import { bytesField } from '../src/packet/fields.js';
import { readPcapFile } from './util/pcap.js';
import { compareFields, readTsharkJson } from './util/tshark.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));
const protocolsOf = (name: string) =>
  (JSON.parse(readFileSync(fixture(name), 'utf8')) as { _source: { layers: { frame: Record<string, string> } } }[]).map((p) => p._source.layers.frame['frame.protocols']!);
const records = readPcapFile(fixture('pppoe.pcap'));
const tshark = readTsharkJson(fixture('pppoe.json'));
const tsharkProtocols = protocolsOf('pppoe.json');
const pppRecords = readPcapFile(fixture('ppp-linktype9.pcap'));
const pppTshark = readTsharkJson(fixture('ppp-linktype9.json'));
const pppProtocols = protocolsOf('ppp-linktype9.json');
const text = (s: string) => new TextEncoder().encode(s);

const OWN = /^(pppoe|pppoed|ppp)\./;
/**
 * tshark fields we do not show, and why:
 * - ppp.code, ppp.identifier, ppp.length: LCP's fields (tshark files them under `ppp.`); LCP is not decoded.
 * - pppoed.tags, pppoed.tags.vendorspecific.tags: FT_NONE subtrees; they print as '' when empty.
 * - pppoe.payload_length.bad: an expert item; we record a `truncated` problem instead.
 */
const NOT_OURS = new Set(['ppp.code', 'ppp.identifier', 'ppp.length', 'pppoed.tags', 'pppoed.tags.vendorspecific.tags', 'pppoe.payload_length.bad']);
/**
 * Fields we show that tshark does not: Ethernet padding after a PPPoE payload shorter than the
 * frame (PADT and an IPv4 runt, packets 4 and 8). tshark's PPPoE dissectors hand the rest of the
 * frame on and only warn of the length; we bound the payload by it (RFC 2516), so the zeros after
 * it are padding, as after any other length-bounded payload.
 */
const EXTRA: Record<number, string[]> = { 4: ['eth.padding'], 8: ['eth.padding'] };

describe('PPPoE and PPP vs tshark', () => {
  it('agrees field by field on every scapy-made PPPoE frame', () => {
    expect(records.length).toBe(tshark.length);
    records.forEach((r, i) => {
      const p = decodePacket(r.data, { linkType: r.linkType });
      const theirs = tshark[i]!;
      const required = Object.keys(theirs).filter((f) => OWN.test(f) && !NOT_OURS.has(f));
      expect(compareFields(p.fields(), theirs, required), `frame ${i}: ${tsharkProtocols[i]}`).toEqual([]);
      expect(Object.keys(p.fields()).filter((f) => theirs[f] === undefined), `frame ${i}`).toEqual(EXTRA[i] ?? []);
    });
  });

  it('agrees on LINKTYPE_PPP (9), with and without address and control', () => {
    pppRecords.forEach((r, i) => {
      expect(r.linkType).toBe(9);
      const p = decodePacket(r.data, { linkType: r.linkType });
      const theirs = pppTshark[i]!;
      // The last frame is one byte: tshark shows ppp.address before giving up, and so do we (packet.partial).
      const required = Object.keys(theirs).filter((f) => OWN.test(f) && !NOT_OURS.has(f));
      expect(compareFields(p.fields(), theirs, required), `frame ${i}: ${pppProtocols[i]}`).toEqual([]);
      expect(Object.keys(p.fields()).filter((f) => theirs[f] === undefined)).toEqual([]);
    });
    // The one-byte frame: a cut PPP header, named as tshark names it (packet.partial).
    expect(pppRecords.map((r) => decodePacket(r.data, { linkType: 9 }).protocols)).toEqual(['ppp:ip:udp', 'ppp:ip:udp', 'ppp:ipv6:udp', 'ppp:lcp', 'ppp']);
  });

  it('decodes the layers tshark shows, in order', () => {
    records.forEach((r, i) => {
      const ours = decodePacket(r.data).protocols;
      const theirs = tsharkProtocols[i]!.split(':').filter((n) => n !== 'ethertype' && n !== 'data');
      // Packet 9 is 4 bytes of a session header, 12 an IP header of 2 bytes: packet.partial, named
      // in protocols as tshark does.
      expect(ours, `frame ${i}`).toBe(theirs.join(':'));
    });
  });
});

describe('PPPoE decode', () => {
  it('reads discovery headers and their TAGs', () => {
    expect(decodePppoeDiscovery(records[1]!.data, 14)).toEqual<PppoeDiscoveryHeader>({
      version: 1,
      type: 1,
      code: PppoeCode.pado,
      sessionId: 0,
      payloadLength: 65,
      tags: [
        { type: PppoeTagType.acName, value: bytesField(text('access-concentrator-1')) },
        { type: PppoeTagType.serviceName, value: bytesField(text('internet')) },
        { type: PppoeTagType.acCookie, value: bytesField(Uint8Array.from({ length: 16 }, (_, i) => i)) },
        { type: PppoeTagType.hostUniq, value: '12:34:56:78' },
      ],
    });
    const padi = decodePacket(records[0]!.data);
    expect(padi.layer<PppoeDiscoveryHeader>('pppoed')!.header.tags).toEqual([
      { type: 0x0101, value: '' },
      { type: 0x0103, value: '12:34:56:78' },
    ]);
    const f = decodePacket(records[1]!.data).fields();
    expect([f['pppoed.tags.ac_name'], f['pppoed.tags.service_name'], f['pppoe.code']]).toEqual(['access-concentrator-1', 'internet', 7]);
    expect(decodePacket(records[2]!.data).fields()['pppoed.tags.vendor_id']).toBe(3561);
  });

  it('reads session headers and dispatches PPP: 0x0021 IPv4, 0x0057 IPv6, 0xc021 LCP', () => {
    expect(decodePppoe(records[5]!.data, 14)).toEqual<PppoeHeader>({ version: 1, type: 1, code: 0, sessionId: 0x1234, payloadLength: 38 });
    expect(decodePacket(records[5]!.data).protocols).toBe('eth:pppoes:ppp:ip:udp');
    expect(decodePacket(records[6]!.data).protocols).toBe('eth:pppoes:ppp:ipv6:icmpv6');
    const lcp = decodePacket(records[7]!.data);
    expect(lcp.protocols).toBe('eth:pppoes:ppp:lcp');
    expect(lcp.layer<PppHeader>('ppp')!.header).toEqual({ protocol: 0xc021 });
    // An Echo-Request (RFC 1661 5.8): code 9, its identifier, length 8, the magic number.
    expect(lcp.layer<{ code: number; length: number; data: Uint8Array }>('lcp')!.header).toMatchObject({ code: 9, length: 8 });
    expect(lcp.payload.length).toBe(0);
    // The payload length bounds the payload: the runt's zeros are Ethernet padding, not PPP.
    const runt = decodePacket(records[8]!.data);
    expect(runt.layer('pppoes')!.payloadLength).toBe(31);
    expect(runt.trailer.length).toBe(9);
  });

  it('reports truncated and lying headers as tshark goes on past them', () => {
    const short = decodePacket(records[9]!.data);
    expect(short.errors[0]).toMatchObject({ code: 'truncated', layer: 'pppoes', offset: 14, required: 6, available: 4 });
    // A length past the frame: a problem recorded, and what was captured decoded.
    const lying = decodePacket(records[10]!.data);
    expect(lying.protocols).toBe('eth:pppoes:ppp:ip:udp');
    expect(lying.errors.map((e) => [e.code, e.layer, e.required, e.available])).toEqual([['truncated', 'pppoes', 206, 48]]);
    expect(() => decodePacket(records[10]!.data, { strict: true })).toThrow(/payload length 200/);
    // A TAG cut short: the TAGs before it, and the error.
    const cut = decodePacket(records[11]!.data);
    expect(cut.layer<PppoeDiscoveryHeader>('pppoed')!.header.tags).toEqual([{ type: 0x0101, value: '' }]);
    expect(cut.errors[0]).toMatchObject({ code: 'truncated', layer: 'pppoed', offset: 24, required: 12, available: 6 });
    expect(() => decodePppoeDiscovery(records[11]!.data, 14)).toThrow(WireError);
    // Version and type 2: shown, and decoding goes on (as in tshark).
    expect(decodePacket(records[12]!.data).layer<PppoeHeader>('pppoes')!.header).toMatchObject({ version: 2, type: 2 });
    for (const r of records) for (let n = 0; n <= r.data.length; n++) expect(() => decodePacket(r.data.subarray(0, n))).not.toThrow();
  });

  it('reads PPP with and without RFC 1662 address and control', () => {
    expect(decodePpp(Uint8Array.of(0xff, 0x03, 0x00, 0x21))).toEqual({ address: 0xff, control: 0x03, protocol: 0x21 });
    expect(decodePpp(Uint8Array.of(0x00, 0x57))).toEqual({ protocol: 0x57 });
    expect(() => decodePpp(Uint8Array.of(0xff, 0x03, 0x00))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'ppp', required: 4, available: 3 }));
    expect(decodePacket(pppRecords[4]!.data, { linkType: 9 }).errors[0]).toMatchObject({ code: 'truncated', layer: 'ppp', offset: 0, required: 3, available: 1 });
    // Protocol-field compression (RFC 1661 section 6.5): an odd first byte is the whole field, so
    // the encoder refuses a two-byte protocol with one.
    expect(() => encodePpp({ protocol: 0x0121 })).toThrow(expect.objectContaining({ code: 'bad-value', layer: 'ppp' }));
    expect(decodePpp(Uint8Array.of(0x21, 0x45))).toEqual({ protocol: 0x21 });
    expect(decodePpp(Uint8Array.of(0xff, 0x03, 0x57))).toEqual({ address: 0xff, control: 0x03, protocol: 0x57 });
    expect(decodePacket(Uint8Array.of(0xff, 0x03, 0x21, ...encodeFrame([{ ip: { src: '192.0.2.1', dst: '192.0.2.2' } }, { udp: { srcport: 1, dstport: 2 } }], new Uint8Array(0))), { linkType: 9 }).protocols).toBe('ppp:ip:udp');
  });
});

describe('PPPoE encode', () => {
  const eth = { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', pad: false };
  const bcast = { ...eth, dst: 'ff:ff:ff:ff:ff:ff' };
  const ip = { src: '192.0.2.1', dst: '198.51.100.2', ttl: 63, id: 1 };
  const udp = { srcport: 40000, dstport: 40001 };

  it('builds the fixture frames byte for byte with encodeFrame', () => {
    expect(encodeFrame([{ eth: bcast }, { pppoed: { code: PppoeCode.padi, tags: [{ type: 0x0101 }, { type: 0x0103, value: '12:34:56:78' }] } }])).toEqual(records[0]!.data);
    expect(
      encodeFrame([
        { eth },
        {
          pppoed: {
            code: PppoeCode.pado,
            tags: [
              { type: PppoeTagType.acName, text: 'access-concentrator-1' },
              { type: PppoeTagType.serviceName, text: 'internet' },
              { type: PppoeTagType.acCookie, value: bytesField(Uint8Array.from({ length: 16 }, (_, i) => i)) },
              { type: PppoeTagType.hostUniq, value: '12345678' },
            ],
          },
        },
      ]),
    ).toEqual(records[1]!.data);
    expect(encodeFrame([{ eth }, { pppoes: { sessionId: 0x1234 } }, { ppp: {} }, { ip }, { udp }], text('ppp ipv4'))).toEqual(records[5]!.data);
    // Padded to 60 bytes by the Ethernet encoder, the PPPoE length still 31.
    expect(encodeFrame([{ eth: { ...eth, pad: true } }, { pppoes: { sessionId: 0x1234 } }, { ppp: {} }, { ip }, { udp }], text('x'))).toEqual(records[8]!.data);
    expect(encodeFrame([{ ppp: { address: 0xff } }, { ip }, { udp }], text('hdlc framed'))).toEqual(pppRecords[0]!.data);
    expect(encodeFrame([{ ppp: {} }, { ip }, { udp }], text('no address'))).toEqual(pppRecords[1]!.data);
  });

  it('checks its input', () => {
    expect(() => encodeFrame([{ eth }, { pppoes: {} }, { ppp: {} }], text('x'))).toThrow(/no protocol given/);
    expect(() => encodePpp({ address: 0xfe, protocol: 0x21 })).toThrow(/0xff 0x03/);
    expect(() => encodePpp({ protocol: 0xff03 })).toThrow(WireError);
    expect(() => encodePpp({})).toThrow(/protocol is required/);
    expect(() => emitPpp({ protocol: 0x21 }, new Uint8Array(1))).toThrow(WireError);
    expect(() => encodePppoeDiscovery({ code: 9, tags: [{ type: 0x0101, value: 'not hex' }] })).toThrow(/not hex/);
    expect(() => encodePppoeDiscovery({ code: 256 })).toThrow(WireError);
    expect(() => emitPppoe({ sessionId: 1 }, new Uint8Array(5))).toThrow(WireError);
    expect(() => encodePppoe({ sessionId: 0x10000 })).toThrow(WireError);
  });

  it('round-trips random discovery packets, session headers and PPP headers', () => {
    const tag = fc.record({ type: fc.integer({ min: 0, max: 0xffff }), value: fc.uint8Array({ maxLength: 24, size: 'max' }).map(bytesField) });
    const common = { version: fc.integer({ min: 0, max: 15 }), type: fc.integer({ min: 0, max: 15 }), sessionId: fc.integer({ min: 0, max: 0xffff }) };
    fc.assert(
      fc.property(fc.record({ ...common, code: fc.integer({ min: 1, max: 255 }), tags: fc.array(tag, { maxLength: 6 }) }), (h) => {
        const bytes = encodePppoeDiscovery(h);
        const payloadLength = bytes.length - 6;
        expect(decodePppoeDiscovery(bytes)).toEqual({ ...h, payloadLength });
        const p = decodePacket(encodeFrame([{ eth }, { pppoed: h }]));
        expect(p.layers[1]!.header).toEqual({ ...h, payloadLength });
        expect(p.errors).toEqual([]);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.record(common), fc.uint8Array({ maxLength: 40, size: 'max' }), fc.boolean(), (h, payload, framed) => {
        const header = { ...h, code: 0 };
        expect(decodePppoe(encodePppoe(header, payload))).toEqual({ ...header, payloadLength: payload.length });
        // A protocol left opaque (0x0031, bridging): its payload stays the packet's.
        const ppp = framed ? { address: 0xff, control: 0x03, protocol: 0x0031 } : { protocol: 0x0031 };
        const p = decodePacket(encodeFrame([{ eth }, { pppoes: header }, { ppp }], payload));
        expect(p.protocols).toBe('eth:pppoes:ppp');
        expect(p.layers[1]!.header).toEqual({ ...header, payloadLength: payload.length + (framed ? 4 : 2) });
        expect(p.layers[2]!.header).toEqual(ppp);
        expect([...p.payload]).toEqual([...payload]);
      }),
      { numRuns: 300 },
    );
  });
});
