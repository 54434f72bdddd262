// gRPC over HTTP/2 (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md): each call is
// one HTTP/2 stream; `:path` names the service and method (`/package.Service/Method`); each
// direction's DATA carries length-prefixed messages (one byte compressed flag, four bytes length,
// big-endian) that may span DATA frames and share them; the call ends with trailers holding
// `grpc-status` and a percent-encoded `grpc-message` (or with a trailers-only response).
//
// GrpcConversation sits on an Http2Connection: it reassembles messages per stream and direction
// and names the call each belongs to. Memory is bounded: a message longer than `maxMessageSize` is
// not kept (its bytes are skipped, the framing stays known, and the message is reported with
// `dropped` and a problem), and a gzip-compressed message is decompressed up to the same size.
import { WireError } from '../errors.js';
import { CLAIMED_START, growFor } from '../packet/bytes.js';
import { Inflater } from '../encoding/inflate.js';
import { Http2Connection, http2Header, type Http2ConnectionOptions, type Http2Frame, type Http2HeaderBlock, type Http2Stream } from './http2.js';

const LAYER = 'grpc';
const PREFIX = 5;

/** gRPC status codes (the `grpc-status` trailer). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export interface GrpcMessage {
  streamId: number;
  direction: 0 | 1;
  /** Sent by the client (a request message) or the server. */
  request: boolean;
  /** The call's `:path`, when its request headers were seen. */
  path?: string;
  compressed: boolean;
  /** The length from the prefix. */
  length: number;
  /** The message as carried (empty when dropped). */
  data: Uint8Array;
  /** The message decompressed (gzip), when it was compressed and that worked. */
  decompressed?: Uint8Array;
  /** Longer than `maxMessageSize`: its bytes were skipped. */
  dropped?: boolean;
  /** Its place among the messages of its stream and direction (0, 1, ...). */
  index: number;
  problems?: string[];
}

export interface GrpcCall {
  streamId: number;
  path?: string;
  service?: string;
  method?: string;
  /** The `grpc-encoding` each side declared (undefined: identity). */
  encoding: [string | undefined, string | undefined];
  requestHeaders?: Http2HeaderBlock;
  responseHeaders?: Http2HeaderBlock;
  trailers?: Http2HeaderBlock;
  /** From the trailers (or a trailers-only response). */
  status?: number;
  /** `grpc-message`, percent-decoded. */
  statusMessage?: string;
  /** Messages per direction. */
  messages: [number, number];
  problems: string[];
}

export interface GrpcConversationOptions extends Http2ConnectionOptions {
  /** Largest message kept (default 4 MiB, gRPC's default receive limit). */
  maxMessageSize?: number;
}

export interface GrpcConversationHandlers {
  onMessage?(message: GrpcMessage, call: GrpcCall): void;
  /** The call's trailers arrived (or its stream was reset). */
  onCallEnd?(call: GrpcCall): void;
  /** Every HTTP/2 frame, for those who want them too. */
  onFrame?(direction: 0 | 1, frame: Http2Frame): void;
  onError?(direction: 0 | 1, error: WireError): void;
}

interface Reader {
  head: Uint8Array;
  headHave: number;
  length: number;
  compressed: boolean;
  body: Uint8Array | undefined;
  have: number;
  index: number;
}

/** Percent-decodes a grpc-message value (UTF-8 bytes percent-encoded). */
export function grpcPercentDecode(s: string): string {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(c & 0xff);
    }
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

/** gzip (RFC 1952) with a cap on the output: the header skipped, the DEFLATE data inflated. */
function gunzip(data: Uint8Array, max: number): Uint8Array {
  if (data.length < 18 || data[0] !== 0x1f || data[1] !== 0x8b || data[2] !== 8) throw new WireError('bad-value', 'not gzip data', { layer: LAYER });
  const flg = data[3]!;
  let at = 10;
  if (flg & 4) at += 2 + (data[at]! | (data[at + 1]! << 8));
  if (flg & 8) while (at < data.length && data[at++] !== 0);
  if (flg & 16) while (at < data.length && data[at++] !== 0);
  if (flg & 2) at += 2;
  if (at >= data.length) throw new WireError('truncated', 'a gzip header runs past the data', { layer: LAYER });
  return new Inflater({ maxOutput: max }).inflate(data.subarray(at));
}

/**
 * The gRPC calls of one HTTP/2 connection: messages reassembled per stream and direction, each
 * with its call (`:path`, status). Never throws: errors go to `onError` (per direction, as
 * Http2Connection reports them).
 *
 * @example
 * const g = new GrpcConversation({ onMessage: (m) => console.log(m.path, m.request, m.length) });
 * reassembleTcp(capture, { onData: (c, dir, data) => g.push(dir, data) });
 */
export class GrpcConversation {
  readonly http2: Http2Connection;
  readonly calls = new Map<number, GrpcCall>();
  readonly #h: GrpcConversationHandlers;
  readonly #max: number;
  readonly #readers = new Map<string, Reader>();

  constructor(handlers: GrpcConversationHandlers = {}, options: GrpcConversationOptions = {}) {
    this.#h = handlers;
    const { maxMessageSize, ...rest } = options;
    this.#max = maxMessageSize ?? 4 * 1024 * 1024;
    this.http2 = new Http2Connection(
      {
        onFrame: (d, f) => this.#h.onFrame?.(d, f),
        onHeaders: (d, b, s) => this.#headers(d, b, s),
        onData: (d, s, data) => this.#data(d, s, data),
        onStreamEnd: (d, s) => {
          if (s.reset !== undefined) {
            const call = this.#call(s.id);
            call.problems.push(`stream reset by direction ${s.reset.direction} with error ${s.reset.errorCode}`);
            this.#h.onCallEnd?.(call);
          }
          const r = this.#readers.get(`${s.id}/${d}`);
          if (r !== undefined && (r.headHave > 0 || r.body !== undefined)) this.#call(s.id).problems.push(`direction ${d} ended inside a message`);
          this.#readers.delete(`${s.id}/${d}`);
        },
        onError: (d, e) => this.#h.onError?.(d, e),
      },
      rest,
    );
  }

  /** The next bytes of a direction. */
  push(direction: 0 | 1, bytes: Uint8Array): void {
    this.http2.push(direction, bytes);
  }

  #call(id: number): GrpcCall {
    let c = this.calls.get(id);
    if (c === undefined) {
      c = { streamId: id, encoding: [undefined, undefined], messages: [0, 0], problems: [] };
      this.calls.set(id, c);
    }
    return c;
  }

  #isClient(d: 0 | 1): boolean {
    return this.http2.client === undefined ? d === 0 : this.http2.client === d;
  }

  #headers(d: 0 | 1, b: Http2HeaderBlock, s: Http2Stream): void {
    if (b.promisedStreamId !== undefined) return;
    const call = this.#call(s.id);
    const enc = http2Header(b, 'grpc-encoding');
    if (enc !== undefined && enc !== 'identity') call.encoding[d] = enc;
    if (this.#isClient(d)) {
      if (call.requestHeaders === undefined) {
        call.requestHeaders = b;
        const path = http2Header(b, ':path');
        if (path !== undefined) {
          call.path = path;
          const m = /^\/([^/]+)\/([^/]+)$/.exec(path);
          if (m !== null) {
            call.service = m[1]!;
            call.method = m[2]!;
          }
        }
        const ct = http2Header(b, 'content-type');
        if (ct !== undefined && !/^application\/grpc/.test(ct)) call.problems.push(`content-type ${ct} is not application/grpc`);
      }
      return;
    }
    const status = http2Header(b, 'grpc-status');
    if (call.responseHeaders === undefined && !(b.endStream && status !== undefined)) {
      call.responseHeaders = b;
      return;
    }
    call.trailers = b;
    if (status !== undefined) {
      call.status = Number(status);
      if (!/^\d+$/.test(status)) call.problems.push(`grpc-status ${status} is not a number`);
    } else {
      call.problems.push('trailers without grpc-status');
    }
    const msg = http2Header(b, 'grpc-message');
    if (msg !== undefined) call.statusMessage = grpcPercentDecode(msg);
    this.#h.onCallEnd?.(call);
  }

  #data(d: 0 | 1, s: Http2Stream, data: Uint8Array): void {
    const key = `${s.id}/${d}`;
    let r = this.#readers.get(key);
    if (r === undefined) {
      r = { head: new Uint8Array(PREFIX), headHave: 0, length: 0, compressed: false, body: undefined, have: 0, index: 0 };
      this.#readers.set(key, r);
    }
    let i = 0;
    while (i < data.length) {
      if (r.headHave < PREFIX) {
        const take = Math.min(PREFIX - r.headHave, data.length - i);
        r.head.set(data.subarray(i, i + take), r.headHave);
        r.headHave += take;
        i += take;
        if (r.headHave < PREFIX) return;
        const h = r.head;
        r.compressed = h[0] !== 0;
        r.length = ((h[1]! << 24) | (h[2]! << 16) | (h[3]! << 8) | h[4]!) >>> 0;
        r.have = 0;
        r.body = r.length <= this.#max ? new Uint8Array(Math.min(r.length, CLAIMED_START)) : undefined;
        if (r.length === 0) {
          this.#emit(d, s, r);
          continue;
        }
      }
      const take = Math.min(r.length - r.have, data.length - i);
      if (r.body !== undefined) {
        r.body = growFor(r.body, r.have, r.have + take, r.length);
        r.body.set(data.subarray(i, i + take), r.have);
      }
      r.have += take;
      i += take;
      if (r.have === r.length) this.#emit(d, s, r);
    }
  }

  #emit(d: 0 | 1, s: Http2Stream, r: Reader): void {
    const call = this.#call(s.id);
    const problems: string[] = [];
    const flag = r.head[0]!;
    const m: GrpcMessage = {
      streamId: s.id,
      direction: d,
      request: this.#isClient(d),
      compressed: flag !== 0,
      length: r.length,
      data: r.body ?? new Uint8Array(0),
      index: r.index++,
    };
    if (call.path !== undefined) m.path = call.path;
    if (flag > 1) problems.push(`compressed flag ${flag} is not 0 or 1`);
    if (r.body === undefined) {
      m.dropped = true;
      problems.push(`a ${r.length}-byte message exceeds the ${this.#max}-byte cap; its data is not kept`);
    } else if (m.compressed) {
      const enc = call.encoding[d];
      if (enc === 'gzip') {
        try {
          m.decompressed = gunzip(m.data, this.#max);
        } catch (e) {
          problems.push(`gzip decompression failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      } else {
        problems.push(enc === undefined ? 'a compressed message and no grpc-encoding' : `grpc-encoding ${enc} is not decompressed here`);
      }
    }
    if (problems.length > 0) m.problems = problems;
    call.messages[d]++;
    r.headHave = 0;
    r.body = undefined;
    r.have = 0;
    r.length = 0;
    this.#h.onMessage?.(m, call);
  }
}

/**
 * One length-prefixed message's bytes (the data as given: compress it first when `compressed`).
 *
 * @example
 * encodeGrpcMessage(Uint8Array.from([0x08, 0x96, 0x01])); // 00 00 00 00 03 08 96 01
 */
export function encodeGrpcMessage(data: Uint8Array, options: { compressed?: boolean } = {}): Uint8Array {
  if (data.length > 0xffffffff) throw new WireError('bad-length', `a ${data.length}-byte message does not fit the 32-bit length`, { layer: LAYER });
  const out = new Uint8Array(PREFIX + data.length);
  out[0] = options.compressed ? 1 : 0;
  new DataView(out.buffer).setUint32(1, data.length);
  out.set(data, PREFIX);
  return out;
}

/** A message's fields under tshark's `grpc.*` names, values as its JSON prints them. */
export function grpcMessageFields(m: GrpcMessage): Record<string, string> {
  return { 'grpc.compressed_flag': String(m.compressed ? 1 : 0), 'grpc.message_length': String(m.length) };
}
