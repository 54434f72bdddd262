// NetXRay and Windows Sniffer captures, as editcap writes them and as make-netxray.sh lays out what
// editcap never writes, against what tshark reads of each file: every record's time (as tshark
// prints it, wiretap's double-precision arithmetic included), lengths and link type, the frames'
// bytes equal to their source pcaps' (an FCS kept, junk dropped), the same records from every
// reader, and the CLI's summary lines equal to `tshark -r`. Then damage: typed WireErrors at the
// right offsets, and fuzzing.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureReader, readCaptureSync } from '../../src/capture/reader.js';
import type { CaptureRecord } from '../../src/capture/types.js';
import { WireError } from '../../src/errors.js';
import { cli, lines, root } from '../cli/cli-util.js';
import { cutAnywhere, expectMutationsRead, expectReadAsTshark, FIXTURES, load, patched, plain } from './helpers.js';

/** Each fixture and the pcap whose packets it holds (test/fixtures/capture/make-netxray.sh). */
const SOURCES: Record<string, string> = {
  'netxray11-lo-eth.cap': '../capture-real/lo-eth.pcap',
  'netxray20-lo-eth.cap': '../capture-real/lo-eth.pcap',
  'netxray20-dns.cap': '../wire/dns.pcap',
  'netxray20-small.cap': 'small-nsec-le.pcap',
  'netxray-old.cap': 'small-nsec-le.pcap',
  'netxray10.cap': 'small-nsec-le.pcap',
  'netxray21-unit1.cap': 'small-nsec-le.pcap',
  'netxray21-realtick.cap': 'small-nsec-le.pcap',
  'netxray22-gigpod.cap': 'small-nsec-le.pcap',
  'netxray21-fcs.cap': 'small-nsec-le.pcap',
  'netxray20-token-ring.cap': 'small-nsec-le.pcap',
};

/** Digits of the time stamps: 3 for millisecond ticks, 9 at 10^7 ticks a second or more, 6 otherwise. */
const DIGITS: Record<string, number> = { 'netxray-old.cap': 3, 'netxray10.cap': 3, 'netxray22-gigpod.cap': 9 };

/** A record's frame without the FCS its flags announce. */
const fcs = (r: CaptureRecord) => (r.flags === undefined ? 0 : (r.flags >> 5) & 15);
const hex = (r: CaptureRecord) => Buffer.from(r.data.subarray(0, r.data.length - fcs(r))).toString('hex');

describe('NetXRay / Windows Sniffer: every record as tshark reads it', () => {
  for (const [file, source] of Object.entries(SOURCES)) {
    it(`${file}: times, lengths, link types as tshark; bytes as in ${source.replace(/^.*\//, '')}; every reader the same`, async () => {
      const { records, reader } = await expectReadAsTshark(file);
      const want = [...readCaptureSync(load(FIXTURES + source))];
      expect(records.map(hex)).toEqual(want.map(hex));
      // Old files store one length: a frame the snaplen cut is as long on the wire as stored.
      if (file !== 'netxray-old.cap') expect(records.map((r) => r.originalLength - fcs(r))).toEqual(want.map((r) => r.originalLength));
      expect(records.filter((r) => r.flags !== undefined)).toHaveLength(file === 'netxray21-fcs.cap' ? 2 : 0);

      expect(reader.format).toBe('netxray');
      expect(reader.byteOrder).toBe('little');
      // editcap's -F ngwsniffer_2_0 writes version 002.001.
      const version = file === 'netxray-old.cap' ? '0.0' : file.startsWith('netxray20-') && !file.includes('token-ring') ? '2.1' : `${file[7]}.${file[8]}`;
      expect(reader.sections[0]!.version).toBe(version);
      const linkType = file.includes('token-ring') ? 6 : 1;
      expect(reader.interfaces).toEqual([{ section: 0, id: 0, linkType, linkTypeName: linkType === 6 ? 'ieee802_5' : 'ethernet', snaplen: 0, tsresol: DIGITS[file] ?? 6, tsoffset: 0n }]);
    });
  }
});

describe('NetXRay / Windows Sniffer: damage gives a WireError at the offset, never a crash', () => {
  const good = load(`${FIXTURES}netxray20-small.cap`);
  const good1 = load(`${FIXTURES}netxray11-lo-eth.cap`);
  const fails = (bytes: Uint8Array, what: object) => expect(() => [...readCaptureSync(bytes)]).toThrow(expect.objectContaining({ layer: 'netxray', ...what }));

  it('header: version, network type, time unit, where the records start and end', () => {
    fails(patched(good, 10, 0x39, 1), { code: 'bad-version', offset: 4 });
    fails(patched(good, 44, 8, 1), { code: 'unsupported', offset: 44, message: expect.stringContaining('(ATM)') });
    fails(patched(good, 45, 1, 1), { code: 'unsupported', offset: 45 });
    fails(patched(good, 48, 3, 1), { code: 'unsupported', offset: 48 });
    // Unit 2 takes the header's own count of ticks a second: 0 there is no count.
    fails(patched(good, 48, 2, 1), { code: 'unsupported', offset: 48 });
    fails(patched(good, 24, 64, 4), { code: 'bad-value', offset: 24 });
    fails(patched(good, 28, 100, 4), { code: 'unsupported', offset: 24, message: expect.stringContaining('ring') });
  });

  it('records: one that runs past the end offset; a file that ends before it', () => {
    // The first record's included length: 2.x at 128 + 10.
    fails(patched(good, 138, 60000, 2), { code: 'bad-length', offset: 138 });
    const end = new DataView(good.buffer, good.byteOffset).getUint32(28, true);
    fails(patched(good, 28, end + 10, 4), { code: 'truncated' });
    expect([...readCaptureSync(good1)].length).toBe(25);
  });

  it('cut anywhere: the records before the cut, then a truncation', () => {
    cutAnywhere(good, (n, e) => {
      expect(e, `cut at ${n}`).toBeInstanceOf(WireError);
      expect((e as WireError).code).toBe('truncated');
    });
  });

  it('fuzz: mutated files give records or a WireError, in memory and streamed', async () => {
    await expectMutationsRead(Object.keys(SOURCES).map((f) => load(FIXTURES + f)));
  });
});

describe.runIf(existsSync(`${root}bin/wirekit.js`) && existsSync(`${root}dist`))('wirekit decode on NetXRay files: the summary lines of tshark -r', () => {
  // Token ring is not decoded (its frames are handed over raw), so that file is left out here.
  for (const file of Object.keys(SOURCES).filter((f) => !f.includes('token-ring'))) {
    it(file, () => {
      const r = cli(['decode', FIXTURES + file]);
      expect(r.stderr).toBe('');
      // (netxray-old.cap's frame 7 is an IPv4 datagram longer than the frame, as the old format
      // keeps no wire length: tshark reports a bad UDP length there, and so does the CLI.)
      expect(lines(r.stdout)).toEqual(lines(readFileSync(`${FIXTURES}${file}.summary.txt`, 'utf8')));
    });
  }
});
