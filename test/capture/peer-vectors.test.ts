// The pcapng test files of hadrielk/pcapng-test-generator (shared/peer-vectors): each reads without
// error, with the block counts and block sequence its .txt states, and the little- and big-endian
// versions give the same records and metadata.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/reader.js';
import type { BlockInfo } from '../../src/capture/metadata.js';
import { formatEpoch } from '../../src/capture/types.js';
import { FIXTURES, PEER, load, peerVectors, plain } from './helpers.js';

interface Expected {
  counts: Record<string, number>;
  sequence: string[];
}

function expected(name: string): Expected {
  const text = readFileSync(`${PEER}output_le/${name}.txt`, 'utf8');
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^\t(\w+): (\d+)$/gm)) counts[match[1]!] = Number(match[2]);
  const sequence = /^Block sequence: (.*)$/m.exec(text)![1]!.split(', ');
  return { counts, sequence };
}

function read(path: string) {
  const blocks: BlockInfo[] = [];
  const reader = new CaptureReader({ onBlock: (b) => blocks.push(b) });
  const records = [...reader.readSync(load(path))].map(plain);
  return { reader, records, blocks };
}

const names = peerVectors();

describe('pcapng peer vectors', () => {
  it('has all 24 files', () => {
    expect(names).toHaveLength(24);
  });

  for (const name of names) {
    describe(name, () => {
      const want = expected(name);
      for (const order of ['le', 'be'] as const) {
        it(`${order}: reads with the stated block sequence and counts`, () => {
          const { blocks, records } = read(`${PEER}output_${order}/${name}.pcapng`);
          expect(blocks.map((b) => b.name)).toEqual(want.sequence);
          const counts: Record<string, number> = {};
          for (const b of blocks) counts[b.name] = (counts[b.name] ?? 0) + 1;
          expect(counts).toEqual(want.counts);
          const packets = (want.counts.EPB ?? 0) + (want.counts.SPB ?? 0) + (want.counts.PB ?? 0);
          expect(records).toHaveLength(packets);
        });
      }

      for (const order of ['le', 'be'] as const) {
        it(`${order}: times, lengths, interfaces, comments and flags as tshark reads them`, () => {
          const file = name.replace(/.*\//, '');
          const rows = readFileSync(`${FIXTURES}peer-tshark/${order}-${file}.tsv`, 'utf8')
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => line.split('\t'))
            // tshark 4.0 shows custom blocks as frames with no interface: they are not packets.
            .filter((row) => row[3] !== '');
          const { records, blocks } = read(`${PEER}output_${order}/${name}.pcapng`);
          const kinds = blocks.filter((b) => ['EPB', 'SPB', 'PB'].includes(b.name)).map((b) => b.name);
          expect(
            records.map((r, i) => [
              // A Simple Packet Block has no time: tshark prints none, we give 0n.
              kinds[i] === 'SPB' && r.timestamp === 0n ? '' : formatEpoch(r.timestamp),
              String(r.originalLength),
              String(r.capturedLength),
              String(r.interfaceId),
              r.comment?.replaceAll('\n', '|') ?? '',
              r.flags === undefined ? '' : `0x${r.flags.toString(16).padStart(8, '0')}`,
            ]),
          ).toEqual(rows);
        });
      }

      it('little- and big-endian give the same records and metadata', () => {
        const le = read(`${PEER}output_le/${name}.pcapng`);
        const be = read(`${PEER}output_be/${name}.pcapng`);
        expect(be.records).toEqual(le.records);
        const meta = (r: CaptureReader) => ({
          sections: r.sections.map(({ byteOrder: _o, ...rest }) => rest),
          interfaces: r.interfaces,
          nameResolution: r.nameResolution,
          statistics: r.statistics,
          decryptionSecrets: r.decryptionSecrets,
        });
        expect(meta(be.reader)).toEqual(meta(le.reader));
      });
    });
  }
});
