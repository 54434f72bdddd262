// K12 text files, as editcap writes them and as make-k12text.sh writes what editcap never writes,
// against what tshark reads of each file: every record's time (as tshark prints it), lengths, link
// type and bytes; the bytes of editcap's conversions equal to their source pcaps'; the same records
// from every reader and chunking; the CLI's summary lines equal to `tshark -r`. Then damage: typed
// WireErrors naming the line at the right offsets, and fuzzing.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isK12Text } from '../../src/capture/k12text-parser.js';
import { CaptureReader, readCaptureSync } from '../../src/capture/reader.js';
import { indexCapture } from '../../src/capture/index-capture.js';
import { formatEpoch, type CaptureRecord } from '../../src/capture/types.js';
import { detectFormat, hasMagic } from '../../src/capture/unit-parser.js';
import { WireError } from '../../src/errors.js';
import { cli, lines, root } from '../cli/cli-util.js';
import { cutAnywhere, chunksOf, expectMutationsRead, FIXTURES, load, plain, randomChunks, rng, WTAP_ENCAP_TO_LINKTYPE } from './helpers.js';

/** Each fixture and the pcap whose packets it holds, if it holds one's (make-k12text.sh). */
const SOURCES: Record<string, string | undefined> = {
  'k12text-lo-eth.txt': '../capture-real/lo-eth.pcap',
  'k12text-dns.txt': '../wire/dns.pcap',
  'k12text-small.txt': 'small-nsec-le.pcap',
  'k12text-lf.txt': 'small-nsec-le.pcap',
  'k12text-encaps.txt': undefined,
};

/** tshark 4.0's encapsulation numbers for Cisco HDLC (28) and MTP3 (43) as well. */
const ENCAP_TO_LINKTYPE: Readonly<Record<string, number>> = { ...WTAP_ENCAP_TO_LINKTYPE, '28': 104, '43': 141 };

const hex = (r: CaptureRecord) => Buffer.from(r.data).toString('hex');
const text = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const SEP = '+---------+---------------+----------+';
const read = (bytes: Uint8Array, options?: { maxRecordLength?: number }) => [...readCaptureSync(bytes, options)];
const fails = (bytes: Uint8Array, what: object, options?: { maxRecordLength?: number }) =>
  expect(() => read(bytes, options)).toThrow(expect.objectContaining({ layer: 'k12text', ...what }));

async function streamed(chunks: Uint8Array[], options?: { maxRecordLength?: number }): Promise<CaptureRecord[]> {
  const out: CaptureRecord[] = [];
  for await (const r of new CaptureReader(options).read(chunks)) out.push(r);
  return out;
}

describe('K12 text: every record as tshark reads it', () => {
  for (const [file, source] of Object.entries(SOURCES)) {
    it(`${file}: times, lengths, link types, bytes as tshark${source ? `; bytes as in ${source.replace(/^.*\//, '')}` : ''}; every reader the same`, async () => {
      const bytes = load(FIXTURES + file);
      const reader = new CaptureReader();
      const records = [...reader.readSync(bytes)];
      const base = file.replace(/\.txt$/, '');
      const frames = readFileSync(`${FIXTURES}${base}.frames.tsv`, 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
      const tsharkBytes = readFileSync(`${FIXTURES}${base}.bytes.txt`, 'utf8').split('\n').slice(0, frames.length);
      expect(records).toHaveLength(frames.length);
      records.forEach((r, i) => {
        const [number, time, len, capLen, encap] = frames[i]!;
        expect(Number(number)).toBe(i + 1);
        expect(formatEpoch(r.timestamp)).toBe(time);
        expect(r.originalLength).toBe(Number(len));
        expect(r.capturedLength).toBe(Number(capLen));
        expect(r.data.length).toBe(r.capturedLength);
        expect(r.linkType).toBe(ENCAP_TO_LINKTYPE[encap!]);
        expect(hex(r)).toBe(tsharkBytes[i]);
      });
      if (source !== undefined) {
        const want = read(load(FIXTURES + source));
        expect(records.map(hex)).toEqual(want.map(hex));
        // The format keeps no wire length: a frame the pcap cut short is as long as what was kept.
        expect(records.map((r) => r.originalLength)).toEqual(want.map((r) => r.capturedLength));
      }
      // Streamed in chunks that cut lines anywhere (down to one byte), and at random.
      const all = records.map(plain);
      for (const size of [1, 2, 7, 50, 4096]) expect((await streamed(chunksOf(bytes, size))).map(plain)).toEqual(all);
      const random = rng(file.length);
      for (let n = 0; n < 5; n++) expect((await streamed(randomChunks(bytes, random, 300))).map(plain)).toEqual(all);

      expect(reader.format).toBe('k12text');
      expect(reader.precision).toBe('nano');
      const linkTypes = [...new Set(records.map((r) => r.linkType))];
      expect(reader.interfaces.map((f) => f.linkType)).toEqual(linkTypes);
      expect(records.map((r) => r.interfaceId)).toEqual(records.map((r) => linkTypes.indexOf(r.linkType)));
    });
  }

  it('several encapsulations: one interface each, in order of first use', () => {
    const reader = new CaptureReader();
    const records = [...reader.readSync(load(`${FIXTURES}k12text-encaps.txt`))];
    expect(reader.interfaces.map((f) => [f.id, f.linkType, f.linkTypeName, f.tsresol])).toEqual([
      [0, 104, 'c_hdlc', 9],
      [1, 141, reader.interfaces[1]!.linkTypeName, 9],
      [2, 1, 'ethernet', 9],
    ]);
    expect(records.map((r) => r.interfaceId)).toEqual([0, 1, 2, 2, 0]);
    expect(records[3]!.capturedLength).toBe(0);
  });

  it('the time of day lands on tshark\'s fixed day whatever the date, and the block\'s bytes are told apart from its blocks', () => {
    const blocks: Array<[string, number, number]> = [];
    const file = `${SEP}\r\n5:06:07,008,009   31.12.2024\r\nETHER\r\n|0   |ab|\r\n\r\n`;
    const records = [...new CaptureReader({ onBlock: (b) => blocks.push([b.name, b.offset, b.length]) }).readSync(text(file))];
    expect(records.map((r) => formatEpoch(r.timestamp))).toEqual(['946699567.008009000']);
    expect(blocks).toEqual([['record', 0, file.length]]);
  });
});

describe('K12 text: recognised from its first bytes, even four', () => {
  const view = (s: string) => {
    const b = text(s);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  };

  it('isK12Text on short and long views', () => {
    for (const yes of ['+---', '\r\n+-', '\n+--', '\n\n+-', SEP, `\r\n\r\n${SEP}\r\n`]) expect(isK12Text(view(yes), 0)).toBe(true);
    for (const no of ['', '+', '\r\n\r\n', '\n\n\n+', '+--x', '+-+-', '-+--', `${'\n'.repeat(65)}${SEP}`]) expect(isK12Text(view(no), 0)).toBe(false);
    expect(isK12Text(view('xx+---'), 2)).toBe(true);
    expect(isK12Text(view('+---'), 4)).toBe(false);
    expect(hasMagic(view('+---'), 0)).toBe(true);
    expect(detectFormat(view(`\n\n\n${SEP}`), 0)).toBe('k12text');
  });

  it('a file opening with several line breaks: found by the reader that looks further, in memory and streamed', async () => {
    const bytes = text(`\r\n\r\n\r\n\n${readFileSync(`${FIXTURES}k12text-small.txt`, 'latin1')}`);
    const all = read(bytes).map(plain);
    expect(all).toHaveLength(8);
    for (const size of [1, 3, 4096]) expect((await streamed(chunksOf(bytes, size))).map(plain)).toEqual(all);
  });
});

describe('K12 text: damage gives a WireError at the offset, never a crash', () => {
  const good = readFileSync(`${FIXTURES}k12text-small.txt`, 'latin1');
  const second = good.indexOf(SEP, 1);
  /** The file with `count` characters at `at` replaced by `value`. */
  const edit = (at: number, value: string, count = value.length) => text(good.slice(0, at) + value + good.slice(at + count));
  const timeLine = good.indexOf('\r\n') + 2;
  const dataLine = good.indexOf('|0   |');

  it('separators: dash counts, what follows, junk where a block should start', () => {
    fails(edit(3, '', 1), { code: 'bad-value', offset: 1, message: expect.stringContaining('line 1 (separator) at offset 1: 8 dashes') });
    fails(edit(second + 12, '', 1), { code: 'bad-value', offset: second + 11, message: expect.stringContaining('14 dashes') });
    fails(edit(second + SEP.length, 'x'), { code: 'bad-value', offset: second + SEP.length, message: expect.stringContaining('line 5 (separator)') });
    fails(edit(second, 'junk\r\n'), { code: 'bad-value', offset: second, message: expect.stringContaining('line 5 (separator)') });
    // 101 dashes in the last run: above the 100 Wireshark's pattern allows; 100 are read.
    fails(edit(second + 27, '-'.repeat(91), 0), { code: 'bad-value', offset: second + 27, message: expect.stringContaining('101 dashes') });
    expect(read(edit(second + 27, '-'.repeat(90), 0))).toHaveLength(8);
  });

  it('time lines: each field, named with its offset', () => {
    fails(edit(timeLine, 'x'), { code: 'bad-value', offset: timeLine, message: expect.stringContaining('line 2 (time)') });
    fails(edit(timeLine, '123456'), { code: 'bad-value', offset: timeLine, message: expect.stringContaining('hours') });
    fails(edit(timeLine + 2, ';'), { code: 'bad-value', offset: timeLine + 2 });
    fails(edit(timeLine + 3, 'x'), { code: 'bad-value', offset: timeLine + 3, message: expect.stringContaining('minutes') });
    fails(edit(timeLine + 8, '.'), { code: 'bad-value', offset: timeLine + 8 });
    fails(edit(timeLine + 13, '8a'), { code: 'bad-value', offset: timeLine + 13, message: expect.stringContaining('microseconds') });
    fails(edit(timeLine + 16, 'x'), { code: 'bad-value', offset: timeLine + 16, message: expect.stringContaining('blank') });
    fails(edit(timeLine + 16, '   01.02.2003 ETHER', 0), { code: 'bad-value', offset: timeLine + 16, message: expect.stringContaining('line 2 (encapsulation)') });
    fails(edit(timeLine + 16, ' '.repeat(300), 0), { code: 'bad-length', offset: timeLine });
  });

  it('encapsulations: unknown names and the two tshark refuses too are unsupported; none at all is refused', () => {
    fails(edit(timeLine + 19, 'FDDI', 5), { code: 'unsupported', offset: timeLine, message: expect.stringContaining('"FDDI"') });
    fails(edit(timeLine + 19, 'MTP-L2', 5), { code: 'unsupported', message: expect.stringContaining('MTP2') });
    fails(edit(timeLine + 19, 'SSCOP', 5), { code: 'unsupported', message: expect.stringContaining('SSCOP') });
    fails(edit(timeLine + 16, '', 8), { code: 'bad-value', offset: dataLine - 8, message: expect.stringContaining('line 3 (encapsulation)') });
  });

  it('frame bytes: uppercase or odd hex, a missing bar, a bad offset column, no frame line', () => {
    fails(edit(dataLine + 6, 'A'), { code: 'bad-value', offset: dataLine + 6, message: expect.stringContaining('line 3 (frame bytes)') });
    fails(edit(dataLine + 9, 'g'), { code: 'bad-value', offset: dataLine + 9, message: expect.stringContaining('byte 1') });
    fails(edit(dataLine + 14, ' '), { code: 'bad-value', offset: dataLine + 12, message: expect.stringContaining('byte 2') });
    fails(edit(dataLine + 1, '1'), { code: 'bad-value', offset: dataLine + 1, message: expect.stringContaining('"|0   |"') });
    fails(edit(dataLine, '', 6), { code: 'bad-value', offset: dataLine });
    const end = good.indexOf('\r\n', dataLine);
    fails(edit(end, '\r\n|1g  |00|', 0), { code: 'bad-value', offset: end + 3 });
    fails(edit(end, ' '), { code: 'bad-value', offset: end });
    fails(edit(timeLine + 24, '\r\n', 0), { code: 'bad-value', offset: dataLine, message: expect.stringContaining('empty line') });
    // Continuation lines with any 4-character uppercase hex column are read, as Wireshark reads them.
    expect(read(edit(end, '\r\n|FF  |00|\r\n|0   |01|', 0))[0]!.capturedLength).toBe(56);
  });

  it('line ends: a lone CR inside a line or between blocks', () => {
    fails(edit(dataLine + 8, '\r'), { code: 'bad-value', offset: dataLine + 8, message: expect.stringContaining('carriage return') });
    fails(edit(second, '\r\n\r', 0), { code: 'bad-value', offset: second + 2, message: expect.stringContaining('line 6 (line break)') });
    fails(text(`${good}\r`), { code: 'bad-value', offset: good.length });
  });

  it('limits: a block without its end is never buffered past maxRecordLength; frames above 262144 bytes', async () => {
    const long = text(`${good}${SEP}\r\n00:00:00,000,000   ETHER\r\n|0   |${'00|'.repeat(5000)}`);
    fails(long, { code: 'limit-exceeded', offset: good.length }, { maxRecordLength: 4096 });
    await expect(streamed(chunksOf(long, 100), { maxRecordLength: 4096 })).rejects.toThrow(expect.objectContaining({ layer: 'k12text', code: 'limit-exceeded', offset: good.length }));
    const huge = text(`${SEP}\r\n00:00:00,000,000   ETHER\r\n|0   |${'00|'.repeat(262145)}\r\n\r\n`);
    fails(huge, { code: 'limit-exceeded', offset: SEP.length + 2 + 24 + 2 + 6 + 3 * 262144 });
    expect(read(text(`${SEP}\r\n00:00:00,000,000   ETHER\r\n|0   |${'00|'.repeat(262144)}\r\n\r\n`))[0]!.capturedLength).toBe(262144);
  });

  it('cut anywhere: the records before the cut, then a truncation (or the end, between blocks)', () => {
    const bytes = text(good);
    const ends = new Set<number>();
    for (let at = good.indexOf('\r\n\r\n'); at >= 0; at = good.indexOf('\r\n\r\n', at + 1)) ends.add(at + 4);
    cutAnywhere(
      bytes,
      (n, error) => {
        if (ends.has(n)) expect(error).toBeUndefined();
        else expect(error).toMatchObject({ layer: 'k12text', code: expect.stringMatching(/^(truncated|bad-value)$/) });
      },
      4,
    );
  });

  it('fuzz: mutated files give records or a WireError, in memory and streamed', async () => {
    await expectMutationsRead(Object.keys(SOURCES).map((f) => load(FIXTURES + f)), 500);
  });
});

describe.runIf(existsSync(`${root}bin/wirekit.js`) && existsSync(`${root}dist`))('wirekit decode on K12 text files: the summary lines of tshark -r', () => {
  // k12text-encaps.txt is left out: wirekit has no MTP3 dissector, and shows the empty and cut
  // frames there differently from tshark (the reader's side of that file is checked above).
  for (const file of Object.keys(SOURCES).filter((f) => !f.includes('encaps'))) {
    it(file, () => {
      const r = cli(['decode', FIXTURES + file]);
      expect(r.stderr).toBe('');
      expect(lines(r.stdout)).toEqual(lines(readFileSync(`${FIXTURES}${file.replace(/\.txt$/, '')}.summary.txt`, 'utf8')));
    });
  }
});

describe('K12 text: indexCapture', () => {
  it('indexes records decoded from hex: the index holds their bytes itself (a text file has none to point into)', () => {
    for (const file of ['k12text-lo-eth.txt', 'k12text-dns.txt', 'k12text-small.txt']) {
      const bytes = load(`${FIXTURES}${file}`);
      const records = [...readCaptureSync(bytes)];
      const index = indexCapture(bytes);
      expect(index.count).toBe(records.length);
      expect(index.data.buffer).not.toBe(bytes.buffer);
      for (let i = 0; i < records.length; i++) {
        expect(Buffer.from(index.data.subarray(index.offsets[i]!, index.offsets[i]! + index.lengths[i]!)).equals(Buffer.from(records[i]!.data))).toBe(true);
        expect(index.timestamps[i]).toBe(records[i]!.timestamp);
      }
    }
  });
});
