// Segmented streams as tshark sees them: the frames of ~100 KB streams (IPv4 with timestamps and a
// sequence wrap; IPv6 behind a VLAN tag with an extension header and FIN) written with writePcap,
// then tshark's per-packet TCP checksum status, absolute seq and length, and its follow of the
// stream's bytes. Where tshark is installed it runs on the pcap made here; everywhere the pcap must
// hash to the one tshark judged when the fixtures were made (test/fixtures/segment/make-segment.mjs),
// and tshark's recorded outputs must say the same.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';
import { caseStream, casePcap, FIELDS_ARGS, FOLLOW_ARGS, type SegmentCase } from './fixtures/segment/segment-case.mjs';

const dir = fileURLToPath(new URL('./fixtures/segment/', import.meta.url));
const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: SegmentCase[] };
const hasTshark = spawnSync('tshark', ['-v'], { encoding: 'utf8' }).status === 0;
const work = mkdtempSync(join(tmpdir(), 'wirekit-segment-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function tshark(file: string, args: string[]): string {
  const r = spawnSync('tshark', ['-r', file, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** tshark's `-z follow,tcp,raw,N`: the header lines, then one hex line per segment (node 1's tab-indented), between lines of '='. */
function followedBytes(text: string): { nodes: string[]; node0: string; node1: string } {
  const lines = text.split('\n');
  const nodes = lines.filter((l) => l.startsWith('Node ')).map((l) => l.slice(8));
  const start = lines.findIndex((l) => l.startsWith('Node 1: ')) + 1;
  const end = lines.indexOf('='.repeat(67), start);
  let node0 = '';
  let node1 = '';
  for (const l of lines.slice(start, end)) {
    if (l.startsWith('\t')) node1 += l.slice(1);
    else node0 += l;
  }
  return { nodes, node0, node1 };
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

for (const c of cases) {
  describe(`tshark on a segmented stream: ${c.name}`, () => {
    const data = caseStream(c);
    const pcap = casePcap(lib, c);
    const seg = lib.compileSegmenter(c.layers, { mss: c.mss, tsvalStep: c.tsvalStep });
    const count = seg.frameCount(data.length);
    const seq0 = c.start?.seq ?? 0;

    /** What tshark must print per packet: good checksum, seq from the start modulo 2^32, the room until the last. */
    const expectedFields = Array.from({ length: count }, (_, i) => {
      const len = Math.min(seg.room, data.length - i * seg.room);
      return `1\t${(seq0 + i * seg.room) % 2 ** 32}\t${len}`;
    }).join('\n') + '\n';

    it('the pcap is the one the recorded tshark outputs judged', () => {
      expect(createHash('sha256').update(pcap).digest('hex')).toBe(readFileSync(join(dir, `${c.name}.sha256`), 'utf8').trim());
    });

    it('recorded tshark fields: every TCP checksum good, seq and len right', () => {
      expect(readFileSync(join(dir, `${c.name}.fields.tsv`), 'utf8')).toBe(expectedFields);
    });

    it('recorded tshark follow: the stream, byte for byte, from node 0', () => {
      const f = followedBytes(readFileSync(join(dir, `${c.name}.follow.txt`), 'utf8'));
      expect(f.node1).toBe('');
      expect(f.node0 === hex(data)).toBe(true);
    });

    it.skipIf(!hasTshark)('live tshark agrees with the recorded outputs', () => {
      const file = join(work, `${c.name}.pcap`);
      writeFileSync(file, pcap);
      const fields = tshark(file, FIELDS_ARGS);
      expect(fields).toBe(expectedFields);
      const follow = tshark(file, FOLLOW_ARGS);
      expect(follow === readFileSync(join(dir, `${c.name}.follow.txt`), 'utf8')).toBe(true);
      expect(followedBytes(follow).node0 === hex(data)).toBe(true);
    });
  });
}
