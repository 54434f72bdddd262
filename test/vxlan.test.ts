// VXLAN (RFC 7348): encoding and round trips. Fields against tshark are in link-types.test.ts
// (test/fixtures/wire/make-vxlan.py); TCP inside VXLAN followed as tshark follows it in
// tcp-carried.test.ts.
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { decodeVxlan, VXLAN_PORT } from '../src/network/vxlan.js';
import { decodeGeneve, GENEVE_PORT } from '../src/network/geneve.js';

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

describe('Geneve', () => {
  it('builds outer UDP / Geneve (with options) / inner packet and decodes it back', () => {
    const frame = encodeFrame(
      [
        { ip: { src: '198.51.100.1', dst: '198.51.100.2' } },
        { udp: { srcport: 49152, dstport: GENEVE_PORT } },
        { geneve: { vni: 77, flags: 0x40, options: [{ optionClass: 0x0102, type: 0x80, data: Uint8Array.of(1, 2, 3, 4) }, { optionClass: 0xffff, type: 1, data: new Uint8Array(0) }] } },
        { eth: { src: '02:00:00:00:00:0a', dst: '02:00:00:00:00:0b', pad: false } },
        { ip: { src: '10.0.0.1', dst: '10.0.0.2' } },
        { udp: { srcport: 1, dstport: 2 } },
      ],
      new Uint8Array(1),
    );
    const p = decodePacket(frame, { linkType: 'raw' });
    expect(p.protocols).toBe('ip:udp:geneve:eth:ip:udp');
    expect(p.errors).toEqual([]);
    const h = decodeGeneve(frame, 28);
    expect(h).toMatchObject({ version: 0, optionsLength: 12, flags: 0x40, protocol: 0x6558, vni: 77 });
    expect(h.options.map((o) => [o.optionClass, o.type, Array.from(o.data)])).toEqual([[0x0102, 0x80, [1, 2, 3, 4]], [0xffff, 1, []]]);
    expect(p.fields()).toMatchObject({ 'geneve.vni': 77, 'geneve.flags.critical': 1, 'geneve.option.class': [0x0102, 0xffff], 'geneve.option.length': [12, 8, 4] });
  });

  it('options past the captured bytes are a typed truncation; the fixed header still shows', () => {
    expect(() => decodeGeneve(Uint8Array.of(2, 0, 0x65, 0x58, 0, 0, 1, 0, 1, 2))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'geneve', required: 16, available: 10 }));
    const cut = encodeFrame([{ ip: { src: '192.0.2.1', dst: '192.0.2.2' } }, { udp: { srcport: 1, dstport: GENEVE_PORT } }], Uint8Array.of(2, 0, 0x65, 0x58, 0, 0, 1, 0, 1, 2));
    const p = decodePacket(cut, { linkType: 'raw' });
    expect(p.errors[0]).toMatchObject({ code: 'truncated', layer: 'geneve' });
    expect(p.fields()).toMatchObject({ 'geneve.vni': 1, 'geneve.option.length': 8 });
  });
});
