// WebSocket framing (RFC 6455), masking (WASM kernel against its JS twin), permessage-deflate
// (RFC 7692) and the raw DEFLATE decoder under it (RFC 1951, against Node's zlib).
import { deflateRawSync, constants as zc, createDeflateRaw } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { WireError } from '../src/errors.js';
import { Inflater } from '../src/encoding/inflate.js';
import {
  encodeWebSocketFrame,
  WebSocketOpcode,
  WebSocketParser,
  websocketFields,
  type WebSocketFrame,
  type WebSocketFrameInput,
  type WebSocketMessage,
  type WebSocketParserOptions,
} from '../src/application/websocket.js';
import { websocketMask, websocketMaskCopy, WS_MASK_JS_BELOW } from '../src/application/websocket-mask.js';
import { wsMaskJs } from '../src/kernels/websocket-mask.js';
import { allocBuffer, setBackend } from '../src/index.js';

const hex = (s: string) => Uint8Array.from(s.match(/[0-9a-f]{2}/gi)!.map((b) => parseInt(b, 16)));
const text = (s: string) => new TextEncoder().encode(s);

afterEach(() => setBackend('auto'));

function parseAll(bytes: Uint8Array, options: WebSocketParserOptions = {}, splits?: number[]) {
  const frames: WebSocketFrame[] = [];
  const messages: WebSocketMessage[] = [];
  const p = new WebSocketParser({ onFrame: (f) => frames.push(f), onMessage: (m) => messages.push(m) }, options);
  if (splits === undefined) p.push(bytes);
  else {
    let at = 0;
    for (const s of [...splits, bytes.length]) {
      const to = Math.min(bytes.length, Math.max(at, s));
      p.push(bytes.subarray(at, to));
      at = to;
    }
  }
  return { frames, messages, parser: p };
}

describe('RFC 6455 section 5.7 examples', () => {
  it('an unmasked text frame "Hello"', () => {
    const { frames, messages } = parseAll(hex('810548656c6c6f'));
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ fin: true, opcode: 1, masked: false, payloadLength: 5, headerLength: 2, offset: 0 });
    expect(messages[0]!.text).toBe('Hello');
    expect(encodeWebSocketFrame({ opcode: WebSocketOpcode.TEXT, payload: 'Hello' })).toEqual(hex('810548656c6c6f'));
  });

  it('a masked text frame "Hello"', () => {
    const bytes = hex('818537fa213d7f9f4d5158');
    const { frames, messages } = parseAll(bytes);
    expect(frames[0]).toMatchObject({ masked: true, maskingKey: 0x37fa213d, headerLength: 6 });
    expect(messages[0]!.text).toBe('Hello');
    expect(encodeWebSocketFrame({ opcode: 1, payload: 'Hello', maskingKey: 0x37fa213d })).toEqual(bytes);
    expect(encodeWebSocketFrame({ opcode: 1, payload: 'Hello', maskingKey: hex('37fa213d') })).toEqual(bytes);
  });

  it('a fragmented unmasked text message', () => {
    const { frames, messages } = parseAll(hex('010348656c80026c6f'));
    expect(frames.map((f) => [f.fin, f.opcode, f.offset])).toEqual([
      [false, 1, 0],
      [true, 0, 5],
    ]);
    expect(messages).toEqual([{ offset: 0, opcode: 1, data: text('Hello'), text: 'Hello', frames: 2, compressed: false }]);
  });

  it('ping and masked pong', () => {
    const { frames, messages } = parseAll(hex('890548656c6c6f' + '8a8537fa213d7f9f4d5158'));
    expect(frames.map((f) => [f.opcode, new TextDecoder().decode(f.payload)])).toEqual([
      [9, 'Hello'],
      [10, 'Hello'],
    ]);
    expect(messages).toEqual([]);
  });

  it('256 bytes in a 16-bit length, 64 KiB in a 64-bit length', () => {
    const small = new Uint8Array(256).map((_, i) => i);
    const big = new Uint8Array(65536).map((_, i) => i * 7);
    const bytes = new Uint8Array([...hex('827e0100'), ...small, ...hex('827f0000000000010000'), ...big]);
    const { frames, messages } = parseAll(bytes);
    expect(frames.map((f) => [f.lengthField, f.payloadLength, f.headerLength])).toEqual([
      [126, 256, 4],
      [127, 65536, 10],
    ]);
    expect(messages[0]!.data).toEqual(small);
    expect(messages[1]!.data).toEqual(big);
    expect(encodeWebSocketFrame({ opcode: 2, payload: small })).toEqual(bytes.subarray(0, 260));
    expect(encodeWebSocketFrame({ opcode: 2, payload: big })).toEqual(bytes.subarray(260));
  });
});

describe('RFC 7692 section 7.2.3 examples (permessage-deflate)', () => {
  const deflate = { deflate: true } as const;
  it('"Hello" compressed, then again sharing the window', () => {
    const { messages } = parseAll(hex('c107f248cdc9c90700' + 'c105f200110000'), deflate);
    expect(messages.map((m) => [m.text, m.compressed])).toEqual([
      ['Hello', true],
      ['Hello', true],
    ]);
  });

  it('the second message cannot be read without the first one\'s window (no context takeover)', () => {
    const { messages } = parseAll(hex('c107f248cdc9c90700' + 'c105f200110000'), { deflate: { noContextTakeover: true } });
    expect(messages[0]!.text).toBe('Hello');
    expect(messages[1]!.text).toBe('');
    expect(messages[1]!.problems![0]).toMatch(/decompression failed: .*distance/);
  });

  it('a stored block, a BFINAL block, and a fragmented compressed message', () => {
    const { messages } = parseAll(hex('c10b0005 00faff48656c6c6f00' + 'c108f348cdc9c9070000' + '4103f248cd' + '8004c9c90700'), deflate);
    expect(messages.map((m) => [m.text, m.frames])).toEqual([
      ['Hello', 1],
      ['Hello', 1],
      ['Hello', 2],
    ]);
  });

  it('RSV1 without the extension is a problem, not an error; the payload is left as it came', () => {
    const { frames, messages } = parseAll(hex('c107f248cdc9c90700'));
    expect(frames[0]!.problems).toEqual(['RSV1 is set and no extension was negotiated']);
    expect(messages[0]!.compressed).toBe(false);
    expect(messages[0]!.data).toEqual(hex('f248cdc9c90700'));
  });
});

describe('masking: the WASM kernel against the JS twin and plain XOR', () => {
  const naive = (data: Uint8Array, key: Uint8Array, phase: number) => data.map((b, i) => b ^ key[(phase + i) & 3]!);

  it('in place and into a copy, at every length, alignment and phase', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.nat(3), fc.nat(7), fc.constantFrom('wasm', 'js', 'auto'), (data, key, phase, shift, backend) => {
        setBackend(backend as 'wasm');
        const want = naive(data, key, phase);
        const buf = new Uint8Array(data.length + 8);
        buf.set(data, shift);
        const view = buf.subarray(shift, shift + data.length);
        expect(websocketMaskCopy(view, key, phase)).toEqual(want);
        expect(view).toEqual(data);
        expect(websocketMask(view, key, phase)).toEqual(want);
        // The bytes around it are untouched.
        expect(buf.subarray(0, shift).every((b) => b === 0) && buf.subarray(shift + data.length).every((b) => b === 0)).toBe(true);
        const js = new Uint8Array(data.length);
        wsMaskJs(data, js, key, phase);
        expect(js).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('on inputs in WebAssembly memory, past the I/O window, and as a 32-bit key', () => {
    setBackend('wasm');
    const n = 200_003;
    const data = new Uint8Array(n).map((_, i) => (i * 31) & 255);
    const key = hex('a1b2c3d4');
    const want = naive(data, key, 1);
    expect(websocketMaskCopy(data, 0xa1b2c3d4, 1)).toEqual(want);
    const inWasm = allocBuffer(n);
    inWasm.set(data);
    expect(websocketMask(inWasm, key, 1)).toEqual(want);
    expect(WS_MASK_JS_BELOW).toBeGreaterThan(0);
  });

  it('rejects keys that are not four bytes or a 32-bit number, and short outputs', () => {
    expect(() => websocketMask(new Uint8Array(4), new Uint8Array(3))).toThrow(WireError);
    expect(() => websocketMask(new Uint8Array(4), 2 ** 32)).toThrow(/32-bit/);
    expect(() => websocketMaskCopy(new Uint8Array(4), 1, 0, new Uint8Array(3))).toThrow(/output holds 3/);
  });
});

const frameArb: fc.Arbitrary<WebSocketFrameInput> = fc.record({
  fin: fc.boolean(),
  opcode: fc.constantFrom(0, 1, 2, 8, 9, 10, 3),
  // Large payloads from a seed: fast-check builds a 64 KiB array element by element otherwise.
  payload: fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.tuple(fc.integer({ min: 65536, max: 70000 }), fc.nat(255)).map(([n, seed]) => new Uint8Array(n).map((_, i) => (i * 131 + seed) & 255)),
  ),
  maskingKey: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: undefined }),
});

describe('framing', () => {
  it('frames encoded and parsed in any split come out as they went in', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 6 }), fc.array(fc.nat(140_000), { maxLength: 12 }), (inputs, cuts) => {
        const parts = inputs.map((f) => encodeWebSocketFrame(f));
        const total = parts.reduce((n, p) => n + p.length, 0);
        const stream = new Uint8Array(total);
        let at = 0;
        const offsets = parts.map((p) => {
          stream.set(p, at);
          at += p.length;
          return at - p.length;
        });
        const whole = parseAll(stream);
        const split = parseAll(stream, {}, [...cuts].sort((a, b) => a - b));
        // Payloads compared as bytes (toEqual walks big arrays slowly), the rest as values.
        const strip = <T extends { payload?: Uint8Array; data?: Uint8Array }>(list: T[]) => list.map(({ payload, data, ...rest }) => rest);
        expect(strip(split.frames)).toEqual(strip(whole.frames));
        expect(strip(split.messages)).toEqual(strip(whole.messages));
        split.frames.forEach((f, i) => expect(Buffer.compare(f.payload, whole.frames[i]!.payload)).toBe(0));
        split.messages.forEach((m, i) => expect(Buffer.compare(m.data, whole.messages[i]!.data)).toBe(0));
        expect(whole.frames.map((f) => f.offset)).toEqual(offsets);
        whole.frames.forEach((f, i) => {
          expect(Buffer.compare(f.payload, inputs[i]!.payload as Uint8Array)).toBe(0);
          expect(f.masked).toBe(inputs[i]!.maskingKey !== undefined);
          expect(f.opcode).toBe(inputs[i]!.opcode);
        });
        expect(whole.parser.offset).toBe(total);
        expect(whole.parser.inFrame).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('lists rule breaking as problems and goes on', () => {
    const stream = new Uint8Array([
      ...encodeWebSocketFrame({ opcode: 0, payload: 'orphan' }),
      ...encodeWebSocketFrame({ opcode: 9, fin: false, payload: 'x' }),
      ...encodeWebSocketFrame({ opcode: 9, payload: new Uint8Array(126) }),
      ...encodeWebSocketFrame({ opcode: 3, payload: 'r' }),
      ...encodeWebSocketFrame({ opcode: 1, fin: false, payload: 'a' }),
      ...encodeWebSocketFrame({ opcode: 1, payload: new Uint8Array([0xff]) }),
      ...encodeWebSocketFrame({ opcode: 8, closeCode: 1005 }),
      ...encodeWebSocketFrame({ opcode: 8, payload: new Uint8Array([3]) }),
      ...encodeWebSocketFrame({ opcode: 2, rsv: 1, payload: 'z' }),
    ]);
    const { frames, messages } = parseAll(stream, { sender: 'client' });
    expect(frames.map((f) => f.problems)).toEqual([
      ['a client frame is not masked (RFC 6455 5.1)', 'a continuation frame with no message to continue'],
      ['a control frame is fragmented (RFC 6455 5.5)', 'a client frame is not masked (RFC 6455 5.1)'],
      ['a control frame carries 126 bytes, more than 125 (RFC 6455 5.5)', 'a client frame is not masked (RFC 6455 5.1)'],
      ['opcode 3 is reserved', 'a client frame is not masked (RFC 6455 5.1)'],
      ['a client frame is not masked (RFC 6455 5.1)'],
      ['a client frame is not masked (RFC 6455 5.1)', 'a data frame starts a message while another is unfinished (the unfinished one is dropped)'],
      ['a client frame is not masked (RFC 6455 5.1)', 'close code 1005 may not be sent (RFC 6455 7.4)'],
      ['a client frame is not masked (RFC 6455 5.1)', 'a close frame carries 1 byte: a status code takes 2'],
      ['RSV3 is set and no extension defines it', 'a client frame is not masked (RFC 6455 5.1)'],
    ]);
    expect(messages.map((m) => [m.opcode, m.text, m.problems])).toEqual([
      [3, undefined, undefined],
      [1, '\ufffd', ['a text message is not valid UTF-8 (RFC 6455 8.1)']],
      [2, undefined, undefined],
    ]);
    expect(frames[6]).toMatchObject({ closeCode: 1005, closeReason: '' });
  });

  it('stops on a 64-bit length with its top bit set, and on a frame over the cap, with typed errors at their offsets', () => {
    const bad = new Uint8Array([...encodeWebSocketFrame({ opcode: 1, payload: 'ok' }), ...hex('827f8000000000000001')]);
    const frames: WebSocketFrame[] = [];
    const p = new WebSocketParser({ onFrame: (f) => frames.push(f) });
    const err = (() => {
      try {
        p.push(bad);
      } catch (e) {
        return e;
      }
    })() as WireError;
    expect(err).toBeInstanceOf(WireError);
    expect(err).toMatchObject({ code: 'bad-length', layer: 'websocket', offset: 6 });
    expect(frames).toHaveLength(1);
    expect(p.error).toBe(err);
    expect(() => p.push(new Uint8Array(1))).toThrow(err);
    const capped = new WebSocketParser({}, { maxFramePayload: 1000 });
    expect(() => capped.push(hex('827e03e9'))).toThrow(expect.objectContaining({ code: 'limit-exceeded', offset: 1, required: 1001 }));
  });

  it('drops a message over the cap but keeps reading frames', () => {
    const stream = new Uint8Array([
      ...encodeWebSocketFrame({ opcode: 2, fin: false, payload: new Uint8Array(600) }),
      ...encodeWebSocketFrame({ opcode: 0, payload: new Uint8Array(600) }),
      ...encodeWebSocketFrame({ opcode: 1, payload: 'after' }),
    ]);
    const { frames, messages } = parseAll(stream, { maxMessage: 1000 });
    expect(frames).toHaveLength(3);
    expect(messages.map((m) => [m.data.length, m.text, m.problems])).toEqual([
      [0, undefined, ['the message exceeds the 1000-byte cap; its data is not kept']],
      [5, 'after', undefined],
    ]);
  });

  it('never throws anything but WireError on random bytes, in any split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(400), { maxLength: 5 }), fc.boolean(), (bytes, cuts, deflate) => {
        try {
          parseAll(bytes, { deflate, maxFramePayload: 1 << 16 }, [...cuts].sort((a, b) => a - b));
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('writes tshark\'s fields', () => {
    const { frames, messages } = parseAll(hex('818537fa213d7f9f4d5158'));
    expect(websocketFields(frames[0]!, { message: messages[0] })).toEqual({
      'websocket.fin': 1,
      'websocket.rsv': 0,
      'websocket.opcode': 1,
      'websocket.mask': 1,
      'websocket.payload_length': 5,
      'websocket.masking_key': '37:fa:21:3d',
      'websocket.payload.text': 'Hello',
    });
  });
});

describe('raw DEFLATE decoding', () => {
  it('equals zlib\'s input for its output at every level and strategy', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 5000 }), fc.string({ maxLength: 3000 }).map((s) => text(s.repeat(3)))),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom(zc.Z_DEFAULT_STRATEGY, zc.Z_FIXED, zc.Z_HUFFMAN_ONLY, zc.Z_RLE),
        (data, level, strategy) => {
          const packed = deflateRawSync(data, { level, strategy });
          expect(new Inflater().inflate(packed)).toEqual(data);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps the window across messages (context takeover), as a sync-flushing compressor expects', async () => {
    const d = createDeflateRaw({ level: 9 });
    const flush = (chunk: Uint8Array) =>
      new Promise<Uint8Array>((resolve) => {
        const got: Buffer[] = [];
        const on = (b: Buffer) => got.push(b);
        d.on('data', on);
        d.write(chunk);
        d.flush(zc.Z_SYNC_FLUSH, () => {
          d.off('data', on);
          resolve(Buffer.concat(got));
        });
      });
    const inflater = new Inflater();
    const messages = ['the quick brown fox', 'the quick brown fox jumps', 'over the lazy dog, the quick brown fox'].map(text);
    for (const m of messages) {
      const out = await flush(m);
      expect(inflater.inflate(out)).toEqual(m);
    }
    d.close();
  });

  it('bounds output, and reports malformed streams as WireError', () => {
    const bomb = deflateRawSync(new Uint8Array(1 << 20));
    expect(() => new Inflater({ maxOutput: 1000 }).inflate(bomb)).toThrow(expect.objectContaining({ code: 'limit-exceeded', layer: 'deflate' }));
    expect(() => new Inflater().inflate(hex('07'))).toThrow(/block type 3/);
    expect(() => new Inflater().inflate(hex('0005 00 00 00'))).toThrow(/does not match its complement/);
    expect(() => new Inflater().inflate(hex('f248'))).toThrow(expect.objectContaining({ code: 'truncated' }));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          new Inflater({ maxOutput: 1 << 16 }).inflate(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('inflateSome keeps what was decoded before a stream breaks off, and the error', () => {
    const data = text('the quick brown fox jumps over the lazy dog; '.repeat(40));
    const packed = deflateRawSync(data);
    // A prefix of the output for every cut; the whole and no error for the whole stream.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: packed.length - 1 }), (cut) => {
        const { data: got, error } = new Inflater().inflateSome(packed.subarray(0, cut));
        expect(error?.code).toBe('truncated');
        expect(got).toEqual(data.subarray(0, got.length));
      }),
      { numRuns: 200 },
    );
    const whole = new Inflater();
    expect(whole.inflateSome(packed)).toEqual({ data });
    expect(whole.finished).toBe(true);
    // Bad codes after good ones: the good ones' bytes, and the damage named.
    const bad = new Inflater().inflateSome(Buffer.concat([deflateRawSync(text('Hello'), { finishFlush: zc.Z_SYNC_FLUSH }), hex('07')]));
    expect(new TextDecoder().decode(bad.data)).toBe('Hello');
    expect(bad.error?.message).toMatch(/block type 3/);
    // The cap: output up to it.
    const capped = new Inflater({ maxOutput: 1000 }).inflateSome(deflateRawSync(new Uint8Array(5000)));
    expect(capped.error?.code).toBe('limit-exceeded');
    expect(capped.data.length).toBeLessThanOrEqual(1000);
  });
});
