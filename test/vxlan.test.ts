// VXLAN (RFC 7348): encoding and round trips. Fields against tshark are in link-types.test.ts
// (test/fixtures/wire/make-vxlan.py); TCP inside VXLAN followed as tshark follows it in
// tcp-carried.test.ts.
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { decodeVxlan, VXLAN_PORT } from '../src/network/vxlan.js';

describe('VXLAN', () => {
  it('builds outer UDP / VXLAN / inner Ethernet and decodes the inner packet', () => {
    const frame = encodeFrame(
      [
        { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
        { ip: { src: '198.51.100.1', dst: '198.51.100.2' } },
        { udp: { srcport: 49152, dstport: VXLAN_PORT } },
        { vxlan: { vni: 0x123456 } },
        { eth: { src: '02:00:00:00:00:0a', dst: '02:00:00:00:00:0b', pad: false } },
        { ip: { src: '10.0.0.1', dst: '10.0.0.2' } },
        { tcp: { srcport: 1000, dstport: 80 } },
      ],
      new Uint8Array(3),
    );
    const p = decodePacket(frame);
    expect(p.protocols).toBe('eth:ip:udp:vxlan:eth:ip:tcp');
    expect(p.errors).toEqual([]);
    expect(p.fields()).toMatchObject({ 'vxlan.vni': 0x123456, 'vxlan.flag_i': 1, 'vxlan.flags': 0x0800, 'ip.src': ['198.51.100.1', '10.0.0.1'], 'tcp.dstport': 80 });
    expect(decodeVxlan(frame, 42)).toEqual({ flags: 0x0800, gbp: 0, vni: 0x123456, reserved8: 0 });
  });

  it('typed errors: a VNI past 24 bits, a header cut short', () => {
    expect(() => encodeFrame([{ ip: { src: '192.0.2.1', dst: '192.0.2.2' } }, { udp: { srcport: 1, dstport: VXLAN_PORT } }, { vxlan: { vni: 1 << 24 } }])).toThrow(expect.objectContaining({ code: 'bad-value', layer: 'vxlan' }));
    expect(() => decodeVxlan(Uint8Array.of(8, 0, 0, 0))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'vxlan', required: 8, available: 4 }));
    const cut = encodeFrame([{ ip: { src: '192.0.2.1', dst: '192.0.2.2' } }, { udp: { srcport: 1, dstport: VXLAN_PORT } }], Uint8Array.of(8, 0, 0, 0, 0, 0));
    const p = decodePacket(cut, { linkType: 'raw' });
    expect(p.errors[0]).toBeInstanceOf(WireError);
    expect(p.fields()).toMatchObject({ 'vxlan.flag_i': 1, 'vxlan.gbp': 0 });
  });
});
