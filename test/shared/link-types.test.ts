// The newer link types and file formats through the package entry, in Node (sources) and in
// Chromium (the built dist/index.js): 802.11 with radiotap, NFLOG and pflog frames built, written
// to a pcap, read back and decoded; snoop, ERF and Red Hat 6.1 pcap files read by the in-memory and
// the streaming readers.
import { describe, expect, it } from 'vitest';
import { decodeDns, decodePacket, DnsType, encodeDns, encodeFrame, indexCapture, NflogTlv, RadiotapFlag, readCapture, readCaptureSync, WlanFlag, writePcap, type CaptureRecord } from 'wirekit';

const udp = [{ ip: { src: '192.0.2.1', dst: '192.0.2.2' } }, { udp: { srcport: 40000, dstport: 9 } }];
const payload = new TextEncoder().encode('query');

function capture(linkType: number, frame: Uint8Array): Uint8Array {
  return writePcap([{ data: frame, timestamp: 1_700_000_000_000_000_000n, linkType, capturedLength: frame.length, originalLength: frame.length, interfaceId: 0 }], { precision: 'micro' });
}

describe('link types through the package', () => {
  it.each([
    ['radiotap', 127, [{ radiotap: { flags: RadiotapFlag.SHORT_PREAMBLE, rate: 4, channelFrequency: 2412, channelFlags: 0xa0, dbmAntSignal: -50 } }, { wlan: { flags: WlanFlag.TO_DS, addresses: ['02:00:00:00:00:0a', '02:00:00:00:00:0b', '02:00:00:00:00:0c'] } }, { llc: {} }], 'radiotap:wlan:llc:ip:udp', { 'radiotap.datarate': 2, 'wlan.sa': '02:00:00:00:00:0b', 'llc.type': 0x0800 }],
    ['ppi', 192, [{ ppi: { common: { rate: 108, channelFrequency: 5180, channelFlags: 0x140, dbmAntSignal: -61, dbmAntNoise: -97 } } }, { wlan: { flags: WlanFlag.TO_DS, addresses: ['02:00:00:00:00:0a', '02:00:00:00:00:0b', '02:00:00:00:00:0c'] } }, { llc: {} }], 'ppi:wlan:llc:ip:udp', { 'ppi.dlt': 105, 'ppi.80211-common.rate': 54000, 'ppi.80211-common.chan.freq': 5180, 'ppi.80211-common.dbm.antsignal': -61, 'wlan.bssid': '02:00:00:00:00:0a' }],
    ['nflog', 239, [{ nflog: { resourceId: 3, tlvs: [{ type: NflogTlv.PREFIX, value: new TextEncoder().encode('in: \0') }] } }], 'nflog:ip:udp', { 'nflog.res_id': 3, 'nflog.prefix': 'in: ' }],
    ['pflog', 117, [{ pflog: { action: 1, ifname: 'em0', rulenr: 9 } }], 'pflog:ip:udp', { 'pflog.ifname': 'em0', 'pflog.rulenr': 9, 'pflog.action': 1 }],
  ] as const)('%s: built, written, read back and decoded', (_name, linkType, link, protocols, fields) => {
    const frame = encodeFrame([...link, ...udp] as never, payload);
    const [record] = [...readCaptureSync(capture(linkType, frame))];
    expect(record!.linkType).toBe(linkType);
    const p = decodePacket(record!.data, { linkType: record!.linkType });
    expect(p.protocols).toBe(protocols);
    expect(p.errors).toEqual([]);
    expect(p.fields()).toMatchObject({ ...fields, 'udp.dstport': 9, 'udp.length': 13 });
  });

  it('DNS: a response built, framed over UDP 53, written, read back and decoded with tshark\'s fields', () => {
    const message = encodeDns({ id: 0xbeef, response: true, questions: [{ name: 'example.com', type: DnsType.A }], answers: [{ name: 'example.com', type: DnsType.A, ttl: 60, data: { address: '192.0.2.80' } }] });
    expect(decodeDns(message).answers[0]!.data).toEqual({ address: '192.0.2.80' });
    const frame = encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, { ip: { src: '192.0.2.53', dst: '192.0.2.1' } }, { udp: { srcport: 53, dstport: 40000 } }], message);
    const [record] = [...readCaptureSync(capture(1, frame))];
    const p = decodePacket(record!.data);
    expect(p.protocols).toBe('eth:ip:udp:dns');
    expect(p.fields()).toMatchObject({ 'dns.id': 0xbeef, 'dns.flags.response': 1, 'dns.qry.name': 'example.com', 'dns.a': '192.0.2.80', 'dns.resp.ttl': 60 });
  });

  it('a snoop file: the same records from the in-memory and the streaming reader, and an index', async () => {
    const frame = encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, ...udp] as never, payload);
    const head = Uint8Array.of(0x73, 0x6e, 0x6f, 0x6f, 0x70, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 4);
    const padded = (frame.length + 3) & ~3;
    const rec = new Uint8Array(24 + padded);
    const v = new DataView(rec.buffer);
    v.setUint32(0, frame.length + 10);
    v.setUint32(4, frame.length);
    v.setUint32(8, 24 + padded);
    v.setUint32(16, 1_700_000_000);
    v.setUint32(20, 123_456);
    rec.set(frame, 24);
    const file = new Uint8Array([...head, ...rec, ...rec]);
    const sync = [...readCaptureSync(file)];
    expect(sync).toHaveLength(2);
    expect(sync[0]).toMatchObject({ linkType: 1, capturedLength: frame.length, originalLength: frame.length + 10, timestamp: 1_700_000_000_123_456_000n });
    const streamed: CaptureRecord[] = [];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(file.subarray(0, 21));
        c.enqueue(file.subarray(21));
        c.close();
      },
    });
    for await (const r of readCapture(stream)) streamed.push(r);
    expect(streamed.map((r) => Array.from(r.data))).toEqual(sync.map((r) => Array.from(r.data)));
    expect(indexCapture(file).format).toBe('snoop');
    expect(decodePacket(sync[1]!.data).protocols).toBe('eth:ip:udp');
  });

  /** The records of `file` read whole and streamed in 7-byte pieces: the same bytes. */
  async function bothWays(file: Uint8Array): Promise<CaptureRecord[]> {
    const sync = [...readCaptureSync(file)];
    const streamed: CaptureRecord[] = [];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let at = 0; at < file.length; at += 7) c.enqueue(file.slice(at, at + 7));
        c.close();
      },
    });
    for await (const r of readCapture(stream)) streamed.push(r);
    expect(streamed.map((r) => [r.timestamp, r.linkType, Array.from(r.data)])).toEqual(sync.map((r) => [r.timestamp, r.linkType, Array.from(r.data)]));
    return sync;
  }

  it('an ERF file (no magic: told by its records): Ethernet frames with their FCS, times in 2^-32 s', async () => {
    const frame = encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, ...udp] as never, payload);
    const records = [0, 1, 2].map((k) => {
      const rec = new Uint8Array(16 + 2 + frame.length + 4);
      const v = new DataView(rec.buffer);
      v.setUint32(0, 0x80000000, true); // half a second
      v.setUint32(4, 1_700_000_000 + k, true);
      rec[8] = 2; // ETH
      v.setUint16(10, rec.length);
      v.setUint16(14, frame.length + 4);
      rec.set(frame, 18);
      return rec;
    });
    const file = new Uint8Array(records.reduce((n, r) => n + r.length, 0));
    records.reduce((at, r) => (file.set(r, at), at + r.length), 0);
    const got = await bothWays(file);
    expect(got).toHaveLength(3);
    expect(got[2]).toMatchObject({ linkType: 1, capturedLength: frame.length + 4, timestamp: 1_700_000_002_500_000_000n });
    expect(indexCapture(file).format).toBe('erf');
    expect(decodePacket(got[0]!.data).protocols).toBe('eth:ip:udp');
  });

  it('a Red Hat 6.1 pcap (the standard magic, 24-byte record headers): told by its first records', async () => {
    const frame = encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, ...udp] as never, payload);
    const head = new Uint8Array(24);
    const h = new DataView(head.buffer);
    h.setUint32(0, 0xa1b2c3d4, true);
    h.setUint16(4, 2, true);
    h.setUint16(6, 4, true);
    h.setUint32(16, 65535, true);
    h.setUint32(20, 1, true);
    const records = [0, 1, 2].map((k) => {
      const rec = new Uint8Array(24 + frame.length);
      const v = new DataView(rec.buffer);
      v.setUint32(0, 1_700_000_000 + k, true);
      v.setUint32(4, 250_000, true);
      v.setUint32(8, frame.length, true);
      v.setUint32(12, frame.length, true);
      v.setUint32(16, 2, true); // interface index
      v.setUint16(20, 0x0800, true); // protocol
      rec.set(frame, 24);
      return rec;
    });
    const file = new Uint8Array([...head, ...records.flatMap((r) => [...r])]);
    const got = await bothWays(file);
    expect(got).toHaveLength(3);
    expect(got.map((r) => r.capturedLength)).toEqual([frame.length, frame.length, frame.length]);
    expect(decodePacket(got[1]!.data).protocols).toBe('eth:ip:udp');
    expect(indexCapture(file).count).toBe(3);
  });
});
