// Visual Networks traffic captures, as editcap writes them and as make-visual.sh lays out what
// editcap never writes, against what tshark reads of each file: every record's time (as tshark
// prints it), lengths and link type, the bytes equal to their source pcaps', the same records from
// every reader, and the CLI's summary lines equal to `tshark -r`. Then damage: typed WireErrors at
// the right offsets, and fuzzing.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureReader, readCaptureSync } from '../../src/capture/reader.js';
import type { CaptureRecord } from '../../src/capture/types.js';
import { formatEpoch } from '../../src/capture/types.js';
import { detectFormat, hasMagic } from '../../src/capture/unit-parser.js';
import { isVisual } from '../../src/capture/visual-parser.js';
import { WireError } from '../../src/errors.js';
import { cli, lines, root } from '../cli/cli-util.js';
import { cutAnywhere, collect, expectMutationsRead, expectReadAsTshark, FIXTURES, load, patched, plain } from './helpers.js';

/** Each fixture and the pcap whose packets it holds (test/fixtures/capture/make-visual.sh). */
const SOURCES: Record<string, string> = {
  'visual-lo-eth.bin': '../capture-real/lo-eth.pcap',
  'visual-dns.bin': '../wire/dns.pcap',
  'visual-small.bin': 'small-nsec-le.pcap',
  'visual-token-ring.bin': 'small-nsec-le.pcap',
  'visual-probe.bin': 'small-nsec-le.pcap',
};
const EDITCAP = ['visual-lo-eth.bin', 'visual-dns.bin', 'visual-small.bin'];

const hex = (r: CaptureRecord) => Buffer.from(r.data).toString('hex');
const FILE_HEADER = 192;
const PACKET_HEADER = 20;

describe('Visual Networks: every record as tshark reads it', () => {
  for (const [file, source] of Object.entries(SOURCES)) {
    it(`${file}: times, lengths, link types as tshark; bytes as in ${source.replace(/^.*\//, '')}; every reader the same`, async () => {
      const { records, reader } = await expectReadAsTshark(file);
      let want = [...readCaptureSync(load(FIXTURES + source))];
      // The probe-style file's header counts one packet fewer than it holds (make-visual.sh).
      if (file === 'visual-probe.bin') want = want.slice(0, -1);
      expect(records.map(hex)).toEqual(want.map(hex));
      // editcap writes the pcap's wire length, and Wireshark takes an Ethernet FCS off it all the same.
      const fcs = EDITCAP.includes(file) ? 4 : 0;
      expect(records.map((r) => r.originalLength)).toEqual(want.map((r) => r.originalLength - fcs));

      expect(reader.format).toBe('visual');
      expect(reader.byteOrder).toBe('little');
      expect(reader.precision).toBe('micro');
      expect(reader.sections).toEqual([{ index: 0, offset: 0, byteOrder: 'little', version: '1', sectionLength: -1n }]);
      const iface = reader.interfaces[0]!;
      expect(reader.interfaces).toHaveLength(1);
      expect(iface.linkType).toBe(file.includes('token-ring') ? 6 : 1);
      expect(iface.tsresol).toBe(3);
      if (EDITCAP.includes(file)) {
        expect(iface).toEqual({ section: 0, id: 0, linkType: 1, linkTypeName: 'ethernet', snaplen: 65535, tsresol: 3, tsoffset: 0n, description: 'Wireshark file' });
      }
    });
  }

  it('known values: milliseconds, and a packet before the start read as tshark reads its wrapped delta', () => {
    const records = [...readCaptureSync(load(`${FIXTURES}visual-small.bin`))];
    // small-nsec-le.pcap's times 1340954905.298858123 and 999999999.999999999 (before the first).
    expect(formatEpoch(records[0]!.timestamp)).toBe('1340954905.298000000');
    expect(formatEpoch(records[4]!.timestamp)).toBe('1343597383.679000000');
    expect([records[6]!.capturedLength, records[6]!.originalLength]).toEqual([96, 1510]);
  });

  it('layouts: the header count ends the packets, what follows is skipped as the index; description and speed', () => {
    const blocks: [string, number, number][] = [];
    const reader = new CaptureReader({ onBlock: (b) => blocks.push([b.name, b.offset, b.length]) });
    const records = [...reader.readSync(load(`${FIXTURES}visual-probe.bin`))];
    expect(records).toHaveLength(7);
    expect(blocks.map((b) => b[0])).toEqual(['header', ...Array(7).fill('record'), 'index']);
    // The eighth packet (72 bytes) is left over after the seven the header counts.
    expect(blocks.at(-1)!.slice(2)).toEqual([PACKET_HEADER + 72]);
    expect(reader.interfaces[0]).toMatchObject({ snaplen: 1514, speed: 100000000n, description: 'Probe trace' });

    const ring: string[] = [];
    const tr = new CaptureReader({ onBlock: (b) => ring.push(`${b.name}:${b.length}`) });
    expect([...tr.readSync(load(`${FIXTURES}visual-token-ring.bin`))]).toHaveLength(8);
    expect(ring.at(-1)).toBe('index:32');
    expect(tr.interfaces[0]).toMatchObject({ linkType: 6, speed: 16000000n, description: 'Token ring, written by hand' });
  });

  it('a long trailer is skipped in pieces, the same in memory and streamed', async () => {
    const good = load(`${FIXTURES}visual-small.bin`);
    const long = new Uint8Array(good.length + 150_000);
    long.set(good);
    const inMemory: number[] = [];
    const streamed: number[] = [];
    const a = [...new CaptureReader({ onBlock: (b) => b.name === 'index' && inMemory.push(b.length) }).readSync(long)];
    const b = await collect(new CaptureReader({ onBlock: (blk) => blk.name === 'index' && streamed.push(blk.length) }).read([long.subarray(0, 1000), long.subarray(1000, 70_000), long.subarray(70_000)]));
    expect(inMemory).toEqual([65536, 65536, 150_000 + 32 - 131072]);
    expect(streamed).toEqual(inMemory);
    expect(b.map(plain)).toEqual(a.map(plain));
  });

  it('magic: recognised from its four bytes, safe on shorter views', () => {
    const magic = Uint8Array.of(5, 0x56, 0x4e, 0x46);
    for (let n = 0; n < 4; n++) expect(isVisual(new DataView(magic.buffer, 0, n), 0)).toBe(false);
    const view = new DataView(magic.buffer);
    expect(isVisual(view, 0)).toBe(true);
    expect(isVisual(view, 1)).toBe(false);
    expect(hasMagic(view, 0)).toBe(true);
    expect(detectFormat(view, 0)).toBe('visual');
    expect(isVisual(new DataView(Uint8Array.of(5, 0x56, 0x4e, 0x47).buffer), 0)).toBe(false);
    expect(() => [...readCaptureSync(magic)]).toThrow(expect.objectContaining({ layer: 'visual', code: 'truncated', offset: 0 }));
  });
});

describe('Visual Networks: damage gives a WireError at the offset, never a crash', () => {
  const good = load(`${FIXTURES}visual-small.bin`);
  const first = FILE_HEADER;
  const second = first + PACKET_HEADER + 54;
  const fails = (bytes: Uint8Array, what: object, options?: { maxRecordLength: number }) =>
    expect(() => [...readCaptureSync(bytes, options)]).toThrow(expect.objectContaining({ layer: 'visual', ...what }));

  it('file header: the version, media tshark reads but wirekit refuses, unknown media', () => {
    fails(patched(good, 18, 2, 2), { code: 'unsupported', offset: 18, message: expect.stringMatching(/file version 2 at offset 18/) });
    for (const [media, name] of [[16, 'LAPB'], [22, 'Cisco HDLC or PPP'], [32, 'Frame Relay'], [37, 'ATM'], [118, 'HDLC'], [999, 'unknown']] as const) {
      fails(patched(good, 12, media, 2), { code: 'unsupported', offset: 12, message: expect.stringContaining(`media type ${media} (`) });
      expect(() => [...readCaptureSync(patched(good, 12, media, 2))]).toThrow(name);
    }
  });

  it('packets: an Ethernet wire length shorter than its FCS, a stored length above the cap or past the end', () => {
    fails(patched(good, second + 4, 3, 2), { code: 'bad-length', offset: second + 4 });
    expect([...readCaptureSync(patched(good, second + 4, 4, 2))][1]!.originalLength).toBe(0);
    fails(good, { code: 'limit-exceeded', offset: first + 6 }, { maxRecordLength: 53 });
    expect([...readCaptureSync(good, { maxRecordLength: 96 })]).toHaveLength(8);
    fails(patched(good, second + 6, 60000, 2), { code: 'truncated', offset: second });
  });

  it('the header count: more than the packets reads the index as a packet, as tshark does; 0 reads none', () => {
    // 9 of 8: the index's first 20 bytes are read as a ninth packet (offsets 192 and 266: a
    // delta of 192 ms, a wire length of 266 and nothing stored), the rest skipped.
    const nine = [...readCaptureSync(patched(good, 4, 9, 4))];
    expect(nine).toHaveLength(9);
    expect([nine[8]!.capturedLength, nine[8]!.originalLength, formatEpoch(nine[8]!.timestamp)]).toEqual([0, 262, '1340954905.192000000']);
    expect([...readCaptureSync(patched(good, 4, 0, 4))]).toEqual([]);
    // Ten of eight: the tenth header would need 20 bytes where 12 are left.
    fails(patched(good, 4, 10, 4), { code: 'truncated', offset: good.length - 12 });
  });

  it('cut anywhere: the records before the cut, then a truncation, or the end where a packet or the index ends', () => {
    const all = [...readCaptureSync(good)].map(plain);
    const ends = new Set<number>();
    [...new CaptureReader({ onBlock: (b) => b.name !== 'index' && ends.add(b.offset + b.length) }).readSync(good)];
    const lastPacketEnd = Math.max(...ends);
    expect(lastPacketEnd).toBe(good.length - 32);
    cutAnywhere(good, (n, error) => {
      expect(error === undefined).toBe(ends.has(n) || n > lastPacketEnd);
      if (error !== undefined) expect((error as WireError).code).toBe('truncated');
    });
    expect(() => [...readCaptureSync(good.subarray(0, second + 3))]).toThrow(expect.objectContaining({ code: 'truncated', offset: second }));
    expect([...readCaptureSync(good.subarray(0, second))]).toHaveLength(1);
  });

  it('fuzz: mutated files give records or a WireError, in memory and streamed', async () => {
    await expectMutationsRead(Object.keys(SOURCES).map((f) => load(FIXTURES + f)));
  });
});

describe.runIf(existsSync(`${root}bin/wirekit.js`) && existsSync(`${root}dist`))('wirekit decode on Visual Networks captures: the summary lines of tshark -r', () => {
  const decode = (file: string) => {
    const r = cli(['decode', FIXTURES + file]);
    expect(r.stderr).toBe('');
    return { got: lines(r.stdout), want: lines(readFileSync(`${FIXTURES}${file}.summary.txt`, 'utf8')) };
  };
  // Token ring is not decoded (its frames are handed over raw), so that file is left out here.
  for (const file of Object.keys(SOURCES).filter((f) => !f.includes('token-ring'))) {
    it(file, () => {
      const { got, want } = decode(file);
      expect(got).toEqual(want);
    });
  }
  // Frame 7 of visual-small.bin: 96 bytes stored of an IPv4/UDP datagram of 1500 whose wire length
  // (1514 in the pcap) Wireshark cuts to 1510 for the FCS. tshark measures the UDP length (1480)
  // against what the wire length leaves for IP (1476) and flags it, and so does the CLI.
  it('visual-small.bin frame 7: the BAD UDP LENGTH flag from a wire length below IP total length', () => {
    expect(decode('visual-small.bin').got[6]).toContain('[BAD UDP LENGTH 1480 > IP PAYLOAD LENGTH]');
  });
});
