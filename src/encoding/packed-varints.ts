// Packed repeated varint fields (protobuf encoding guide, "Packed Repeated Fields"): the values of
// a repeated int32/int64/uint32/uint64/sint32/sint64/enum field written as varints back to back in
// one length-delimited field. The WASM kernel (assembly/app/varint.ts) decodes a run of them into
// a typed array; its twin (src/kernels/varint.ts) where WebAssembly cannot run and below a size.
import { WireError } from '../errors.js';
import { VARINT_CUT, VARINT_DONE, varintDecodeJs } from '../kernels/varint.js';
import { WINDOW_SIZE, type Arena } from '../wasm/arena.js';
import { autoMode, wasmArena } from '../wasm/backend.js';
import { trapToWireError } from '../wasm/trap.js';

/** How the varints are read, as protobuf's scalar types read them. */
export type PackedVarintType = 'uint32' | 'int32' | 'sint32' | 'uint64' | 'int64' | 'sint64';

export type PackedVarintArray<T extends PackedVarintType> = T extends 'uint32'
  ? Uint32Array
  : T extends 'int32' | 'sint32'
    ? Int32Array
    : T extends 'uint64'
      ? BigUint64Array
      : BigInt64Array;

/**
 * Under `auto`, inputs shorter than this are decoded by the JS twin: below it the call and the
 * copies cost more than the decoding (bench/protobuf.mjs).
 */
export const PACKED_VARINT_JS_BELOW = 64;

const MODES: Record<PackedVarintType, number> = { uint64: 0, int64: 0, sint64: 1, uint32: 2, int32: 2, sint32: 3 };
const LITTLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function fail(why: number, offset: number): never {
  if (why === VARINT_CUT) throw new WireError('truncated', `the data ends inside a varint that starts at offset ${offset}`, { layer: 'protobuf', offset });
  throw new WireError('bad-value', `the varint at offset ${offset} runs past 10 bytes or 64 bits`, { layer: 'protobuf', offset });
}

/** Decodes into `words` (1 per value, or 2 for the 64-bit modes); returns the count. */
function decodeWasm(a: Arena, bytes: Uint8Array, words: Uint32Array, mode: number): number {
  const per = mode < 2 ? 2 : 1;
  const kernel = a.exports.varintDecode;
  const status = a.scratchPtr;
  const out = a.scratchPtr + 64;
  try {
    if (a.owns(bytes) && bytes.length <= WINDOW_SIZE) {
      const k = kernel(bytes.byteOffset, bytes.length, out, bytes.length, mode, status);
      const view = new Uint32Array(a.buffer, status, 2);
      if (view[1] !== VARINT_DONE) fail(view[1]!, view[0]!);
      words.set(new Uint32Array(a.buffer, out, k * per));
      return k;
    }
    // A window at a time (the scratch holds a window's worth of 64-bit values). A varint cut by the
    // window's end is read again from its start with the next window.
    let pos = 0;
    let count = 0;
    while (pos < bytes.length) {
      const n = Math.min(WINDOW_SIZE, bytes.length - pos);
      let from: number;
      if (a.owns(bytes)) from = bytes.byteOffset + pos;
      else {
        a.heap.set(bytes.subarray(pos, pos + n), a.windowPtr);
        from = a.windowPtr;
      }
      const k = kernel(from, n, out, n, mode, status);
      const view = new Uint32Array(a.buffer, status, 2);
      const stop = view[0]!;
      const why = view[1]!;
      words.set(new Uint32Array(a.buffer, out, k * per), count * per);
      count += k;
      if (why === VARINT_DONE) {
        pos += n;
        continue;
      }
      if (why !== VARINT_CUT || pos + n === bytes.length) fail(why, pos + stop);
      pos += stop;
    }
    return count;
  } catch (cause) {
    if (cause instanceof WireError) throw cause;
    throw trapToWireError('varintDecode', cause);
  }
}

/**
 * The values of a packed repeated varint field (its payload, after the tag and length), read as
 * `type` reads them: `uint32`/`int32` take the low 32 bits (negative int32 values are written as
 * 10-byte varints), `sint32`/`sint64` undo the zigzag coding, the 64-bit types come as BigInt
 * arrays. A varint cut short or longer than 10 bytes is a WireError at its offset.
 *
 * @example
 * decodePackedVarints(Uint8Array.of(0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05), 'uint32'); // Uint32Array [3, 270, 86942]
 */
export function decodePackedVarints<T extends PackedVarintType = 'uint64'>(bytes: Uint8Array, type: T = 'uint64' as T): PackedVarintArray<T> {
  const mode = MODES[type];
  if (mode === undefined) throw new WireError('bad-value', `unknown varint type ${JSON.stringify(type)}`, { layer: 'protobuf' });
  const per = mode < 2 ? 2 : 1;
  // At most one value per byte.
  let words = new Uint32Array(bytes.length * per);
  let count: number;
  const a = autoMode && bytes.length < PACKED_VARINT_JS_BELOW ? null : wasmArena();
  if (a === null) {
    const r = varintDecodeJs(bytes, words, bytes.length, mode);
    if (r.why !== VARINT_DONE) fail(r.why, r.stop);
    count = r.count;
  } else {
    count = decodeWasm(a, bytes, words, mode);
  }
  if (count * per < words.length) words = words.slice(0, count * per);
  const buffer = words.buffer;
  switch (type) {
    case 'uint32':
      return words as PackedVarintArray<T>;
    case 'int32':
    case 'sint32':
      return new Int32Array(buffer) as PackedVarintArray<T>;
    default: {
      if (LITTLE) return (type === 'uint64' ? new BigUint64Array(buffer) : new BigInt64Array(buffer)) as PackedVarintArray<T>;
      // Big-endian engines: the (low, high) words put together by arithmetic.
      const out = type === 'uint64' ? new BigUint64Array(count) : new BigInt64Array(count);
      for (let i = 0; i < count; i++) {
        const v = (BigInt(words[i * 2 + 1]!) << 32n) | BigInt(words[i * 2]!);
        out[i] = type === 'uint64' ? v : BigInt.asIntN(64, v);
      }
      return out as PackedVarintArray<T>;
    }
  }
}

/**
 * A packed repeated varint field's payload: each value as a varint (`sint32`/`sint64` zigzag
 * coded first, negative `int32`/`int64` as 10-byte two's complement), back to back.
 */
export function encodePackedVarints(values: ArrayLike<number | bigint>, type: PackedVarintType = 'uint64'): Uint8Array {
  const out = new Uint8Array(values.length * 10);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    let v = BigInt(values[i]!);
    if (type === 'sint32' || type === 'sint64') v = v >= 0n ? v << 1n : ((-v) << 1n) - 1n;
    else if (type === 'uint32' || type === 'int32') v = type === 'uint32' ? BigInt.asUintN(32, v) : BigInt.asUintN(64, BigInt.asIntN(32, v));
    v = BigInt.asUintN(64, v);
    while (v >= 0x80n) {
      out[at++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    out[at++] = Number(v);
  }
  return out.slice(0, at);
}
