// `wirekit decode --json`'s conversation fields against tshark's with its default preferences
// (test/fixtures/cli/make-tcp-state.sh): tcp.stream, relative tcp.seq / tcp.nxtseq / tcp.ack,
// the scaled tcp.window_size and tcp.window_size_scalefactor, udp.stream, frame.time_delta and
// frame.time_relative, packet by packet, on real loopback captures, crafted reassembly cases
// (out of order, wrapping, mid-stream, port reuse, probes), tunnels, fragments, 802.11 and ICMP
// errors quoting TCP (whose quoted header numbers a stream). The fast NDJSON path and the general
// one (taken under a filter) give the same lines.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, cliFixture, lines, root } from './cli-util.js';

const dir = cliFixture('tcp-state/');
const FILES = readdirSync(dir).filter((f) => f.endsWith('.tsv'));
const SOURCES = ['capture-real', 'reassembly', 'audit', 'tcp-carried', 'wire'];

function capturePath(name: string): string {
  for (const d of SOURCES) {
    const path = `${root}test/fixtures/${d}/${name}`;
    try {
      readFileSync(path);
      return path;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`no capture ${name}`);
}

const COLUMNS = ['tcp.stream', 'tcp.seq', 'tcp.nxtseq', 'tcp.ack', 'tcp.window_size', 'tcp.window_size_scalefactor'] as const;

describe('decode --json: TCP conversation fields and frame times as tshark gives them', () => {
  it('has tshark outputs to compare with', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(22);
  });

  it.each(FILES)('%s', (file) => {
    const capture = capturePath(file.replace(/\.tsv$/, ''));
    const want = lines(readFileSync(dir + file, 'utf8')).map((l) => l.split('\t'));
    const r = cli(['decode', '--json', capture]);
    expect(r.stderr).toBe('');
    const got = lines(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(got).toHaveLength(want.length);
    let compared = 0;
    want.forEach((row, i) => {
      const ours = got[i]!;
      const where = `${file} frame ${row[0]}`;
      expect(ours['frame.number'], where).toBe(Number(row[0]));
      expect([ours['frame.time_delta'], ours['frame.time_relative']], where).toEqual([row[7], row[8]]);
      // An ICMP error's fields are its quoted header's: wirekit gives no conversation fields there.
      if (row[9] || row[10]) {
        expect(ours['tcp.stream'], where).toBeUndefined();
        return;
      }
      COLUMNS.forEach((name, k) => {
        const theirs = row[k + 1]!;
        expect(ours[name] === undefined ? '' : String(ours[name]), `${where} ${name}`).toBe(theirs);
      });
      expect(ours['udp.stream'] === undefined ? '' : String(ours['udp.stream']), `${where} udp.stream`).toBe(row[11] ?? '');
      if (row[1]) compared++;
    });
    if (want.some((row) => row[1] && !row[9] && !row[10])) expect(compared).toBeGreaterThan(0);
  });

  it('the fast NDJSON path and the general one give the same lines, state included', () => {
    for (const file of ['lo-eth.pcap', 'real-lo.pcap', 'crafted-reuse.pcap', 'udp.pcap', 'icmp.pcap']) {
      const capture = capturePath(file);
      const fast = cli(['decode', '--json', capture]).stdout;
      const general = cli(['decode', '--json', '-Y', 'frame.number >= 1', capture]).stdout;
      expect(lines(fast).length).toBeGreaterThan(3);
      expect(fast).toBe(general);
    }
  });

  it('filters see the conversation fields', () => {
    const r = cli(['decode', '-Y', 'tcp.seq == 1 && tcp.nxtseq > 1', capturePath('lo-eth.pcap')]);
    const want = lines(readFileSync(dir + 'lo-eth.pcap.tsv', 'utf8'))
      .map((l) => l.split('\t'))
      .filter((row) => row[2] === '1' && Number(row[3]) > 1)
      .map((row) => Number(row[0]));
    expect(want.length).toBeGreaterThan(0);
    expect(lines(r.stdout).map((l) => Number(l.slice(0, 5)))).toEqual(want);
  });
});
