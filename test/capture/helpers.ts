// Shared by the capture tests: fixture paths, records as comparable plain values, chunkings.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { expect } from 'vitest';
import { indexCapture } from '../../src/capture/index-capture.js';
import { CaptureReader, readCaptureSync } from '../../src/capture/reader.js';
import { type CaptureRecord } from '../../src/capture/types.js';
import { WireError } from '../../src/errors.js';

export const PEER = fileURLToPath(new URL('../../../shared/peer-vectors/pcapng-test-generator/', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/capture/', import.meta.url));

export function load(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** Peer vector names (`basic/test001`, ...) in a stable order. */
export function peerVectors(): string[] {
  const names: string[] = [];
  for (const group of ['basic', 'advanced', 'difficult']) {
    for (const file of readdirSync(`${PEER}output_le/${group}`).sort()) {
      if (file.endsWith('.pcapng')) names.push(`${group}/${file.replace(/\.pcapng$/, '')}`);
    }
  }
  return names;
}

/** Our committed fixtures with one of the given extensions. */
export function fixtureFiles(...extensions: string[]): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => extensions.some((e) => f.endsWith(e)))
    .sort();
}

/** A record with its bytes as hex, so `toEqual` compares content and not buffer identity. */
export interface PlainRecord extends Omit<CaptureRecord, 'data'> {
  data: string;
}

export function plain(record: CaptureRecord): PlainRecord {
  return { ...record, data: Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString('hex') };
}

/** The file cut into chunks of `size` bytes (the last one shorter), as fresh copies. */
export function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.slice(at, at + size));
  return out;
}

/** xorshift32: deterministic choices for random chunkings and mutations. */
export function rng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}

/** The file cut at random places (sizes 1..maxSize). */
export function randomChunks(bytes: Uint8Array, random: () => number, maxSize: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(random() * maxSize);
    out.push(bytes.slice(at, at + size));
    at += size;
  }
  return out;
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/**
 * Mutated and cut copies of `files` (up to 8 bytes changed, then cut anywhere): read in memory and
 * streamed in 97-byte chunks, each gives records or a WireError (nothing else), every record's
 * bytes as long as its captured length, and both readers the same records.
 */
export async function expectMutationsRead(files: Uint8Array[], numRuns = 300): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...files),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.option(fc.nat()),
      async (file, edits, cut) => {
        const bytes = file.slice(0, cut === null ? file.length : cut % (file.length + 1));
        for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
        const check = (e: unknown) => {
          if (!(e instanceof WireError)) throw e;
        };
        const sync: CaptureRecord[] = [];
        try {
          for (const r of readCaptureSync(bytes, { maxRecordLength: 1 << 20 })) sync.push(r);
        } catch (e) {
          check(e);
        }
        for (const r of sync) expect(r.data.length).toBe(r.capturedLength);
        const streamed: CaptureRecord[] = [];
        try {
          for await (const r of new CaptureReader({ maxRecordLength: 1 << 20 }).read(chunksOf(bytes, 97))) streamed.push(r);
        } catch (e) {
          check(e);
        }
        expect(streamed.map(plain)).toEqual(sync.map(plain));
      },
    ),
    { numRuns },
  );
}

/** wiretap's encapsulation numbers tshark prints as frame.encap_type, to LINKTYPE numbers (22, 802.11 with radio information: wirekit hands on the 802.11 frame; 70-72, nettl's raw IP, Ethernet and token ring). */
export const WTAP_ENCAP_TO_LINKTYPE: Readonly<Record<string, number>> = { '1': 1, '2': 6, '7': 101, '20': 105, '22': 105, '70': 101, '71': 1, '72': 6 };

/**
 * A frame.time_epoch as tshark prints it, in nanoseconds: seconds, a dot, then the nanoseconds as
 * a number (tshark prints them unnormalised, "5.1099999000", where a format stores a microsecond
 * count of a second or more; readers carry it into the seconds).
 */
export function epochNs(text: string): bigint {
  const negative = text.startsWith('-');
  const [seconds, fraction = '0'] = (negative ? text.slice(1) : text).split('.');
  const ns = BigInt(seconds!) * 1_000_000_000n + BigInt(fraction);
  return negative ? -ns : ns;
}

/**
 * Reads capture `file` (in FIXTURES) with every reader and checks it against what tshark read of
 * it (`FILE.frames.tsv`: frame number, epoch time, wire and captured length, encapsulation): each
 * record's time, lengths and link type; the streaming reader cut in chunks of 1 to 4096 bytes and
 * the index give the same records (the index's times as 64 bits). Returns the records and the reader.
 */
export async function expectReadAsTshark(file: string): Promise<{ records: CaptureRecord[]; reader: CaptureReader }> {
  const bytes = load(FIXTURES + file);
  const reader = new CaptureReader();
  const records = [...reader.readSync(bytes)];
  const frames = readFileSync(`${FIXTURES}${file}.frames.tsv`, 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
  expect(records).toHaveLength(frames.length);
  records.forEach((r, i) => {
    const [number, time, len, capLen, encap] = frames[i]!;
    expect(Number(number)).toBe(i + 1);
    expect(r.timestamp, `frame ${i + 1} time ${time}`).toBe(epochNs(time!));
    expect(r.originalLength).toBe(Number(len));
    expect(r.capturedLength).toBe(Number(capLen));
    expect(r.data.length).toBe(r.capturedLength);
    expect(r.linkType).toBe(WTAP_ENCAP_TO_LINKTYPE[encap!]);
  });
  const all = records.map(plain);
  for (const size of [1, 7, 50, 4096]) {
    const streamed: CaptureRecord[] = [];
    for await (const r of new CaptureReader().read(chunksOf(bytes, size))) streamed.push(r);
    expect(streamed.map(plain)).toEqual(all);
  }
  const index = indexCapture(bytes);
  expect(index.format).toBe(reader.format);
  expect(index.count).toBe(records.length);
  expect(Array.from(index.timestamps)).toEqual(records.map((r) => BigInt.asIntN(64, r.timestamp)));
  expect(Array.from(index.offsets, (o, i) => Buffer.from(bytes.subarray(o, o + index.lengths[i]!)).toString('hex'))).toEqual(records.map((r) => Buffer.from(r.data).toString('hex')));
  return { records, reader };
}

/** A copy of `base` with a little-endian value of `width` bytes written at `at` (for damage tests). */
export function patched(base: Uint8Array, at: number, value: number, width: 1 | 2 | 4): Uint8Array {
  const b = base.slice();
  const v = new DataView(b.buffer);
  if (width === 1) v.setUint8(at, value);
  else if (width === 2) v.setUint16(at, value, true);
  else v.setUint32(at, value, true);
  return b;
}

/**
 * Every cut of `good` from `from` bytes on: the records read before the cut are the first ones of
 * the whole file, and what stops the read is the end or a WireError, which `check` looks at (with
 * the cut's length).
 */
export function cutAnywhere(good: Uint8Array, check: (n: number, error: unknown) => void, from = 0): void {
  const all = [...readCaptureSync(good)].map(plain);
  for (let n = from; n < good.length; n++) {
    const got: CaptureRecord[] = [];
    let error: unknown;
    try {
      for (const r of readCaptureSync(good.subarray(0, n))) got.push(r);
    } catch (e) {
      error = e;
    }
    expect(got.map(plain)).toEqual(all.slice(0, got.length));
    expect(error === undefined || error instanceof WireError).toBe(true);
    check(n, error);
  }
}
