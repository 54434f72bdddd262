// Damaged and hostile files. Exact cases first (each kind of damage the readers name, with its
// offset), then mutation fuzzing of every fixture and peer vector: bit flips, length lies in
// headers and trailers, byte runs, truncations. Properties, in memory and streamed alike:
// - reading ends normally or with a WireError (never another exception, never 'internal') whose
//   offset lies in the file;
// - every record whose unit ends before the first damaged byte is delivered, unchanged;
// - the streamed read (random chunks) gives the same records and the same error.
// CAPTURE_FUZZ sets the mutations per file (default 60: ~3,300 cases).
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/reader.js';
import type { BlockInfo } from '../../src/capture/metadata.js';
import { WireError } from '../../src/errors.js';
import { FIXTURES, PEER, collect, fixtureFiles, load, peerVectors, plain, randomChunks, rng, type PlainRecord } from './helpers.js';

const PER_FILE = Number(process.env.CAPTURE_FUZZ ?? 60);

interface Outcome {
  records: PlainRecord[];
  error: { code: string; layer: string; offset: number | undefined; required: number | undefined; available: number | undefined; message: string } | undefined;
}

function outcomeOf(error: unknown): Outcome['error'] {
  if (!(error instanceof WireError)) throw new Error(`not a WireError: ${String(error)}`, { cause: error });
  const { code, layer, offset, required, available, message } = error;
  return { code, layer, offset, required, available, message };
}

function readSync(bytes: Uint8Array, options = {}): Outcome {
  const records: PlainRecord[] = [];
  try {
    for (const r of new CaptureReader(options).readSync(bytes)) records.push(plain(r));
    return { records, error: undefined };
  } catch (e) {
    return { records, error: outcomeOf(e) };
  }
}

async function readStream(chunks: Uint8Array[], options = {}): Promise<Outcome> {
  const records: PlainRecord[] = [];
  try {
    for await (const r of new CaptureReader(options).read(chunks)) records.push(plain(r));
    return { records, error: undefined };
  } catch (e) {
    return { records, error: outcomeOf(e) };
  }
}

/** A file's units (blocks or pcap header and records) and its records with the end of each one's unit. */
function survey(bytes: Uint8Array) {
  const units: BlockInfo[] = [];
  const records = [...new CaptureReader({ onBlock: (b) => units.push(b) }).readSync(bytes)].map(plain);
  const packetUnits = units.filter((u) => ['record', 'EPB', 'SPB', 'PB'].includes(u.name));
  const ends = packetUnits.map((u) => u.offset + u.length);
  return { units, records, ends };
}

function withLittle(bytes: Uint8Array, at: number): boolean {
  // The byte order a length at `at` is written in: guess from which reading is smaller.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(at, true) <= view.getUint32(at, false);
}

function pcapngFile(blocks: Uint8Array[]): Uint8Array {
  const total = blocks.reduce((n, b) => n + b.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

function block(type: number, body: number[], length = 12 + body.length, trailing = length): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, length, true);
  out.set(body, 8);
  view.setUint32(8 + body.length, trailing, true);
  return out;
}

const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const SHB = block(0x0a0d0d0a, [...u32(0x1a2b3c4d), 1, 0, 0, 0, ...u32(0xffffffff), ...u32(0xffffffff)]);
const IDB = block(1, [1, 0, 0, 0, ...u32(65535)]);
const epb = (iface: number, data: number[]) => block(6, [...u32(iface), ...u32(0), ...u32(1), ...u32(data.length), ...u32(data.length), ...data]);

describe('each kind of damage, with its offset', () => {
  const good = epb(0, [1, 2, 3, 4]);

  it('EPB naming an interface never described: bad-value at the block, after the good records', () => {
    const file = pcapngFile([SHB, IDB, good, epb(3, [5, 6, 7, 8])]);
    const out = readSync(file);
    expect(out.records).toHaveLength(1);
    expect(out.error).toMatchObject({ code: 'bad-value', offset: SHB.length + IDB.length + good.length + 8 });
    expect(out.error!.message).toMatch(/interface 3/);
  });

  it('an EPB before any IDB', () => {
    expect(readSync(pcapngFile([SHB, good])).error).toMatchObject({ code: 'bad-value', offset: SHB.length + 8 });
  });

  it('an SPB with no interface 0', () => {
    const spb = block(3, [...u32(4), 1, 2, 3, 4]);
    expect(readSync(pcapngFile([SHB, spb])).error).toMatchObject({ code: 'bad-value', offset: SHB.length + 8 });
  });

  it('trailing length differing from the leading one: bad-length at the trailer', () => {
    const lying = block(6, [...u32(0), ...u32(0), ...u32(1), ...u32(4), ...u32(4), 1, 2, 3, 4], 36, 40);
    const out = readSync(pcapngFile([SHB, IDB, good, lying]));
    expect(out.records).toHaveLength(1);
    expect(out.error).toMatchObject({ code: 'bad-length', offset: SHB.length + IDB.length + good.length + 32 });
  });

  it('a block length not a multiple of 4, or below 12 (no zero-length loops)', () => {
    for (const length of [0, 4, 8, 33, 35]) {
      const bad = block(6, [...u32(0), ...u32(0), ...u32(1), ...u32(4), ...u32(4), 1, 2, 3, 4], length);
      const out = readSync(pcapngFile([SHB, IDB, good, bad]));
      expect(out.records).toHaveLength(1);
      expect(out.error).toMatchObject({ code: 'bad-length', offset: SHB.length + IDB.length + good.length + 4 });
    }
  });

  it('a block shorter than its fixed fields', () => {
    const short = block(6, [...u32(0), ...u32(0), ...u32(0), ...u32(0)]);
    expect(readSync(pcapngFile([SHB, IDB, short])).error).toMatchObject({ code: 'bad-length', offset: SHB.length + IDB.length + 4 });
  });

  it('a captured length past the block: bad-length', () => {
    const lie = block(6, [...u32(0), ...u32(0), ...u32(1), ...u32(400), ...u32(4), 1, 2, 3, 4]);
    expect(readSync(pcapngFile([SHB, IDB, lie])).error).toMatchObject({ code: 'bad-length', offset: SHB.length + IDB.length + 20 });
  });

  it('an option running past its block', () => {
    const withOption = block(6, [...u32(0), ...u32(0), ...u32(1), ...u32(4), ...u32(4), 1, 2, 3, 4, 1, 0, 200, 0]);
    expect(readSync(pcapngFile([SHB, IDB, withOption])).error).toMatchObject({ code: 'bad-length', offset: SHB.length + IDB.length + 32 });
  });

  it('an absurd length ends in limit-exceeded before anything is buffered', async () => {
    const huge = block(6, [...u32(0), ...u32(0), ...u32(1), ...u32(4), ...u32(4), 1, 2, 3, 4], 0x7ffffff0);
    const file = pcapngFile([SHB, IDB, good, huge]);
    const want = { code: 'limit-exceeded', offset: SHB.length + IDB.length + good.length + 4 };
    expect(readSync(file).error).toMatchObject(want);
    expect((await readStream([file])).error).toMatchObject(want);
    // The cap is the caller's to choose.
    expect(readSync(pcapngFile([SHB, IDB, good]), { maxRecordLength: 32 }).error).toMatchObject({ code: 'limit-exceeded', offset: SHB.length + IDB.length + 4 });
  });

  it('a section header with a bad byte-order magic, or version 2.0', () => {
    const badMagic = SHB.slice();
    badMagic[8] = 0;
    expect(readSync(badMagic).error).toMatchObject({ code: 'bad-value', offset: 8 });
    const v2 = SHB.slice();
    v2[12] = 2;
    expect(readSync(v2).error).toMatchObject({ code: 'bad-version', offset: 12 });
  });

  it('pcap: a truncated last record, and a captured length above the cap', () => {
    const file = load(`${FIXTURES}small-usec-le.pcap`);
    const { units, records } = survey(file);
    const last = units.at(-1)!;
    const cut = readSync(file.subarray(0, file.length - 1));
    expect(cut.records).toEqual(records.slice(0, -1));
    expect(cut.error).toMatchObject({ code: 'truncated', layer: 'pcap', offset: last.offset, required: last.length, available: last.length - 1 });
    const huge = file.slice();
    new DataView(huge.buffer).setUint32(last.offset + 8, 0xfffffff0, true);
    expect(readSync(huge).error).toMatchObject({ code: 'limit-exceeded', offset: last.offset + 8 });
  });

  it('an absurd snaplen is accepted and capped: pcap 0 or 2^32-1; an SPB on such an IDB keeps what its block holds', () => {
    for (const snaplen of [0, 0xffffffff]) {
      const file = load(`${FIXTURES}small-usec-le.pcap`).slice();
      new DataView(file.buffer).setUint32(16, snaplen, true);
      const out = readSync(file);
      expect(out.error).toBeUndefined();
      expect(out.records).toHaveLength(8);
    }
    const hugeSnaplen = block(1, [1, 0, 0, 0, ...u32(0xffffffff)]);
    // The SPB says the packet had 1000 bytes on the wire; the block holds 8.
    const spb = block(3, [...u32(1000), 1, 2, 3, 4, 5, 6, 7, 8]);
    const out = readSync(pcapngFile([SHB, hugeSnaplen, spb]));
    expect(out.error).toBeUndefined();
    expect(out.records[0]).toMatchObject({ capturedLength: 8, originalLength: 1000, data: '0102030405060708' });
  });

  it('pcap: captured length above the snaplen and above the original length are accepted (as Wireshark does)', () => {
    const file = load(`${FIXTURES}small-usec-le.pcap`).slice();
    new DataView(file.buffer).setUint32(16, 10, true); // snaplen 10
    const out = readSync(file);
    expect(out.error).toBeUndefined();
    expect(out.records[0]!.capturedLength).toBe(54);
  });
});

describe('truncation at every byte', () => {
  for (const path of [`${FIXTURES}small-nsec-be.pcap`, `${FIXTURES}clocks-le.pcapng`, `${PEER}output_be/difficult/test202.pcapng`]) {
    it(path.replace(/.*\//, ''), () => {
      const bytes = load(path);
      const { units, records, ends } = survey(bytes);
      for (let cut = 0; cut < bytes.length; cut++) {
        const out = readSync(bytes.subarray(0, cut));
        const delivered = ends.filter((end) => end <= cut).length;
        expect(out.records).toEqual(records.slice(0, delivered));
        const boundary = units.some((u) => u.offset + u.length === cut);
        if (boundary) expect(out.error).toBeUndefined();
        else {
          const unit = units.find((u) => u.offset <= cut && cut < u.offset + u.length);
          expect(out.error).toMatchObject({ code: 'truncated', offset: unit && cut >= 4 ? unit.offset : 0 });
        }
      }
    });
  }
});

describe('mutation fuzzing', () => {
  const seeds = [
    ...fixtureFiles('.pcap', '.pcapng').map((f) => FIXTURES + f),
    ...peerVectors().flatMap((n) => [`${PEER}output_le/${n}.pcapng`, `${PEER}output_be/${n}.pcapng`]),
  ];

  it(`${seeds.length} files x ${PER_FILE} mutations: WireError with an offset, good records first, stream == memory`, async () => {
    const random = rng(20240611);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    let cases = 0;
    const codes = new Map<string, number>();
    for (const path of seeds) {
      const original = load(path);
      const { units, records, ends } = survey(original);
      for (let m = 0; m < PER_FILE; m++) {
        const bytes = original.slice();
        const view = new DataView(bytes.buffer);
        let damage: number;
        let length = bytes.length;
        const kind = m % 5;
        const unit = pick(units);
        if (kind === 0) {
          // A bit flip anywhere.
          damage = Math.floor(random() * bytes.length);
          bytes[damage]! ^= 1 << Math.floor(random() * 8);
        } else if (kind === 1) {
          // A bit flip in a unit's header or trailer.
          damage = random() < 0.7 ? unit.offset + Math.floor(random() * Math.min(28, unit.length)) : unit.offset + unit.length - 1 - Math.floor(random() * 4);
          bytes[damage]! ^= 1 << Math.floor(random() * 8);
        } else if (kind === 2) {
          // A length lie: the block length, its trailer, or a pcap captured length.
          const at = unit.name === 'record' ? unit.offset + 8 : unit.name === 'header' ? unit.offset + 16 : random() < 0.7 ? unit.offset + 4 : unit.offset + unit.length - 4;
          const was = view.getUint32(at, withLittle(bytes, at));
          const lie = pick([0, 1, 4, 8, 11, 12, 16, was - 4, was + 4, was + 1, was * 2, 0x7fffffff, 0xffffffff, Math.floor(random() * 2 ** 32), Math.floor(random() * 4096)]);
          view.setUint32(at, lie >>> 0, withLittle(original, at));
          damage = at;
        } else if (kind === 3) {
          // A run of random bytes.
          damage = Math.floor(random() * bytes.length);
          const run = 1 + Math.floor(random() * 16);
          for (let i = damage; i < Math.min(bytes.length, damage + run); i++) bytes[i] = Math.floor(random() * 256);
        } else {
          // Cut short.
          damage = Math.floor(random() * bytes.length);
          length = damage;
        }
        const damaged = bytes.subarray(0, length);
        const sync = readSync(damaged);
        cases++;
        if (sync.error) {
          codes.set(sync.error.code, (codes.get(sync.error.code) ?? 0) + 1);
          expect(sync.error.code).not.toBe('internal');
          expect(Number.isInteger(sync.error.offset)).toBe(true);
          expect(sync.error.offset).toBeGreaterThanOrEqual(0);
          expect(sync.error.offset).toBeLessThanOrEqual(damaged.length);
        }
        const intact = ends.filter((end) => end <= damage).length;
        expect(sync.records.slice(0, intact)).toEqual(records.slice(0, intact));
        const streamed = await readStream(randomChunks(damaged, random, 1 + Math.floor(random() * 200)));
        expect(streamed).toEqual(sync);
      }
    }
    expect(cases).toBeGreaterThanOrEqual(seeds.length * PER_FILE);
    // The mutations reach the checks: several kinds of error occur.
    expect(codes.size).toBeGreaterThanOrEqual(4);
  }, Math.max(60_000, PER_FILE * 1000));
});

describe('never a hang on a stream that stalls nothing but never ends a block', () => {
  it('an endless stream of zero bytes after an SHB ends in a WireError', async () => {
    function* zeros(): Generator<Uint8Array> {
      yield SHB;
      for (;;) yield new Uint8Array(4096);
    }
    await expect(collect(new CaptureReader().read(zeros()))).rejects.toMatchObject({ code: 'bad-length', offset: SHB.length + 4 });
  });
});
