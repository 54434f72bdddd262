// The protobuf wire format (https://protobuf.dev/programming-guides/encoding/) without a schema:
// varints (at most 10 bytes, the tenth holding bit 63 only), zigzag, fixed 32- and 64-bit values,
// length-delimited fields and the deprecated groups. `decodeProtobufRaw` lists a message's fields
// (number, wire type, value) and, like `protoc --decode_raw`, guesses which length-delimited
// values are nested messages; `protobufText` prints them as protoc does. An encoder writes fields.
//
// Without a schema a varint is an unsigned 64-bit number (a `bigint`): whether it was an int32, a
// sint64 (zigzag) or a bool is the reader's guess; `zigzagDecode` and `int64FromUnsigned` turn it
// into the other readings. Hostile input is bounded: nesting (groups and guessed messages) stops at
// `maxDepth`, every length is checked against the bytes there, and errors are WireErrors (layer
// `protobuf`) with the offset of the offending byte.
import { WireError } from '../errors.js';
import { concatBytes } from '../packet/bytes.js';

const LAYER = 'protobuf';

export const ProtobufWireType = {
  VARINT: 0,
  I64: 1,
  LEN: 2,
  SGROUP: 3,
  EGROUP: 4,
  I32: 5,
} as const;

const MAX_FIELD = 0x1fffffff;
const U64 = (1n << 64n) - 1n;

/**
 * Reads a varint at `pos`: its value (unsigned, up to 64 bits) and the position after it. More
 * than 10 bytes, or a 10th byte above 1, is `bad-value` (the value would not fit 64 bits).
 */
export function decodeVarint(bytes: Uint8Array, pos: number, offset = 0): [bigint, number] {
  // The first four bytes fit a 32-bit number: the common case without bigint arithmetic.
  let low = 0;
  let i = pos;
  for (let shift = 0; shift < 28; shift += 7) {
    if (i >= bytes.length) throw new WireError('truncated', 'a varint is cut off', { layer: LAYER, offset: offset + i });
    const b = bytes[i++]!;
    low |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [BigInt(low >>> 0), i];
  }
  let value = BigInt(low >>> 0);
  for (let shift = 28n; ; shift += 7n) {
    if (i >= bytes.length) throw new WireError('truncated', 'a varint is cut off', { layer: LAYER, offset: offset + i });
    const b = bytes[i++]!;
    // The 10th byte holds bit 63 only: anything more (a higher bit, or an 11th byte) overflows.
    if (shift === 63n && b > 1) throw new WireError('bad-value', 'a varint overflows 64 bits (a 10th byte above 1)', { layer: LAYER, offset: offset + i - 1 });
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [value, i];
  }
}

/** A varint's bytes. Negative numbers are taken as their 64-bit two's complement (10 bytes, as int32/int64 fields are written). */
export function encodeVarint(value: bigint | number): Uint8Array {
  let v = typeof value === 'number' ? toBig(value) : value;
  if (v < 0n) v &= U64;
  if (v > U64) throw new WireError('bad-value', `${v} does not fit 64 bits`, { layer: LAYER });
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

function toBig(n: number): bigint {
  if (!Number.isSafeInteger(n)) throw new WireError('bad-value', `${n} is not a safe integer (use a bigint)`, { layer: LAYER });
  return BigInt(n);
}

/** ZigZag encoding of a signed 64-bit number (sint32/sint64). */
export function zigzagEncode(n: bigint | number): bigint {
  const v = BigInt.asIntN(64, typeof n === 'number' ? toBig(n) : n);
  return BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
}

/** ZigZag decoding of an unsigned 64-bit number. */
export function zigzagDecode(n: bigint): bigint {
  return (n >> 1n) ^ -(n & 1n);
}

/** An unsigned 64-bit varint read as int64 (two's complement). */
export function int64FromUnsigned(n: bigint): bigint {
  return BigInt.asIntN(64, n);
}

/** One field as read. */
export interface ProtobufField {
  number: number;
  wireType: number;
  /** Stream offset of its key's first byte, and of the byte after the field. */
  offset: number;
  end: number;
  /** VARINT and I64: unsigned 64-bit; I32: unsigned 32-bit; LEN: the bytes; SGROUP: the group's fields. */
  value: bigint | number | Uint8Array | ProtobufField[];
  /** LEN only: the bytes read as a message, when they are one (protoc --decode_raw's guess). */
  message?: ProtobufField[];
  /** LEN only: the bytes as text, when they are valid UTF-8 and not taken as a message. */
  text?: string;
}

export interface ProtobufDecodeOptions {
  /** Nesting of groups and guessed messages (default 64; protobuf's own limit is 100). */
  maxDepth?: number;
  /** Guess nested messages in length-delimited fields (default true). */
  guessMessages?: boolean;
  /** Offset of `bytes[0]` in a larger input, for errors and field offsets. */
  offset?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A message's fields without a schema, in order, as `protoc --decode_raw` reads them. Throws a
 * WireError when the bytes are not a message (a bad key, a cut field, an unmatched group end).
 *
 * @example
 * decodeProtobufRaw(Uint8Array.from([0x08, 0x96, 0x01])); // [{ number: 1, wireType: 0, value: 150n, ... }]
 */
export function decodeProtobufRaw(bytes: Uint8Array, options: ProtobufDecodeOptions = {}): ProtobufField[] {
  const maxDepth = options.maxDepth ?? 64;
  const guess = options.guessMessages ?? true;
  const [fields] = readFields(bytes, 0, options.offset ?? 0, 0, maxDepth, guess, undefined);
  return fields;
}

/** Reads fields from pos to the end, or to the EGROUP of `group`; returns them and the position after. */
function readFields(bytes: Uint8Array, pos: number, offset: number, depth: number, maxDepth: number, guess: boolean, group: number | undefined): [ProtobufField[], number] {
  if (depth > maxDepth) throw new WireError('limit-exceeded', `nesting deeper than ${maxDepth}`, { layer: LAYER, offset: offset + pos });
  const fields: ProtobufField[] = [];
  let i = pos;
  while (i < bytes.length) {
    const start = i;
    const [key, next] = decodeVarint(bytes, i, offset);
    i = next;
    if (key > BigInt(MAX_FIELD) * 8n + 7n) throw new WireError('bad-value', `field number ${key >> 3n} exceeds 2^29-1`, { layer: LAYER, offset: offset + start });
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (number === 0) throw new WireError('bad-value', 'field number 0', { layer: LAYER, offset: offset + start });
    const need = (n: number) => {
      if (i + n > bytes.length) throw new WireError('truncated', `a field ${number} of ${n} bytes runs past the end`, { layer: LAYER, offset: offset + i, required: n, available: bytes.length - i });
    };
    let value: ProtobufField['value'];
    let extra: Pick<ProtobufField, 'message' | 'text'> = {};
    switch (wireType) {
      case 0:
        [value, i] = decodeVarint(bytes, i, offset);
        break;
      case 1: {
        need(8);
        const dv = new DataView(bytes.buffer, bytes.byteOffset + i, 8);
        value = dv.getBigUint64(0, true);
        i += 8;
        break;
      }
      case 5: {
        need(4);
        value = new DataView(bytes.buffer, bytes.byteOffset + i, 4).getUint32(0, true);
        i += 4;
        break;
      }
      case 2: {
        const [len, after] = decodeVarint(bytes, i, offset);
        i = after;
        if (len > BigInt(bytes.length - i)) throw new WireError('truncated', `a ${len}-byte field ${number} runs past the end`, { layer: LAYER, offset: offset + i, required: Number(len), available: bytes.length - i });
        const data = bytes.subarray(i, i + Number(len));
        value = data;
        extra = guessLen(data, offset + i, depth, maxDepth, guess);
        i += data.length;
        break;
      }
      case 3: {
        let inner: ProtobufField[];
        [inner, i] = readFields(bytes, i, offset, depth + 1, maxDepth, guess, number);
        value = inner;
        break;
      }
      case 4:
        if (group !== number) throw new WireError('bad-value', group === undefined ? `an end-group for field ${number} with no group open` : `an end-group for field ${number} in the group of field ${group}`, { layer: LAYER, offset: offset + start });
        return [fields, i];
      default:
        throw new WireError('bad-value', `wire type ${wireType} is not 0..5 (field ${number})`, { layer: LAYER, offset: offset + start });
    }
    fields.push({ number, wireType, offset: offset + start, end: offset + i, value, ...extra });
  }
  if (group !== undefined) throw new WireError('truncated', `the group of field ${group} has no end`, { layer: LAYER, offset: offset + i });
  return [fields, i];
}

/** protoc --decode_raw's guess: a non-empty message if the bytes parse as one, else text if UTF-8. */
function guessLen(data: Uint8Array, offset: number, depth: number, maxDepth: number, guess: boolean): Pick<ProtobufField, 'message' | 'text'> {
  if (guess && data.length > 0 && depth < maxDepth) {
    try {
      const [message] = readFields(data, 0, offset, depth + 1, maxDepth, guess, undefined);
      return { message };
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
    }
  }
  try {
    return { text: utf8.decode(data) };
  } catch {
    return {};
  }
}

/** A field to encode. LEN takes bytes, a string (UTF-8) or fields (a nested message); SGROUP fields. */
export interface ProtobufFieldInput {
  number: number;
  wireType: number;
  value: bigint | number | Uint8Array | string | ProtobufFieldInput[];
}

/**
 * A message's bytes from its fields. VARINT takes any 64-bit integer (negative: two's
 * complement; zigzag it first for sint32/sint64); I32 and I64 take integers, unsigned or negative
 * (a float's or double's bits from `floatToBits` / `doubleToBits`).
 *
 * @example
 * encodeProtobufRaw([{ number: 1, wireType: 0, value: 150 }]); // 08 96 01
 */
export function encodeProtobufRaw(fields: readonly ProtobufFieldInput[]): Uint8Array {
  const parts: Uint8Array[] = [];
  writeFields(fields, parts);
  return parts.length === 1 ? parts[0]!.slice() : concatBytes(parts);
}

function writeFields(fields: readonly ProtobufFieldInput[], parts: Uint8Array[]): void {
  for (const f of fields) {
    if (!Number.isInteger(f.number) || f.number < 1 || f.number > MAX_FIELD) throw new WireError('bad-value', `field number ${f.number} is not 1..2^29-1`, { layer: LAYER });
    const key = (n: number) => parts.push(encodeVarint((BigInt(f.number) << 3n) | BigInt(n)));
    const v = f.value;
    switch (f.wireType) {
      case 0:
        key(0);
        parts.push(encodeVarint(asInt(v)));
        break;
      case 1: {
        key(1);
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, asInt(v)), true);
        parts.push(b);
        break;
      }
      case 5: {
        key(5);
        const b = new Uint8Array(4);
        new DataView(b.buffer).setUint32(0, Number(BigInt.asUintN(32, asInt(v))), true);
        parts.push(b);
        break;
      }
      case 2: {
        const data = typeof v === 'string' ? new TextEncoder().encode(v) : v instanceof Uint8Array ? v : Array.isArray(v) ? encodeProtobufRaw(v) : undefined;
        if (data === undefined) throw new WireError('bad-value', `field ${f.number}: a LEN value must be bytes, a string or fields`, { layer: LAYER });
        key(2);
        parts.push(encodeVarint(data.length), data);
        break;
      }
      case 3:
        if (!Array.isArray(v)) throw new WireError('bad-value', `field ${f.number}: a group's value must be fields`, { layer: LAYER });
        key(3);
        writeFields(v, parts);
        key(4);
        break;
      default:
        throw new WireError('bad-value', `wire type ${f.wireType} cannot be encoded (0, 1, 2, 3 or 5)`, { layer: LAYER });
    }
  }
}

function asInt(v: ProtobufFieldInput['value']): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return toBig(v);
  throw new WireError('bad-value', 'a numeric wire type needs a number or a bigint', { layer: LAYER });
}

/** A double's bits as an I64 value, and back. */
export function doubleToBits(x: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x, true);
  return dv.getBigUint64(0, true);
}

export function bitsToDouble(bits: bigint): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, BigInt.asUintN(64, bits), true);
  return dv.getFloat64(0, true);
}

/** A float's bits as an I32 value, and back. */
export function floatToBits(x: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, x, true);
  return dv.getUint32(0, true);
}

export function bitsToFloat(bits: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, bits >>> 0, true);
  return dv.getFloat32(0, true);
}

/** protoc's C-style escaping of a string's bytes (octal for the unprintable). */
function cEscape(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if (b === 0x0a) s += '\\n';
    else if (b === 0x0d) s += '\\r';
    else if (b === 0x09) s += '\\t';
    else if (b === 0x22) s += '\\"';
    else if (b === 0x27) s += "\\'";
    else if (b === 0x5c) s += '\\\\';
    else if (b < 0x20 || b >= 0x7f) s += '\\' + b.toString(8).padStart(3, '0');
    else s += String.fromCharCode(b);
  }
  return s;
}

/**
 * Fields as `protoc --decode_raw` prints them: varints in decimal, fixed values as 0x-hex,
 * messages and groups in braces, other bytes as escaped strings.
 */
export function protobufText(fields: readonly ProtobufField[], indent = ''): string {
  let out = '';
  for (const f of fields) {
    const v = f.value;
    if (f.wireType === 0) out += `${indent}${f.number}: ${v as bigint}\n`;
    else if (f.wireType === 1) out += `${indent}${f.number}: 0x${(v as bigint).toString(16).padStart(16, '0')}\n`;
    else if (f.wireType === 5) out += `${indent}${f.number}: 0x${(v as number).toString(16).padStart(8, '0')}\n`;
    else if (f.wireType === 3) out += `${indent}${f.number} {\n${protobufText(v as ProtobufField[], indent + '  ')}${indent}}\n`;
    else if (f.message !== undefined) out += `${indent}${f.number} {\n${protobufText(f.message, indent + '  ')}${indent}}\n`;
    else out += `${indent}${f.number}: "${cEscape(v as Uint8Array)}"\n`;
  }
  return out;
}
