// HTTP/2, HPACK, gRPC and the protobuf wire format against tshark 4.0 on real loopback captures
// (test/fixtures/wire/make-http2.sh): curl --http2-prior-knowledge against a python h2 server, a
// hand-written conversation with every frame type (python hyperframe and hpack), and grpcio
// calls of every kind. Each TCP connection is reassembled with reassembleTcp and read by a
// GrpcConversation (an Http2Connection underneath); every HTTP/2 frame of every direction is
// compared, in order, with tshark's: type, length, flags, stream id, padding, priority, settings,
// window increments, PING data, GOAWAY and RST_STREAM fields, and the header fields tshark shows on
// the frame (names, values, representations, indexes, size updates). Then every gRPC message
// (compressed flag, length) and the protobuf fields tshark shows for it without a schema.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GrpcConversation, grpcMessageFields, type GrpcCall, type GrpcMessage } from '../src/application/grpc.js';
import { Http2FrameType, http2FrameFields, type Http2Frame } from '../src/application/http2.js';
import { decodeProtobufRaw } from '../src/encoding/protobuf.js';
import { reassembleTcp } from '../src/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/wire/${name}`, import.meta.url));

type Shortened = string | number | { length: number; sha256: string };
type TsharkFields = Record<string, Shortened[]>;
interface TsharkPacket {
  'frame.number': string;
  'tcp.stream': string;
  'tcp.srcport': string;
  frames: TsharkFields[];
  grpc?: TsharkFields[];
  protobuf?: TsharkFields[];
}

function tshark(): { frames: Map<string, TsharkFields[]>; grpc: Map<string, TsharkFields[]>; protobuf: Map<string, TsharkFields[]> } {
  const packets = JSON.parse(readFileSync(fixture('http2.json'), 'utf8')) as TsharkPacket[];
  const frames = new Map<string, TsharkFields[]>();
  const grpc = new Map<string, TsharkFields[]>();
  const protobuf = new Map<string, TsharkFields[]>();
  const add = (m: Map<string, TsharkFields[]>, k: string, v: TsharkFields[] | undefined) => {
    if (v !== undefined && v.length > 0) m.set(k, [...(m.get(k) ?? []), ...v]);
  };
  for (const p of packets) {
    const key = `${p['tcp.stream']}/${p['tcp.srcport']}`;
    add(frames, key, p.frames);
    add(grpc, key, p.grpc);
    add(protobuf, key, p.protobuf);
  }
  return { frames, grpc, protobuf };
}

interface Ours {
  frames: Map<string, Http2Frame[]>;
  messages: Map<string, GrpcMessage[]>;
  calls: GrpcCall[];
  errors: unknown[];
}

function ours(): Ours {
  const capture = new Uint8Array(readFileSync(fixture('http2.pcap')));
  const out: Ours = { frames: new Map(), messages: new Map(), calls: [], errors: [] };
  const convs = new Map<number, GrpcConversation>();
  reassembleTcp(capture, {
    onData: (conn, dir, bytes) => {
      let g = convs.get(conn.stream);
      if (g === undefined) {
        const key = (d: 0 | 1) => `${conn.stream}/${conn.ports[d]}`;
        g = new GrpcConversation({
          onFrame: (d, f) => (out.frames.get(key(d)) ?? out.frames.set(key(d), []).get(key(d))!).push(f),
          onMessage: (m) => (out.messages.get(key(m.direction)) ?? out.messages.set(key(m.direction), []).get(key(m.direction))!).push(m),
          onCallEnd: (c) => out.calls.push(c),
          onError: (_d, e) => out.errors.push(e),
        });
        convs.set(conn.stream, g);
      }
      g.push(dir, bytes);
    },
  });
  return out;
}

const short = (v: string): Shortened => (v.length > 96 ? { length: Buffer.byteLength(v), sha256: createHash('sha256').update(v).digest('hex').slice(0, 16) } : v);

/** Our frame as tshark's reduced JSON has it, with the DATA length tshark shows on it (see below). */
function shown(f: Http2Frame, streamData: number | undefined): TsharkFields {
  const out: TsharkFields = {};
  for (const [k, v] of Object.entries(http2FrameFields(f))) {
    const list = Array.isArray(v) ? v : [v];
    out[k] = k === 'http2.header.value' || k === 'http2.goaway.addata' ? list.map(short) : list;
  }
  if (streamData !== undefined) out['http2.data.data'] = [streamData];
  return out;
}

const hexColon = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');

/** Our protobuf reading of a message as tshark shows an unknown message type's fields. */
function protobufShown(data: Uint8Array): TsharkFields {
  const fields = decodeProtobufRaw(data, { guessMessages: false });
  const out: TsharkFields = {
    'protobuf.field.number': fields.map((f) => String(f.number)),
    'protobuf.field.wiretype': fields.map((f) => String(f.wireType)),
  };
  const values: Shortened[] = [];
  const u32: string[] = [];
  const u64: string[] = [];
  for (const f of fields) {
    // tshark's raw value: the varint's bytes, the fixed bytes, the LEN content.
    const raw = data.subarray(f.offset, f.end);
    let valueBytes: Uint8Array;
    if (f.wireType === 2) valueBytes = f.value as Uint8Array;
    else {
      // Skip the key varint.
      let k = 0;
      while (raw[k]! & 0x80) k++;
      valueBytes = raw.subarray(k + 1);
    }
    values.push(short(hexColon(valueBytes)));
    if (f.wireType === 0) (f.value as bigint) <= 0xffffffffn ? u32.push(String(f.value)) : u64.push(String(f.value));
    if (f.wireType === 1) u64.push(String(f.value));
    if (f.wireType === 5) u32.push(String(f.value));
  }
  out['protobuf.field.value'] = values;
  if (u32.length > 0) out['protobuf.field.value.uint32'] = u32;
  if (u64.length > 0) out['protobuf.field.value.uint64'] = u64;
  return out;
}

describe('HTTP/2 and gRPC against tshark 4.0 (make-http2.sh)', () => {
  const theirs = tshark();
  const mine = ours();

  it('reads every connection without error', () => {
    expect(mine.errors).toEqual([]);
    expect([...mine.frames.keys()].sort()).toEqual([...theirs.frames.keys()].sort());
  });

  it('every frame of every direction, in order, with its header fields', () => {
    let compared = 0;
    for (const [key, list] of theirs.frames) {
      const got = mine.frames.get(key)!;
      expect(got.length, key).toBe(list.length);
      const data = new Map<number, number>();
      list.forEach((t, i) => {
        const f = got[i]!;
        // tshark 4.0 shows a DATA frame's data, and on the frame that ends the stream (DATA or
        // trailers) the whole body it reassembled, where the last frame counts as its payload less
        // the Pad Length byte: its padding included.
        const before = data.get(f.streamId) ?? 0;
        const own = f.type === Http2FrameType.DATA ? f.length - (f.padLength === undefined ? 0 : 1) : 0;
        data.set(f.streamId, before + (f.data?.length ?? 0));
        // gRPC is one of tshark's streaming content types: its bodies are not reassembled, and
        // each DATA frame shows its data, even none.
        const grpc = [...mine.messages.keys()].some((k) => k.split('/')[0] === key.split('/')[0]);
        const ends = (f.flags & 1) !== 0 && (f.type === Http2FrameType.DATA || f.type === Http2FrameType.HEADERS);
        const isData = f.type === Http2FrameType.DATA;
        const shownData = grpc ? (isData ? f.data!.length : undefined) : ends && before + own > 0 ? before + own : isData && f.data!.length > 0 ? f.data!.length : undefined;
        expect(shown(f, shownData), `${key} frame ${i}`).toEqual(t);
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(150);
    // Every frame type appears, and an unknown one.
    const types = new Set([...mine.frames.values()].flat().map((f) => f.type));
    for (const t of Object.values(Http2FrameType)) expect(types.has(t), `type ${t}`).toBe(true);
    expect(types.has(0xfa)).toBe(true);
    // What the comparison covered: a size update, fields completing in CONTINUATIONs, never-indexed
    // fields, HEADERS with priority and padding, a padded PUSH_PROMISE, a 60000-byte body.
    const all = [...mine.frames.values()].flat();
    expect(all.some((f) => f.sizeUpdates?.some((u) => u.size === 256))).toBe(true);
    expect(all.filter((f) => f.type === Http2FrameType.CONTINUATION && (f.headers?.length ?? 0) > 0).length).toBeGreaterThanOrEqual(2);
    expect(all.some((f) => f.headers?.some((h) => h.representation === 'never-indexed-name'))).toBe(true);
    expect(all.some((f) => f.type === Http2FrameType.HEADERS && f.priority !== undefined && f.padLength === 7)).toBe(true);
    expect(all.some((f) => f.type === Http2FrameType.PUSH_PROMISE && f.padLength === 5 && f.headers?.length === 4)).toBe(true);
    expect(all.filter((f) => f.type === Http2FrameType.DATA).reduce((n, f) => Math.max(n, f.data!.length), 0)).toBeGreaterThanOrEqual(16384);
    expect([...mine.frames.values()].flat().every((f) => f.problems === undefined)).toBe(true);
  });

  it('every gRPC message, its protobuf fields as tshark shows them, and the calls', () => {
    let compared = 0;
    for (const [key, list] of theirs.grpc) {
      const got = mine.messages.get(key)!;
      const flat = list.flatMap((t) => t['grpc.message_length']!.map((len, i) => ({ 'grpc.compressed_flag': String(t['grpc.compressed_flag']![i]), 'grpc.message_length': String(len) })));
      expect(got.map(grpcMessageFields), key).toEqual(flat);
      compared += flat.length;
    }
    expect(compared).toBeGreaterThanOrEqual(14);
    for (const [key, list] of theirs.protobuf) {
      // tshark decompresses gzip messages and reads every message as an unknown message type.
      const got = mine.messages.get(key)!.filter((m) => m.length > 0);
      expect(got.map((m) => protobufShown(m.decompressed ?? m.data)), key).toEqual(list);
    }
    const calls = mine.calls.filter((c) => c.path?.startsWith('/wirekit.test.Echo/'));
    const byPath = (p: string) => calls.filter((c) => c.path === p);
    expect(calls.map((c) => c.method).sort()).toEqual(['Bidi', 'Big', 'ClientStream', 'ServerStream', 'Unary', 'Unary', 'Unary']);
    expect(byPath('/wirekit.test.Echo/Unary').map((c) => [c.status, c.statusMessage])).toEqual([[0, undefined], [0, undefined], [5, 'no such item: missing']]);
    expect(calls.every((c) => c.service === 'wirekit.test.Echo' && c.problems.length === 0)).toBe(true);
    const all = [...mine.messages.values()].flat();
    expect(all.filter((m) => m.compressed).every((m) => m.decompressed !== undefined)).toBe(true);
    expect(all.some((m) => m.length === 40059)).toBe(true);
    const gz = all.find((m) => m.compressed && m.request)!;
    expect(new TextDecoder().decode(gz.decompressed!)).toContain('compressed compressed');
  });
});
