import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { decodePacket } from '../src/dissect.js';
import { encodeFrame } from '../src/encode.js';
import { crc32 } from '../src/checksum/crc32.js';
import { decodeEthernet, encodeEthernet, EthernetView } from '../src/link/ethernet.js';
import { WireError } from '../src/errors.js';
import { readPcapFile } from './util/pcap.js';
import { compareFields, readTsharkJson } from './util/tshark.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));

describe('ethernet', () => {
  it('agrees with tshark field by field on scapy-made frames', () => {
    const records = readPcapFile(fixture('eth.pcap'));
    const tshark = readTsharkJson(fixture('eth.json'));
    expect(records.length).toBe(tshark.length);
    records.forEach((r, i) => {
      const p = decodePacket(r.data, { linkType: r.linkType });
      expect(p.layers[0]!.name).toBe('eth');
      expect(compareFields(p.fields(), tshark[i]!, ['eth.dst', 'eth.src', 'eth.type', 'eth.len'])).toEqual([]);
    });
  });

  it('pads runts to 60 bytes and appends a verifiable FCS', () => {
    const frame = encodeEthernet({ dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:00:01', type: 0x88b5, fcs: true }, new Uint8Array([1, 2, 3]));
    expect(frame.length).toBe(64);
    expect([...frame.subarray(17, 60)].every((b) => b === 0)).toBe(true);
    const h = decodeEthernet(frame, 0, { fcs: true });
    expect(h).toMatchObject({ type: 0x88b5, fcsStatus: 'good', fcs: crc32(frame.subarray(0, 60)) });
    frame[20] = frame[20]! ^ 1;
    expect(decodeEthernet(frame, 0, { fcs: true }).fcsStatus).toBe('bad');
  });

  it('views read and rewrite in place; truncation is a typed error', () => {
    const frame = encodeFrame([{ eth: { dst: '00:11:22:33:44:55', src: '66:77:88:99:aa:bb', type: 0x0800, pad: false } }]);
    const v = new EthernetView(frame).check();
    v.src = '02-00-00-00-00-09';
    expect(v.src).toBe('02:00:00:00:00:09');
    expect(frame.length).toBe(14);
    expect(() => new EthernetView(frame.subarray(0, 13)).check()).toThrow(WireError);
    const p = decodePacket(frame.subarray(0, 10));
    expect(p.errors[0]).toMatchObject({ code: 'truncated', layer: 'eth', offset: 0, required: 14, available: 10 });
    expect(() => decodePacket(frame.subarray(0, 10), { strict: true })).toThrow(/header needs 14 bytes, 10 captured at offset 0/);
  });
});
