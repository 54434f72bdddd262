// TamoSoft CommView captures (NCF as editcap writes it and as make-commview.sh lays out records
// editcap does not write; NCFX hand-made, editcap's own NCFX not reading back), against what tshark
// reads of each file: every record's time, lengths and link type, the same records from every
// reader and the index, the CLI's summary lines equal to `tshark -r`; then how a file is told
// apart (no magic), damage at named offsets, and fuzzing.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureReader, readCaptureSync } from '../../src/capture/reader.js';
import { commviewVariant } from '../../src/capture/commview-parser.js';
import { detectFormat } from '../../src/capture/unit-parser.js';
import type { CaptureRecord } from '../../src/capture/types.js';
import { cli, lines, root } from '../cli/cli-util.js';
import { cutAnywhere, expectMutationsRead, expectReadAsTshark, FIXTURES, load, patched } from './helpers.js';

/** Each fixture, and the pcap whose packets it holds (in order), where there is one. */
const FILES: Record<string, string | undefined> = {
  'commview-lo-eth.ncf': '../capture-real/lo-eth.pcap',
  'commview-dns.ncf': '../wire/dns.pcap',
  'commview-wlan.ncf': '../cli/wlan-mgmt.pcap',
  'commview-mixed.ncf': undefined,
  'commview-eth.ncfx': 'small-nsec-le.pcap',
};
const hex = (r: CaptureRecord) => Buffer.from(r.data).toString('hex');

/** Record offsets of an NCF (24-byte headers, u16 data length) or NCFX (u32 length with its 20-byte header) file. */
function offsets(bytes: Uint8Array, ncfx: boolean): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let at = 0; at < bytes.length; at += ncfx ? view.getUint32(at, true) : 24 + view.getUint16(at, true)) out.push(at);
  return out;
}

describe('CommView: every record as tshark reads it', () => {
  for (const [file, source] of Object.entries(FILES)) {
    it(`${file}: times, lengths, link types as tshark${source === undefined ? '' : `; bytes as in ${source.replace(/^.*\//, '')}`}; every reader the same`, async () => {
      const { records, reader } = await expectReadAsTshark(file);
      if (source !== undefined) expect(records.map(hex)).toEqual([...readCaptureSync(load(FIXTURES + source))].map((r) => hex({ ...r, data: r.data.subarray(0, r.capturedLength) })));
      expect(reader.format).toBe('commview');
      expect(reader.byteOrder).toBe('little');
      expect(reader.precision).toBe('micro');
      expect(reader.sections).toEqual([{ index: 0, offset: 0, byteOrder: 'little', version: file.endsWith('x') ? 'NCFX' : 'NCF', sectionLength: -1n }]);
    });
  }

  it('a file mixing media: one interface per medium, in the order they first appear', () => {
    const reader = new CaptureReader();
    const records = [...reader.readSync(load(`${FIXTURES}commview-mixed.ncf`))];
    expect(reader.interfaces.map((i) => [i.id, i.linkType, i.linkTypeName])).toEqual([[0, 1, 'ethernet'], [1, 105, 'ieee802_11']]);
    expect(records.map((r) => r.interfaceId)).toEqual(records.map((r) => (r.linkType === 1 ? 0 : 1)));
    expect(new Set(records.map((r) => r.linkType))).toEqual(new Set([1, 105]));
  });
});

describe('CommView: told apart by its first records (it has no magic)', () => {
  it('NCF and NCFX by their first header, and the next one where the bytes reach it', () => {
    for (const [file] of Object.entries(FILES)) {
      const bytes = load(FIXTURES + file);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      expect(commviewVariant(view, 0)).toBe(file.endsWith('x') ? 'ncfx' : 'ncf');
      expect(detectFormat(view, 0)).toBe('commview');
    }
    const ncf = load(`${FIXTURES}commview-dns.ncf`);
    const second = offsets(ncf, false)[1]!;
    // A second record whose version is not 0 makes the file something else.
    expect(() => detectFormat(new DataView(patched(ncf, second + 4, 1, 1).buffer), 0)).toThrow(/unknown magic/);
    // tshark's bounds on the time: NCF years 1970 to 2037, NCFX from 2000; a month, a day, hours, minutes.
    const at = (bytes: Uint8Array) => commviewVariant(new DataView(bytes.buffer), 0);
    expect(at(patched(ncf, 5, 2037, 2))).toBe('ncf');
    expect(at(patched(ncf, 5, 2038, 2))).toBeUndefined();
    expect(at(patched(ncf, 5, 1969, 2))).toBeUndefined();
    for (const [off, value] of [[7, 13], [8, 0], [9, 24], [10, 60], [11, 61], [16, 3]] as const) expect(at(patched(ncf, off, value, 1)), `byte ${off} = ${value}`).toBeUndefined();
    expect(at(patched(ncf, 11, 60, 1))).toBe('ncf');
    const ncfx = load(`${FIXTURES}commview-eth.ncfx`);
    expect(at(patched(ncfx, 4, 1999, 2))).toBeUndefined();
    expect(at(patched(ncfx, 4, 9999, 2))).toBe('ncfx');
  });
});

describe('CommView: damage gives a WireError at the offset, never a crash', () => {
  const ncf = load(`${FIXTURES}commview-mixed.ncf`);
  const ncfx = load(`${FIXTURES}commview-eth.ncfx`);
  const fails = (bytes: Uint8Array, what: object, options = {}) => expect(() => [...readCaptureSync(bytes, options)]).toThrow(expect.objectContaining({ layer: 'commview', ...what }));

  it('a later record: its version, time, medium; lengths above the caps', () => {
    // (The first two records decide the format: damage goes in later ones.)
    const [, , third, fourth] = offsets(ncf, false) as [number, number, number, number];
    fails(patched(ncf, third + 4, 2, 1), { code: 'bad-version', offset: third + 4 });
    fails(patched(ncf, third + 7, 0, 1), { code: 'bad-value', offset: third + 5 });
    fails(patched(ncf, fourth + 16, 5, 1), { code: 'unsupported', offset: fourth + 16, message: expect.stringMatching(/medium 5/) });
    fails(ncf, { code: 'limit-exceeded', offset: 0 }, { maxRecordLength: 40 });
    const [, , x2] = offsets(ncfx, true) as [number, number, number];
    fails(patched(ncfx, x2, 19, 4), { code: 'bad-length', offset: x2 });
    fails(patched(ncfx, x2, 20 + 262_145, 4), { code: 'bad-length', offset: x2 });
    // NCFX Wi-Fi records carry a radio header not read here: refused with its offset.
    fails(patched(ncfx, x2 + 15, 1, 1), { code: 'unsupported', offset: x2 + 15, message: expect.stringMatching(/medium 0 \(Ethernet\)/) });
  });

  it('cut anywhere: the records before the cut, then a truncation (or the end, between records)', () => {
    for (const [bytes, x] of [[ncf, false], [ncfx, true]] as const) {
      const starts = new Set([...offsets(bytes, x), bytes.length]);
      cutAnywhere(bytes, (n, error) => {
        if (n < 4) expect(error).toMatchObject({ layer: 'capture', code: 'truncated' });
        else if (starts.has(n)) expect(error).toBeUndefined();
        else if (error !== undefined) expect(error).toMatchObject({ code: expect.stringMatching(/truncated|unsupported/) });
      }, x ? 20 : 24);
    }
  });

  it('fuzz: mutated files give records or a WireError, in memory and streamed', async () => {
    await expectMutationsRead(Object.keys(FILES).map((f) => load(FIXTURES + f)));
  });
});

describe.runIf(existsSync(`${root}bin/wirekit.js`) && existsSync(`${root}dist`))('wirekit decode on CommView captures: the summary lines of tshark -r', () => {
  for (const file of Object.keys(FILES)) {
    it(file, () => {
      const r = cli(['decode', FIXTURES + file]);
      expect(r.stderr).toBe('');
      expect(lines(r.stdout)).toEqual(lines(readFileSync(`${FIXTURES}${file}.summary.txt`, 'utf8')));
    });
  }
});
