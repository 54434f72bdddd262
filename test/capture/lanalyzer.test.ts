// Novell LANalyzer traces, as editcap writes them and as make-lanalyzer.sh lays out the records
// editcap never writes, against what tshark reads of each file: every record's time
// (as tshark prints it), lengths and link type, the bytes of editcap's conversions equal to their
// source pcaps', the same records from every reader, and the CLI's summary lines equal to
// `tshark -r`. Then damage: typed WireErrors at the right offsets, and fuzzing.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureReader, readCaptureSync } from '../../src/capture/reader.js';
import type { CaptureRecord } from '../../src/capture/types.js';
import { WireError } from '../../src/errors.js';
import { cli, lines, root } from '../cli/cli-util.js';
import { cutAnywhere, expectMutationsRead, expectReadAsTshark, FIXTURES, load, plain } from './helpers.js';

/** Each fixture and the pcap whose packets it holds (test/fixtures/capture/make-lanalyzer.sh). */
const SOURCES: Record<string, string> = {
  'lanalyzer-lo-eth.tr1': '../capture-real/lo-eth.pcap',
  'lanalyzer-dns.tr1': '../wire/dns.pcap',
  'lanalyzer-small.tr1': 'small-nsec-le.pcap',
  'lanalyzer-cyclic.tr1': 'small-nsec-le.pcap',
  'lanalyzer-token-ring.tr1': 'small-nsec-le.pcap',
};

const hex = (r: CaptureRecord) => Buffer.from(r.data).toString('hex');

describe('LANalyzer: every record as tshark reads it', () => {
  for (const [file, source] of Object.entries(SOURCES)) {
    it(`${file}: times, lengths, link types as tshark; bytes as in ${source.replace(/^.*\//, '')}; every reader the same`, async () => {
      const { records, reader } = await expectReadAsTshark(file);
      const want = [...readCaptureSync(load(FIXTURES + source))];
      expect(records.map(hex)).toEqual(want.map(hex));
      expect(records.map((r) => r.originalLength)).toEqual(want.map((r) => r.originalLength));

      expect(reader.format).toBe('lanalyzer');
      expect(reader.byteOrder).toBe('little');
      expect(reader.precision).toBe('nano');
      expect(reader.sections[0]!.version).toBe('1.5');
      const linkType = file.includes('token-ring') ? 6 : 1;
      expect(reader.interfaces).toEqual([{ section: 0, id: 0, linkType, linkTypeName: linkType === 6 ? 'ieee802_5' : 'ethernet', snaplen: 1514, tsresol: 9, tsoffset: 0n }]);
    });
  }

  it('layouts: a cyclic trace, header records before and after the summary skipped', () => {
    const blocks: string[] = [];
    const records = [...new CaptureReader({ onBlock: (b) => blocks.push(b.name) }).readSync(load(`${FIXTURES}lanalyzer-cyclic.tr1`))];
    expect(records).toHaveLength(8);
    expect(blocks.slice(0, 4)).toEqual(['header', 'header record', 'summary', 'header record']);
  });
});

describe('LANalyzer: damage gives a WireError at the offset, never a crash', () => {
  const good = load(`${FIXTURES}lanalyzer-cyclic.tr1`);
  const view = new DataView(good.buffer, good.byteOffset);
  // Records: the trace header, a channel-name record, the summary, an index record, the packets.
  const offsets: number[] = [];
  for (let at = 0; at < good.length; at += 4 + view.getUint16(at + 2, true)) offsets.push(at);
  const [, channels, summary, index, packet] = offsets as [number, number, number, number, number];
  const patched = (at: number, value: number) => {
    const b = good.slice();
    new DataView(b.buffer).setUint16(at, value, true);
    return b;
  };
  const fails = (bytes: Uint8Array, what: object) => expect(() => [...readCaptureSync(bytes)]).toThrow(expect.objectContaining({ layer: 'lanalyzer', ...what }));

  it('header records: the board, a short summary, two summaries, none before the packets', () => {
    fails(patched(summary + 4 + 188, 300), { code: 'unsupported', offset: summary + 4 + 188 });
    fails(patched(summary + 2, 100), { code: 'bad-length', offset: summary + 2 });
    fails(patched(index, 0x1002), { code: 'bad-length', offset: index + 2 });
    fails(patched(summary, 0x1006), { code: 'bad-value', offset: packet });
    expect(() => [...readCaptureSync(good.subarray(0, packet))]).not.toThrow();
    expect(() => [...readCaptureSync(good.subarray(0, summary))]).toThrow(expect.objectContaining({ layer: 'lanalyzer', code: 'bad-value', offset: summary }));
    expect(channels).toBeGreaterThan(0);
  });

  it('packet records: only packets after the first, a descriptor and frame that fit the record', () => {
    const second = packet + 4 + view.getUint16(packet + 2, true);
    fails(patched(second, 0x1006), { code: 'bad-value', offset: second });
    fails(patched(packet + 2, 20), { code: 'bad-length', offset: packet + 2 });
    fails(patched(packet + 4 + 6, 5000), { code: 'bad-length', offset: packet + 10 });
  });

  it('cut anywhere: the records before the cut, then a truncation (or the end, between records)', () => {
    cutAnywhere(good, (_n, e) => {
      if (e !== undefined) expect(['truncated', 'bad-value', 'unsupported']).toContain((e as WireError).code);
    });
  });

  it('fuzz: mutated files give records or a WireError, in memory and streamed', async () => {
    await expectMutationsRead(Object.keys(SOURCES).map((f) => load(FIXTURES + f)));
  });
});

describe.runIf(existsSync(`${root}bin/wirekit.js`) && existsSync(`${root}dist`))('wirekit decode on LANalyzer traces: the summary lines of tshark -r', () => {
  // Token ring is not decoded (its frames are handed over raw), so that file is left out here.
  for (const file of Object.keys(SOURCES).filter((f) => !f.includes('token-ring'))) {
    it(file, () => {
      const r = cli(['decode', FIXTURES + file]);
      expect(r.stderr).toBe('');
      expect(lines(r.stdout)).toEqual(lines(readFileSync(`${FIXTURES}${file}.summary.txt`, 'utf8')));
    });
  }
});
