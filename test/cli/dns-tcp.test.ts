// DNS over TCP in `wirekit decode`: messages split across segments and several in one segment are
// put together as tshark's tcp_dissect_pdus does (the packet completing a message shows it, the
// ones before read "[TCP segment of a reassembled PDU]", the last of several shows), against
// tshark 4.0 on crafted cases (test/fixtures/cli/make-dns-tcp.sh).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePacket, readCaptureSync } from 'wirekit';
import { compareFields, readTsharkJson } from '../util/tshark.js';
import { cli, cliFixture, lines, tsharkSummary } from './cli-util.js';

describe('DNS over TCP across segments', () => {
  it('every summary line equals tshark\'s', () => {
    const want = tsharkSummary('dns-tcp.pcap.summary.txt');
    // The cases are there: a message over three segments, a length alone, two messages in one segment.
    expect(want.filter((l) => l.endsWith('[TCP segment of a reassembled PDU]')).length).toBeGreaterThanOrEqual(5);
    expect(want.some((l) => / Standard query 0x0002 A a\.example$/.test(l))).toBe(true);
    const r = cli(['decode', cliFixture('dns-tcp.pcap')]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(want);
  });

  it('--json: the messages a packet completes give tshark\'s dns fields, and a piece of one gives none and no error', () => {
    const theirs = readTsharkJson(cliFixture('dns-tcp.pcap.json'));
    const ours = lines(cli(['decode', '--json', cliFixture('dns-tcp.pcap')]).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ours).toHaveLength(theirs.length);
    const generated = new Set(['dns.response_to', 'dns.response_in', 'dns.time', 'dns.unsolicited']);
    let compared = 0;
    ours.forEach((packet, i) => {
      const t = theirs[i]!;
      expect(packet._errors, `frame ${i + 1}`).toEqual([]);
      const dnsHere = Object.keys(t).some((k) => k.startsWith('dns.'));
      expect((packet['frame.protocols'] as string).endsWith(':dns'), `frame ${i + 1}`).toBe(dnsHere);
      const mine = Object.fromEntries(Object.entries(packet).filter(([k]) => k.startsWith('dns.')));
      expect(Object.keys(mine).length > 0, `frame ${i + 1}`).toBe(dnsHere);
      const required = Object.keys(t).filter((k) => k.startsWith('dns.') && !generated.has(k) && !k.startsWith('dns.flags.') && k !== 'dns.flags');
      expect(compareFields(mine as never, t, required), `frame ${i + 1}`).toEqual([]);
      if (dnsHere) compared++;
    });
    expect(compared).toBeGreaterThanOrEqual(10);
  });

  it('Packet.upTo drops what was decoded above a layer', () => {
    const [, , , , response] = readCaptureSync(readFileSync(cliFixture('dns-tcp.pcap')));
    const p = decodePacket(response!.data);
    expect(p.errors.map((e) => e.layer)).toContain('dns');
    const q = p.upTo('tcp');
    expect(q.protocols).toBe('eth:ip:tcp');
    expect(q.errors).toEqual([]);
    expect(q.payload.length).toBe(p.layer('tcp')!.payloadLength);
    expect(q.payload.length).toBe(1000);
    expect(Object.keys(q.fields()).some((k) => k.startsWith('dns.'))).toBe(false);
    expect(p.upTo('sctp')).toBe(p);
  });
});
