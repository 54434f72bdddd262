// Packed repeated varints: the WASM kernel against its JS twin, a BigInt reference and protobufjs
// (the protobuf library JS users reach for), on the encoding guide's examples, random values of
// every type, inputs past the kernel's window, and malformed runs.
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { afterEach, describe, expect, it } from 'vitest';
import { WireError } from '../src/errors.js';
import { decodePackedVarints, encodePackedVarints, type PackedVarintType } from '../src/encoding/packed-varints.js';
import { allocBuffer, setBackend } from '../src/index.js';

afterEach(() => setBackend('auto'));

const TYPES: PackedVarintType[] = ['uint32', 'int32', 'sint32', 'uint64', 'int64', 'sint64'];
const BACKENDS = ['wasm', 'js', 'auto'] as const;

/** What each type reads from a 64-bit varint value, by BigInt arithmetic. */
function reference(raw: bigint, type: PackedVarintType): bigint {
  switch (type) {
    case 'uint32':
      return BigInt.asUintN(32, raw);
    case 'int32':
      return BigInt.asIntN(32, raw);
    case 'sint32': {
      const n = BigInt.asUintN(32, raw);
      return BigInt.asIntN(32, (n >> 1n) ^ -(n & 1n));
    }
    case 'uint64':
      return raw;
    case 'int64':
      return BigInt.asIntN(64, raw);
    case 'sint64':
      return BigInt.asIntN(64, (raw >> 1n) ^ -(raw & 1n));
  }
}

function varints(raws: bigint[]): Uint8Array {
  return encodePackedVarints(raws, 'uint64');
}

const raw64 = fc.oneof(fc.bigInt({ min: 0n, max: 127n }), fc.bigInt({ min: 0n, max: 2n ** 35n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));

describe('packed varints', () => {
  it('decodes the protobuf encoding guide examples (150; packed [3, 270, 86942])', () => {
    for (const backend of BACKENDS) {
      setBackend(backend);
      expect(Array.from(decodePackedVarints(Uint8Array.of(0x96, 0x01), 'uint32'))).toEqual([150]);
      expect(Array.from(decodePackedVarints(Uint8Array.of(0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05), 'uint32'))).toEqual([3, 270, 86942]);
    }
    expect(encodePackedVarints([3, 270, 86942], 'uint32')).toEqual(Uint8Array.of(0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05));
  });

  it('reads every type as a BigInt reference does, on every backend', () => {
    fc.assert(
      fc.property(fc.array(raw64, { maxLength: 80 }), fc.constantFrom(...TYPES), fc.constantFrom(...BACKENDS), (raws, type, backend) => {
        setBackend(backend);
        const got = Array.from(decodePackedVarints(varints(raws), type) as ArrayLike<number | bigint>, (v) => BigInt(v));
        expect(got).toEqual(raws.map((r) => reference(r, type)));
      }),
      { numRuns: 400 },
    );
  });

  it('encodes as protobufjs writes packed fields, and decodes what it writes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 60 }), fc.constantFrom('int32', 'sint32', 'uint32') as fc.Arbitrary<'int32' | 'sint32' | 'uint32'>, (values, type) => {
        const w = protobuf.Writer.create();
        for (const v of values) w[type](type === 'uint32' ? v >>> 0 : v);
        const theirs = w.finish();
        const want = type === 'uint32' ? values.map((v) => v >>> 0) : values;
        expect(encodePackedVarints(want, type)).toEqual(new Uint8Array(theirs));
        for (const backend of BACKENDS) {
          setBackend(backend);
          expect(Array.from(decodePackedVarints(theirs, type))).toEqual(want);
        }
        const r = protobuf.Reader.create(encodePackedVarints(want, type));
        const back: number[] = [];
        while (r.pos < r.len) back.push(r[type]());
        expect(back).toEqual(want);
      }),
      { numRuns: 200 },
    );
    // 64-bit values protobufjs holds exactly (numbers below 2^53).
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), { maxLength: 40 }), (values) => {
        const w = protobuf.Writer.create();
        for (const v of values) w.sint64(v);
        expect(Array.from(decodePackedVarints(w.finish(), 'sint64'), Number)).toEqual(values);
      }),
      { numRuns: 100 },
    );
  });

  it('runs past the kernel window (varints cut by it read again), copied and in WebAssembly memory', () => {
    const raws = Array.from({ length: 40_000 }, (_, i) => BigInt.asUintN(64, BigInt(i) * 0x1234567n * BigInt(i % 7 === 0 ? 0x10000001 : 1)));
    const bytes = varints(raws);
    expect(bytes.length).toBeGreaterThan(3 * 64 * 1024);
    const inWasm = allocBuffer(bytes.length);
    inWasm.set(bytes);
    for (const backend of BACKENDS) {
      setBackend(backend);
      expect(Array.from(decodePackedVarints(bytes, 'uint64'))).toEqual(raws);
      expect(Array.from(decodePackedVarints(inWasm, 'sint64'))).toEqual(raws.map((r) => reference(r, 'sint64')));
    }
  });

  it('reports a cut varint and an over-long one at their offsets, the same on every backend', () => {
    for (const backend of BACKENDS) {
      setBackend(backend);
      expect(() => decodePackedVarints(Uint8Array.of(0x01, 0x96), 'uint32')).toThrow(expect.objectContaining({ code: 'truncated', layer: 'protobuf', offset: 1 }));
      const eleven = Uint8Array.of(0x05, ...new Array(10).fill(0xff), 0x01);
      expect(() => decodePackedVarints(eleven)).toThrow(expect.objectContaining({ code: 'bad-value', offset: 1 }));
      const overflow = Uint8Array.of(...new Array(9).fill(0xff), 0x02);
      expect(() => decodePackedVarints(overflow)).toThrow(expect.objectContaining({ code: 'bad-value', offset: 0 }));
      // A cut varint past the first window is found at its place in the whole input.
      const long = new Uint8Array(70_000 + 1).fill(0x01);
      long[70_000] = 0x80;
      expect(() => decodePackedVarints(long, 'uint32')).toThrow(expect.objectContaining({ code: 'truncated', offset: 70_000 }));
    }
    expect(() => decodePackedVarints(new Uint8Array(1), 'float' as PackedVarintType)).toThrow(WireError);
  });

  it('gives the same values or the same error on random bytes, WASM and JS', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...TYPES), (bytes, type) => {
        const run = (backend: 'wasm' | 'js') => {
          setBackend(backend);
          try {
            return { values: Array.from(decodePackedVarints(bytes, type) as ArrayLike<number | bigint>, String) };
          } catch (e) {
            expect(e).toBeInstanceOf(WireError);
            return { code: (e as WireError).code, offset: (e as WireError).offset };
          }
        };
        expect(run('wasm')).toEqual(run('js'));
      }),
      { numRuns: 500 },
    );
  });
});
