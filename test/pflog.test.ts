// pflog (LINKTYPE_PFLOG 117): encoding, round trips and hostile input. Decoding against tshark is in
// link-types.test.ts (fixtures from test/fixtures/wire/make-pflog.py).
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { decodePflog, LINKTYPE_PFLOG, pflogInfo } from '../src/link/pflog.js';

describe('pflog', () => {
  it('builds FreeBSD\'s header around a packet and decodes it back; the family follows the layer inside', () => {
    const frame = encodeFrame(
      [{ pflog: { action: 1, ifname: 'em0', ruleset: 'web', rulenr: 3, dir: 2 } }, { ipv6: { src: '2001:db8::1', dst: '2001:db8::2' } }, { udp: { srcport: 1, dstport: 9 } }],
      new Uint8Array(2),
    );
    const p = decodePacket(frame, { linkType: 'pflog' });
    expect(p.protocols).toBe('pflog:ipv6:udp');
    expect(p.layers[0]!.length).toBe(64);
    const h = decodePflog(frame);
    expect(h).toMatchObject({ length: 61, af: 24, action: 1, ifname: 'em0', ruleset: 'web', rulenr: 3, subrulenr: -1, uid: -1, dir: 2, pad: '00:00:00' });
    expect(pflogInfo(h)).toBe('[block em0/3] ');
    expect(p.fields()).toMatchObject({ 'pflog.af': 24, 'pflog.ifname': 'em0', 'pflog.rulenr': 3, 'udp.dstport': 9 });
    expect(() => encodeFrame([{ pflog: { ifname: 'a-very-long-interface-name' } }, { ip: { src: '192.0.2.1', dst: '192.0.2.2' } }, { udp: { srcport: 1, dstport: 2 } }])).toThrow(expect.objectContaining({ code: 'bad-value', layer: 'pflog' }));
  });

  it('a length byte under 61 is bad-length; a header past the capture is truncated, its captured fields still shown', () => {
    const short = new Uint8Array(70);
    short[0] = 3;
    short[1] = 2;
    expect(() => decodePflog(short)).toThrow(expect.objectContaining({ code: 'bad-length', layer: 'pflog', offset: 0 }));
    const p = decodePacket(short, { linkType: LINKTYPE_PFLOG });
    expect(p.errors[0]).toMatchObject({ code: 'bad-length', layer: 'pflog' });
    expect(p.fields()['pflog.uid']).toBeUndefined();
    expect(p.fields()).toMatchObject({ 'pflog.length': 3, 'pflog.af': 2, 'pflog.dir': 0 });
    const cut = decodePacket(Uint8Array.of(100, 2, 1, 0, 0x65, 0x6d), { linkType: LINKTYPE_PFLOG });
    expect(cut.errors[0]).toMatchObject({ code: 'truncated', layer: 'pflog', required: 100, available: 6 });
    expect(cut.fields()).toMatchObject({ 'pflog.length': 100, 'pflog.action': 1 });
    for (let n = 0; n <= 120; n++) {
      const b = new Uint8Array(n).fill(0x41);
      if (n > 0) b[0] = 100;
      for (const e of decodePacket(b, { linkType: LINKTYPE_PFLOG }).errors) expect(e).toBeInstanceOf(WireError);
    }
  });
});
