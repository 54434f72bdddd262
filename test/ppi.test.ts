// PPI (src/link/ppi.ts): the header and its 802.11-Common field built and read back, the frame
// after it by its link type (an FCS announced by the common field verified), and broken headers
// as typed errors. Fields against tshark 4.0 are in test/link-types.test.ts (linktype-ppi.pcap).
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { WireError } from '../src/errors.js';
import { crc32 } from '../src/checksum/crc32.js';
import { decodePpi, emitPpi, PpiCommonFlag } from '../src/link/ppi.js';

const wlan = { wlan: { flags: 1, addresses: ['02:00:00:00:00:0a', '02:00:00:00:00:0b', '02:00:00:00:00:0c'] } };
const inner = [wlan, { llc: {} }, { ip: { src: '192.0.2.1', dst: '192.0.2.2' } }, { udp: { srcport: 40000, dstport: 9 } }];

describe('ppi', () => {
  it('builds the header and an 802.11-Common field, and reads them back (signed signal and noise, a 64-bit TSF)', () => {
    const common = { tsft: '1234605616436508552', flags: PpiCommonFlag.TSFT_MS, rate: 12, channelFrequency: 2412, channelFlags: 0xa0, fhssHopset: 1, fhssPattern: 2, dbmAntSignal: -128, dbmAntNoise: 127 };
    const out = new Uint8Array(40);
    expect(emitPpi({ common }, out, 4)).toBe(32);
    const h = decodePpi(out, 4);
    expect(h).toMatchObject({ version: 0, flags: 0, length: 32, dlt: 105, common });
    expect(h.fields.map((f) => [f.type, f.data.length])).toEqual([[2, 20]]);
    expect(() => decodePpi(out.subarray(0, 12), 4)).toThrow(expect.objectContaining({ code: 'truncated', required: 32, available: 8 }));
  });

  it('decodes the frame after it by its link type, with tshark\'s field names and the rate in kb/s', () => {
    const frame = encodeFrame([{ ppi: { common: { rate: 2, channelFrequency: 2437, dbmAntSignal: -40 } } }, ...inner] as never, new Uint8Array(3));
    const p = decodePacket(frame, { linkType: 'ppi' });
    expect(p.protocols).toBe('ppi:wlan:llc:ip:udp');
    expect(p.errors).toEqual([]);
    expect(p.fields()).toMatchObject({ 'ppi.length': 32, 'ppi.field_type': 2, 'ppi.80211-common.rate': 1000, 'ppi.80211-common.dbm.antsignal': -40, 'udp.dstport': 9 });
    // No fields at all: the frame follows the 8 bytes.
    expect(decodePacket(encodeFrame([{ ppi: {} }, ...inner] as never), { linkType: 192 }).protocols).toBe('ppi:wlan:llc:ip:udp');
  });

  it('an FCS announced by the common field is split off the 802.11 frame and verified', () => {
    const frame = encodeFrame([{ ppi: { common: { flags: PpiCommonFlag.FCS } } }, ...inner] as never, new Uint8Array(3));
    const withFcs = new Uint8Array(frame.length + 4);
    withFcs.set(frame);
    new DataView(withFcs.buffer).setUint32(frame.length, crc32(frame.subarray(32)), true);
    const p = decodePacket(withFcs, { linkType: 192 });
    expect(p.fields()).toMatchObject({ 'wlan.fcs.status': 'good', 'udp.length': 11 });
    withFcs[withFcs.length - 1]! ^= 1;
    expect(decodePacket(withFcs, { linkType: 192 }).fields()['wlan.fcs.status']).toBe('bad');
  });

  it('broken headers are typed errors at their offsets; every prefix of a frame decodes without a crash', () => {
    const frame = encodeFrame([{ ppi: { common: { rate: 2 } } }, ...inner] as never);
    expect(() => decodePpi(frame.subarray(0, 7))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'ppi', required: 8 }));
    expect(() => decodePpi(frame.subarray(0, 20))).toThrow(expect.objectContaining({ code: 'truncated', required: 32, available: 20 }));
    const lying = frame.slice(0, 12);
    lying[2] = 12; // a 12-byte header whose field says 20 bytes follow
    expect(() => decodePpi(lying)).toThrow(expect.objectContaining({ code: 'bad-length', offset: 8 }));
    const short = frame.slice(0, 16);
    short.set([16, 0], 2);
    short.set([4, 0], 10); // an 802.11-Common field of 4 bytes
    expect(() => decodePpi(short)).toThrow(/802.11-Common field of 4 bytes/);
    for (let n = 0; n <= frame.length; n++) {
      const p = decodePacket(frame.subarray(0, n), { linkType: 192 });
      for (const e of p.errors) expect(e).toBeInstanceOf(WireError);
    }
    expect(() => emitPpi({ common: { dbmAntSignal: -129 } }, new Uint8Array(32))).toThrow(WireError);
  });
});
