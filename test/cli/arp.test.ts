// ARP's protocol and info columns by opcode, as tshark 4.0 writes them (packet-arp.c): RARP, DRARP,
// Inverse ARP and ATMARP's NAK besides requests and replies, gratuitous ARP on any hardware, and
// protocol addresses that are no IPv4 address as bare hex (`<No address>` when empty).
// Expected lines: test/fixtures/cli/make-arp.sh, and link.pcap (test/fixtures/wire/make-link.py).
import { describe, expect, it } from 'vitest';
import { cli, cliFixture, lines, root, tsharkSummary } from './cli-util.js';

describe('wirekit decode: ARP', () => {
  it('names every opcode as tshark does', () => {
    const r = cli(['decode', cliFixture('arp-opcodes.pcap')]);
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(tsharkSummary('arp-opcodes.pcap.summary.txt'));
  });

  it('odd address sizes and hardware (IPv6 protocol addresses, none, AX.25) as tshark shows them', () => {
    const ours = lines(cli(['decode', `${root}test/fixtures/wire/link.pcap`]).stdout);
    const info = (n: number) => ours[n - 1]!.replace(/^.*? (ARP|DRARP|RARP|Inverse ARP) \d+ /, '');
    // tshark -r link.pcap, frames 21 to 28.
    expect(info(21)).toBe('Who has 20010db8000000000000000000000002? Tell 20010db8000000000000000000000001');
    expect(info(22)).toBe('Who has <No address>? (ARP Probe)');
    expect(info(23)).toBe('Who has <No address>? Tell <No address>');
    expect(info(24)).toBe('Who has 0a09? (ARP Probe)');
    expect(info(25)).toBe('DRARP Error');
    expect(info(26)).toBe('02:00:00:00:00:0c is at 10.9.1.16');
    expect(info(27)).toBe('Who is 02:00:00:00:00:0e? Tell 02:00:00:00:00:0e');
    expect(info(28)).toBe('Gratuitous ARP for 10.9.1.18 (Request)');
  });
});

describe('wirekit decode: tunnel columns', () => {
  // Frames still differing, and why: tshark reads MPLS pseudowires by heuristics; the rest are
  // malformed inner headers where tshark names the inner protocol in its column.
  const KNOWN: Record<string, number[]> = { 'pppoe.pcap': [3, 11], 'gre.pcap': [10, 12], 'mpls.pcap': [9, 10, 13, 16] };
  it.each(Object.keys(KNOWN))('%s: PPPoE discovery, GRE and MPLS lines as tshark', (capture) => {
    const ours = lines(cli(['decode', `${root}test/fixtures/wire/${capture}`]).stdout);
    const theirs = tsharkSummary(`${capture}.summary.txt`);
    expect(ours.length).toBe(theirs.length);
    expect(ours.map((l, i) => (l === theirs[i] ? 0 : i + 1)).filter((n) => n > 0)).toEqual(KNOWN[capture]);
  });
});
