// The protobuf wire format without a schema, held against two references: protobuf's own C++
// implementation (messages serialized by python's google.protobuf or by hand and decoded by
// `protoc --decode_raw`, test/fixtures/wire/make-protobuf.sh: protobufText must print the same
// text) and protobufjs (varints, zigzag and schema'd messages of every scalar type, both ways,
// byte for byte). Then varints against a BigInt reference, overflow, groups, the bounds,
// encode -> decode round trips, and fuzz (only WireError).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { WireError } from '../src/errors.js';
import {
  bitsToDouble,
  bitsToFloat,
  decodeProtobufRaw,
  decodeVarint,
  doubleToBits,
  encodeProtobufRaw,
  encodeVarint,
  floatToBits,
  int64FromUnsigned,
  protobufText,
  zigzagDecode,
  zigzagEncode,
  type ProtobufField,
  type ProtobufFieldInput,
} from '../src/encoding/protobuf.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));

/** Varint bytes computed the slow, obvious way. */
function referenceVarint(v: bigint): number[] {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  do {
    const low = Number(x % 128n);
    x /= 128n;
    out.push(x > 0n ? low + 128 : low);
  } while (x > 0n);
  return out;
}

describe('protobuf: against protoc --decode_raw (make-protobuf.sh)', () => {
  const cases = JSON.parse(readFileSync(fixture('protobuf-raw.json'), 'utf8')) as { name: string; hex: string; text: string }[];
  for (const c of cases) {
    it(`${c.name}: prints what protoc prints`, () => {
      const bytes = hex(c.hex);
      const text = protobufText(decodeProtobufRaw(bytes));
      // protoc writes its escaped strings' bytes as they are; the fixture read them as latin-1.
      expect(text).toBe(c.text);
      // And the fields encode back to the same bytes.
      expect(Buffer.from(encodeProtobufRaw(toInput(decodeProtobufRaw(bytes, { guessMessages: false })))).toString('hex')).toBe(c.hex);
    });
  }
  it('covers nested messages, groups, 10-byte varints and the largest field number', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
    const all = cases.map((c) => c.text).join('');
    expect(all).toContain('18446744073709551615');
    expect(all).toContain('536870911: 1');
    expect(all).toMatch(/\{\n +\d+ \{/);
  });
});

function toInput(fields: ProtobufField[]): ProtobufFieldInput[] {
  return fields.map((f) => ({ number: f.number, wireType: f.wireType, value: f.wireType === 3 ? toInput(f.value as ProtobufField[]) : (f.value as bigint | number | Uint8Array) }));
}

describe('protobuf: varints and scalars', () => {
  it('encodes varints as the reference does and decodes them back, all 64 bits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }), (v) => {
        const bytes = encodeVarint(v);
        expect([...bytes]).toEqual(referenceVarint(v));
        expect(decodeVarint(bytes, 0)).toEqual([BigInt.asUintN(64, v), bytes.length]);
      }),
      { numRuns: 1000 },
    );
    expect([...encodeVarint(150)]).toEqual([0x96, 0x01]);
    expect(encodeVarint(-1)).toHaveLength(10);
    expect(int64FromUnsigned(decodeVarint(encodeVarint(-1), 0)[0])).toBe(-1n);
  });

  it('rejects varints that overflow 64 bits or run past 10 bytes, and cut ones', () => {
    expect(() => decodeVarint(hex('ffffffffffffffffff02'), 0)).toThrow(expect.objectContaining({ code: 'bad-value', offset: 9 }));
    expect(() => decodeVarint(hex('ffffffffffffffffff8101'), 0)).toThrow(/overflows 64 bits/);
    expect(decodeVarint(hex('ffffffffffffffffff01'), 0)).toEqual([(1n << 64n) - 1n, 10]);
    expect(() => decodeVarint(hex('8080'), 0, 7)).toThrow(expect.objectContaining({ code: 'truncated', offset: 9 }));
  });

  it('zigzag maps signed to unsigned as sint64 does', () => {
    expect([0, -1, 1, -2, 2147483647, -2147483648].map((n) => zigzagEncode(n))).toEqual([0n, 1n, 2n, 3n, 4294967294n, 4294967295n]);
    fc.assert(fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (v) => {
      expect(zigzagDecode(zigzagEncode(v))).toBe(v);
    }));
  });

  it('converts floats and doubles to and from their bits', () => {
    expect(doubleToBits(2.5)).toBe(0x4004000000000000n);
    expect(floatToBits(-1.25)).toBe(0xbfa00000);
    expect(bitsToDouble(doubleToBits(Math.PI))).toBe(Math.PI);
    expect(bitsToFloat(floatToBits(0.5))).toBe(0.5);
  });
});

describe('protobuf: messages', () => {
  it('guesses nested messages and text like protoc, and keeps offsets', () => {
    const inner = encodeProtobufRaw([{ number: 1, wireType: 2, value: 'inner' }, { number: 2, wireType: 0, value: 7 }]);
    const bytes = encodeProtobufRaw([{ number: 1, wireType: 2, value: inner }, { number: 2, wireType: 2, value: 'hello world' }, { number: 3, wireType: 2, value: Uint8Array.from([0xff, 0xfe]) }]);
    const f = decodeProtobufRaw(bytes);
    expect(f[0]!.message!.map((x) => x.number)).toEqual([1, 2]);
    expect(f[1]!.message).toBeUndefined();
    expect(f[1]!.text).toBe('hello world');
    expect(f[2]!.text).toBeUndefined();
    expect(f.map((x) => [x.offset, x.end])).toEqual([[0, 2 + inner.length], [2 + inner.length, 2 + inner.length + 13], [2 + inner.length + 13, bytes.length]]);
    expect(protobufText(f)).toBe('1 {\n  1: "inner"\n  2: 7\n}\n2: "hello world"\n3: "\\377\\376"\n');
  });

  it('reads groups and rejects unmatched ends, bad wire types, field 0, cut fields', () => {
    const g = encodeProtobufRaw([{ number: 5, wireType: 3, value: [{ number: 1, wireType: 0, value: 1 }] }]);
    expect(Buffer.from(g).toString('hex')).toBe('2b08012c');
    expect(decodeProtobufRaw(g)[0]!.value).toHaveLength(1);
    const err = (b: string) => {
      try {
        decodeProtobufRaw(hex(b));
      } catch (e) {
        return [(e as WireError).code, (e as WireError).offset];
      }
      return undefined;
    };
    expect(err('0c')).toEqual(['bad-value', 0]); // end group 1 with none open
    expect(err('2b0801')).toEqual(['truncated', 3]); // group 5 never ends
    expect(err('0e00')).toEqual(['bad-value', 0]); // wire type 6
    expect(err('0001')).toEqual(['bad-value', 0]); // field 0
    expect(err('0a05abc')).toBeDefined();
    expect(err('0a0561')).toEqual(['truncated', 2]);
    expect(err('09000000')).toEqual(['truncated', 1]);
  });

  it('bounds nesting', () => {
    let m: ProtobufFieldInput[] = [{ number: 1, wireType: 0, value: 1 }];
    for (let i = 0; i < 200; i++) m = [{ number: 1, wireType: 3, value: m }];
    expect(() => decodeProtobufRaw(encodeProtobufRaw(m))).toThrow(expect.objectContaining({ code: 'limit-exceeded' }));
    expect(decodeProtobufRaw(encodeProtobufRaw(m), { maxDepth: 300 })).toHaveLength(1);
  });

  it('round trips random messages', () => {
    const scalar = fc.oneof(
      fc.record({ number: fc.integer({ min: 1, max: 0x1fffffff }), wireType: fc.constant(0), value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
      fc.record({ number: fc.integer({ min: 1, max: 1000 }), wireType: fc.constant(1), value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
      fc.record({ number: fc.integer({ min: 1, max: 1000 }), wireType: fc.constant(5), value: fc.integer({ min: 0, max: 0xffffffff }) }),
      fc.record({ number: fc.integer({ min: 1, max: 1000 }), wireType: fc.constant(2), value: fc.uint8Array({ maxLength: 20 }) }),
    );
    const message = fc.letrec<{ msg: ProtobufFieldInput[]; field: ProtobufFieldInput }>((tie) => ({
      msg: fc.array(tie('field'), { maxLength: 5 }),
      field: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.record({ number: fc.integer({ min: 1, max: 50 }), wireType: fc.constant(3), value: tie('msg') })),
    })).msg;
    fc.assert(
      fc.property(message, (fields) => {
        const bytes = encodeProtobufRaw(fields);
        const back = decodeProtobufRaw(bytes, { guessMessages: false });
        expect(encodeProtobufRaw(toInput(back))).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('only ever throws WireError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        try {
          decodeProtobufRaw(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('protobuf: against protobufjs', () => {
  const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
  const i64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });

  it('writes and reads varints and zigzag as protobufjs does, all 64 bits', () => {
    fc.assert(
      fc.property(u64, i64, (u, i) => {
        const w = protobuf.Writer.create().uint64(u.toString()).sint64(i.toString()).int64(i.toString()).finish();
        const ours = Uint8Array.from([...encodeVarint(u), ...encodeVarint(zigzagEncode(i)), ...encodeVarint(i)]);
        expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(w).toString('hex'));
        const r = protobuf.Reader.create(ours);
        expect(r.uint64().toString()).toBe(u.toString());
        expect(r.sint64().toString()).toBe(i.toString());
        expect(r.int64().toString()).toBe(i.toString());
        const [a, at] = decodeVarint(w, 0);
        const [b, at2] = decodeVarint(w, at);
        expect([a, zigzagDecode(b), int64FromUnsigned(decodeVarint(w, at2)[0])]).toEqual([u, i, i]);
      }),
      { numRuns: 500 },
    );
  });

  // A message of every scalar kind, a nested message, packed and unpacked repeated fields.
  const root = protobuf.Root.fromJSON({
    nested: {
      // proto2: a field present in the object is written, whatever its value.
      Inner: { edition: 'proto2', fields: { x: { type: 'string', id: 1 }, z: { type: 'int64', id: 2 } } },
      All: {
        edition: 'proto2',
        fields: {
          a: { type: 'int32', id: 1 },
          b: { type: 'sint32', id: 2 },
          c: { type: 'uint64', id: 3 },
          d: { type: 'sint64', id: 4 },
          e: { type: 'fixed32', id: 5 },
          f: { type: 'sfixed64', id: 6 },
          g: { type: 'double', id: 7 },
          h: { type: 'float', id: 8 },
          s: { type: 'string', id: 9 },
          y: { type: 'bytes', id: 10 },
          t: { type: 'bool', id: 11 },
          p: { rule: 'repeated', type: 'int32', id: 12, options: { packed: true } },
          n: { type: 'Inner', id: 13 },
          r: { rule: 'repeated', type: 'string', id: 14 },
          big: { type: 'uint32', id: 536870911 },
        },
      },
    },
  });
  const All = root.lookupType('All');
  const message = fc.record(
    {
      a: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      b: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      c: u64,
      d: i64,
      e: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      f: i64,
      g: fc.double({ noNaN: true }),
      h: fc.float({ noNaN: true }),
      s: fc.string({ maxLength: 20 }),
      y: fc.uint8Array({ maxLength: 20 }),
      t: fc.boolean(),
      p: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 5 }),
      n: fc.record({ x: fc.string({ maxLength: 10 }), z: i64 }),
      r: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
      big: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    },
    { requiredKeys: ['a'] },
  );
  type Msg = { a: number; b?: number; c?: bigint; d?: bigint; e?: number; f?: bigint; g?: number; h?: number; s?: string; y?: Uint8Array; t?: boolean; p?: number[]; n?: { x: string; z: bigint }; r?: string[]; big?: number };

  /** The message's fields as our encoder takes them, in field order, as protobufjs writes them. */
  function fieldsOf(m: Msg): ProtobufFieldInput[] {
    const out: ProtobufFieldInput[] = [{ number: 1, wireType: 0, value: m.a }];
    if (m.b !== undefined) out.push({ number: 2, wireType: 0, value: zigzagEncode(m.b) });
    if (m.c !== undefined) out.push({ number: 3, wireType: 0, value: m.c });
    if (m.d !== undefined) out.push({ number: 4, wireType: 0, value: zigzagEncode(m.d) });
    if (m.e !== undefined) out.push({ number: 5, wireType: 5, value: m.e });
    if (m.f !== undefined) out.push({ number: 6, wireType: 1, value: m.f });
    if (m.g !== undefined) out.push({ number: 7, wireType: 1, value: doubleToBits(m.g) });
    if (m.h !== undefined) out.push({ number: 8, wireType: 5, value: floatToBits(m.h) });
    if (m.s !== undefined) out.push({ number: 9, wireType: 2, value: m.s });
    if (m.y !== undefined) out.push({ number: 10, wireType: 2, value: m.y });
    if (m.t !== undefined) out.push({ number: 11, wireType: 0, value: m.t ? 1 : 0 });
    if (m.p !== undefined) out.push({ number: 12, wireType: 2, value: Uint8Array.from(m.p.flatMap((v) => [...encodeVarint(v)])) });
    if (m.n !== undefined) out.push({ number: 13, wireType: 2, value: [{ number: 1, wireType: 2, value: m.n.x }, { number: 2, wireType: 0, value: m.n.z }] });
    for (const r of m.r ?? []) out.push({ number: 14, wireType: 2, value: r });
    if (m.big !== undefined) out.push({ number: 536870911, wireType: 0, value: m.big });
    return out;
  }

  /** protobufjs wants 64-bit values as strings (long.js) and floats as they round in 32 bits. */
  function forJs(m: Msg): Record<string, unknown> {
    const o: Record<string, unknown> = { ...m };
    for (const k of ['c', 'd', 'f'] as const) if (m[k] !== undefined) o[k] = m[k]!.toString();
    if (m.n !== undefined) o.n = { x: m.n.x, z: m.n.z.toString() };
    return o;
  }

  it('encodes messages of every scalar type to the bytes protobufjs writes', () => {
    fc.assert(
      fc.property(message, (m) => {
        const theirs = All.encode(All.fromObject(forJs(m))).finish();
        expect(Buffer.from(encodeProtobufRaw(fieldsOf(m))).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
      }),
      { numRuns: 300 },
    );
  });

  it('decodes what protobufjs writes to the same values, and protobufjs reads what we write', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = All.encode(All.fromObject(forJs(m))).finish();
        const byNumber = new Map<number, ProtobufField[]>();
        for (const f of decodeProtobufRaw(bytes)) byNumber.set(f.number, [...(byNumber.get(f.number) ?? []), f]);
        const one = (n: number) => byNumber.get(n)?.[0];
        expect(Number(BigInt.asIntN(32, one(1)!.value as bigint))).toBe(m.a);
        if (m.b !== undefined) expect(Number(zigzagDecode(one(2)!.value as bigint))).toBe(m.b);
        if (m.c !== undefined) expect(one(3)!.value).toBe(m.c);
        if (m.d !== undefined) expect(zigzagDecode(one(4)!.value as bigint)).toBe(m.d);
        if (m.e !== undefined) expect(one(5)!.value).toBe(m.e);
        if (m.f !== undefined) expect(int64FromUnsigned(one(6)!.value as bigint)).toBe(m.f);
        if (m.g !== undefined) expect(bitsToDouble(one(7)!.value as bigint)).toBe(m.g);
        if (m.h !== undefined) expect(bitsToFloat(one(8)!.value as number)).toBe(Math.fround(m.h));
        if (m.s !== undefined) expect(new TextDecoder().decode(one(9)!.value as Uint8Array)).toBe(m.s);
        if (m.n !== undefined) expect(int64FromUnsigned(one(13)!.message!.find((f) => f.number === 2)!.value as bigint)).toBe(m.n.z);
        expect((byNumber.get(14) ?? []).map((f) => new TextDecoder().decode(f.value as Uint8Array))).toEqual(m.r ?? []);
        // And the other way: protobufjs reads our bytes back to the object.
        const back = All.toObject(All.decode(encodeProtobufRaw(fieldsOf(m))), { longs: String, bytes: Array });
        expect(back.a).toBe(m.a);
        if (m.d !== undefined) expect(back.d).toBe(m.d.toString());
        if (m.c !== undefined) expect(back.c).toBe(m.c.toString());
        if (m.p !== undefined) expect(back.p).toEqual(m.p);
        if (m.y !== undefined) expect(back.y).toEqual([...m.y]);
        if (m.big !== undefined) expect(back.big).toBe(m.big);
      }),
      { numRuns: 300 },
    );
  });
});
