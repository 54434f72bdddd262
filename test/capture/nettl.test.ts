// HP-UX nettl traces (as editcap writes them, and records laid out by make-nettl.sh that editcap
// does not write: IP-stack and token ring subsystems, unknown subsystems read as Ethernet, header
// lengths above 68), against what tshark reads of each file: every record's time, lengths and link
// type, the same records from every reader and the index, the CLI's summary lines, frame.protocols
// (nettl above the frame), the nettl fields and the io,phs tree equal to tshark's; then damage at
// named offsets, and fuzzing.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCaptureSync } from '../../src/capture/reader.js';
import { detectFormat, hasMagic } from '../../src/capture/unit-parser.js';
import type { CaptureRecord } from '../../src/capture/types.js';
import { cli, lines, root } from '../cli/cli-util.js';
import { cutAnywhere, expectMutationsRead, expectReadAsTshark, FIXTURES, load, patched } from './helpers.js';

/** Each fixture, and the pcap whose packets it holds (editcap's conversions). */
const FILES: Record<string, string | undefined> = {
  'nettl-lo-eth.trc0': '../capture-real/lo-eth.pcap',
  'nettl-dns.trc0': '../wire/dns.pcap',
  'nettl-small.trc0': 'small-nsec-le.pcap',
  'nettl-mixed.trc0': undefined,
};
const FILE_HEADER = 128;
const hex = (r: CaptureRecord) => Buffer.from(r.data).toString('hex');
const tsv = (file: string) => lines(readFileSync(`${FIXTURES}${file}`, 'utf8')).map((l) => l.split('\t'));

function offsets(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let at = FILE_HEADER; at < bytes.length; at += view.getUint16(at, false) + view.getUint32(at + 32, false)) out.push(at);
  return out;
}

describe('nettl: every record as tshark reads it', () => {
  for (const [file, source] of Object.entries(FILES)) {
    it(`${file}: times, lengths, link types as tshark${source === undefined ? '' : `; bytes as in ${source.replace(/^.*\//, '')}`}; every reader the same`, async () => {
      const { records, reader } = await expectReadAsTshark(file);
      if (source !== undefined) expect(records.map(hex)).toEqual([...readCaptureSync(load(FIXTURES + source))].map(hex));
      expect(reader.format).toBe('nettl');
      expect(reader.byteOrder).toBe('big');
      // The record's own header, as tshark's nettl fields (the kind printed in hex there).
      const want = tsv(`${file}.nettl.tsv`);
      expect(records.map((r) => [r.nettl!.subsystem, r.nettl!.deviceId, r.nettl!.kind, r.nettl!.pid, r.nettl!.uid])).toEqual(want.map((w) => w.map(Number)));
    });
  }

  it('mixed: one interface per link type met, in order (IP, Ethernet, token ring)', () => {
    const records = [...readCaptureSync(load(`${FIXTURES}nettl-mixed.trc0`))];
    expect(records.map((r) => r.linkType)).toEqual([101, 101, 101, 101, 1, 1, 1, 1, 6, 6, 101]);
    expect(records.map((r) => r.interfaceId)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 0]);
  });
});

describe('nettl: its magic, and damage as a WireError at the offset', () => {
  const good = load(`${FIXTURES}nettl-mixed.trc0`);
  const at = offsets(good);
  const fails = (bytes: Uint8Array, what: object, options = {}) => expect(() => [...readCaptureSync(bytes, options)]).toThrow(expect.objectContaining({ layer: 'nettl', ...what }));

  it('"TR\\0d\\0" and nothing shorter', () => {
    const view = (b: number[]) => new DataView(new Uint8Array(b).buffer);
    expect(detectFormat(view([0x54, 0x52, 0, 0x64, 0, 9, 9]), 0)).toBe('nettl');
    expect(hasMagic(view([0x54, 0x52, 0, 0x64, 0]), 0)).toBe(true);
    expect(hasMagic(view([0x54, 0x52, 0, 0x64]), 0)).toBe(false);
    expect(hasMagic(view([0x54, 0x52, 0, 0x64, 1]), 0)).toBe(false);
  });

  it('header lengths below 68, subsystems with layouts of their own, lengths above the caps, microseconds', () => {
    fails(patched(good, at[2]!, 67 << 8, 2), { code: 'bad-length', offset: at[2] });
    for (const subsystem of [2, 11, 23, 95, 245, 268]) fails(patched(good, at[3]! + 2, ((subsystem & 0xff) << 8) | (subsystem >> 8), 2), { code: 'unsupported', offset: at[3]! + 2, message: expect.stringMatching(new RegExp(`subsystem ${subsystem} `)) });
    fails(patched(good, at[1]! + 32, 0x01000400, 4), { code: 'bad-length', offset: at[1]! + 32 });
    fails(good, { code: 'limit-exceeded', offset: at[0]! + 32 }, { maxRecordLength: 30 });
    fails(patched(good, at[4]! + 44, 0x40420f00, 4), { code: 'bad-value', offset: at[4]! + 44 });
  });

  it('cut anywhere: the records before the cut, then a truncation (or the end, between records)', () => {
    const starts = new Set([FILE_HEADER, ...at, good.length]);
    cutAnywhere(good, (n, error) => {
      if (n < 4) expect(error).toMatchObject({ layer: 'capture', code: 'truncated' });
      else if (n < 5) expect(error).toBeDefined();
      else if (starts.has(n)) expect(error).toBeUndefined();
      else expect(error).toMatchObject({ layer: 'nettl', code: 'truncated' });
    });
  });

  it('fuzz: mutated files give records or a WireError, in memory and streamed', async () => {
    await expectMutationsRead(Object.keys(FILES).map((f) => load(FIXTURES + f)));
  });
});

describe.runIf(existsSync(`${root}bin/wirekit.js`) && existsSync(`${root}dist`))('wirekit decode and stats on nettl traces: as tshark', () => {
  for (const file of Object.keys(FILES)) {
    it(`${file}: summary lines, frame.protocols (nettl above the frame), nettl fields`, () => {
      const r = cli(['decode', FIXTURES + file]);
      expect(r.stderr).toBe('');
      expect(lines(r.stdout)).toEqual(lines(readFileSync(`${FIXTURES}${file}.summary.txt`, 'utf8')));
      const json = lines(cli(['decode', FIXTURES + file, '--json']).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(json.map((p) => p['frame.protocols'])).toEqual(tsv(`${file}.frames.tsv`).map((f) => f[5]));
      expect(json.map((p) => ['nettl.subsys', 'nettl.devid', 'nettl.kind', 'nettl.pid', 'nettl.uid'].map((n) => Number(p[n])))).toEqual(tsv(`${file}.nettl.tsv`).map((w) => w.map(Number)));
    });
  }

  it('nettl-mixed.trc0: the io,phs tree (nettl, then raw above the IP packets)', () => {
    const tree = (text: string) => lines(text).filter((l) => / frames:\d+ bytes:\d+$/.test(l));
    expect(tree(cli(['stats', `${FIXTURES}nettl-mixed.trc0`]).stdout)).toEqual(tree(readFileSync(`${FIXTURES}nettl-mixed.trc0.phs.txt`, 'utf8')));
  });
});
