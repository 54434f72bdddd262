// HTTP/2 framing (RFC 9113) and gRPC framing: every frame type encoded and read back, header
// blocks over CONTINUATIONs with HPACK, per-stream attribution, the size limits and their error
// offsets, and properties (fast-check): any split of the bytes gives the same frames, random and
// mutated bytes only ever give WireError, encode -> parse round trips. Then gRPC messages across
// DATA frames, the message cap, status trailers.
import fc from 'fast-check';
import { concatBytes } from '../src/packet/bytes.js';
import { describe, expect, it } from 'vitest';
import { WireError } from '../src/errors.js';
import { HpackEncoder } from '../src/application/hpack.js';
import {
  Http2Connection,
  Http2Flag,
  Http2FrameType,
  Http2Parser,
  Http2Setting,
  encodeHttp2Frame,
  encodeHttp2Headers,
  http2FrameFields,
  http2FrameTypeName,
  http2Header,
  http2Preface,
  type Http2Frame,
  type Http2FrameInput,
  type Http2HeaderBlock,
} from '../src/application/http2.js';
import { GrpcConversation, encodeGrpcMessage, grpcPercentDecode, type GrpcCall, type GrpcMessage } from '../src/application/grpc.js';

const cat = (...parts: Uint8Array[]) => concatBytes(parts);
const text = (s: string) => new TextEncoder().encode(s);

/** Parses bytes pushed in the given pieces; returns frames (as plain data), blocks, and the error. */
function parse(bytes: Uint8Array, cuts: number[] = [], options: ConstructorParameters<typeof Http2Parser>[1] = {}) {
  const frames: Http2Frame[] = [];
  const blocks: Http2HeaderBlock[] = [];
  const p = new Http2Parser({ onFrame: (f) => frames.push(f), onHeaders: (b) => blocks.push(b) }, options);
  let error: unknown;
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let at = 0;
  try {
    for (const c of [...points, bytes.length]) {
      p.push(bytes.subarray(at, c));
      at = c;
    }
  } catch (e) {
    error = e;
  }
  return { frames, blocks, error, parser: p };
}

/** A frame as comparable JSON (bytes as hex). */
const plain = (x: unknown) => JSON.parse(JSON.stringify(x, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));

const EVERY_FRAME: Http2FrameInput[] = [
  { type: Http2FrameType.SETTINGS, settings: [{ id: Http2Setting.MAX_CONCURRENT_STREAMS, value: 100 }, { id: Http2Setting.INITIAL_WINDOW_SIZE, value: 65535 }] },
  { type: Http2FrameType.SETTINGS, flags: Http2Flag.ACK },
  { type: Http2FrameType.PRIORITY, streamId: 3, priority: { exclusive: true, dependency: 1, weight: 200 } },
  { type: Http2FrameType.DATA, streamId: 1, data: text('hello'), padLength: 7, flags: Http2Flag.END_STREAM },
  { type: Http2FrameType.RST_STREAM, streamId: 1, errorCode: 8 },
  { type: Http2FrameType.PING, opaque: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) },
  { type: Http2FrameType.PING, flags: Http2Flag.ACK, opaque: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) },
  { type: Http2FrameType.GOAWAY, lastStreamId: 5, errorCode: 0, debugData: text('bye') },
  { type: Http2FrameType.WINDOW_UPDATE, streamId: 0, windowSizeIncrement: 1 << 20 },
  { type: 0xfa, streamId: 1, data: text('ext') },
];

describe('HTTP/2 frames', () => {
  it('reads every frame type the encoder writes, after the preface', () => {
    const enc = new HpackEncoder();
    const bytes = cat(
      http2Preface(),
      ...EVERY_FRAME.map(encodeHttp2Frame),
      encodeHttp2Headers(enc, { streamId: 5, fields: [{ name: ':method', value: 'GET' }, { name: ':path', value: '/x' }, { name: 'x-long', value: 'v'.repeat(100) }], priority: { exclusive: false, dependency: 3, weight: 15 }, padLength: 4, maxFrameSize: 40, endStream: true }),
      encodeHttp2Headers(enc, { streamId: 5, promisedStreamId: 2, fields: [{ name: ':path', value: '/pushed' }] }),
    );
    const { frames, blocks, error } = parse(bytes);
    expect(error).toBeUndefined();
    const names = frames.map((f) => http2FrameTypeName(f.type));
    const n = names.length;
    expect(names).toEqual([
      'SETTINGS', 'SETTINGS', 'PRIORITY', 'DATA', 'RST_STREAM', 'PING', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'UNKNOWN(250)', 'HEADERS', ...Array<string>(n - 12).fill('CONTINUATION'), 'PUSH_PROMISE',
    ]);
    expect(n).toBeGreaterThanOrEqual(14);
    expect(frames[0]!.offset).toBe(24);
    expect(frames[0]!.settings).toEqual([{ id: 3, value: 100 }, { id: 4, value: 65535 }]);
    expect(frames[2]!.priority).toEqual({ exclusive: true, dependency: 1, weight: 200 });
    expect([frames[3]!.padLength, Buffer.from(frames[3]!.data!).toString(), frames[3]!.length]).toEqual([7, 'hello', 13]);
    expect(frames[4]!.errorCode).toBe(8);
    expect(http2FrameFields(frames[6]!)['http2.pong']).toBe('01:02:03:04:05:06:07:08');
    expect([frames[7]!.lastStreamId, Buffer.from(frames[7]!.debugData!).toString()]).toEqual([5, 'bye']);
    expect(frames[8]!.windowSizeIncrement).toBe(1 << 20);
    expect(frames[10]!.priority).toEqual({ exclusive: false, dependency: 3, weight: 15 });
    // Each field is shown on the frame where its last byte is; the block is whole on the last.
    expect(frames.slice(10, n - 1).flatMap((f) => f.headers!.map((h) => h.name))).toEqual([':method', ':path', 'x-long']);
    expect(frames[n - 2]!.headers!.map((h) => h.name)).toEqual(['x-long']);
    expect(blocks.map((b) => [b.streamId, b.frames, b.endStream, http2Header(b, ':path')])).toEqual([[5, n - 11, true, '/x'], [5, 1, false, '/pushed']]);
    expect(blocks[1]!.promisedStreamId).toBe(2);
    expect(frames.every((f) => f.problems === undefined)).toBe(true);
  });

  it('gives the same frames whatever the split (fast-check)', () => {
    const enc = new HpackEncoder();
    const bytes = cat(http2Preface(), ...EVERY_FRAME.map(encodeHttp2Frame), encodeHttp2Headers(enc, { streamId: 7, fields: [{ name: 'a', value: 'b'.repeat(50) }, { name: 'c', value: 'd' }], maxFrameSize: 20 }));
    const whole = plain(parse(bytes).frames);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 30 }), (cuts) => {
        const r = parse(bytes, cuts);
        expect(r.error).toBeUndefined();
        expect(plain(r.frames)).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('round trips random frames through the encoder', () => {
    const bytes8 = fc.uint8Array({ minLength: 8, maxLength: 8 });
    const sid = fc.integer({ min: 1, max: 0x7fffffff });
    const frame = fc.oneof(
      fc.record({ type: fc.constant(0), streamId: sid, data: fc.uint8Array({ maxLength: 100 }), padLength: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }), flags: fc.constantFrom(0, 1) }),
      fc.record({ type: fc.constant(2), streamId: sid, priority: fc.record({ exclusive: fc.boolean(), dependency: fc.integer({ min: 0, max: 0x7fffffff }), weight: fc.integer({ min: 0, max: 255 }) }) }),
      fc.record({ type: fc.constant(3), streamId: sid, errorCode: fc.integer({ min: 0, max: 0xffffffff }) }),
      fc.record({ type: fc.constant(4), settings: fc.array(fc.record({ id: fc.integer({ min: 0, max: 0xffff }).filter((i) => i !== 2 && i !== 4 && i !== 5), value: fc.integer({ min: 0, max: 0xffffffff }) }), { maxLength: 6 }) }),
      fc.record({ type: fc.constant(6), opaque: bytes8, flags: fc.constantFrom(0, 1) }),
      fc.record({ type: fc.constant(7), lastStreamId: fc.integer({ min: 0, max: 0x7fffffff }), errorCode: fc.integer({ min: 0, max: 0xffffffff }), debugData: fc.uint8Array({ maxLength: 30 }) }),
      fc.record({ type: fc.constant(8), streamId: fc.integer({ min: 0, max: 0x7fffffff }), windowSizeIncrement: fc.integer({ min: 1, max: 0x7fffffff }) }),
    );
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 10 }), (inputs) => {
        const { frames, error } = parse(cat(...inputs.map((i) => encodeHttp2Frame(i as Http2FrameInput))), [], { preface: false });
        expect(error).toBeUndefined();
        expect(frames).toHaveLength(inputs.length);
        inputs.forEach((input, k) => {
          const f = frames[k]!;
          const { type, ...rest } = input as Http2FrameInput & Record<string, unknown>;
          expect(f.type).toBe(type);
          for (const [key, v] of Object.entries(rest)) {
            if (v === undefined || key === 'flags' || (key === 'streamId' && type === 4)) continue;
            expect(plain((f as unknown as Record<string, unknown>)[key]), key).toEqual(plain(v));
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it('only ever throws WireError on random and mutated bytes, and holds on to it', () => {
    const enc = new HpackEncoder();
    const good = cat(http2Preface(), ...EVERY_FRAME.map(encodeHttp2Frame), encodeHttp2Headers(enc, { streamId: 7, fields: [{ name: 'a', value: 'b' }], maxFrameSize: 16 }));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 5 }), (random, edits, cuts) => {
        const mutated = good.slice();
        for (const [at, v] of edits) mutated[at % mutated.length] = v;
        for (const bytes of [random, mutated]) {
          const r = parse(bytes, cuts, { maxFrameSizeCap: 1 << 16 });
          if (r.error !== undefined) {
            expect(r.error).toBeInstanceOf(WireError);
            expect(() => r.parser.push(new Uint8Array(1))).toThrow(r.error as Error);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('stops on frames over SETTINGS_MAX_FRAME_SIZE or the cap, with the frame offset', () => {
    const big = encodeHttp2Frame({ type: 0, streamId: 1, data: new Uint8Array(20000) });
    const ping = encodeHttp2Frame({ type: 6 });
    expect(parse(cat(ping, big), [], { preface: false }).error).toMatchObject({ code: 'bad-length', layer: 'http2', offset: 17, required: 20000, available: 16384 });
    expect(parse(cat(ping, big), [], { preface: false, maxFrameSize: 32768 }).error).toBeUndefined();
    expect(parse(big, [], { preface: false, maxFrameSize: 1 << 20, maxFrameSizeCap: 10000 }).error).toMatchObject({ code: 'limit-exceeded', offset: 0 });
    expect(parse(text('PRI * HTTP/1.1\r\n'), [], { preface: true }).error).toMatchObject({ code: 'bad-value', offset: 11 });
  });

  it('stops on an interrupted or unopened header block and on a block over its cap', () => {
    const h = encodeHttp2Frame({ type: 1, streamId: 1, fragment: Uint8Array.from([0x82]) });
    const ping = encodeHttp2Frame({ type: 6 });
    expect(parse(cat(h, ping), [], { preface: false }).error).toMatchObject({ code: 'bad-value', offset: h.length });
    expect(String(parse(cat(h, ping), [], { preface: false }).error)).toContain('interrupts the header block of stream 1');
    expect(parse(encodeHttp2Frame({ type: 9, streamId: 1, flags: 4 }), [], { preface: false }).error).toMatchObject({ code: 'bad-value', offset: 0 });
    const cont = encodeHttp2Frame({ type: 9, streamId: 1, fragment: new Uint8Array(1000) });
    expect(parse(cat(h, cont, cont, cont), [], { preface: false, maxHeaderBlock: 2500 }).error).toMatchObject({ code: 'limit-exceeded' });
    // An HPACK error is the direction's error, at the byte's stream offset.
    expect(parse(encodeHttp2Frame({ type: 1, streamId: 1, flags: 4, fragment: Uint8Array.from([0x82, 0xff, 0x00]) }), [], { preface: false }).error).toMatchObject({ layer: 'hpack', offset: 10 });
  });

  it('lists rule breaking that leaves the framing intact as problems', () => {
    const frames = parse(cat(
      encodeHttp2Frame({ type: 4, streamId: 3, payload: new Uint8Array(5) }),
      encodeHttp2Frame({ type: 6, payload: new Uint8Array(3) }),
      encodeHttp2Frame({ type: 0, streamId: 0, data: text('x') }),
      encodeHttp2Frame({ type: 0, streamId: 1, flags: Http2Flag.PADDED, payload: Uint8Array.from([9, 1, 2]) }),
      encodeHttp2Frame({ type: 8, windowSizeIncrement: 0 }),
    ), [], { preface: false }).frames;
    expect(frames.map((f) => f.problems?.length ?? 0)).toEqual([2, 1, 1, 1, 1]);
    expect(frames[3]!.data).toBeUndefined();
  });
});

describe('HTTP/2 connection', () => {
  it('applies each side\'s SETTINGS to the other side and tracks streams', () => {
    const client = new HpackEncoder();
    const server = new HpackEncoder();
    const headers: [number, string | undefined][] = [];
    const data: [number, number, string][] = [];
    const ends: [number, number][] = [];
    const c = new Http2Connection({
      onHeaders: (d, b) => headers.push([d, http2Header(b, ':path') ?? http2Header(b, ':status')]),
      onData: (d, s, bytes) => data.push([d, s.id, Buffer.from(bytes).toString()]),
      onStreamEnd: (d, s) => ends.push([d, s.id]),
    });
    c.push(1, encodeHttp2Frame({ type: 4, settings: [{ id: Http2Setting.MAX_FRAME_SIZE, value: 65536 }, { id: Http2Setting.HEADER_TABLE_SIZE, value: 100 }] }));
    c.push(0, cat(http2Preface(), encodeHttp2Frame({ type: 4 })));
    expect(c.client).toBe(0);
    expect(c.parsers[0].maxFrameSize).toBe(65536);
    expect(c.parsers[0].hpack.maxTableSize).toBe(100);
    client.setMaxTableSize(100);
    c.push(0, encodeHttp2Headers(client, { streamId: 1, fields: [{ name: ':method', value: 'POST' }, { name: ':path', value: '/up' }] }));
    c.push(0, encodeHttp2Frame({ type: 0, streamId: 1, data: new Uint8Array(40000), flags: 1 }));
    c.push(1, encodeHttp2Headers(server, { streamId: 1, fields: [{ name: ':status', value: '200' }] }));
    c.push(1, encodeHttp2Frame({ type: 0, streamId: 1, data: text('ok'), flags: 1 }));
    expect(c.errors).toEqual([undefined, undefined]);
    expect(headers).toEqual([[0, '/up'], [1, '200']]);
    expect(data.map(([d, s, t]) => [d, s, t.length])).toEqual([[0, 1, 40000], [1, 1, 2]]);
    expect(ends).toEqual([[0, 1], [1, 1]]);
    const s = c.streams.get(1)!;
    expect([s.dataBytes, s.ended]).toEqual([[40000, 2], [true, true]]);
    // The server's frames are still held to the client's default 16384.
    c.push(1, encodeHttp2Frame({ type: 0, streamId: 3, data: new Uint8Array(20000) }));
    expect(c.errors[1]).toMatchObject({ code: 'bad-length' });
  });

  it('bounds the streams it keeps', () => {
    const enc = new HpackEncoder();
    const c = new Http2Connection({}, { client: 0, maxStreams: 4 });
    c.push(0, http2Preface());
    for (let id = 1; id <= 9; id += 2) c.push(0, encodeHttp2Headers(enc, { streamId: id, fields: [{ name: ':path', value: '/' }] }));
    expect(c.errors[0]).toMatchObject({ code: 'limit-exceeded' });
  });
});

describe('gRPC', () => {
  function call(chunks: (d: 0 | 1) => Uint8Array[], options = {}) {
    const messages: GrpcMessage[] = [];
    const ended: GrpcCall[] = [];
    const g = new GrpcConversation({ onMessage: (m) => messages.push(m), onCallEnd: (c) => ended.push(c) }, options);
    g.push(0, http2Preface());
    for (const c of chunks(0)) g.push(0, c);
    for (const c of chunks(1)) g.push(1, c);
    return { g, messages, ended };
  }

  it('reassembles messages across DATA frames and several in one frame, with path and status', () => {
    const a = text('first message');
    const b = new Uint8Array(30000).fill(7);
    const stream = cat(encodeGrpcMessage(a), encodeGrpcMessage(b), encodeGrpcMessage(new Uint8Array(0)));
    const client = new HpackEncoder();
    const server = new HpackEncoder();
    const { messages, ended, g } = call((d) => {
      if (d === 0) {
        const out = [encodeHttp2Headers(client, { streamId: 1, fields: [{ name: ':method', value: 'POST' }, { name: ':path', value: '/pkg.Svc/Do' }, { name: 'content-type', value: 'application/grpc' }] })];
        for (let at = 0; at < stream.length; at += 7001) out.push(encodeHttp2Frame({ type: 0, streamId: 1, data: stream.subarray(at, at + 7001), flags: at + 7001 >= stream.length ? 1 : 0 }));
        return out;
      }
      return [
        encodeHttp2Headers(server, { streamId: 1, fields: [{ name: ':status', value: '200' }, { name: 'content-type', value: 'application/grpc' }] }),
        encodeHttp2Frame({ type: 0, streamId: 1, data: encodeGrpcMessage(text('reply'), {}) }),
        encodeHttp2Headers(server, { streamId: 1, endStream: true, fields: [{ name: 'grpc-status', value: '3' }, { name: 'grpc-message', value: 'bad %E2%98%83 input' }] }),
      ];
    });
    expect(messages.map((m) => [m.request, m.length, m.index, m.path])).toEqual([
      [true, a.length, 0, '/pkg.Svc/Do'],
      [true, 30000, 1, '/pkg.Svc/Do'],
      [true, 0, 2, '/pkg.Svc/Do'],
      [false, 5, 0, '/pkg.Svc/Do'],
    ]);
    expect(messages[1]!.data).toEqual(b);
    expect(ended.map((c) => [c.service, c.method, c.status, c.statusMessage, c.messages])).toEqual([['pkg.Svc', 'Do', 3, 'bad \u2603 input', [3, 1]]]);
    expect(g.calls.get(1)!.problems).toEqual([]);
  });

  it('drops a message over the cap and goes on with the next', () => {
    const enc = new HpackEncoder();
    const { messages } = call((d) => (d === 0 ? [encodeHttp2Headers(enc, { streamId: 1, fields: [{ name: ':path', value: '/a/b' }] }), encodeHttp2Frame({ type: 0, streamId: 1, data: cat(encodeGrpcMessage(new Uint8Array(5000)), encodeGrpcMessage(text('ok'))) })] : []), { maxMessageSize: 1000 });
    expect(messages.map((m) => [m.length, m.dropped ?? false, m.data.length])).toEqual([[5000, true, 0], [2, false, 2]]);
    expect(messages[0]!.problems![0]).toContain('exceeds the 1000-byte cap');
  });

  it('reads a trailers-only response and percent-decodes grpc-message', () => {
    const client = new HpackEncoder();
    const server = new HpackEncoder();
    const { ended } = call((d) => (d === 0
      ? [encodeHttp2Headers(client, { streamId: 1, endStream: true, fields: [{ name: ':path', value: '/x.Y/Z' }] })]
      : [encodeHttp2Headers(server, { streamId: 1, endStream: true, fields: [{ name: ':status', value: '200' }, { name: 'grpc-status', value: '12' }, { name: 'grpc-message', value: 'Method%20not%20found!' }] })]));
    expect(ended.map((c) => [c.status, c.statusMessage, c.responseHeaders])).toEqual([[12, 'Method not found!', undefined]]);
    expect(grpcPercentDecode('100%25')).toBe('100%');
  });
});
