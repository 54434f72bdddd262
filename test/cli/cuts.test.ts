// `wirekit decode` on headers the capture cut short, against tshark 4.0 (test/fixtures/cuts/:
// the snaplen sweeps of make-cuts.py, every cut of each packet, and tcpdump's -s 58 and -s 70
// captures of make-snaplen.sh; tshark's lines by make-summaries.sh). Every summary line and
// frame.protocols value equals tshark's but for the frames listed, each with its reason.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, lines, root } from './cli-util.js';

const dir = `${root}test/fixtures/cuts/`;

/** "1-3,7" as [1, 2, 3, 7]. */
const frames = (ranges: string): number[] =>
  ranges === ''
    ? []
    : ranges.split(',').flatMap((r) => {
        const [a, b = a] = r.split('-').map(Number);
        return Array.from({ length: b! - a! + 1 }, (_, k) => a! + k);
      });

/**
 * Frames whose summary line (`summary`) or frame.protocols (`protocols`) still differ, and why:
 * - icmp, icmpv6: an ICMP error whose quoted datagram is cut: tshark's marks and names inside the
 *   quoted headers (its ICMP reads the quoted IP's fields before it reaches the cut);
 * - ipv6, link, sll, sll2 (UDP after the header): a UDP datagram whose payload is cut after a few
 *   bytes, which tshark marks (a heuristic dissector reads past the capture);
 * - tcp: a cut Multipath TCP option tshark names MPTCP; a TCP data offset below 20 cut (tshark's
 *   "bogus TCP header length" text); a quoted TCP header in a cut ICMP error;
 * - udp: a UDP length below 8 cut;
 * - snaplen-58/70: GPRS-NS on UDP port 19999 (a protocol wirekit does not decode), and TCP
 *   segments to port 18080 whose cut payload tshark marks.
 */
const KNOWN: Record<string, { summary: string; protocols: string }> = {
  'icmp-cuts.pcap': { summary: '91,115-118,120-122,165,189-192,234,258-261', protocols: '91,120-122,165,234' },
  'icmpv6-cuts.pcap': { summary: '125,169-172,174-176,239,283-298,376', protocols: '174-176' },
  'ip-cuts.pcap': { summary: '', protocols: '' },
  'ipv6-cuts.pcap': { summary: '63-65', protocols: '63-65' },
  'link-cuts.pcap': { summary: '47-49,110-112', protocols: '47-49,110-112' },
  'linktype-sll-cuts.pcap': { summary: '45-47', protocols: '45-47' },
  'linktype-sll2-cuts.pcap': { summary: '49-51', protocols: '49-51' },
  'snaplen-58.pcap': { summary: '25', protocols: '25' },
  'snaplen-70.pcap': { summary: '4,6,8,25-26', protocols: '4,6,8,25-26' },
  'tcp-cuts.pcap': { summary: '273-282,427-430,472,496-499,555-570,632-637,748,772-793', protocols: '273-282,472,748' },
  'udp-cuts.pcap': { summary: '160-169', protocols: '' },
};

const differing = (ours: string[], theirs: string[]) => ours.map((l, i) => (l === theirs[i] ? 0 : i + 1)).filter((n) => n > 0);

describe('wirekit decode on headers cut short, as tshark shows them', () => {
  it.each(Object.keys(KNOWN))('%s: summary lines and frame.protocols', (file) => {
    const r = cli(['decode', `${dir}${file}`]);
    expect(r.stderr).toBe('');
    const want = lines(readFileSync(`${dir}${file}.summary.txt`, 'utf8'));
    const got = lines(r.stdout);
    expect(got.length).toBe(want.length);
    expect(differing(got, want)).toEqual(frames(KNOWN[file]!.summary));
    const protocols = lines(cli(['decode', `${dir}${file}`, '--json']).stdout).map((l) => JSON.parse(l)['frame.protocols'] as string);
    expect(differing(protocols, lines(readFileSync(`${dir}${file}.protocols.txt`, 'utf8')))).toEqual(frames(KNOWN[file]!.protocols));
  });

  it('the sweeps hold the cuts these rules are about', () => {
    // (Column padding squeezed to one space.)
    const text = (file: string) => readFileSync(`${dir}${file}.summary.txt`, 'utf8').replace(/ +/g, ' ');
    // An Ethernet header cut: the destination from 6 bytes, the source from 12.
    expect(text('ip-cuts.pcap')).toMatch(/^ 6 5\.000000 → 02:00:00:00:00:02 Ethernet 54 \[Packet size limited during capture\]$/m);
    // An IPv4 header cut inside its options: the source, and the link's destination until the
    // option list is read through (a source route's last hop then).
    expect(text('ip-cuts.pcap')).toMatch(/192\.0\.2\.1 → 02:00:00:00:00:02 IPv4 54 \[Packet size limited during capture\]$/m);
    expect(text('ip-cuts.pcap')).toMatch(/192\.0\.2\.1 → 10\.0\.0\.2 IPv4 54 \[Packet size limited during capture\]$/m);
    // ARP by opcode, with the text once the addresses it names are there; a VLAN tag's TCI.
    expect(text('link-cuts.pcap')).toMatch(/Inverse ARP 42 02:00:00:00:00:0c is at 10\.9\.1\.16$/m);
    expect(text('link-cuts.pcap')).toMatch(/802\.1ad 90 PRI: 5 DROP: 0 ID: 200\[Packet size limited during capture\]$/m);
    // Linux cooked headers: the packet type read as 16 bits.
    expect(text('linktype-sll2-cuts.pcap')).toContain('SLL 63 Unknown (6)[Packet size limited during capture]');
  });
});
