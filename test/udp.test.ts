import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { internetChecksum } from '../src/checksum/internet.js';
import { pseudoHeaderSum } from '../src/checksum/incremental.js';
import { parseIpv4 } from '../src/network/ip-address.js';
import { decodeUdp, encodeUdp, udp, UdpView, type UdpHeader } from '../src/transport/udp.js';
import { readPcapFile } from './util/pcap.js';
import { compareFields, readTsharkJson } from './util/tshark.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));

const records = readPcapFile(fixture('udp.pcap'));
const tshark = readTsharkJson(fixture('udp.json'));
const protocolsOf = (JSON.parse(readFileSync(fixture('udp.json'), 'utf8')) as { _source: { layers: { frame: Record<string, string> } } }[]).map(
  (p) => p._source.layers.frame['frame.protocols']!,
);
const only = <T extends object>(fields: T, prefix: string): T =>
  Object.fromEntries(Object.entries(fields).filter(([k]) => k.startsWith(prefix))) as T;

const isIpv6 = (i: number) => protocolsOf[i]!.includes(':ipv6');
const ipv6Registered = () => decodePacket(records.find((_, i) => isIpv6(i))!.data).layer('ipv6') !== undefined;
const udpOf = (n: number) => decodePacket(records[n - 1]!.data);

describe('udp: agrees with tshark 4.0 on scapy-made datagrams', () => {
  it('every fixture packet, field by field', () => {
    expect(records.length).toBe(tshark.length);
    const v6 = ipv6Registered();
    let compared = 0;
    records.forEach((r, i) => {
      if (isIpv6(i) && !v6) return;
      const p = decodePacket(r.data, { linkType: r.linkType });
      const layer = p.layer<UdpHeader>('udp');
      expect(layer, `packet ${i + 1} (${protocolsOf[i]})`).toBeDefined();
      const theirs = only(tshark[i]!, 'udp.');
      // A zero checksum's status included: tshark's 3 (not present) and 4 (illegal) as words.
      const required = ['udp.srcport', 'udp.dstport', 'udp.port', 'udp.length', 'udp.checksum', 'udp.checksum_calculated', 'udp.checksum.status'];
      expect(compareFields(only(p.fields(), 'udp.'), theirs, required), `packet ${i + 1}`).toEqual([]);
      compared++;
    });
    expect(compared).toBeGreaterThanOrEqual(v6 ? records.length : 8);
  });

  it('a zero checksum is none over IPv4 and invalid over IPv6 (RFC 768, RFC 8200 8.1)', () => {
    const none = udpOf(2).layer<UdpHeader>('udp')!.header;
    expect(none).toMatchObject({ checksum: 0, checksumStatus: 'unverified' });
    expect(none.checksumCalculated).toBeUndefined();
    expect(udpOf(2).fields()['udp.checksum.status']).toBe('not-present');
    if (ipv6Registered()) {
      expect(udpOf(5).layer<UdpHeader>('udp')!.header).toMatchObject({ checksum: 0, checksumStatus: 'bad' });
      expect(udpOf(5).fields()['udp.checksum.status']).toBe('illegal');
    }
  });

  it('a checksum that computes to 0 is sent, and verified, as 0xffff', () => {
    const h = udpOf(10).layer<UdpHeader>('udp')!.header;
    expect(h).toMatchObject({ checksum: 0xffff, checksumStatus: 'good', checksumCalculated: 0xffff });
    const payload = records[9]!.data.subarray(14 + 20 + 8);
    const again = encodeUdp({ srcport: 7000, dstport: 7001 }, payload, { src: '192.0.2.1', dst: '198.51.100.2' });
    expect(new UdpView(again).check().checksum).toBe(0xffff);
  });

  it('length lies: shorter trims the payload, longer and below 8 are errors', () => {
    const short = udpOf(7);
    expect(short.errors).toEqual([]);
    const layer = short.layer<UdpHeader>('udp')!;
    expect(layer.payloadLength).toBe(4);
    expect(short.payload.length).toBe(4);
    expect(layer.header.checksumStatus).toBe('bad'); // scapy summed all 16 bytes; the receiver sums 12
    expect(udpOf(8).errors[0]).toMatchObject({ code: 'bad-length', layer: 'udp', offset: 34, required: 40, available: 16 });
    expect(udpOf(8).errors[0]!.message).toBe('udp: length 40 exceeds the 16 bytes IP gives the datagram at offset 34');
    expect(udpOf(8).layer<UdpHeader>('udp')!.header.checksumStatus).toBe('unverified');
    expect(udpOf(9).errors[0]!.message).toBe('udp: length 4 is below the 8-byte header at offset 34');
    if (ipv6Registered()) {
      const zero = udpOf(15);
      expect(zero.errors[0]!.message).toMatch(/length 0 is only for jumbograms \(RFC 2675\), but IP gives this datagram 16 bytes/);
      expect(zero.layer<UdpHeader>('udp')!.header.checksumStatus).toBe('good');
    }
  });

  it('over IPv6 with a routing header the pseudo-header takes the final destination (RFC 8200 8.1)', () => {
    if (!ipv6Registered()) return;
    for (const n of [13, 14]) expect(udpOf(n).layer<UdpHeader>('udp')!.header.checksumStatus, `packet ${n}`).toBe('good');
  });

  it('encodes over a routing header with the final destination in the pseudo-header, and decodes it good', () => {
    for (const routing of [
      { type: 43, routingType: 0, addresses: ['2001:db8::b', '2001:db8::c'] },
      { type: 43, routingType: 4, addresses: ['2001:db8::f', '2001:db8::a'] },
      { type: 43, routingType: 0, segmentsLeft: 0, addresses: ['2001:db8::b'] },
    ]) {
      const frame = encodeFrame([{ ipv6: { src: '2001:db8::1', dst: '2001:db8::a', extensions: [routing] } }, { udp: { srcport: 8000, dstport: 8001 } }], new Uint8Array(5));
      const p = decodePacket(frame, { linkType: 'raw' });
      expect(p.errors).toEqual([]);
      expect(p.layer<UdpHeader>('udp')!.header.checksumStatus, JSON.stringify(routing)).toBe('good');
    }
  });

  it('verifies a datagram an ICMP error quotes whole, over the quoted addresses, as tshark does', () => {
    const quoted = decodePacket(readPcapFile(fixture('tcp.pcap'))[31]!.data); // packet 32 of tcp.pcap
    const layer = quoted.layer<UdpHeader>('udp')!;
    expect(quoted.errors).toEqual([]);
    // tshark 4.0: checksum 0x5555 bad, calculated 0x9d8b.
    expect(layer.header).toMatchObject({ srcport: 5557, dstport: 6668, length: 14, quoted: true, checksumStatus: 'bad', checksumCalculated: 0x9d8b });
    expect(quoted.fields()['udp.checksum.status']).toBe('bad');
    expect(decodePacket(readPcapFile(fixture('tcp.pcap'))[31]!.data, { checksums: { udp: false } }).fields()['udp.checksum.status']).toBe('unverified');
  });

  it('hands a non-empty payload on by port, lower port first, then the higher', () => {
    const next = (bytes: Uint8Array) => udp.decode({ bytes, offset: 0, end: bytes.length, below: [], quoted: false, verifyChecksum: false }).next;
    expect(next(encodeUdp({ srcport: 40000, dstport: 53 }, new Uint8Array(4)))).toEqual({ table: 'udp.port', value: 53, alt: 40000 });
    expect(next(encodeUdp({ srcport: 53, dstport: 40000 }, new Uint8Array(4)))).toEqual({ table: 'udp.port', value: 53, alt: 40000 });
    expect(next(encodeUdp({ srcport: 53, dstport: 40000 }))).toBeUndefined();
  });
});

describe('udp: round trips', () => {
  it('decode(encode(h)) gives h back with a good checksum, over IPv4 and IPv6 (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.uint8Array({ maxLength: 64, size: 'max' }),
        fc.boolean(),
        (srcport, dstport, payload, v6) => {
          const addresses = v6 ? { src: '2001:db8::1', dst: '2001:db8::2' } : { src: '192.0.2.1', dst: '198.51.100.2' };
          const bytes = encodeUdp({ srcport, dstport }, payload, addresses);
          const h = decodeUdp(bytes, 0, { addresses });
          expect(h).toMatchObject({ srcport, dstport, length: 8 + payload.length, checksumStatus: 'good' });
          expect(h.checksum).not.toBe(0);
          expect(encodeUdp(h, payload)).toEqual(bytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('encodeFrame fills length and checksum from the IP layer outside; fill: false writes zeros', () => {
    const frame = encodeFrame([{ ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { srcport: 40000, dstport: 9 } }], new TextEncoder().encode('hello'));
    const p = decodePacket(frame, { linkType: 'raw' });
    expect(p.errors).toEqual([]);
    expect(p.layer<UdpHeader>('udp')!.header).toMatchObject({ length: 13, checksumStatus: 'good' });
    expect(new TextDecoder().decode(p.payload)).toBe('hello');
    const raw = encodeFrame([{ ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { srcport: 1, dstport: 2 } }], new Uint8Array(2), { fill: false });
    expect([...raw.subarray(24, 28)]).toEqual([0, 0, 0, 0]);
    // Explicit values are written as given: a zero checksum (none, over IPv4) and a lying length.
    const lie = encodeFrame([{ ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { srcport: 1, dstport: 2, length: 99, checksum: 0 } }], new Uint8Array(2));
    expect(decodePacket(lie, { linkType: 'raw' }).errors[0]).toMatchObject({ code: 'bad-length', layer: 'udp' });
  });
});

describe('udp: malformed input', () => {
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

  it('names what is missing', () => {
    expect(() => decodeUdp(new Uint8Array(7))).toThrow('udp: header needs 8 bytes, 7 captured at offset 0');
    expect(() => new UdpView(encodeUdp({ srcport: 1, dstport: 2, length: 20 })).check()).toThrow(/length 20 is outside 8..8/);
  });
});

describe('udp: view', () => {
  it('rewrites ports in place and fixes the checksum incrementally; a zero checksum stays zero', () => {
    const src = parseIpv4('192.0.2.1');
    const dst = parseIpv4('198.51.100.2');
    const d = encodeUdp({ srcport: 1000, dstport: 53 }, new TextEncoder().encode('query'), { src, dst });
    const v = new UdpView(d).check();
    const old = v.srcport;
    v.srcport = 61000;
    v.adjustChecksum(old, 61000);
    expect(internetChecksum(d, pseudoHeaderSum(src, dst, 17, d.length))).toBe(0);
    const nat = parseIpv4('203.0.113.7');
    v.adjustChecksumForAddress(src, nat);
    expect(v.verifyChecksum(nat, dst)).toBe(true);
    const none = new UdpView(encodeUdp({ srcport: 1, dstport: 2, checksum: 0 })).check();
    none.adjustChecksum(1, 9);
    expect(none.checksum).toBe(0);
    expect(none.verifyChecksum('10.0.0.1', '10.0.0.2')).toBe(true);
    expect(none.verifyChecksum('2001:db8::1', '2001:db8::2')).toBe(false);
    expect(new TextDecoder().decode(v.payload)).toBe('query');
  });
});
