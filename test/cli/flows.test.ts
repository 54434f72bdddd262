// `wirekit flows FILE`: one line per TCP connection. Frames and frame bytes each way, start order
// and duration are held to `tshark -q -z conv,tcp` on the captures of test/fixtures/reassembly/
// (its *.conv.txt), and the stream numbers to tshark's tcp.stream (its *.fields.tsv).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, lines, root } from './cli-util.js';

const dir = `${root}test/fixtures/reassembly/`;
const captures = readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f) && readdirSync(dir).includes(`${f}.conv.txt`));

interface Flow {
  'tcp.stream': number;
  nodes: [string, string];
  state: string;
  midstream: boolean;
  duration: string;
  frames: [number, number];
  bytes: [number, number];
  payload: [number, number];
  directions: { retransmissions: number }[];
}

interface ConvRow {
  a: string;
  b: string;
  framesBA: number;
  bytesBA: [number, string];
  framesAB: number;
  bytesAB: [number, string];
  duration: number;
}

const unbracket = (e: string) => e.replace(/^\[(.*)\]:(\d+)$/, '$1:$2');

function conv(file: string): ConvRow[] {
  const rows: ConvRow[] = [];
  for (const line of lines(readFileSync(file, 'utf8'))) {
    const m = /^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+(\d+) (bytes|kB)\s+(\d+)\s+(\d+) (bytes|kB)\s+\d+\s+\d+ (?:bytes|kB)\s+[\d.]+\s+([\d.]+)/.exec(line);
    if (m === null) continue;
    rows.push({ a: m[1]!, b: m[2]!, framesBA: +m[3]!, bytesBA: [+m[4]!, m[5]!], framesAB: +m[6]!, bytesAB: [+m[7]!, m[8]!], duration: +m[9]! });
  }
  return rows;
}

/** tshark 4.0 shows sizes from 10 kB on in whole kB, rounded down. */
const sameBytes = (ours: number, [n, unit]: [number, string]) => (unit === 'bytes' ? ours === n : Math.floor(ours / 1000) === n);

function flows(capture: string): Flow[] {
  const r = cli(['flows', '--json', dir + capture]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return lines(r.stdout).map((l) => JSON.parse(l) as Flow);
}

describe('wirekit flows', () => {
  it('has tshark conversation tables to compare with', () => {
    expect(captures.length).toBeGreaterThanOrEqual(5);
  });

  it.each(captures)('%s: frames and bytes each way and durations as tshark -z conv,tcp', (capture) => {
    const ours = flows(capture);
    const theirs = conv(`${dir}${capture}.conv.txt`);
    expect(ours.length).toBe(theirs.length);
    const unmatched = [...ours];
    for (const row of theirs) {
      // Node 0 is tshark's address A (the first packet's source): match on both endpoints and frames.
      const i = unmatched.findIndex(
        (f) => unbracket(f.nodes[0]) === row.a && unbracket(f.nodes[1]) === row.b && f.frames[0] === row.framesAB && f.frames[1] === row.framesBA,
      );
      expect(i, `${row.a} <-> ${row.b} ${row.framesAB}/${row.framesBA} frames`).toBeGreaterThanOrEqual(0);
      const f = unmatched.splice(i, 1)[0]!;
      expect(sameBytes(f.bytes[0], row.bytesAB), `bytes A->B ${f.bytes[0]} vs ${row.bytesAB.join(' ')}`).toBe(true);
      expect(sameBytes(f.bytes[1], row.bytesBA), `bytes B->A ${f.bytes[1]} vs ${row.bytesBA.join(' ')}`).toBe(true);
      expect(Math.abs(Number(f.duration) - row.duration)).toBeLessThanOrEqual(0.00006);
    }
  });

  it.each(captures)("%s: numbered as tshark's tcp.stream", (capture) => {
    const tsv = lines(readFileSync(`${dir}${capture}.fields.tsv`, 'utf8'));
    const header = tsv[0]!.split('\t');
    const col = (name: string) => header.indexOf(name);
    const firstSrcPort = new Map<number, number>();
    const packets = new Map<number, number>();
    for (const line of tsv.slice(1)) {
      const cells = line.split('\t');
      const stream = Number(cells[col('tcp.stream')]);
      if (!firstSrcPort.has(stream)) firstSrcPort.set(stream, Number(cells[col('tcp.srcport')]));
      packets.set(stream, (packets.get(stream) ?? 0) + 1);
    }
    const ours = flows(capture);
    expect(ours.map((f) => f['tcp.stream'])).toEqual([...firstSrcPort.keys()].sort((x, y) => x - y));
    for (const f of ours) {
      expect(Number(/:(\d+)$/.exec(f.nodes[0])![1]), `stream ${f['tcp.stream']}`).toBe(firstSrcPort.get(f['tcp.stream']));
      expect(f.frames[0] + f.frames[1]).toBe(packets.get(f['tcp.stream']));
    }
  });

  it('shows each connection as the capture left it: closed, reset, port reuse', () => {
    const ours = flows('crafted-reuse.pcap');
    expect(ours.map((f) => f.state)).toEqual(['closed', 'reset', 'closed']);
    expect(ours.every((f) => !f.midstream)).toBe(true);
  });

  it('prints a table by default, one line per connection under a header', () => {
    const r = cli(['flows', `${dir}crafted-reuse.pcap`]);
    expect(r.status).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toMatch(/^Stream\s+Node 0\s+Node 1\s+State\s+Duration/);
    expect(out).toHaveLength(4);
    expect(out[1]).toMatch(/^\s*0\s+192\.0\.2\.1:40050\s+198\.51\.100\.2:80\s+closed\s+0\.008999\s+7\s+400\s+3\s+181\s/);
  });

  it('answers --help, and reports errors in one line with a non-zero exit', () => {
    const help = cli(['flows', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: wirekit flows/);
    const missing = cli(['flows', `${dir}no-such-file.pcap`]);
    expect(missing.status).toBe(1);
    expect(lines(missing.stderr)).toHaveLength(1);
    expect(missing.stdout).toBe('');
    const usage = cli(['flows', 'a.pcap', 'b.pcap']);
    expect(usage.status).toBe(64);
    expect(lines(usage.stderr)[0]).toMatch(/^wirekit: flows takes at most one FILE/);
    // No FILE: the embedded sample, one HTTP connection, as decode shows it.
    const sample = cli(['flows']);
    expect(sample.status).toBe(0);
    expect(lines(sample.stdout)).toHaveLength(2);
    expect(lines(sample.stdout)[1]).toMatch(/^\s*0\s+127\.0\.0\.1:\d+\s+127\.0\.0\.1:8000\s+closed\s/);
    const follow = cli(['follow', '--stream', '0', '--format', 'ascii']);
    expect(follow.status).toBe(0);
    expect(follow.stdout).toContain('GET /');
    const garbage = cli(['flows', '-'], new TextEncoder().encode('not a capture at all'));
    expect(garbage.status).toBe(1);
    expect(lines(garbage.stderr)).toHaveLength(1);
  });
});
