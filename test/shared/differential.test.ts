// Differential property tests: WASM SIMD == WASM scalar == JS twin (== Node's zlib.crc32 where it
// exists) on random data of lengths 0..70,000 at alignments 0..15, and chaining at random cuts.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { allocBuffer, crc32, crc32c, internetChecksum, onesComplementSum, setBackend } from 'wirekit';

type Kernel = (data: Uint8Array) => number;

const zlibCrc32 = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const zlib = proc?.getBuiltinModule?.('node:zlib') as { crc32?: (d: Uint8Array) => number } | undefined;
  return zlib?.crc32 ?? null;
})();

function onEveryBackend(kernel: Kernel, data: Uint8Array): Record<string, number> {
  const out: Record<string, number> = {};
  setBackend('js');
  out.js = kernel(data);
  setBackend('wasm', { simd: false });
  out.scalar = kernel(data);
  setBackend('wasm', { simd: true });
  out.simd = kernel(data);
  // The same bytes already inside WASM memory (the zero-copy path).
  const inside = allocBuffer(data.length + 16).subarray(data.byteOffset & 15, (data.byteOffset & 15) + data.length);
  inside.set(data);
  out.inside = kernel(inside);
  setBackend('auto');
  out.auto = kernel(data);
  return out;
}

/** Random bytes of the given length placed at the given alignment inside a larger buffer. */
const placedBytes = (maxLength: number) =>
  fc
    .record({ length: fc.integer({ min: 0, max: maxLength }), align: fc.integer({ min: 0, max: 15 }), seed: fc.integer() })
    .map(({ length, align, seed }) => {
      const backing = new Uint8Array(length + align);
      // A cheap deterministic generator: fast-check shrinks the seed, not 70,000 separate bytes.
      let x = seed | 1;
      for (let i = 0; i < backing.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        backing[i] = x;
      }
      return backing.subarray(align);
    });

/** Lengths around the kernels' internal block sizes matter most; mix them with uniform ones. */
const lengths = fc.oneof(
  placedBytes(70_000),
  placedBytes(300),
  fc.constantFrom(0, 1, 15, 16, 17, 63, 64, 65, 1500, 65535, 65536, 65537).chain((n) =>
    fc.integer({ min: 0, max: 15 }).map((align) => new Uint8Array(n + align).fill(0xff).subarray(align)),
  ),
);

const numRuns = 120;

afterAll(() => setBackend('auto'));

describe('differential: WASM SIMD == WASM scalar == JS twin', () => {
  it('crc32 (and Node zlib.crc32)', () => {
    fc.assert(
      fc.property(lengths, (data) => {
        const r = onEveryBackend((d) => crc32(d), data);
        const expected = zlibCrc32 ? zlibCrc32(data) >>> 0 : r.js;
        for (const value of Object.values(r)) expect(value).toBe(expected);
      }),
      { numRuns },
    );
  });

  it('crc32c', () => {
    fc.assert(
      fc.property(lengths, (data) => {
        const r = onEveryBackend((d) => crc32c(d), data);
        for (const value of Object.values(r)) expect(value).toBe(r.js);
      }),
      { numRuns },
    );
  });

  it('internetChecksum and onesComplementSum', () => {
    fc.assert(
      fc.property(lengths, (data) => {
        const r = onEveryBackend((d) => internetChecksum(d), data);
        for (const value of Object.values(r)) expect(value).toBe(r.js);
        const s = onEveryBackend((d) => onesComplementSum(d) % 0xffff, data);
        for (const value of Object.values(s)) expect(value).toBe(s.js);
      }),
      { numRuns },
    );
  });
});

/** A simple RFC 1071 reference: 16-bit big-endian words, end-around carry, one at a time. */
function referenceChecksum(data: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) {
    sum += (data[i]! << 8) | (i + 1 < data.length ? data[i + 1]! : 0);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}

/** A bitwise CRC reference, independent of every table. */
function referenceCrc(data: Uint8Array, reversedPoly: number): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reversedPoly : c >>> 1;
  }
  return ~c >>> 0;
}

describe('against bit-by-bit references', () => {
  for (const mode of ['js', 'wasm'] as const) {
    it(`${mode}: crc32, crc32c and the Internet checksum`, () => {
      setBackend(mode);
      fc.assert(
        fc.property(placedBytes(3000), (data) => {
          expect(crc32(data)).toBe(referenceCrc(data, 0xedb88320));
          expect(crc32c(data)).toBe(referenceCrc(data, 0x82f63b78));
          expect(internetChecksum(data)).toBe(referenceChecksum(data));
        }),
        { numRuns: 150 },
      );
      setBackend('auto');
    });
  }
});

describe('chaining at random cut points', () => {
  for (const mode of ['js', 'wasm', 'auto'] as const) {
    it(`${mode}: crc(b, crc(a)) == crc(a || b), sums chain across odd splits`, () => {
      setBackend(mode);
      fc.assert(
        fc.property(placedBytes(140_000), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5 }), (data, fractions) => {
          const cuts = [0, ...fractions.map((f) => Math.floor(f * data.length)).sort((a, b) => a - b), data.length];
          let c = 0;
          let cc = 0;
          let s = 0;
          for (let i = 1; i < cuts.length; i++) {
            const piece = data.subarray(cuts[i - 1], cuts[i]);
            c = crc32(piece, c);
            cc = crc32c(piece, cc);
            s = onesComplementSum(piece, s, cuts[i - 1]);
          }
          expect(c).toBe(crc32(data));
          expect(cc).toBe(crc32c(data));
          expect(internetChecksum(new Uint8Array(0), s)).toBe(internetChecksum(data));
        }),
        { numRuns: 60 },
      );
      setBackend('auto');
    });
  }
});
