import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { BsdFamily, decodeNull, encodeNull, NullView } from '../src/link/null.js';
import { CHDLC_BROADCAST, CHDLC_UNICAST, decodeChdlc, encodeChdlc, LINKTYPE_C_HDLC } from '../src/link/chdlc.js';
import { decodeSll, decodeSll2, encodeSll, encodeSll2, Sll2View, SllPacketType, SllView } from '../src/link/sll.js';
import { readPcapFile } from './util/pcap.js';
import { compareFields, readTsharkJson } from './util/tshark.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));
const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g) ?? [], (b) => parseInt(b, 16));

/** Protocols wirekit decodes, by tshark name; `sll2` is tshark's `sll` (see src/link/sll.ts). */
const KNOWN = new Set(['lcp', 'ipcp', 'ipv6cp', 'ccp', 'pap', 'chap', 'slarp', 'ppi', 'stp', 'lldp', 'cdp', 'dns', 'mdns', 'llmnr', 'eth', 'sll', 'null', 'chdlc', 'ppp', 'nflog', 'pflog', 'vxlan', 'geneve', 'radiotap', 'wlan', 'llc', 'vlan', 'ieee8021ad', 'arp', 'ip', 'ipv6', 'icmp', 'icmpv6', 'udp', 'tcp']);
const tsharkName = (name: string) => (name === 'sll2' ? 'sll' : name);

function tsharkProtocols(name: string): string[][] {
  const packets = JSON.parse(readFileSync(fixture(name), 'utf8')) as { _source: { layers: { frame: Record<string, string> } } }[];
  return packets.map((p) => p._source.layers.frame['frame.protocols']!.split(':').filter((n) => KNOWN.has(n)));
}

/**
 * Our layer chain in tshark's names. tshark also names a layer it could not read a byte of (an IP
 * header after a bare link header, shown malformed): here that is a `truncated` error of that layer.
 */
function ourProtocols(p: ReturnType<typeof decodePacket>): string[] {
  const names = p.layers.map((l) => tsharkName(l.name));
  for (const e of p.errors) {
    if (e.code === 'truncated' && !p.layers.some((l) => l.name === e.layer && e.offset !== undefined && e.offset >= l.offset && e.offset <= l.offset + l.length)) names.push(e.layer);
  }
  // A header shown in part (its length fields lie): tshark names it too.
  const partial = p.partial?.name;
  if (partial !== undefined && names[names.length - 1] !== tsharkName(partial)) names.push(tsharkName(partial));
  return names;
}

/** Raw IP's packets' fields, but those decodePacket never gives (conversation state, timing, payload bytes). */
const RAW_OWN = /^(ip|ipv6|udp|icmp|icmpv6)\.(?!stream|time_|payload)/;

const WLAN_OWN =
  /^(?!.*(_resolved|\.expert)$)(radiotap\.(version|pad|length|present\.|mactime|flags|datarate|channel\.|dbm_ant|antenna|rxflags|txflags|mcs\.)|wlan\.(fc(\..*)?|flags|duration|aid|ra|ta|da|sa|bssid|staa|addr|frag|seq|fcs(\.status)?|qos(\.(tid|priority|eosp|ack|amsdupresent))?)$|llc\.|ip\.(?!stream)|ipv6\.|udp\.(?!stream|time_|payload)|arp\.)/;

const FILES = [
  { file: 'linktype-null', linkType: 0, own: /^null\./ },
  { file: 'linktype-loop', linkType: 108, own: /^null\./ },
  { file: 'linktype-sll', linkType: 113, own: /^sll\./ },
  { file: 'linktype-sll2', linkType: 276, own: /^sll\./ },
  // Raw IP has no fields of its own: every field of the packet is compared.
  { file: 'linktype-raw101', linkType: 101, own: RAW_OWN },
  { file: 'linktype-raw12', linkType: 12, own: RAW_OWN },
  { file: 'linktype-raw14', linkType: 14, own: RAW_OWN },
  { file: 'linktype-chdlc', linkType: 104, own: /^chdlc\./ },
  // LCP (ppp.code, ppp.identifier, ...) is not decoded: only PPP's own header.
  { file: 'linktype-ppphdlc', linkType: 50, own: /^ppp\.(address|control|protocol)$/ },
  // Radiotap's fields that wirekit decodes (flags, rates, channel, signal and noise, antenna, RX
  // flags, TSFT, MCS; the others are skipped by size), 802.11's MAC header (not a management
  // body's elements, nor a protected body's CCMP header, nor the QoS field's upper byte, whose
  // meaning depends on the sender), LLC and SNAP, and the IP inside.
  { file: 'linktype-radiotap', linkType: 127, own: WLAN_OWN },
  { file: 'linktype-ieee80211', linkType: 105, own: WLAN_OWN },
  // PPI's header and 802.11-Common field, and the 802.11 frame behind it.
  { file: 'linktype-ppi', linkType: 192, own: new RegExp(`^ppi\\.|${WLAN_OWN.source.slice(1)}`) },
  // NFLOG's TLVs (the timestamp aside: tshark shows it as a date), and the IP inside.
  { file: 'linktype-nflog', linkType: 239, own: /^(nflog\.(?!timestamp)|ip\.(?!stream)|ipv6\.|udp\.(?!stream|time_|payload)|icmp\.(?!resp)|tcp\.(srcport|dstport|seq_raw|flags|hdr_len|window_size_value|checksum)$)/ },
  // pf's header (the bogus-length expert item aside) and the IP inside.
  { file: 'linktype-pflog', linkType: 117, own: /^(pflog\.(?!invalid_header_length)|ip\.(?!stream)|ipv6\.|udp\.(?!stream|time_|payload)|tcp\.(srcport|dstport|seq_raw|flags|hdr_len|window_size_value|checksum)$)/ },
  // VXLAN's header, and the inner frame (its Ethernet and IP fields repeat the outer ones' names).
  { file: 'vxlan', linkType: 1, own: /^(?!.*_resolved$)(vxlan\.|eth\.(?!trailer|padding)|ip\.(?!stream)|ipv6\.|udp\.(?!stream|time_|payload))/ },
  { file: 'geneve', linkType: 1, own: /^(?!.*_resolved$)(geneve\.|eth\.(?!trailer|padding)|ip\.(?!stream)|udp\.(?!stream|time_|payload))/ },
  { file: 'eth-llc', linkType: 1, own: /^(?!.*_resolved$)(llc|eth)\.(?!trailer|padding)/ },
  // DNS and mDNS messages (tshark's request/response matching, expert items and the cookie
  // option's halves aside), and the UDP or TCP under them.
  { file: 'dns', linkType: 1, own: /^(dns\.(?!response_to|response_in|time$|unsolicited|retransmi|undecoded|opt\.cookie)|udp\.(srcport|dstport|length)$|tcp\.(srcport|dstport|seq_raw)$)/ },
];
/** tshark shows bytes after the IP packet as sll.trailer; that needs the next layer's length (see sll.ts). */
const NOT_MIRRORED = new Set(['sll.trailer']);

describe('link types vs tshark', () => {
  for (const { file, linkType, own } of FILES) {
    it(`${file}: same layers and every ${own === RAW_OWN ? 'ip' : own.source.slice(1, -2)} field as tshark 4.0`, () => {
      const records = readPcapFile(fixture(`${file}.pcap`));
      const tshark = readTsharkJson(fixture(`${file}.json`));
      const chains = tsharkProtocols(`${file}.json`);
      expect(records.length).toBe(tshark.length);
      records.forEach((r, i) => {
        expect(r.linkType).toBe(linkType);
        const p = decodePacket(r.data, { linkType: r.linkType });
        expect(ourProtocols(p), `${file} frame ${i + 1}`).toEqual(chains[i]);
        const required = Object.keys(tshark[i]!).filter((f) => own.test(f) && !NOT_MIRRORED.has(f));
        // Every field, ours and the upper layers': the inner packets are plain scapy-made IP.
        expect(compareFields(p.fields(), tshark[i]!, required), `${file} frame ${i + 1}`).toEqual([]);
      });
    });
  }
});

describe('link types: truncation', () => {
  it('every prefix of every fixture frame decodes with typed errors only, inside its bytes', () => {
    for (const { file } of FILES) {
      for (const r of readPcapFile(fixture(`${file}.pcap`))) {
        for (let n = 0; n <= r.data.length; n++) {
          const bytes = r.data.slice(0, n);
          const p = decodePacket(bytes, { linkType: r.linkType });
          for (const e of p.errors) expect(e).toBeInstanceOf(WireError);
          for (const l of p.layers) expect(l.payloadOffset + l.payloadLength).toBeLessThanOrEqual(n);
          try {
            decodePacket(bytes, { linkType: r.linkType, strict: true });
          } catch (e) {
            expect(e).toBeInstanceOf(WireError);
            expect((e as WireError).code).not.toBe('internal');
          }
        }
      }
    }
  });
});

describe('null / loop', () => {
  it('reads the family in either byte order, and the IRIX and old-Linux forms, as packet-null.c does', () => {
    expect(decodeNull(hex('02000000'))).toEqual({ family: 2, byteOrder: 'little' });
    expect(decodeNull(hex('0000001e'))).toEqual({ family: 30, byteOrder: 'big' });
    expect(decodeNull(hex('00020000'))).toEqual({ family: 2, byteOrder: 'irix' });
    expect(decodeNull(hex('00000800'))).toEqual({ type: 0x0800, byteOrder: 'big' });
    expect(decodeNull(hex('ff030021'))).toEqual({ byteOrder: 'ppp' });
  });

  it('encodes what it decodes, in every byte order; the family follows the next layer', () => {
    for (const byteOrder of ['little', 'big'] as const) {
      for (const family of [2, 7, 24, 28, 30, 99]) expect(decodeNull(encodeNull({ family, byteOrder }))).toEqual({ family, byteOrder });
      expect(decodeNull(encodeNull({ type: 0x86dd, byteOrder }))).toEqual({ type: 0x86dd, byteOrder });
    }
    expect(decodeNull(encodeNull({ family: 2, byteOrder: 'irix' }))).toEqual({ family: 2, byteOrder: 'irix' });
    expect(() => encodeNull({ family: 30, byteOrder: 'irix' })).toThrow(WireError);
    expect(() => encodeNull({ family: 2000 })).toThrow(/out of range/);
    expect(() => encodeNull({ type: 1000 })).toThrow(/not an ethertype/);
    expect(() => encodeNull({})).toThrow(/no family/);

    const v6 = encodeFrame([{ null: {} }, { ipv6: { src: '::1', dst: '::1' } }, { udp: { srcport: 1, dstport: 2 } }], hex('aa'));
    expect([...v6.subarray(0, 4)]).toEqual([30, 0, 0, 0]);
    const loop = encodeFrame([{ null: { byteOrder: 'big' } }, { ip: { src: '127.0.0.1', dst: '127.0.0.1' } }, { udp: { srcport: 1, dstport: 2 } }]);
    expect([...loop.subarray(0, 4)]).toEqual([0, 0, 0, 2]);
    for (const linkType of [0, 108]) {
      const p = decodePacket(loop, { linkType });
      expect(p.protocols).toBe('null:ip:udp');
      expect(p.fields()['null.family']).toBe(2);
    }
  });

  it('rewrites the family in place in the byte order the header has', () => {
    const frame = hex('1e000000 60');
    const v = new NullView(frame).check();
    expect([v.family, v.type, v.byteOrder]).toEqual([30, undefined, 'little']);
    v.family = BsdFamily.INET6_BSD;
    expect([...frame.subarray(0, 4)]).toEqual([24, 0, 0, 0]);
    expect(v.payload).toEqual(hex('60'));
    expect(() => new NullView(frame, 2).check()).toThrow(WireError);
  });

  it('is lenient: a short header is a typed truncation, an unknown family an opaque payload', () => {
    const p = decodePacket(hex('0200'), { linkType: 0 });
    expect(p.layers).toEqual([]);
    expect(p.errors[0]).toMatchObject({ code: 'truncated', layer: 'null', offset: 0, required: 4, available: 2 });
    expect(() => decodePacket(hex('020000'), { linkType: 108, strict: true })).toThrow(/null: header needs 4 bytes, 3 captured at offset 0/);
    const osi = decodePacket(hex('07000000 8101'), { linkType: 0 });
    expect(osi.protocols).toBe('null');
    expect(osi.payload).toEqual(hex('8101'));
    // PPP in HDLC framing: no 4-byte header; the whole frame stays payload.
    const ppp = decodePacket(hex('ff030021 4500'), { linkType: 0 });
    expect(ppp.layers[0]).toMatchObject({ name: 'null', length: 0 });
    expect(ppp.fields()).toEqual({});
    expect(ppp.payload.length).toBe(6);
  });
});

describe('sll / sll2', () => {
  it('round-trips headers through encode and decode', () => {
    const cases = [
      { src: '02:00:00:00:00:01', protocol: 0x0800 },
      { pkttype: SllPacketType.OUTGOING, hatype: 772, src: '00:00:00:00:00:00', protocol: 0x86dd },
      { src: '198.51.100.1', hatype: 768, protocol: 0x0800 },
      { protocol: 0x0800 },
      { src: '01:02:03:04:05:06:07:08', halen: 20, hatype: 32, pkttype: 3, protocol: 0x86dd },
      { src: '0a:0b', hatype: 7, protocol: 0x0004 },
    ];
    for (const c of cases) {
      const h1 = decodeSll(encodeSll(c));
      const h2 = decodeSll2(encodeSll2({ ...c, ifindex: 7 }));
      for (const h of [h1, h2]) {
        expect(h).toMatchObject({ protocol: c.protocol, pkttype: c.pkttype ?? 0, halen: c.halen ?? (c.src === undefined ? 0 : c.src.includes('.') ? 4 : c.src.split(':').length) });
        if (c.src !== undefined) expect(h.src).toBe(c.src);
      }
      expect(h1.hatype).toBe(c.hatype ?? (c.src?.length === 17 ? 1 : 65534));
      expect(h2).toMatchObject({ ifindex: 7, reserved: 0 });
    }
    expect(decodeSll(encodeSll({ protocol: 0x0800 }))).toMatchObject({ hatype: 65534, halen: 0, src: '', unused: '00:00:00:00:00:00:00:00' });
    expect(() => encodeSll({ src: 'not an address', protocol: 1 })).toThrow(WireError);
    expect(() => encodeSll({ src: '02:00:00:00:00:01' })).toThrow(/protocol is required/);
    expect(() => encodeSll2({ pkttype: 256, protocol: 0x0800 })).toThrow(/out of range/);
  });

  it('encodes whole frames; the protocol follows the next layer (3 for an Ethernet frame)', () => {
    const udp = { udp: { srcport: 40000, dstport: 9 } };
    const v1 = encodeFrame([{ sll: { src: '02:00:00:00:00:01', pkttype: 4 } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, udp], hex('01'));
    expect(decodePacket(v1, { linkType: 113 }).protocols).toBe('sll:ip:udp');
    expect(decodePacket(v1, { linkType: 113 }).fields()).toMatchObject({ 'sll.pkttype': 4, 'sll.etype': 0x0800, 'sll.src.eth': '02:00:00:00:00:01', 'sll.unused': '00:00' });
    const v2 = encodeFrame([{ sll2: { ifindex: 3, src: '02:00:00:00:00:01' } }, { vlan: { id: 5 } }, { ipv6: { src: '::1', dst: '::2' } }, udp]);
    expect(decodePacket(v2, { linkType: 276 }).protocols).toBe('sll2:vlan:ipv6:udp');
    const eth = encodeFrame([{ sll2: {} }, { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', pad: false } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, udp]);
    expect(eth[0]! * 256 + eth[1]!).toBe(3);
    expect(decodePacket(eth, { linkType: 276 }).protocols).toBe('sll2:eth:ip:udp');
    expect(() => encodeFrame([{ sll: {} }])).toThrow(/no protocol given/);
  });

  it('views read and rewrite in place', () => {
    const frame = encodeSll2({ protocol: 0x0800, ifindex: 0xfffffffe, src: '02:00:00:00:00:01', pkttype: 4 });
    const v = new Sll2View(frame).check();
    expect([v.protocol, v.ifindex, v.hatype, v.pkttype, v.halen, v.src]).toEqual([0x0800, 0xfffffffe, 1, 4, 6, '02:00:00:00:00:01']);
    v.ifindex = 0x01020304;
    v.pkttype = 0;
    expect(decodeSll2(frame)).toMatchObject({ ifindex: 0x01020304, pkttype: 0 });
    const one = encodeSll({ protocol: 0x86dd, src: '10.1.2.3' });
    const w = new SllView(one).check();
    expect([w.halen, w.src, w.protocol]).toEqual([4, '10.1.2.3', 0x86dd]);
    w.protocol = 0x0800;
    expect(decodeSll(one).protocol).toBe(0x0800);
    expect(() => new SllView(one.subarray(0, 15)).check()).toThrow(WireError);
    expect(() => new Sll2View(one).check()).toThrow(/header needs 20 bytes, 16 captured/);
  });

  it('is lenient: short headers are typed truncations, Linux protocol numbers opaque payloads', () => {
    const p = decodePacket(hex('0000 0001 0006 020000000001 0000'), { linkType: 113 });
    expect(p.errors[0]).toMatchObject({ code: 'truncated', layer: 'sll', offset: 0, required: 16, available: 14 });
    const q = decodePacket(hex('0800 0000 00000001 0001 00 06 020000000001'), { linkType: 276 });
    expect(q.errors[0]).toMatchObject({ code: 'truncated', layer: 'sll2', offset: 0, required: 20, available: 18 });
    // 802.2 LLC (protocol 4) goes on into llc; raw 802.3 (protocol 1, Novell IPX) stays undecoded.
    const llc = decodePacket(new Uint8Array([...encodeSll({ protocol: 4, src: '02:00:00:00:00:01' }), 0x42, 0x42, 0x03, 0]), { linkType: 113 });
    expect(llc.protocols).toBe('sll:llc');
    expect(llc.fields()).toMatchObject({ 'sll.ltype': 4, 'llc.dsap': 0x42, 'llc.control': 3 });
    const ipx = decodePacket(new Uint8Array([...encodeSll({ protocol: 1, src: '02:00:00:00:00:01' }), 0xff, 0xff]), { linkType: 113 });
    expect(ipx.protocols).toBe('sll');
    expect(ipx.fields()['sll.ltype']).toBe(1);
    // Netlink (ARPHRD_NETLINK): the protocol is a netlink family, not an ethertype.
    const netlink = decodePacket(new Uint8Array([...encodeSll2({ protocol: 0x0800, hatype: 824 }), 0x45, 0]), { linkType: 276 });
    expect(netlink.protocols).toBe('sll2');
  });
});

describe('Cisco HDLC', () => {
  it('encodes what it decodes; the protocol follows the next layer; bad values are typed errors', () => {
    const frame = encodeFrame([{ chdlc: { address: CHDLC_BROADCAST } }, { ip: { src: '192.0.2.1', dst: '192.0.2.2' } }, { udp: { srcport: 1, dstport: 2 } }], new Uint8Array(3));
    expect(Array.from(frame.subarray(0, 4))).toEqual([0x8f, 0x00, 0x08, 0x00]);
    const p = decodePacket(frame, { linkType: LINKTYPE_C_HDLC });
    expect(p.protocols).toBe('chdlc:ip:udp');
    expect(p.layers[0]!.header).toEqual({ address: 0x8f, control: 0, protocol: 0x0800 });
    expect(p.fields()).toMatchObject({ 'chdlc.address': 0x8f, 'chdlc.control': 0, 'chdlc.protocol': 0x0800, 'udp.length': 11 });
    expect(decodeChdlc(encodeChdlc({ protocol: 0x86dd }))).toEqual({ address: CHDLC_UNICAST, control: 0, protocol: 0x86dd });
    expect(() => encodeChdlc({ protocol: 0x10000 })).toThrow(WireError);
    expect(() => encodeChdlc({})).toThrow(WireError);
    expect(() => decodeChdlc(Uint8Array.of(0x0f, 0, 8))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'chdlc', required: 4, available: 3 }));
    // A cut header: no layer, a typed error.
    const cut = decodePacket(Uint8Array.of(0x0f, 0, 8), { linkType: LINKTYPE_C_HDLC });
    expect(cut.layers).toEqual([]);
    expect(cut.errors[0]).toMatchObject({ code: 'truncated', layer: 'chdlc' });
  });
});
