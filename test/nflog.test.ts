// NFLOG (LINKTYPE_NFLOG 239): encoding, round trips and hostile input. Decoding against tshark is in
// link-types.test.ts (fixtures from test/fixtures/wire/make-nflog.py).
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { decodeNflog, LINKTYPE_NFLOG, NflogTlv } from '../src/link/nflog.js';

describe('NFLOG', () => {
  it('builds header, TLVs and the payload TLV around the packet, and decodes them back', () => {
    const prefix = new TextEncoder().encode('DROP in: \0');
    const frame = encodeFrame(
      [
        { nflog: { resourceId: 5, tlvs: [{ type: NflogTlv.PACKET_HDR, value: Uint8Array.of(0x86, 0xdd, 1, 0) }, { type: NflogTlv.PREFIX, value: prefix }, { type: NflogTlv.UID, value: Uint8Array.of(0xff, 0xff, 0xff, 0xfe) }] } },
        { ipv6: { src: '2001:db8::1', dst: '2001:db8::2' } },
        { udp: { srcport: 1, dstport: 2 } },
      ],
      new Uint8Array(3),
    );
    const p = decodePacket(frame, { linkType: 'nflog' });
    expect(p.protocols).toBe('nflog:ipv6:udp');
    expect(p.errors).toEqual([]);
    expect(p.fields()).toMatchObject({
      'nflog.family': 10,
      'nflog.res_id': 5,
      'nflog.protocol': 0x86dd,
      'nflog.hook': 1,
      'nflog.prefix': 'DROP in: ',
      'nflog.uid': -2,
      'nflog.tlv_type': [1, 10, 11, 9],
      'udp.length': 11,
    });
    const h = decodeNflog(frame);
    expect(h.tlvs.map((t) => t.type)).toEqual([1, 10, 11, 9]);
    expect(h.tlvs[3]!.value.length).toBe(40 + 8 + 3);
  });

  it('a TLV shorter than its header or longer than the record is a typed error; no payload TLV is no next layer', () => {
    expect(() => decodeNflog(Uint8Array.of(2, 0, 0, 1, 2, 0, 9, 0))).toThrow(expect.objectContaining({ code: 'bad-length', layer: 'nflog', offset: 4 }));
    expect(() => decodeNflog(Uint8Array.of(2, 0, 0, 1, 40, 0, 9, 0, 0x45))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'nflog', required: 40, available: 5 }));
    expect(() => decodeNflog(Uint8Array.of(2, 0, 0))).toThrow(expect.objectContaining({ code: 'truncated', required: 4 }));
    const bare = decodePacket(Uint8Array.of(2, 0, 0, 1, 8, 0, 1, 0, 8, 0, 1, 0), { linkType: LINKTYPE_NFLOG });
    expect(bare.protocols).toBe('nflog');
    expect(bare.errors).toEqual([]);
    const cut = decodePacket(Uint8Array.of(2, 0, 0, 7, 40, 0, 9, 0, 0x45), { linkType: LINKTYPE_NFLOG });
    expect(cut.errors[0]).toBeInstanceOf(WireError);
    expect(cut.fields()).toMatchObject({ 'nflog.family': 2, 'nflog.res_id': 7 });
  });

  it('every prefix of a message decodes with typed errors only', () => {
    const frame = encodeFrame([{ nflog: { tlvs: [{ type: NflogTlv.MARK, value: Uint8Array.of(0, 0, 0, 1) }] } }, { ip: { src: '192.0.2.1', dst: '192.0.2.2' } }, { tcp: { srcport: 1, dstport: 2 } }]);
    for (let n = 0; n <= frame.length; n++) {
      const p = decodePacket(frame.subarray(0, n), { linkType: LINKTYPE_NFLOG });
      for (const e of p.errors) expect(e).toBeInstanceOf(WireError);
      p.fields();
    }
  });
});
