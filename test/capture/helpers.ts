// Shared by the capture tests: fixture paths, records as comparable plain values, chunkings.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { expect } from 'vitest';
import { CaptureReader, readCaptureSync } from '../../src/capture/reader.js';
import type { CaptureRecord } from '../../src/capture/types.js';
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
