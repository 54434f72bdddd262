// `wirekit follow FILE --stream N --format raw|ascii|hex`: a TCP stream's bytes as
// `tshark -q -z follow,tcp,MODE,N` prints them, byte for byte, on the real and crafted captures
// of test/fixtures/reassembly/ (make-reassembly.sh; test/reassembly-fixtures.test.ts checks the
// references themselves). tshark 4.0's behaviour in short (details in test/util/follow.ts and
// make-reassembly.sh): node 0 is the source of the stream's first packet; one chunk per segment's
// new bytes, in the order they became in-sequence, never merged; bytes already delivered are never
// shown again (the first in-order copy wins); a hole the peer acknowledged becomes
// "[N bytes missing in capture file]\0"; bytes after an unacknowledged hole are never shown.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { followFixtures, parseFollow } from '../util/follow.js';
import { cli, lines, root } from './cli-util.js';

const dir = `${root}test/fixtures/reassembly/`;
const fixtures = followFixtures(dir);
const cases = fixtures.map((f) => ({ ...f, name: `${f.capture} --stream ${f.stream} --format ${f.mode}` }));

/** The first line where two outputs differ, shortened, or null: a readable failure for 400 KB outputs. */
function firstDifference(ours: string, theirs: string): { line: number; ours?: string; theirs?: string } | null {
  if (ours === theirs) return null;
  const a = ours.split('\n');
  const b = theirs.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const clip = (s: string | undefined) => (s === undefined ? s : s.length > 120 ? `${s.slice(0, 120)}... (${s.length} characters)` : s);
  return { line: i + 1, ours: clip(a[i]), theirs: clip(b[i]) };
}

describe('wirekit follow', () => {
  it('has tshark outputs to compare with', () => {
    expect(fixtures.filter((f) => f.mode === 'raw').length).toBeGreaterThanOrEqual(20);
    expect(fixtures.filter((f) => f.mode === 'ascii').length).toBeGreaterThanOrEqual(5);
    expect(fixtures.filter((f) => f.mode === 'hex').length).toBeGreaterThanOrEqual(5);
  });

  it.each(cases)('$name: as tshark -z follow,tcp,MODE,N prints it', (f) => {
    const theirs = readFileSync(dir + f.file, 'utf8');
    const r = cli(['follow', dir + f.capture, '--stream', String(f.stream), '--format', f.mode]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // Same stream, same nodes and chunks (a structural diff first, then every byte).
    const ours = parseFollow(r.stdout, f.mode);
    const expected = parseFollow(theirs, f.mode);
    expect(ours.nodes).toEqual(expected.nodes);
    expect(ours.chunks.length).toBe(expected.chunks.length);
    expect(firstDifference(r.stdout, theirs)).toBeNull();
  });

  describe('errors', () => {
    const capture = `${dir}crafted-reuse.pcap`; // streams 0, 1 and 2

    // Bad options, as every command reports them: the message, the way to help, exit 64.
    it.each([
      ['no --stream', ['follow', capture, '--format', 'raw']],
      ['a stream that is not a number', ['follow', capture, '--stream', 'one']],
      ['a negative stream', ['follow', capture, '--stream', '-1']],
      ['an unknown format', ['follow', capture, '--stream', '0', '--format', 'ebcdic']],
    ])('%s: one line and the way to help, nothing on stdout, exit 64', (_, args) => {
      const r = cli(args);
      expect(r.status).toBe(64);
      expect(r.stdout).toBe('');
      const err = lines(r.stderr);
      expect(err[0]).toMatch(/^wirekit: /);
      expect(err.slice(1).every((l) => l.includes('--help'))).toBe(true);
      expect(err.length).toBeLessThanOrEqual(2);
    });

    // tshark prints an empty follow ("Node 0: :0") and exits 0 here: so does wirekit, with one line
    // on stderr naming the stream it does not have.
    it.each([['3'], ['99']])('stream %s, which the capture does not have: tshark\'s empty follow, one line on stderr, exit 0', (n) => {
      for (const format of ['raw', 'ascii', 'hex']) {
        const r = cli(['follow', capture, '--stream', n, '--format', format]);
        expect(r.status).toBe(0);
        expect(r.stdout).toBe(`\n${'='.repeat(67)}\nFollow: tcp,${format}\nFilter: tcp.stream eq ${n}\nNode 0: :0\nNode 1: :0\n${'='.repeat(67)}\n`);
        expect(lines(r.stderr)).toHaveLength(1);
        expect(r.stderr).toMatch(new RegExp(`^wirekit: .*\\b${n}\\b`));
      }
    });
  });
});
