// Endace ERF files as mergecap 4.0 writes them (and one built by hand: extension headers, padding,
// truncation, PAD, META and unknown records, ports), made by test/fixtures/capture/make-erf.sh,
// against what tshark 4.0 reads of each: every frame's number, time (to the nanosecond tshark
// prints), lengths and link layer; bytes equal to the source pcap's frames; every reader the same;
// the CLI's summary lines equal to `tshark -r`. Then damage, detection of random bytes, fuzzing.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LINKTYPE_ERF } from '../../src/capture/erf-parser.js';
import { indexCapture } from '../../src/capture/index-capture.js';
import { CaptureReader, readCapture, readCaptureSync } from '../../src/capture/reader.js';
import { formatEpoch, type CaptureRecord } from '../../src/capture/types.js';
import { detectFormat } from '../../src/capture/unit-parser.js';
import { WireError } from '../../src/errors.js';
import { cli, lines, root } from '../cli/cli-util.js';
import { chunksOf, collect, expectMutationsRead, FIXTURES, load, plain, rng } from './helpers.js';

const ERF = `${FIXTURES}erf/`;
const WIRE = `${root}test/fixtures/wire/`;

/** Each mergecap fixture, its source pcap and how many of its frames make-erf.sh kept. */
const SOURCES: Record<string, { pcap: string; frames?: number }> = {
  'erf-dns.erf': { pcap: 'dns.pcap' },
  'erf-ipv6.erf': { pcap: 'ipv6.pcap' },
  'erf-http.erf': { pcap: 'http.pcap', frames: 40 },
  'erf-chdlc.erf': { pcap: 'linktype-chdlc.pcap' },
  'erf-ppp.erf': { pcap: 'linktype-ppphdlc.pcap' },
};
const FILES = [...Object.keys(SOURCES), 'erf-hand.erf'];

/** The link layer tshark names second in frame.protocols (after `erf`), as a LINKTYPE. */
const PROTOCOL_TO_LINKTYPE: Record<string, number> = { eth: 1, ip: 228, ipv6: 229, chdlc: 104, ppp: 9 };

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function tsharkFrames(file: string): string[][] {
  return readFileSync(`${ERF}${file}.tshark.tsv`, 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
}

describe('ERF: every frame as tshark reads it', () => {
  for (const file of FILES) {
    it(`${file}: numbers, times, lengths, link layers as tshark; every reader the same`, async () => {
      const bytes = load(ERF + file);
      const reader = new CaptureReader();
      const records = [...reader.readSync(bytes)];
      const frames = tsharkFrames(file);
      expect(records).toHaveLength(frames.length);
      records.forEach((r, i) => {
        const [number, time, len, capLen, protocols] = frames[i]!;
        expect(Number(number)).toBe(i + 1);
        expect(formatEpoch(r.timestamp)).toBe(time);
        expect(r.data.length).toBe(r.capturedLength);
        const link = protocols!.split(':')[1];
        expect(protocols!.startsWith('erf')).toBe(true);
        expect(r.linkType).toBe(PROTOCOL_TO_LINKTYPE[link ?? ''] ?? LINKTYPE_ERF);
        if (r.linkType === LINKTYPE_ERF) {
          // The whole record: its wlen (bytes 14-15) is tshark's frame.len.
          const view = new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength);
          expect(view.getUint16(14, false)).toBe(Number(len));
          expect(view.getUint16(10, false)).toBe(r.capturedLength);
        } else {
          expect(r.originalLength).toBe(Number(len));
          expect(r.capturedLength).toBe(Number(capLen));
        }
        // Ethernet frames keep their FCS, and say so as pcapng does (epb_flags FCS length 4).
        expect(r.flags).toBe(r.linkType === 1 ? 4 << 5 : undefined);
      });
      expect(reader.format).toBe('erf');
      expect(reader.precision).toBe('nano');
      expect(reader.interfaces.every((i) => i.tsresol === 9)).toBe(true);

      const all = records.map(plain);
      for (const size of [1, 7, 50, 4096]) {
        const streamed = await collect(new CaptureReader().read(chunksOf(bytes, size)));
        expect(streamed.map(plain)).toEqual(all);
      }
      expect((await collect(readCapture(bytes))).map(plain)).toEqual(all);
      expect((await collect(readCapture(chunksOf(bytes, 3)))).map(plain)).toEqual(all);
      const index = indexCapture(bytes);
      expect(index.format).toBe('erf');
      expect(index.count).toBe(records.length);
      expect(Array.from(index.timestamps)).toEqual(records.map((r) => r.timestamp));
      expect(Array.from(index.linkTypes)).toEqual(records.map((r) => r.linkType));
      expect(Array.from(index.offsets, (o, i) => hex(bytes.subarray(o, o + index.lengths[i]!)))).toEqual(records.map((r) => hex(r.data)));
    });
  }

  for (const [file, { pcap, frames }] of Object.entries(SOURCES)) {
    it(`${file}: frames equal ${pcap}'s, with the FCS mergecap computed; a META record last`, () => {
      const all = [...readCaptureSync(load(ERF + file))];
      const want = [...readCaptureSync(load(WIRE + pcap))].slice(0, frames);
      // mergecap writes a META record at the end, and one each second of capture time.
      const metas = all.filter((r) => r.linkType === LINKTYPE_ERF);
      expect(metas.length).toBeGreaterThan(0);
      expect(metas.every((r) => (r.data[8]! & 0x7f) === 27)).toBe(true);
      expect(all.at(-1)!.linkType).toBe(LINKTYPE_ERF);
      const records = all.filter((r) => r.linkType !== LINKTYPE_ERF);
      expect(records).toHaveLength(want.length);
      records.forEach((r, i) => {
        // wiretap's writer appends an FCS to Ethernet and HDLC frames it converts.
        expect(hex(r.data.subarray(0, r.capturedLength - 4))).toBe(hex(want[i]!.data));
        expect(r.originalLength).toBe(want[i]!.originalLength + 4);
        expect(r.timestamp).toBe(want[i]!.timestamp);
      });
    });
  }

  it('erf-hand.erf: payloads past extension headers and pad, a truncated record, PAD skipped, interfaces as tshark numbers them', () => {
    const blocks: string[] = [];
    const reader = new CaptureReader({ onBlock: (b) => blocks.push(b.name) });
    const records = [...reader.readSync(load(`${ERF}erf-hand.erf`))];
    const payloads = readFileSync(`${ERF}erf-hand.erf.payloads.tsv`, 'utf8').trimEnd().split('\n').map((l) => l.split('\t')[1]);
    expect(records.map((r) => hex(r.data))).toEqual(payloads);
    expect(blocks).toEqual(['record', 'record', 'record', 'record', 'pad record', 'meta record', 'record', 'record', 'record']);
    // tshark's frame.interface_id: by (Host ID, source id, port) in order of appearance.
    expect(records.map((r) => r.interfaceId)).toEqual([0, 1, 1, 1, 2, 1, 3, 1]);
    expect(reader.interfaces.map((i) => i.name)).toEqual(['Port B', 'Port A', 'Port A', 'Port C']);
    // The truncated record: 46 of 47 bytes (wiretap counts the padding to 8 as captured).
    expect(records[3]).toMatchObject({ capturedLength: 46, originalLength: 47, linkType: 1 });
    // The fraction 0xffffffff rounds up to the next second, as wiretap rounds it.
    expect(formatEpoch(records[7]!.timestamp)).toBe('1700000004.000000000');
  });
});

describe('ERF: damage gives a WireError at the offset, never a crash', () => {
  const good = load(`${ERF}erf-dns.erf`);
  const offsets: number[] = [];
  for (let at = 0; at < good.length; at += new DataView(good.buffer, good.byteOffset).getUint16(at + 10, false)) offsets.push(at);
  const setU16 = (base: Uint8Array, at: number, value: number) => {
    const b = base.slice();
    new DataView(b.buffer).setUint16(at, value, false);
    return b;
  };
  const fails = (bytes: Uint8Array, what: object, options = {}) => {
    expect(() => [...readCaptureSync(bytes, options)]).toThrow(expect.objectContaining({ layer: 'erf', ...what }));
    expect(indexCapture(bytes, { ...options, partial: true }).error).toMatchObject({ layer: 'erf', ...what });
  };

  it('rlen below 16, rlen 16 (no data), extension headers past rlen, no room for the Ethernet pad, rlen above the cap', () => {
    // Past the 20 records the format check reads (damage among those makes the file not ERF, as
    // for tshark, which then does not open it).
    const fifth = offsets[24]!;
    expect(() => [...readCaptureSync(setU16(good, offsets[4]! + 10, 8))]).toThrow(expect.objectContaining({ code: 'unsupported', layer: 'capture', offset: 0 }));
    fails(setU16(good, fifth + 10, 8), { code: 'bad-length', offset: fifth + 10 });
    fails(setU16(good, fifth + 10, 16), { code: 'bad-length', offset: fifth + 10 });
    // A record of 24 bytes whose extension header says another follows: the next runs past rlen.
    const ext = good.slice();
    new DataView(ext.buffer).setUint16(fifth + 10, 24, false);
    ext[fifth + 16]! |= 0x80;
    fails(ext, { code: 'bad-length', offset: fifth + 24 });
    // 24 bytes: header and Host ID, and no room for the Ethernet pad.
    fails(setU16(good, fifth + 10, 24), { code: 'bad-length', offset: fifth + 24 });
    fails(good, { code: 'limit-exceeded', offset: offsets[0]! + 10 }, { maxRecordLength: 64 });
  });

  it('cut anywhere after the first three records: the records before, then a truncation at the record cut', async () => {
    const all = [...readCaptureSync(good)].map(plain);
    for (let n = offsets[3]! + 1; n < good.length; n += 7) {
      if (offsets.includes(n)) continue;
      const got: CaptureRecord[] = [];
      const cutAt = offsets.filter((o) => o < n).at(-1)!;
      try {
        for (const r of readCaptureSync(good.subarray(0, n))) got.push(r);
        expect.unreachable(`cut at ${n} read without error`);
      } catch (e) {
        expect(e).toBeInstanceOf(WireError);
        expect(e).toMatchObject({ code: 'truncated', layer: 'erf', offset: cutAt });
      }
      expect(got.map(plain)).toEqual(all.slice(0, got.length));
      await expect(collect(readCapture(chunksOf(good.subarray(0, n), 50)))).rejects.toMatchObject({ code: 'truncated', offset: cutAt });
    }
  });

  it('cut within the first three records: not taken for ERF (as tshark: "isn\'t a capture file in a format TShark understands")', () => {
    for (const n of [4, 20, offsets[1]! + 3, offsets[2]! + 20]) {
      expect(() => [...readCaptureSync(good.subarray(0, n))]).toThrow(expect.objectContaining({ code: 'unsupported', layer: 'capture', offset: 0 }));
    }
    // Exactly one or two whole records are a whole (short) file.
    expect([...readCaptureSync(good.subarray(0, offsets[1]!))]).toHaveLength(1);
    expect([...readCaptureSync(good.subarray(0, offsets[2]!))]).toHaveLength(2);
  });

  it('random bytes are not taken for ERF: thousands of buffers, short and long, in memory and streamed', async () => {
    const random = rng(0xe4f);
    for (let i = 0; i < 3000; i++) {
      const length = 4 + Math.floor(random() * (i % 10 === 0 ? 200_000 : 2000));
      const words = new Uint32Array(Math.ceil(length / 4));
      for (let j = 0; j < words.length; j++) words[j] = random() * 0x1_0000_0000;
      const bytes = new Uint8Array(words.buffer, 0, length);
      const view = new DataView(bytes.buffer);
      const known = [0x0a0d0d0a, 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1, 0x736e6f6f, 0x52545353, 0x474d4255];
      if (known.includes(view.getUint32(0, false))) continue;
      expect(() => detectFormat(view, 0), `buffer ${i}`).toThrow(expect.objectContaining({ code: 'unsupported', offset: 0 }));
      // Streamed in small chunks (1 and 7 bytes for the short ones: the reader buffers what ERF's check reads).
      if (i % 50 === 0) await expect(collect(readCapture(chunksOf(bytes, length > 2004 ? 4096 : i % 100 === 0 ? 1 : 7)))).rejects.toMatchObject({ code: 'unsupported' });
    }
    // Not even random bytes after a valid-looking first header.
    const bytes = new Uint8Array(5000).map(() => Math.floor(random() * 256));
    bytes.set(good.subarray(0, 16));
    expect(() => detectFormat(new DataView(bytes.buffer), 0)).toThrow(expect.objectContaining({ code: 'unsupported' }));
  });

  it('fuzz: mutated files give records or a WireError, in memory and streamed, the same records', async () => {
    const files = FILES.map((f) => load(ERF + f));
    await expectMutationsRead(files);
  });
});

describe.runIf(existsSync(`${root}bin/wirekit.js`) && existsSync(`${root}dist`))('wirekit decode on ERF files: the summary lines of tshark -r', () => {
  // Frames tshark's ERF dissector describes itself (META, unknown types: protocol column "ERF") are
  // LINKTYPE_ERF records to wirekit, which does not decode that link type: those lines are left out.
  // So are frames (by number) where the CLI's summary differs from tshark's on the source pcap too,
  // which is no matter of the capture format: SLARP and PPP LCP have no summary of their own,
  // STP's source MAC gets no vendor name. And two that
  // are ERF's but the CLI's to settle: tshark names the ends of a non-IP HDLC PoS frame DTE and DCE
  // (from the ERF record's port), which CaptureRecord does not carry; and of a truncated Ethernet
  // record (erf-hand frame 4, 46 of 47 bytes, FCS included) tshark says [Malformed Packet] where the
  // CLI says [Packet size limited during capture].
  // ipv6.pcap's conversion is left out: on that pcap itself the CLI differs from tshark (ESP,
  // hop-by-hop errors), as netmon.test.ts notes.
  const LEFT_OUT: Record<string, number[]> = { 'erf-chdlc.erf': [6, 10], 'erf-ppp.erf': [4], 'erf-hand.erf': [4, 7] };
  for (const file of ['erf-dns.erf', 'erf-http.erf', 'erf-chdlc.erf', 'erf-ppp.erf', 'erf-hand.erf']) {
    it(file, () => {
      const r = cli(['decode', ERF + file]);
      expect(r.stderr).toBe('');
      const tshark = lines(readFileSync(`${ERF}${file}.summary.txt`, 'utf8')).map((l) => l.replace(/\[TCP [^\]]*\] /g, ''));
      const erfOwn = new Set(tshark.flatMap((l, i) => (/→\s+ERF \d+ /.test(l) ? [i] : [])));
      expect(erfOwn.size).toBeGreaterThan(0);
      for (const frame of LEFT_OUT[file] ?? []) erfOwn.add(frame - 1);
      const got = lines(r.stdout);
      expect(got).toHaveLength(tshark.length);
      // Time columns included: tshark shows ERF times with 9 digits, and so does the CLI.
      expect(got.filter((_, i) => !erfOwn.has(i))).toEqual(tshark.filter((_, i) => !erfOwn.has(i)));
    });
  }
});
