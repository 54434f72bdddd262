import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import {
  arpAnnouncement,
  ArpOpcode,
  arpProbe,
  ArpView,
  classifyArp,
  decodeArp,
  encodeArp,
  type ArpHeader,
} from '../src/link/arp.js';
import { decodeVlan, emitVlan, encodeVlan, VlanView, type VlanHeader } from '../src/link/vlan.js';
import { bytesField } from '../src/packet/fields.js';
import { readPcapFile } from './util/pcap.js';
import { compareFields, readTsharkJson } from './util/tshark.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));
const records = readPcapFile(fixture('link.pcap'));
const tshark = readTsharkJson(fixture('link.json'));
const tsharkProtocols = (JSON.parse(readFileSync(fixture('link.json'), 'utf8')) as { _source: { layers: { frame: Record<string, string> } } }[]).map(
  (p) => p._source.layers.frame['frame.protocols']!,
);

const LINK = new Set(['eth', 'vlan', 'ieee8021ad']);
/** Fields this suite owns; tshark's are all required of us, save the documented 802.1ad quirk. */
const OWN = /^(vlan|ieee8021ad|ieee8021ah|arp)\./;
const TRAILER = ['eth.padding', 'eth.trailer', 'vlan.trailer', 'ieee8021ah.trailer', 'eth.fcs', 'eth.fcs.status'];
/** The frame with two S-tags: tshark calls the inner VID ieee8021ad.cvid, we call it ieee8021ad.id. */
const S_IN_S = 10;
const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

describe('link layer vs tshark', () => {
  it('agrees field by field on every scapy-made frame', () => {
    expect(records.length).toBe(tshark.length);
    let trailerChecks = 0;
    records.forEach((r, i) => {
      const p = decodePacket(r.data, { linkType: r.linkType });
      const theirs = tshark[i]!;
      const required = Object.keys(theirs).filter((f) => OWN.test(f) && f !== 'ieee8021ad.cvid');
      // Padding and trailer are only knowable once the layer after the link headers has said how
      // long it is (or an 802.3 length did): with IP not registered yet, those frames are skipped.
      const link = p.layers.filter((l) => LINK.has(l.name));
      const consumer = p.layers[link.length];
      const lengthBound = (link[link.length - 1]!.header as { type: number }).type <= 1500;
      if (consumer !== undefined || lengthBound) {
        const trailerFields = TRAILER.filter((f) => theirs[f] !== undefined);
        required.push(...trailerFields);
        trailerChecks += trailerFields.length;
      } else {
        expect(TRAILER.filter((f) => p.fields()[f] !== undefined), `frame ${i}`).toEqual([]);
      }
      // Only the link layer's fields: IP, UDP and the rest have their own suites.
      const ours = Object.fromEntries(Object.entries(p.fields()).filter(([f]) => OWN.test(f) || f.startsWith('eth.')));
      expect(compareFields(ours, theirs, required), `frame ${i}: ${tsharkProtocols[i]}`).toEqual([]);
      // And nothing of ours that tshark does not show (compareFields skips those).
      const extra = Object.keys(p.fields()).filter((f) => (OWN.test(f) || TRAILER.includes(f)) && theirs[f] === undefined);
      expect(extra, `frame ${i}`).toEqual(i === S_IN_S ? ['ieee8021ad.id'] : []);
    });
    // 14 trailer fields need no IP decoder; with one registered, the IPv4 runts add 12 more.
    const ipKnown = decodePacket(records[29]!.data).layers.length > 1;
    expect(trailerChecks).toBe(ipKnown ? 26 : 14);
  });

  it('decodes the layers tshark shows, in order', () => {
    records.forEach((r, i) => {
      const ours = decodePacket(r.data).protocols.split(':');
      const theirs = tsharkProtocols[i]!.split(':').filter((n) => n !== 'ethertype');
      // tshark folds two S-tags into one ieee8021ad layer; we keep one layer per tag.
      const expected = theirs.slice(0, ours.length);
      if (ours.join(':') === 'eth:ieee8021ad:ieee8021ad:arp') expected.splice(2, 0, 'ieee8021ad');
      expect(ours, `frame ${i}`).toEqual(expected.slice(0, ours.length));
    });
  });

  it('names 802.1ad tags as tshark does', () => {
    const qinq = decodePacket(records[1]!.data).fields();
    expect(qinq).toMatchObject({ 'ieee8021ad.priority': 5, 'ieee8021ad.id': 200, 'ieee8021ah.etype': 0x8100, 'vlan.id': 100, 'vlan.etype': 0x0800 });
    const triple = decodePacket(records[2]!.data).fields();
    expect(triple['vlan.id']).toEqual([301, 302]);
    const sInS = decodePacket(records[S_IN_S]!.data).fields();
    expect(sInS).toMatchObject({ 'ieee8021ad.priority': [1, 2], 'ieee8021ad.svid': 200, 'ieee8021ah.etype': 0x0806 });
  });
});

describe('truncation and hostile input', () => {
  it('every prefix of every fixture decodes with WireErrors only', () => {
    for (const r of records) {
      for (let n = 0; n <= r.data.length; n++) {
        const bytes = r.data.subarray(0, n);
        const p = decodePacket(bytes);
        for (const e of p.errors) {
          expect(e).toBeInstanceOf(WireError);
          expect(e.code).not.toBe('internal');
        }
        p.fields();
        try {
          decodePacket(bytes, { strict: true }).fields();
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }
    }
  });

  it('says what is missing, where', () => {
    const request = records[11]!.data;
    const p = decodePacket(request.subarray(0, 34));
    expect(p.layers.map((l) => l.name)).toEqual(['eth']);
    expect(p.errors[0]).toMatchObject({ code: 'truncated', layer: 'arp', offset: 14, required: 28, available: 20 });
    expect(p.errors[0]!.message).toBe('arp: hardware address length 6 and protocol length 4 need 28 bytes, 20 captured at offset 14');
    expect(decodePacket(request.subarray(0, 19)).errors[0]).toMatchObject({ code: 'truncated', layer: 'arp', required: 8, available: 5 });
    const tagged = records[0]!.data;
    expect(decodePacket(tagged.subarray(0, 16)).errors[0]).toMatchObject({ code: 'truncated', layer: 'vlan', offset: 14, required: 4, available: 2 });
    expect(() => decodePacket(tagged.subarray(0, 16), { strict: true })).toThrow('vlan: tag needs 4 bytes, 2 captured at offset 14');
    expect(decodePacket(records[1]!.data.subarray(0, 17)).errors[0]).toMatchObject({ layer: 'ieee8021ad', offset: 14 });
  });

  it('bounds an 802.3 length inside a tag, and survives one past the end', () => {
    const p = decodePacket(records[6]!.data);
    expect(p.layers.find((l) => l.name === 'vlan')).toMatchObject({ payloadOffset: 18, payloadLength: 8 });
    // LLC follows the length as after an Ethernet length (tshark: eth:ethertype:vlan:llc:stp).
    expect(p.protocols).toBe('eth:vlan:llc:stp');
    const lying = records[7]!.data.slice();
    lying[17] = 200; // vlan.len 200 in a 29-byte frame
    const q = decodePacket(lying);
    expect(q.layers.find((l) => l.name === 'vlan')).toMatchObject({ payloadLength: 29 - 18 });
    expect(q.fields()['vlan.trailer']).toBeUndefined();
  });
});

describe('VLAN tags', () => {
  it('views read and rewrite the TCI in place', () => {
    const frame = records[5]!.data.slice();
    const tag = new VlanView(frame, 14).check();
    expect([tag.priority, tag.dei, tag.id, tag.type]).toEqual([7, 1, 4095, 0x0806]);
    tag.id = 12;
    tag.priority = 2;
    tag.dei = 0;
    expect(tag.tci).toBe((2 << 13) | 12);
    expect(decodeVlan(frame, 14)).toEqual({ priority: 2, dei: 0, id: 12, type: 0x0806 });
    expect(tag.payload.length).toBe(frame.length - 18);
    expect(() => new VlanView(frame, frame.length - 3).check()).toThrow(WireError);
  });

  it('encodes a priority tag and rejects out-of-range fields', () => {
    expect(bytesField(encodeVlan({ priority: 5, type: 0x0800 }))).toBe('a0:00:08:00');
    expect(bytesField(encodeVlan({ priority: 7, dei: 1, id: 4095, type: 0x86dd }))).toBe('ff:ff:86:dd');
    expect(() => encodeVlan({ id: 4096, type: 0x0800 })).toThrow(/id 4096 is out of range 0-4095/);
    expect(() => encodeVlan({ priority: 8, type: 0x0800 })).toThrow(WireError);
    expect(() => encodeVlan({ id: 1 })).toThrow(/type is required/);
    expect(() => emitVlan({ type: 1 }, new Uint8Array(3))).toThrow(WireError);
    expect(() => encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, { vlan: { id: 1 } }])).toThrow(/no type given/);
  });

  it('fills every TPID from the next tag and pads tagged runts to 60 bytes, tags included', () => {
    const frame = encodeFrame(
      [
        { eth: { src: '02:00:00:00:00:01', dst: 'ff:ff:ff:ff:ff:ff' } },
        { ieee8021ad: { id: 300 } },
        { vlan: { id: 301 } },
        { vlan: { id: 302, priority: 4 } },
        { arp: { srcHw: '02:00:00:00:00:01', srcProto: '10.9.0.1', dstProto: '10.9.0.2' } },
      ],
    );
    expect(frame.length).toBe(60);
    expect(bytesField(frame.subarray(12, 26))).toBe('88:a8:01:2c:81:00:01:2d:81:00:81:2e:08:06');
    const p = decodePacket(frame);
    expect(p.protocols).toBe('eth:ieee8021ad:vlan:vlan:arp');
    expect(p.fields()['eth.padding']).toBe(bytesField(new Uint8Array(6)));
  });

  it('round-trips random tag stacks through encodeFrame and decodePacket', () => {
    const tag = fc.record({
      kind: fc.constantFrom('vlan', 'ieee8021ad'),
      priority: fc.integer({ min: 0, max: 7 }),
      dei: fc.integer({ min: 0, max: 1 }),
      id: fc.integer({ min: 0, max: 4095 }),
    });
    fc.assert(
      // The IEEE 802 local experimental ethertypes: no protocol will ever claim the payload.
      fc.property(fc.array(tag, { minLength: 1, maxLength: 5, size: 'max' }), fc.constantFrom(0x88b5, 0x88b6), fc.uint8Array({ maxLength: 80, size: 'max' }), (tags, type, payload) => {
        const layers = [
          { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', pad: false } },
          ...tags.map((t, i) => ({ [t.kind]: { priority: t.priority, dei: t.dei, id: t.id, ...(i === tags.length - 1 ? { type } : {}) } })),
        ];
        const p = decodePacket(encodeFrame(layers, payload));
        expect(p.layers.map((l) => l.name)).toEqual(['eth', ...tags.map((t) => t.kind)]);
        tags.forEach((t, i) => {
          const next = tags[i + 1];
          const expected: VlanHeader = { priority: t.priority, dei: t.dei, id: t.id, type: next ? (next.kind === 'vlan' ? 0x8100 : 0x88a8) : type };
          expect(p.layers[i + 1]!.header).toEqual(expected);
        });
        expect([...p.payload]).toEqual([...payload]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('ARP', () => {
  it('decodes the Ethernet/IPv4 form to MAC and dotted strings', () => {
    expect(decodeArp(records[12]!.data, 14)).toEqual({
      hwType: 1,
      protoType: 0x0800,
      hwSize: 6,
      protoSize: 4,
      opcode: 2,
      srcHw: '02:00:00:00:00:01',
      srcProto: '10.9.1.3',
      dstHw: '02:00:00:00:00:02',
      dstProto: '10.9.1.4',
    });
    expect(decodeArp(records[20]!.data, 14).srcProto).toBe('20:01:0d:b8:00:00:00:00:00:00:00:00:00:00:00:01');
    expect(decodeArp(records[22]!.data, 14)).toMatchObject({ srcHw: '', srcProto: '', dstHw: '', dstProto: '' });
  });

  it('encodes requests, replies, announcements and probes byte for byte as scapy does', () => {
    const eth = { src: '02:00:00:00:00:01', dst: 'ff:ff:ff:ff:ff:ff' };
    // Padded request (frame 11) with the default padding; unpadded reply (frame 12).
    expect(encodeFrame([{ eth }, { arp: { srcHw: '02:00:00:00:00:01', srcProto: '10.9.1.1', dstProto: '10.9.1.2' } }])).toEqual(records[11]!.data);
    const reply = { opcode: ArpOpcode.reply, srcHw: '02:00:00:00:00:01', srcProto: '10.9.1.3', dstHw: '02-00-00-00-00-02', dstProto: '10.9.1.4' };
    expect(encodeFrame([{ eth: { src: eth.src, dst: '02:00:00:00:00:02', pad: false } }, { arp: reply }])).toEqual(records[12]!.data);
    expect(encodeFrame([{ eth: { ...eth, pad: false } }, { arp: arpAnnouncement('02:00:00:00:00:01', '10.9.1.5') }])).toEqual(records[13]!.data);
    expect(encodeFrame([{ eth: { ...eth, pad: false } }, { arp: arpProbe('02:00:00:00:00:03', '10.9.1.8') }])).toEqual(records[16]!.data);
    // A tagged ARP padded to 60 bytes counting the tag (frame 5).
    expect(encodeFrame([{ eth }, { vlan: { priority: 7, dei: 1, id: 4095 } }, { arp: { srcHw: eth.src, srcProto: '10.9.0.3', dstProto: '10.9.0.4' } }])).toEqual(
      records[5]!.data,
    );
  });

  it('encodes other sizes from byte strings, and checks sizes against addresses', () => {
    const ipv6ish = encodeArp({
      hwType: 1,
      protoType: 0x86dd,
      srcHw: '02:00:00:00:00:08',
      srcProto: '20:01:0d:b8:00:00:00:00:00:00:00:00:00:00:00:01',
      dstProto: '20:01:0d:b8:00:00:00:00:00:00:00:00:00:00:00:02',
    });
    expect(ipv6ish).toEqual(records[20]!.data.subarray(14));
    expect(encodeArp({ srcHw: '', srcProto: '', dstProto: '' })).toEqual(records[22]!.data.subarray(14));
    expect(() => encodeArp({ srcHw: '02:00:00:00:00:01', srcProto: '10.0.0.1', dstHw: '00:00', dstProto: '10.0.0.2' })).toThrow(/hardware addresses of 6 and 2 bytes/);
    expect(() => encodeArp({ srcHw: '02:00:00:00:00:01', srcProto: '10.0.0.1', dstProto: '10.0.0' })).toThrow(/dstProto '10.0.0' is not an address/);
    expect(() => encodeArp({ srcHw: '02:00:00:00:00:01', srcProto: '10.0.0.256', dstProto: '10.0.0.2' })).toThrow(WireError);
    expect(() => encodeArp({ protoSize: 6, srcHw: '02:00:00:00:00:01', srcProto: '10.0.0.1', dstProto: '10.0.0.2' })).toThrow(/protocol size 6/);
    expect(() => encodeArp({ opcode: 70000, srcHw: '02:00:00:00:00:01', srcProto: '10.0.0.1', dstProto: '10.0.0.2' })).toThrow(/opcode 70000/);
    expect(encodeArp({ srcHw: '0200.0000.0001', srcProto: '10.0.0.1', dstProto: '10.0.0.2' }).subarray(8, 14)).toEqual(hex('020000000001'));
  });

  it('classifies as tshark does, and views rewrite in place', () => {
    const kinds = (i: number) => classifyArp(decodeArp(records[i]!.data, 14));
    expect(kinds(13)).toEqual({ gratuitous: true, announcement: true, probe: false });
    expect(kinds(14)).toEqual({ gratuitous: true, announcement: false, probe: false });
    expect(kinds(16)).toEqual({ gratuitous: false, announcement: false, probe: true });
    expect(kinds(27)).toEqual({ gratuitous: false, announcement: false, probe: false }); // AX.25
    const frame = records[11]!.data.slice();
    const view = new ArpView(frame, 14).check();
    view.opcode = ArpOpcode.reply;
    expect(decodeArp(frame, 14).opcode).toBe(2);
    expect([view.srcHwOffset, view.srcProtoOffset, view.dstHwOffset, view.dstProtoOffset, view.length]).toEqual([22, 28, 32, 38, 28]);
  });

  it('reads ATM ARP (RFC 2225) as unsupported, showing only the fields both layouts share', () => {
    const atm = hex('ffffffffffff020000000001' + '0806' + '0013080006040001' + '020000000001' + '0a020009' + '000000000000' + '0a02000a');
    const p = decodePacket(atm);
    expect(p.errors[0]).toMatchObject({ code: 'unsupported', layer: 'arp', offset: 14 });
    expect(Object.entries(p.fields()).filter(([f]) => f.startsWith('arp.'))).toEqual([
      ['arp.hw.type', 19],
      ['arp.proto.type', 0x0800],
      ['arp.opcode', 1],
    ]);
    expect(p.fields()['eth.trailer']).toBeUndefined();
  });

  it('round-trips random packets of any sizes', () => {
    const header = fc
      .record({
        hwType: fc.oneof(fc.constantFrom(1, 6, 3, 19), fc.integer({ min: 0, max: 0xffff })),
        protoType: fc.oneof(fc.constantFrom(0x0800, 0x00cc, 0x86dd), fc.integer({ min: 0, max: 0xffff })),
        opcode: fc.integer({ min: 0, max: 0xffff }),
        hw: fc.integer({ min: 0, max: 10 }),
        proto: fc.constantFrom(0, 2, 4, 4, 4, 16),
        seed: fc.uint8Array({ minLength: 52, maxLength: 52 }),
      })
      .map(({ hwType, protoType, opcode, hw, proto, seed }): ArpHeader => {
        const ipv4 = (protoType === 0x0800 || protoType === 0x00cc) && proto === 4;
        const pa = (b: Uint8Array) => (ipv4 ? [...b].join('.') : bytesField(b));
        return {
          hwType,
          protoType,
          hwSize: hw,
          protoSize: proto,
          opcode,
          srcHw: bytesField(seed.subarray(0, hw)),
          srcProto: pa(seed.subarray(10, 10 + proto)),
          dstHw: bytesField(seed.subarray(26, 26 + hw)),
          dstProto: pa(seed.subarray(36, 36 + proto)),
        };
      });
    fc.assert(
      fc.property(header, (h) => {
        expect(decodeArp(encodeArp(h))).toEqual(h);
        const p = decodePacket(encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: 'ff:ff:ff:ff:ff:ff' } }, { arp: h }]));
        expect(p.layer('arp')?.header).toEqual(h);
        expect(p.errors.map((e) => e.code)).toEqual(h.hwType === 19 ? ['unsupported'] : []);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Ethernet padding and trailers', () => {
  it('splits trailing bytes as tshark does without any upper layer registered', () => {
    const frame = (tail: number[], length = 8) =>
      decodePacket(Uint8Array.from([...hex('0200000000020200000000010008'), ...hex('4242036162636465').subarray(0, length), ...tail])).fields();
    // 802.3 length 8 in a 22-byte frame: 38 zero bytes pad it to 60.
    expect(frame(Array(38).fill(0))['eth.padding']).toBe(bytesField(new Uint8Array(38)));
    // Non-zero padding is all trailer; from 64 bytes the last 4 are a presumed FCS.
    expect(frame([1, ...Array(37).fill(0)])).toMatchObject({ 'eth.trailer': bytesField(Uint8Array.from([1, ...Array(37).fill(0)])) });
    expect(frame([...Array(38).fill(0), 0xde, 0xad, 0xbe, 0xef])).toMatchObject({ 'eth.fcs': 0xdeadbeef, 'eth.fcs.status': 'unverified' });
    expect(frame([9, 9])).toMatchObject({ 'eth.trailer': '09:09' });
    expect(frame([])['eth.trailer']).toBeUndefined();
  });
});
