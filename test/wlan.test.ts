// 802.11, radiotap and LLC: encoding, round trips and hostile input. Decoding against tshark is in
// link-types.test.ts (fixtures from test/fixtures/wire/make-wlan.py), TCP over 802.11 against
// tshark's follow in tcp-carried.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { decodeLlc, encodeLlc, LLC_SAP_SNAP } from '../src/link/llc.js';
import { decodeWlan, emitWlan, encodeWlan, LINKTYPE_IEEE802_11, WlanFlag, WlanType } from '../src/link/ieee80211.js';
import { decodeRadiotap, encodeRadiotap, LINKTYPE_IEEE802_11_RADIOTAP, RadiotapFlag } from '../src/link/radiotap.js';
import { crc32 } from '../src/checksum/crc32.js';

const STA = '02:00:00:00:00:5a';
const AP = '02:00:00:00:00:a9';
const DST = '02:00:00:00:00:99';

describe('radiotap', () => {
  it('aligns each field to its size from the header start, and reads back what it wrote', () => {
    const input = { flags: RadiotapFlag.SHORT_PREAMBLE, rate: 108, tsft: 0x0123456789abn, channelFrequency: 5180, channelFlags: 0x0140, dbmAntSignal: -61, dbmAntNoise: -95, antenna: 2 };
    const b = encodeRadiotap(input);
    // present 8 bytes, TSFT 8 (at 8), flags 1 (16), rate 1 (17), channel 4 (18), signal, noise, antenna
    expect(b.length).toBe(25);
    expect(b[16]).toBe(RadiotapFlag.SHORT_PREAMBLE);
    expect(b[18]! | (b[19]! << 8)).toBe(5180);
    const h = decodeRadiotap(b);
    expect(h).toMatchObject({ version: 0, length: 25, present: [0x86f], tsft: 0x0123456789ab, flags: 2, rate: 108, channelFrequency: 5180, channelFlags: 0x140, dbmAntSignal: -61, dbmAntNoise: -95, antenna: 2 });
    expect(decodePacket(new Uint8Array([...b, ...encodeWlan({ type: WlanType.CONTROL, subtype: 13, addresses: [STA] })]), { linkType: 'ieee802_11_radiotap' }).fields()).toMatchObject({
      'radiotap.datarate': 54,
      'radiotap.flags.preamble': 1,
      'radiotap.channel.flags.5ghz': 1,
      'radiotap.mactime': 0x0123456789ab,
    });
  });

  it('walks extended present words and stops at a field of unknown size, the 802.11 frame found by the length', () => {
    // Two present words (bit 31), flags in the first; the second names bit 29+32 (a radiotap
    // namespace restart) and nothing else; then the flags byte.
    const b = Uint8Array.of(0, 0, 13, 0, 0x02, 0, 0, 0x80, 0, 0, 0, 0, RadiotapFlag.FCS);
    expect(decodeRadiotap(b)).toMatchObject({ present: [0x80000002, 0], flags: RadiotapFlag.FCS });
    // An undefined bit (29 without namespace data is fine; bit 28, TLVs, ends the walk): later fields are not read.
    const tlv = Uint8Array.of(0, 0, 12, 0, 0x02, 0, 0, 0x10, 0xff, 0xff, 0xff, 0xff);
    expect(decodeRadiotap(tlv)).toMatchObject({ present: [0x10000002], flags: 0xff });
    const stop = Uint8Array.of(0, 0, 12, 0, 0x00, 0, 0, 0x10 | 0x0, 1, 2, 3, 4);
    expect(decodeRadiotap(stop).flags).toBeUndefined();
  });

  it('is strict about its own header: version, a length under 8, a length past the capture', () => {
    expect(() => decodeRadiotap(Uint8Array.of(1, 0, 8, 0, 0, 0, 0, 0))).toThrow(expect.objectContaining({ code: 'bad-version', layer: 'radiotap' }));
    expect(() => decodeRadiotap(Uint8Array.of(0, 0, 4, 0, 0, 0, 0, 0))).toThrow(expect.objectContaining({ code: 'bad-length' }));
    expect(() => decodeRadiotap(Uint8Array.of(0, 0, 40, 0, 0, 0, 0, 0))).toThrow(expect.objectContaining({ code: 'truncated', required: 40, available: 8 }));
    const p = decodePacket(Uint8Array.of(0, 0, 40, 0, 0, 0, 0, 0), { linkType: LINKTYPE_IEEE802_11_RADIOTAP });
    expect(p.errors[0]).toMatchObject({ code: 'truncated', layer: 'radiotap' });
    expect(p.fields()).toMatchObject({ 'radiotap.version': 0, 'radiotap.length': 40 });
  });
});

describe('802.11', () => {
  it('builds radiotap / 802.11 / LLC-SNAP / IP / UDP and decodes it back, addresses by the DS bits', () => {
    const frame = encodeFrame(
      [
        { radiotap: { rate: 4 } },
        { wlan: { flags: WlanFlag.TO_DS, addresses: [AP, STA, DST], seq: 77 } },
        { llc: {} },
        { ip: { src: '192.0.2.1', dst: '192.0.2.2' } },
        { udp: { srcport: 1000, dstport: 9 } },
      ],
      new Uint8Array(4),
    );
    const p = decodePacket(frame, { linkType: 'ieee802_11_radiotap' });
    expect(p.protocols).toBe('radiotap:wlan:llc:ip:udp');
    expect(p.errors).toEqual([]);
    expect(p.fields()).toMatchObject({
      'wlan.fc.type_subtype': 0x20,
      'wlan.fc.tods': 1,
      'wlan.bssid': AP,
      'wlan.sa': STA,
      'wlan.da': DST,
      'wlan.staa': STA,
      'wlan.seq': 77,
      'llc.dsap': LLC_SAP_SNAP,
      'llc.type': 0x0800,
      'udp.length': 12,
    });
  });

  it('four addresses (To DS and From DS), QoS, control frames', () => {
    const wds = encodeWlan({ flags: WlanFlag.TO_DS | WlanFlag.FROM_DS, subtype: 8, qos: 0x0025, addresses: [AP, STA, DST, '02:00:00:00:00:01'] });
    expect(wds.length).toBe(32);
    const h = decodeWlan(wds);
    expect(h).toMatchObject({ type: 2, subtype: 8, addresses: [AP, STA, DST, '02:00:00:00:00:01'], qos: 0x25 });
    const f = decodePacket(wds, { linkType: LINKTYPE_IEEE802_11 }).fields();
    expect(f).toMatchObject({ 'wlan.da': DST, 'wlan.sa': '02:00:00:00:00:01', 'wlan.qos.tid': 5, 'wlan.qos.ack': 1 });
    expect(f['wlan.addr']).toEqual([AP, STA, '02:00:00:00:00:01', DST]);
    const ack = encodeWlan({ type: WlanType.CONTROL, subtype: 13, duration: 44, addresses: [STA] });
    expect(ack.length).toBe(10);
    expect(decodePacket(ack, { linkType: LINKTYPE_IEEE802_11 }).fields()).toMatchObject({ 'wlan.ra': STA, 'wlan.duration': 44 });
    const psPoll = encodeWlan({ type: WlanType.CONTROL, subtype: 10, duration: 0xc005, addresses: [AP, STA] });
    expect(decodePacket(psPoll, { linkType: LINKTYPE_IEEE802_11 }).fields()).toMatchObject({ 'wlan.aid': 5, 'wlan.ta': STA });
    expect(() => encodeWlan({ addresses: [AP, STA] })).toThrow(expect.objectContaining({ code: 'bad-value', layer: 'wlan' }));
  });

  it('a protected body, a "no data" subtype and an A-MSDU stay opaque; management bodies too', () => {
    const head = encodeWlan({ flags: WlanFlag.TO_DS | WlanFlag.PROTECTED, addresses: [AP, STA, DST] });
    const p = decodePacket(new Uint8Array([...head, 0xaa, 0xaa, 3, 0, 0, 0, 8, 0]), { linkType: LINKTYPE_IEEE802_11 });
    expect(p.protocols).toBe('wlan');
    expect(p.fields()['wlan.fc.protected']).toBe(1);
    const amsdu = encodeWlan({ subtype: 8, qos: 0x80, flags: WlanFlag.TO_DS, addresses: [AP, STA, DST] });
    expect(decodePacket(new Uint8Array([...amsdu, 0xaa, 0xaa, 3, 0, 0, 0, 8, 0]), { linkType: LINKTYPE_IEEE802_11 }).protocols).toBe('wlan');
    const nul = encodeWlan({ subtype: 4, flags: WlanFlag.TO_DS, addresses: [AP, STA, AP] });
    expect(decodePacket(nul, { linkType: LINKTYPE_IEEE802_11 }).protocols).toBe('wlan');
    const beacon = encodeWlan({ type: WlanType.MANAGEMENT, subtype: 8, addresses: ['ff:ff:ff:ff:ff:ff', AP, AP] });
    expect(decodePacket(new Uint8Array([...beacon, 1, 2, 3]), { linkType: LINKTYPE_IEEE802_11 }).protocols).toBe('wlan');
  });

  it('an FCS announced by radiotap is trimmed and verified; datapad aligns the body', () => {
    const wlan = encodeWlan({ flags: WlanFlag.FROM_DS, addresses: [STA, AP, DST] });
    const body = encodeFrame([{ llc: {} }, { ip: { src: '192.0.2.1', dst: '192.0.2.2' } }, { udp: { srcport: 1, dstport: 2 } }], new Uint8Array(2));
    const covered = new Uint8Array([...wlan, ...body]);
    const fcs = crc32(covered);
    const frame = new Uint8Array([...encodeRadiotap({ flags: RadiotapFlag.FCS }), ...covered, fcs & 0xff, (fcs >>> 8) & 0xff, (fcs >>> 16) & 0xff, fcs >>> 24]);
    const p = decodePacket(frame, { linkType: LINKTYPE_IEEE802_11_RADIOTAP });
    expect(p.protocols).toBe('radiotap:wlan:llc:ip:udp');
    expect(p.fields()).toMatchObject({ 'wlan.fcs': fcs, 'wlan.fcs.status': 'good', 'udp.length': 10 });
    frame[20]! ^= 1;
    expect(decodePacket(frame, { linkType: LINKTYPE_IEEE802_11_RADIOTAP }).fields()['wlan.fcs.status']).toBe('bad');
    expect(decodePacket(frame, { linkType: LINKTYPE_IEEE802_11_RADIOTAP, checksums: false }).fields()['wlan.fcs.status']).toBe('unverified');
    // Data padding (Atheros): a 26-byte QoS header padded to 28 before the LLC header.
    const qos = encodeWlan({ subtype: 8, flags: WlanFlag.TO_DS, addresses: [AP, STA, DST] });
    const padded = new Uint8Array([...encodeRadiotap({ flags: RadiotapFlag.DATA_PAD }), ...qos, 0, 0, ...body]);
    const q = decodePacket(padded, { linkType: LINKTYPE_IEEE802_11_RADIOTAP });
    expect(q.protocols).toBe('radiotap:wlan:llc:ip:udp');
    expect(q.layers[1]!.length).toBe(28);
  });

  it('round-trips random headers through emit and decode', () => {
    const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 0x7f }), fc.array(mac, { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 0xfff }), fc.integer({ min: 0, max: 0xffff }), (type, subtype, flags, macs, seq, qos) => {
        const n = type === 1 ? (subtype === 12 || subtype === 13 || subtype === 6 ? 1 : 2) : type === 2 && (flags & 3) === 3 ? 4 : 3;
        const input = { type, subtype, flags, addresses: macs.slice(0, n), seq, qos, duration: seq };
        const out = new Uint8Array(40);
        const len = emitWlan(input, out);
        const h = decodeWlan(out.subarray(0, len));
        expect(h.addresses).toEqual(macs.slice(0, n));
        expect([h.type, h.subtype, h.flags, h.duration]).toEqual([type, subtype, flags, seq]);
        if (type !== 1) expect(h.seq).toBe(seq);
        if (type === 2 && subtype & 8) expect(h.qos).toBe(qos);
      }),
      { numRuns: 300 },
    );
  });

  it('every prefix of a frame decodes with typed errors only', () => {
    const frame = encodeFrame([{ radiotap: { flags: 0, rate: 2, channelFrequency: 2412, channelFlags: 0xa0 } }, { wlan: { subtype: 8, flags: WlanFlag.TO_DS | WlanFlag.FROM_DS, addresses: [AP, STA, DST, STA] } }, { llc: {} }, { ip: { src: '192.0.2.1', dst: '192.0.2.2' } }, { tcp: { srcport: 1, dstport: 2 } }], new Uint8Array(3));
    for (let n = 0; n <= frame.length; n++) {
      const p = decodePacket(frame.subarray(0, n), { linkType: LINKTYPE_IEEE802_11_RADIOTAP });
      for (const e of p.errors) expect(e).toBeInstanceOf(WireError);
      p.fields();
    }
  });
});

describe('LLC', () => {
  it('SNAP, plain U format, I and S formats; the encoder picks SNAP for an ethertype', () => {
    expect(decodeLlc(encodeLlc({ oui: 0, pid: 0x86dd }))).toEqual({ dsap: 0xaa, ssap: 0xaa, control: 3, oui: 0, pid: 0x86dd });
    expect(decodeLlc(encodeLlc({ dsap: 0x42, ssap: 0x42 }))).toEqual({ dsap: 0x42, ssap: 0x42, control: 3 });
    const i = encodeLlc({ dsap: 0xf0, ssap: 0xf1, control: (5 << 9) | (3 << 1) });
    expect(i.length).toBe(4);
    expect(decodeLlc(i).control).toBe((5 << 9) | (3 << 1));
    const frame = encodeFrame([{ eth: { src: STA, dst: AP, type: 14 + 0 } }, { llc: { dsap: 0xf0, ssap: 0xf1, control: 0x0301 } }], new Uint8Array(6));
    expect(decodePacket(frame).fields()).toMatchObject({ 'llc.control.ftype': 1, 'llc.control.n_r': 1, 'llc.control.p': 1, 'llc.control.s_ftype': 0 });
    const snap = encodeFrame([{ eth: { src: STA, dst: AP, type: 28 + 8 } }, { llc: {} }, { ip: { src: '192.0.2.1', dst: '192.0.2.2' } }, { udp: { srcport: 1, dstport: 2 } }], new Uint8Array(0));
    expect(decodePacket(snap).protocols).toBe('eth:llc:ip:udp');
    expect(() => encodeLlc({ control: 0x0001, oui: 0, pid: 0x800 })).toThrow(expect.objectContaining({ code: 'bad-value', layer: 'llc' }));
  });

  it('cut headers are typed truncations; tshark\'s SAPs and control still show', () => {
    expect(() => decodeLlc(Uint8Array.of(0xaa, 0xaa, 3, 0))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'llc', required: 8, available: 4 }));
    const p = decodePacket(new Uint8Array([...new Uint8Array(12), 0, 5, 0xaa, 0xaa, 3, 0, 0]));
    expect(p.errors[0]).toMatchObject({ code: 'truncated', layer: 'llc' });
    expect(p.fields()).toMatchObject({ 'llc.dsap': 0xaa, 'llc.control': 3 });
  });
});
