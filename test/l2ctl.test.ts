// Link-layer control protocols: spanning tree BPDUs (src/link/stp.ts), LLDP (src/link/lldp.ts) and
// CDP (src/link/cdp.ts) against tshark 4.0 on test/fixtures/wire/l2ctl.pcap (made by
// make-l2ctl.py: every BPDU kind, LLDP's id subtypes and common TLVs, CDP's common TLVs, truncated
// copies), their summary lines, round trips, and fuzzed input that must fail only with WireErrors.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { decodeStp, encodeStp, stpInfo, BPDU_TCN } from '../src/link/stp.js';
import { decodeLldp, encodeLldp, lldpInfo, LldpTlvType } from '../src/link/lldp.js';
import { cdpChecksum, CdpTlvType, decodeCdp, encodeCdp, cdpInfo } from '../src/link/cdp.js';
import { readPcapFile } from './util/pcap.js';
import { compareFields, readTsharkJson } from './util/tshark.js';
import { cli, lines, root } from './cli/cli-util.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));
const records = readPcapFile(fixture('l2ctl.pcap'));
const tshark = readTsharkJson(fixture('l2ctl.json'));
const chains = (JSON.parse(readFileSync(fixture('l2ctl.json'), 'utf8')) as { _source: { layers: { frame: Record<string, string> } } }[]).map((p) =>
  p._source.layers.frame['frame.protocols']!.split(':').filter((n) => n !== 'ethertype'),
);

/**
 * Our fields: every stp/mstp/lldp/cdp field tshark shows, but the contents of the IEEE 802.1 and
 * 802.3 organizationally specific TLVs (kept as bytes) and the bad-checksum expert item.
 */
const OWN = /^(stp|mstp|lldp|cdp)\./;
const NOT_DECODED = /^(lldp\.ieee\.802_1\.(?!subtype$)|lldp\.ieee\.802_3\.(?!subtype$)|cdp\.bad_checksum$)/;

/** Frame n (1-based) after its Ethernet header and, for 802.3 frames, its 3-byte LLC (8 with SNAP). */
const body = (n: number, skip: number) => records[n - 1]!.data.subarray(14 + skip);

describe('STP, LLDP and CDP vs tshark 4.0', () => {
  it('decodes the same layers as tshark, frame by frame', () => {
    expect(records.length).toBe(tshark.length);
    records.forEach((r, i) => {
      const p = decodePacket(r.data);
      const names = p.layers.map((l) => l.name);
      // tshark names a protocol whose header it could not read (a BPDU too short for its type, a cut CDP header).
      for (const e of p.errors) if (!names.includes(e.layer)) names.push(e.layer);
      expect(names, `frame ${i + 1}`).toEqual(chains[i]);
    });
  });

  it('every field it decodes has tshark\'s value, and every field tshark shows of these protocols is there', () => {
    records.forEach((r, i) => {
      const p = decodePacket(r.data);
      const required = Object.keys(tshark[i]!).filter((f) => OWN.test(f) && !NOT_DECODED.test(f));
      expect(compareFields(p.fields(), tshark[i]!, required), `frame ${i + 1}`).toEqual([]);
    });
  });

  it('the CLI\'s summary lines are tshark\'s, info column included', () => {
    const want = lines(readFileSync(fixture('l2ctl.summary.txt'), 'utf8'));
    expect(lines(cli(['decode', `${root}test/fixtures/wire/l2ctl.pcap`]).stdout)).toEqual(want);
  });

  it('-Y stp, lldp and cdp select the frames tshark selects', () => {
    const count = (filter: string) => lines(cli(['decode', '-Y', filter, `${root}test/fixtures/wire/l2ctl.pcap`]).stdout).length;
    // tshark -Y: 7 BPDUs (not the two cut below their length), 11 LLDPDUs, 4 CDP PDUs (one cut in its header).
    expect([count('stp'), count('lldp'), count('cdp')]).toEqual([7, 11, 4]);
    expect(count('stp.flags.port_role == 3 && mstp.msti.msti_id == 2')).toBe(1);
    expect(count('cdp.deviceid == "router-2"')).toBe(1);
    expect(count('lldp.chassis.subtype == 5')).toBe(2);
  });
});

describe('STP', () => {
  it('reads configuration, TCN, RST and MST BPDUs with their bridge ids and MSTI records', () => {
    const conf = decodeStp(body(2, 3));
    expect(conf).toMatchObject({ version: 0, type: 0, flags: 0x81, root: { priority: 4096, ext: 10, mac: 'aa:bb:cc:dd:ee:ff' }, rootCost: 19, port: 0x8002, messageAge: 1, maxAge: 20 });
    expect(stpInfo(conf)).toBe('Conf. TC + Root = 4096/10/aa:bb:cc:dd:ee:ff  Cost = 19  Port = 0x8002');
    expect(decodeStp(body(3, 3))).toEqual({ protocol: 0, version: 0, type: BPDU_TCN });
    expect(stpInfo(decodeStp(body(4, 3)))).toMatch(/^RST\. Root = 24576\/0\/00:00:0c:01:02:03 /);
    const mst = decodeStp(body(6, 3)).mst!;
    expect(mst).toMatchObject({ configName: 'region1', configRevision: 5, version3Length: 96, cistRemainingHops: 20 });
    expect(mst.mstis.map((r) => [r.regionalRoot.ext, r.bridgePriority, r.portPriority, r.remainingHops])).toEqual([[1, 8, 8, 20], [2, 9, 4, 19]]);
  });

  it('encodes what it decodes, every BPDU kind', () => {
    for (const n of [1, 2, 3, 4, 5, 6]) {
      const bytes = body(n, 3).slice(0, n === 3 ? 4 : undefined);
      const h = decodeStp(bytes);
      expect(encodeStp(h), `frame ${n}`).toEqual(bytes.subarray(0, encodeStp(h).length));
      expect(decodeStp(encodeStp(h))).toEqual(h);
    }
    // Through encodeFrame: 802.3 with LLC SAP 0x42.
    const h = decodeStp(body(4, 3));
    // encodeFrame writes the 802.3 length as given: the LLC header's 3 bytes and the BPDU's 36.
    const p = decodePacket(encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '01:80:c2:00:00:00', type: 39 } }, { llc: { dsap: 0x42, ssap: 0x42 } }, { stp: h }]));
    expect(p.layers.map((l) => l.name)).toEqual(['eth', 'llc', 'stp']);
    expect(p.layers[2]!.header).toEqual(h);
  });

  it('throws typed errors for BPDUs shorter than their type', () => {
    expect(() => decodeStp(body(18, 3))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'stp', required: 35, available: 20 }));
    expect(() => decodeStp(Uint8Array.of(0, 0, 2))).toThrow(WireError);
    expect(() => decodeStp(body(20, 3))).toThrow(/MSTI record 2/);
  });
});

describe('LLDP', () => {
  it('reads ids by subtype, TTL, names, capabilities, management addresses and organizationally specific TLVs', () => {
    const h = decodeLldp(body(7, 0));
    const t = (type: number) => h.tlvs.filter((x) => x.type === type);
    expect(t(LldpTlvType.ChassisId)[0]).toMatchObject({ subtype: 4, id: '00:11:22:33:44:55' });
    expect(t(LldpTlvType.PortId)[0]).toMatchObject({ subtype: 5, id: 'eth0' });
    expect(t(LldpTlvType.Ttl)[0]!.ttl).toBe(120);
    expect(t(LldpTlvType.Capabilities)[0]).toMatchObject({ capabilities: 0x14, enabledCapabilities: 4 });
    expect(t(LldpTlvType.ManagementAddress).map((x) => x.management)).toEqual([
      { addressLength: 5, addressSubtype: 1, address: '192.0.2.1', interfaceSubtype: 2, interfaceNumber: 3, oidLength: 0, oid: '' },
      { addressLength: 17, addressSubtype: 2, address: '2001:db8::1', interfaceSubtype: 3, interfaceNumber: 7, oidLength: 3, oid: '1.3.6.1' },
    ]);
    expect(t(LldpTlvType.OrgSpecific).map((x) => [x.oui, x.subtype, x.value.length])).toEqual([[0x0080c2, 1, 6], [0x00120f, 1, 9], [0x123456, 9, 10]]);
    expect(lldpInfo(h)).toBe('MA/00:11:22:33:44:55 IN/eth0 120 SysN=sw1.example.net SysD=Linux 6.1 wirekit test ');
  });

  it('encodes what it decodes (from fields, and from bytes), and builds frames with encodeFrame', () => {
    for (let n = 7; n <= 15; n++) {
      const h = decodeLldp(body(n, 0));
      const again = encodeLldp({ tlvs: h.tlvs.map((t) => ({ type: t.type, value: t.value })) });
      expect(decodeLldp(again), `frame ${n}`).toEqual(h);
    }
    const tlvs = [
      { type: 1, subtype: 4, id: '02:00:00:00:00:09' },
      { type: 2, subtype: 4, id: '10.0.0.1' },
      { type: 3, ttl: 30 },
      { type: 5, text: 'host' },
      { type: 7, capabilities: 0x80, enabledCapabilities: 0x80 },
    ];
    const p = decodePacket(encodeFrame([{ eth: { src: '02:00:00:00:00:09', dst: '01:80:c2:00:00:0e' } }, { lldp: { tlvs } }]));
    expect(p.layers.map((l) => l.name)).toEqual(['eth', 'lldp']);
    expect(lldpInfo(p.layers[1]!.header as never)).toBe('MA/02:00:00:00:00:09 NA/10.0.0.1 30 SysN=host ');
  });

  it('stops at a TLV that runs past the frame with a typed error, keeping the TLVs before it', () => {
    expect(() => decodeLldp(body(22, 0))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'lldp', offset: 9 }));
    const p = decodePacket(records[21]!.data);
    expect(p.errors[0]).toMatchObject({ code: 'truncated', layer: 'lldp' });
    expect((p.layers[1]!.header as { tlvs: unknown[] }).tlvs).toHaveLength(1);
    expect(() => decodeLldp(Uint8Array.of(0x06, 0x01, 0x00))).toThrow(expect.objectContaining({ code: 'bad-length' }));
  });
});

describe('CDP', () => {
  it('reads the header, verifies Cisco\'s checksum and reads the TLVs', () => {
    const h = decodeCdp(body(16, 8));
    expect(h).toMatchObject({ version: 2, ttl: 180, checksumStatus: 'good' });
    const t = (type: number) => h.tlvs.find((x) => x.type === type)!;
    expect(t(CdpTlvType.DeviceId).text).toBe('sw1');
    expect(t(CdpTlvType.Addresses).addresses!.map((a) => a.address)).toEqual(['192.0.2.10', '2001:db8::10']);
    expect(t(CdpTlvType.Capabilities).capabilities).toBe(0x29);
    expect([t(CdpTlvType.NativeVlan).nativeVlan, t(CdpTlvType.Duplex).duplex]).toEqual([10, 1]);
    expect(t(0x1234).value).toEqual(Uint8Array.of(1, 2, 3));
    expect(cdpInfo(h)).toBe('Device ID: sw1  Port ID: GigabitEthernet0/1  ');
  });

  it('checksums odd lengths as Cisco does (the last byte in the low half, minus one when its top bit is set)', () => {
    for (const last of [0x00, 0x41, 0x7f, 0x80, 0xff]) {
      const pdu = encodeCdp({ tlvs: [{ type: CdpTlvType.DeviceId, text: 'ab' }, { type: 0x99, value: Uint8Array.of(last) }] });
      expect(pdu.length % 2).toBe(1);
      expect(cdpChecksum(pdu, 0, pdu.length)).toBe(0);
      expect(decodeCdp(pdu).checksumStatus).toBe('good');
    }
  });

  it('encodes what it decodes, and builds frames under LLC/SNAP with encodeFrame', () => {
    for (const n of [16, 17]) {
      const bytes = body(n, 8);
      const h = decodeCdp(bytes);
      expect(encodeCdp({ version: h.version, ttl: h.ttl, tlvs: h.tlvs.map((t) => ({ type: t.type, value: t.value })) })).toEqual(bytes);
      expect(encodeCdp(h)).toEqual(bytes);
    }
    const cdp = { tlvs: [{ type: 1, text: 'x' }] };
    const frame = encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '01:00:0c:cc:cc:cc', type: 8 + encodeCdp(cdp).length } }, { llc: { oui: 0x00000c, pid: 0x2000 } }, { cdp }]);
    const p = decodePacket(frame);
    expect(p.layers.map((l) => l.name)).toEqual(['eth', 'llc', 'cdp']);
    expect(p.fields()['cdp.checksum.status']).toBe('good');
  });

  it('a cut PDU: typed errors, the TLVs before the cut, version and TTL of a cut header', () => {
    expect(() => decodeCdp(body(23, 8))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'cdp' }));
    expect(() => decodeCdp(Uint8Array.of(2, 180, 0, 0, 0, 1, 0, 2))).toThrow(expect.objectContaining({ code: 'bad-length' }));
    const p = decodePacket(records[23]!.data);
    expect(p.fields()).toMatchObject({ 'cdp.version': 2, 'cdp.ttl': 180 });
  });
});

describe('fuzz: STP, LLDP and CDP fail only with WireErrors', () => {
  const decoders = [decodeStp, decodeLldp, decodeCdp];
  const onlyWireErrors = (bytes: Uint8Array) => {
    for (const decode of decoders) {
      try {
        decode(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(WireError);
      }
    }
    const p = decodePacket(bytes);
    for (const e of p.errors) expect(e.code).not.toBe('internal');
    p.fields();
    JSON.stringify(p.layers.map((l) => l.header), (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v));
    try {
      decodePacket(bytes, { strict: true, lazy: false });
    } catch (e) {
      expect(e).toBeInstanceOf(WireError);
      expect((e as WireError).code).not.toBe('internal');
    }
  };

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), onlyWireErrors), { numRuns: 2000 });
  });

  it('every prefix of every fixture frame', () => {
    for (const r of records) for (let n = 0; n <= r.data.length; n++) onlyWireErrors(r.data.slice(0, n));
  });

  it('mutations of the fixture frames (bytes overwritten, lengths and counts included)', () => {
    const frame = fc.constantFrom(...records.map((r) => r.data));
    fc.assert(
      fc.property(frame, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (data, edits) => {
        const bytes = data.slice();
        for (const [at, v] of edits) bytes[14 + (at % Math.max(1, bytes.length - 14))] = v;
        onlyWireErrors(bytes);
      }),
      { numRuns: 3000 },
    );
  });
});
