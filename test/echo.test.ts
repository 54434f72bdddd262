// Echo (RFC 862) on UDP and TCP port 7, as tshark 4.0 shows it: the whole payload is echo.data,
// a request to port 7, a response from it. Reference values: tshark -T json on the real loopback
// captures of test/fixtures/capture-real (an echo client talking to a local echo server).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePacket, encodeFrame, readCaptureSync } from 'wirekit';

const root = new URL('../', import.meta.url);

describe('echo', () => {
  it('reads the real captures as tshark: request to port 7, response from it, the bytes as echo.data', () => {
    const tshark = JSON.parse(readFileSync(new URL('test/fixtures/capture-real/null.pcap.json', root), 'utf8')) as { _source: { layers: Record<string, Record<string, string>> } }[];
    const records = [...readCaptureSync(readFileSync(new URL('test/fixtures/capture-real/null.pcap', root)))];
    expect(records.length).toBe(tshark.length);
    let seen = 0;
    records.forEach((r, i) => {
      const theirs = tshark[i]!._source.layers.echo;
      const packet = decodePacket(r.data, { linkType: r.linkType });
      const layer = packet.layers.find((l) => l.name === 'echo');
      expect(layer !== undefined, `packet ${i + 1}`).toBe(theirs !== undefined);
      if (theirs === undefined) return;
      seen++;
      const f = packet.fields();
      expect(f['echo.data']).toBe(theirs['echo.data']);
      expect(f['echo.request']).toBe(theirs['echo.request'] === undefined ? undefined : Number(theirs['echo.request']));
      expect(f['echo.response']).toBe(theirs['echo.response'] === undefined ? undefined : Number(theirs['echo.response']));
      expect(packet.payload.length).toBe(0);
    });
    expect(seen).toBeGreaterThan(0);
  });

  it('over TCP too, and both ways decided by the destination port', () => {
    const data = new Uint8Array([0x68, 0x69]);
    const to = decodePacket(encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { tcp: { srcport: 40000, dstport: 7 } }], data));
    expect(to.protocols).toBe('eth:ip:tcp:echo');
    expect(to.fields()).toMatchObject({ 'echo.request': 1, 'echo.data': '68:69' });
    const from = decodePacket(encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, { ip: { src: '10.0.0.2', dst: '10.0.0.1' } }, { udp: { srcport: 7, dstport: 40000 } }], data));
    expect(from.fields()).toMatchObject({ 'echo.response': 1, 'echo.data': '68:69' });
    // No payload, no echo message.
    const empty = decodePacket(encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { srcport: 40000, dstport: 7 } }], new Uint8Array(0)));
    expect(empty.protocols).toBe('eth:ip:udp');
  });
});
