// Disagreements with tshark 4.0 found by auditing wirekit on fresh captures, each held by a small
// capture made by test/fixtures/audit/make-audit.sh (with tshark's output next to it):
//   snaplen*.pcap       a capture cut by its snaplen: tcp.len and the summary's Len are what IP
//       says, not what was captured; "[Packet size limited during capture]" only where a header is
//       cut (and with no space before it, as tshark appends it; `_ws.short` in the hierarchy); the
//       options, or the ports, a cut header holds; follow shows what was captured with no
//       "[N bytes missing]" stand-ins, and no option bytes as data
//   quoted-stream.pcap  TCP headers quoted by ICMP errors take tcp.stream numbers, as in tshark
//   echo-pairs.pcap     a reply names its request only when the checksums pair (same data)
//   frag-stats.pcap     stats counts reassembled datagrams, and no data for a quote tshark cannot
//       go into (an unknown protocol, a later fragment)
//   comments.pcapng     stats counts a frame with a comment under pkt_comment, as tshark does
// Needs the build (the CLI runs from dist/).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCaptureSync } from '../src/capture/index.js';
import { decodePacket } from '../src/dissect.js';
import { cli, cliBytes, lines } from './cli/cli-util.js';
import { readPcapFile } from './util/pcap.js';
import { compareFields, readTsharkJson } from './util/tshark.js';

const dir = fileURLToPath(new URL('./fixtures/audit/', import.meta.url));
const captures = readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f)).sort();
const text = (name: string) => readFileSync(dir + name, 'utf8');
/** tshark's summary lines (TCP analysis flags included). */
const tsharkSummary = (capture: string) => lines(text(`${capture}.summary.txt`));
/** Hierarchy lines as [depth, name, frames, bytes]. */
const hierarchy = (out: string) =>
  lines(out).flatMap((l) => {
    const m = /^( *)(\S+) +frames:(\d+) bytes:(\d+)$/.exec(l);
    return m === null ? [] : [[m[1]!.length / 2, m[2]!, Number(m[3]), Number(m[4])]];
  });

describe('audit captures vs tshark', () => {
  it('has every capture make-audit.sh writes', () => {
    expect(captures).toEqual(['comments.pcapng', 'echo-pairs.pcap', 'frag-stats.pcap', 'quoted-stream.pcap', 'snaplen-header.pcap', 'snaplen-options.pcap', 'snaplen.pcap']);
  });

  it.each(captures)('%s: every field decodePacket shows has tshark\'s value', (capture) => {
    const records = capture.endsWith('.pcap')
      ? readPcapFile(dir + capture)
      : [...readCaptureSync(new Uint8Array(readFileSync(dir + capture)))].map((r) => ({ linkType: r.linkType, data: r.data.slice() }));
    const theirs = readTsharkJson(`${dir}${capture}.json`);
    expect(records).toHaveLength(theirs.length);
    const problems = records.flatMap((r, i) => {
      const mismatches = compareFields(decodePacket(r.data, { linkType: r.linkType }).fields(), theirs[i]!, ['tcp.len', 'tcp.srcport', 'udp.srcport', 'icmp.type', 'icmpv6.type']);
      return mismatches.map((m) => ({ packet: i + 1, ...m }));
    });
    expect(problems).toEqual([]);
  });

  it.each(captures)('%s: summary lines as tshark -r prints them', (capture) => {
    const r = cli(['decode', dir + capture]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(tsharkSummary(capture));
  });

  it.each(captures)('%s: protocol hierarchy as tshark -z io,phs', (capture) => {
    const r = cli(['stats', dir + capture]);
    expect(r.stderr).toBe('');
    expect(hierarchy(r.stdout)).toEqual(hierarchy(text(`${capture}.phs.txt`)));
  });

  const follows = readdirSync(dir)
    .map((f) => /^(.*\.pcap)\.follow-(\d+)\.txt$/.exec(f))
    .filter((m) => m !== null)
    .map((m) => [m![1]!, Number(m![2])] as const);

  it('follows every TCP stream of snaplen.pcap and quoted-stream.pcap', () => {
    expect(follows.map(([c, n]) => `${c} ${n}`).sort()).toEqual(['quoted-stream.pcap 0', 'quoted-stream.pcap 1', 'quoted-stream.pcap 2', 'quoted-stream.pcap 3', 'snaplen.pcap 0']);
  });

  it.each(follows)('%s stream %i: as tshark -z follow,tcp,raw,N prints it', (capture, stream) => {
    const r = cliBytes(['follow', dir + capture, '--stream', String(stream)]);
    expect(r.stderr.toString()).toBe('');
    expect(r.stdout.toString()).toBe(text(`${capture}.follow-${stream}.txt`));
  });

  it('numbers connections in flows as tshark does, past the quoted headers', () => {
    const r = cli(['flows', '--json', dir + 'quoted-stream.pcap']);
    const flows = lines(r.stdout).map((l) => JSON.parse(l) as { 'tcp.stream': number; nodes: string[] });
    expect(flows.map((f) => [f['tcp.stream'], f.nodes])).toEqual([
      [1, ['192.0.2.1:40010', '192.0.2.2:9']],
      [3, ['192.0.2.1:40011', '192.0.2.2:9']],
    ]);
  });
});
