// IGMP v1/v2/v3 (src/network/igmp.ts), ESP and AH (src/network/ipsec.ts), DHCP/BOOTP
// (src/application/dhcp.ts) and NTP (src/application/ntp.ts) against tshark 4.0:
// fields, layers and summary lines of test/fixtures/wire/ipctl.pcap (make-ipctl.py), and typed
// errors, never a crash, on cut and mutated messages.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { WireError } from '../src/errors.js';
import { decodeIgmp, encodeIgmp, igmpColumns, igmpV3Time } from '../src/network/igmp.js';
import { decodeAh, decodeEsp, emitAh } from '../src/network/ipsec.js';
import { encodeFrame } from '../src/encode.js';
import { decodeDhcp, dhcpColumns, encodeDhcp } from '../src/application/dhcp.js';
import { decodeNtp, encodeNtp, formatNtpTimestamp, ntpInfo } from '../src/application/ntp.js';
import { SummaryFormatter } from '../src/cli/summary.js';
import { readPcapFile } from './util/pcap.js';
import { compareFields, readTsharkJson } from './util/tshark.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));
const records = readPcapFile(fixture('ipctl.pcap'));
const tshark = readTsharkJson(fixture('ipctl.json'));
const tsharkProtocols = (JSON.parse(readFileSync(fixture('ipctl.json'), 'utf8')) as { _source: { layers: { frame: Record<string, string> } } }[]).map(
  (p) => p._source.layers.frame['frame.protocols']!,
);
/** A capture record for the summary formatter (only the columns after the time are compared). */
const record = (data: Uint8Array) => ({ timestamp: 0n, linkType: 1, capturedLength: data.length, originalLength: data.length, data }) as never;
const summary = readFileSync(fixture('ipctl.summary.txt'), 'utf8').split('\n').filter((l) => l.trim() !== '');

/** Every frame (0-based) of the fixture. */
const OURS = [...records.keys()];
const PREFIXES = ['igmp.', 'esp.', 'ah.', 'dhcp.', 'ntp.'];
/** tshark's expert items (markers, not values). */
const EXPERT = new Set(['igmp.bad_checksum']);

describe('IGMP, ESP, AH, DHCP and NTP vs tshark', () => {
  it('agrees field by field on every scapy-made packet', () => {
    expect(records.length).toBe(tshark.length);
    for (const i of OURS) {
      const p = decodePacket(records[i]!.data);
      const theirs = tshark[i]!;
      const required = Object.keys(theirs).filter((f) => PREFIXES.some((x) => f.startsWith(x)) && !EXPERT.has(f) && !f.endsWith('_tree'));
      expect(compareFields(p.fields(), theirs, required), `packet ${i}: ${tsharkProtocols[i]}`).toEqual([]);
      expect(
        Object.keys(p.fields()).filter((f) => PREFIXES.some((x) => f.startsWith(x)) && theirs[f] === undefined),
        `packet ${i}`,
      ).toEqual([]);
    }
  });

  it('decodes the layers tshark shows, in order (AH over IPv6 is in the IPv6 layer)', () => {
    for (const i of OURS) {
      const ours = decodePacket(records[i]!.data).protocols;
      let theirs = tsharkProtocols[i]!.split(':').filter((n) => n !== 'ethertype' && n !== 'data');
      // tshark hands IGMP to its version's dissector, registered under the same name.
      theirs = theirs.filter((n, k) => !(n === 'igmp' && theirs[k - 1] === 'igmp'));
      if (theirs.includes('ipv6')) theirs = theirs.filter((n) => n !== 'ah');
      expect(ours, `packet ${i}`).toBe(theirs.join(':'));
    }
  });

  it('prints the summary lines tshark prints', () => {
    const formatter = new SummaryFormatter();
    const lines = records.map((r, i) => formatter.line(i + 1, record(r.data), decodePacket(r.data), 6));
    const columns = (l: string) => l.replace(/^\s*\d+\s+[\d.]+\s+/, '');
    for (const i of OURS) expect(columns(lines[i]!), `frame ${i + 1}`).toBe(columns(summary[i]!));
  });

  it('cut messages are typed errors; the fixed part still shows', () => {
    const ipPayload = (i: number) => records[i]!.data.subarray(14 + 24); // IGMP frames carry the router alert option
    expect(() => decodeIgmp(ipPayload(28))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'igmp', required: 8, available: 6 }));
    expect(() => decodeIgmp(ipPayload(29))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'igmp' }));
    expect(decodeIgmp(ipPayload(8)).records!.map((r) => [r.recordType, r.group, r.sources.length])).toEqual([
      [4, '239.1.1.1', 0],
      [3, '239.1.1.2', 2],
      [1, '239.1.1.3', 1],
      [5, '239.1.1.4', 1],
    ]);
    expect(igmpColumns(decodeIgmp(ipPayload(5)))).toEqual(['IGMPv2', 'Leave Group 239.1.1.1']);
    expect(igmpV3Time(0x8a)).toBe(208);
    expect(decodeEsp(records[11]!.data, 34)).toEqual({ spi: 0x1234, sequence: 1 });
    expect(() => decodeEsp(records[31]!.data, 34)).toThrow(expect.objectContaining({ code: 'truncated', layer: 'esp', required: 8, available: 6 }));
    expect(decodeAh(records[13]!.data, 34)).toMatchObject({ nextHeader: 6, length: 4, spi: 0x100, sequence: 7 });
    expect(() => decodeAh(records[33]!.data, 34)).toThrow(expect.objectContaining({ code: 'truncated', layer: 'ah', required: 24, available: 20 }));
    expect(() => decodeAh(Uint8Array.of(6, 0, 0, 0, 0, 0, 0, 1))).toThrow(expect.objectContaining({ code: 'bad-length', layer: 'ah' }));
    const p = decodePacket(records[32]!.data);
    expect(p.errors[0]).toBeInstanceOf(WireError);
    expect(p.fields()).toMatchObject({ 'ah.spi': 0x100, 'ah.next_header': 6 });
  });

  it('DHCP and NTP: options, timestamps, cut messages', () => {
    const udpPayload = (i: number) => records[i]!.data.subarray(14 + 20 + 8);
    const discover = decodeDhcp(udpPayload(16));
    expect(discover).toMatchObject({ op: 1, xid: 1, flags: 0x8000, messageType: 1, cookie: 0x63825363 });
    expect(discover.options.map((o) => o.code)).toEqual([53, 61, 50, 12, 55, 57, 60, 255]);
    expect(dhcpColumns(decodeDhcp(udpPayload(17)))).toEqual(['DHCP', 'DHCP Offer    - Transaction ID 0x1']);
    expect(() => decodeDhcp(udpPayload(34))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'dhcp', required: 240 }));
    expect(() => decodeDhcp(udpPayload(35))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'dhcp' }));
    const server = decodeNtp(udpPayload(25));
    expect(server).toMatchObject({ version: 4, mode: 4, stratum: 2, poll: 6, precision: -23, rootDelay: 1024, referenceId: 'c0:00:02:7b' });
    expect(formatNtpTimestamp(server.transmit!)).toBe('Aug  2, 2023 21:20:00.875000000 UTC');
    expect(formatNtpTimestamp({ seconds: 0, fraction: 0 })).toBe('NULL');
    expect(ntpInfo(decodeNtp(udpPayload(26)))).toBe('NTP Version 3, symmetric active');
    expect(decodeNtp(udpPayload(27))).toMatchObject({ keyId: '00:00:00:01', mac: '00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f' });
    expect(() => decodeNtp(udpPayload(36))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'ntp', required: 48, available: 30 }));
  });

  it('never throws anything but WireError on random bytes and mutated fixture frames', () => {
    const decoders = [decodeIgmp, decodeEsp, decodeAh, decodeDhcp, decodeNtp];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 320 }), fc.integer({ min: 0, max: 4 }), (bytes, k) => {
        try {
          decoders[k]!(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...OURS), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), (i, edits, cutAt) => {
        const frame = records[i]!.data.slice(0, Math.max(14, records[i]!.data.length - (cutAt % 24)));
        for (const [at, v] of edits) frame[34 + (at % Math.max(1, frame.length - 34))] = v;
        const p = decodePacket(frame);
        p.fields();
        for (const l of p.layers) JSON.stringify(l.header);
        for (const e of p.errors) expect(e).toBeInstanceOf(WireError);
        const formatter = new SummaryFormatter();
        formatter.line(1, record(frame), p, 6);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('DHCP and NTP encoding', () => {
  const udpPayload = (i: number) => records[i]!.data.subarray(14 + 20 + 8);
  const hex = (v: string) => (v === '' ? new Uint8Array(0) : Uint8Array.from(v.split(':'), (x) => parseInt(x, 16)));
  it('rebuilds the fixture messages from their decoded headers, byte for byte', () => {
    for (const i of [16, 17, 18, 19, 20, 21, 22]) {
      const h = decodeDhcp(udpPayload(i));
      const options = h.options.map((o) => ({ code: o.code, value: o.value === undefined ? undefined : hex(o.value) }));
      const bytes = encodeDhcp({ op: h.op, xid: h.xid!, secs: h.secs, flags: h.flags, ciaddr: h.ciaddr, yiaddr: h.yiaddr, siaddr: h.siaddr, giaddr: h.giaddr, chaddr: hex(h.chaddr!), sname: h.sname, file: h.file, options });
      // Bytes after End (scapy's padding) are not options.
      expect(bytes, `frame ${i + 1}`).toEqual(udpPayload(i).subarray(0, bytes.length));
    }
    expect(encodeDhcp({ op: 2, xid: 4, yiaddr: '192.0.2.51', chaddr: '02:00:00:00:00:99', cookie: false })).toEqual(udpPayload(23));
    for (const i of [24, 25, 26]) {
      const h = decodeNtp(udpPayload(i));
      const { flags: _flags, referenceId, extensions: _ext, keyId: _key, mac: _mac, ...rest } = h;
      expect(encodeNtp({ ...rest, referenceId: hex(referenceId!) }), `frame ${i + 1}`).toEqual(udpPayload(i));
    }
    const withMac = decodeNtp(udpPayload(27));
    expect(encodeNtp({ ...withMac, extensions: undefined, referenceId: hex(withMac.referenceId!), keyId: 1, mac: hex(withMac.mac!) })).toEqual(udpPayload(27));
    const ext = encodeNtp({ mode: 3, extensions: [{ type: 0x0104, value: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25) }] });
    expect(decodeNtp(ext).extensions).toEqual([{ type: 0x0104, length: 32, value: '01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13:14:15:16:17:18:19:00:00:00' }]);
  });

  it('encodeFrame builds DHCP over UDP 68 → 67 and NTP over 123', () => {
    const frame = encodeFrame([{ ip: { src: '0.0.0.0', dst: '255.255.255.255' } }, { udp: { srcport: 68, dstport: 67 } }, { dhcp: { op: 1, xid: 0x1234, chaddr: '02:00:00:00:00:99', messageType: 3, options: [{ code: 50, value: Uint8Array.of(192, 0, 2, 50) }] } }]);
    const p = decodePacket(frame, { linkType: 'raw' });
    expect(p.protocols).toBe('ip:udp:dhcp');
    expect(p.errors).toEqual([]);
    expect(p.fields()).toMatchObject({ 'dhcp.option.dhcp': 3, 'dhcp.option.requested_ip_address': '192.0.2.50', 'dhcp.id': 0x1234, 'udp.checksum.status': 'good' });
    const ntpFrame = encodeFrame([{ ip: { src: '192.0.2.1', dst: '192.0.2.2' } }, { udp: { srcport: 123, dstport: 123 } }, { ntp: { mode: 1, stratum: 1, poll: -3 } }]);
    expect(decodePacket(ntpFrame, { linkType: 'raw' }).fields()).toMatchObject({ 'ntp.flags.mode': 1, 'ntp.flags.vn': 4, 'ntp.ppoll': 253 });
    expect(() => encodeNtp({ mode: 3, poll: 200 })).toThrow(expect.objectContaining({ code: 'bad-value', layer: 'ntp' }));
    expect(() => encodeDhcp({ op: 1, xid: 1, sname: 'x'.repeat(65) })).toThrow(expect.objectContaining({ code: 'bad-value', layer: 'dhcp' }));
  });
});

describe('IGMP, ESP and AH encoding', () => {
  const igmpBytes = (i: number) => records[i]!.data.subarray(14 + 24);
  it('builds the fixture messages byte for byte, checksum included', () => {
    expect(encodeIgmp({ type: 0x16, group: '239.1.1.1' })).toEqual(igmpBytes(4));
    expect(encodeIgmp({ type: 0x11, maxRespCode: 100 })).toEqual(igmpBytes(2));
    expect(encodeIgmp({ type: 0x11, maxRespCode: 0x8a, group: '239.2.2.2', suppress: true, qrv: 2, qqic: 0x90, sources: ['10.0.0.1', '10.0.0.2'] })).toEqual(igmpBytes(7));
    const report = decodeIgmp(igmpBytes(8));
    expect(encodeIgmp({ type: 0x22, records: report.records!.map((r) => ({ recordType: r.recordType, group: r.group, sources: r.sources })) })).toEqual(igmpBytes(8));
  });

  it('round-trips IGMP, ESP and AH frames through encodeFrame and decodePacket', () => {
    const eth = { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } };
    const igmpFrame = encodeFrame([eth, { ip: { src: '192.0.2.10', dst: '224.0.0.22', ttl: 1 } }, { igmp: { type: 0x22, records: [{ recordType: 4, group: '239.1.1.1' }] } }]);
    const p = decodePacket(igmpFrame);
    expect(p.protocols).toBe('eth:ip:igmp');
    expect(p.errors).toEqual([]);
    expect(p.fields()).toMatchObject({ 'igmp.version': 3, 'igmp.checksum.status': 'good', 'igmp.maddr': '239.1.1.1', 'igmp.record_type': 4 });
    const espFrame = encodeFrame([eth, { ipv6: { src: '2001:db8::1', dst: '2001:db8::2' } }, { esp: { spi: 0xdeadbeef, sequence: 5 } }], new Uint8Array(16).fill(9));
    expect(decodePacket(espFrame).fields()).toMatchObject({ 'esp.spi': 0xdeadbeef, 'esp.sequence': 5 });
    const icv = Uint8Array.from({ length: 12 }, (_, k) => k);
    const ahFrame = encodeFrame([eth, { ip: { src: '198.51.100.1', dst: '198.51.100.2' } }, { ah: { spi: 0x100, sequence: 7, icv } }, { tcp: { srcport: 1234, dstport: 80 } }]);
    const q = decodePacket(ahFrame);
    expect(q.protocols).toBe('eth:ip:ah:tcp');
    expect(q.errors).toEqual([]);
    expect(q.fields()).toMatchObject({ 'ah.next_header': 6, 'ah.length': 4, 'ah.icv': '00:01:02:03:04:05:06:07:08:09:0a:0b', 'tcp.dstport': 80, 'tcp.checksum.status': 'good' });
    const out = new Uint8Array(24);
    expect(emitAh({ nextHeader: 17, spi: 1, sequence: 2, icv }, out)).toBe(24);
    expect(decodeAh(out)).toMatchObject({ nextHeader: 17, length: 4, spi: 1, sequence: 2 });
    expect(() => encodeIgmp({ type: 0x22, records: [{ recordType: 1, group: '239.1.1.1', auxData: new Uint8Array(3) }] })).toThrow(expect.objectContaining({ code: 'bad-value', layer: 'igmp' }));
    expect(() => emitAh({ nextHeader: 6, spi: 1, sequence: 1, icv: new Uint8Array(5) }, new Uint8Array(32))).toThrow(expect.objectContaining({ code: 'bad-value', layer: 'ah' }));
  });
});
