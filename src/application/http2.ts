// HTTP/2 (RFC 9113) framing over one TCP connection: the client's connection preface (section
// 3.4), every frame type of section 6 read from bytes pushed in any split, header blocks put
// together from HEADERS or PUSH_PROMISE and their CONTINUATIONs and decoded with HPACK (one decoder
// per direction: each side compresses what it sends), and enough per-stream state to attribute
// DATA and header blocks to streams. An encoder builds frames.
//
// A parser reads one direction; Http2Connection pairs two and applies each side's SETTINGS to the
// other side's parser: SETTINGS_MAX_FRAME_SIZE bounds the frames the peer may send,
// SETTINGS_HEADER_TABLE_SIZE the peer's HPACK table. Settings take effect when the SETTINGS frame
// is read, not when it is acknowledged: a sender may use a larger size only after it has received
// the SETTINGS, so in a capture the frame always comes first.
//
// What stops a direction with a WireError is what leaves its bytes or its HPACK state unknowable:
// a bad preface, a frame over the allowed size or the absolute cap, a header block interrupted by
// another frame or over its cap, an HPACK error. Rule breaking that leaves the framing intact (a
// SETTINGS frame on a stream, a PING of the wrong length, padding longer than the payload, DATA
// on stream 0) is listed in the frame's `problems` and reading goes on, as a capture tool must.
//
// Memory: a frame's payload is held until the frame is whole (at most the allowed frame size), a
// header block until its last CONTINUATION (at most `maxHeaderBlock`), the HPACK tables within
// their bounds (hpack.ts), and at most `maxStreams` streams' state; DATA is handed on, not kept.
import { WireError } from '../errors.js';
import { CLAIMED_START, concatBytes, growFor } from '../packet/bytes.js';
import { HpackDecoder, HpackEncoder, hpackRepresentationName, type HpackField, type HpackHeaderField, type HpackSizeUpdate } from './hpack.js';

const LAYER = 'http2';

export const Http2FrameType = {
  DATA: 0,
  HEADERS: 1,
  PRIORITY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PUSH_PROMISE: 5,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;

export const Http2Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/** Setting identifiers (RFC 9113 6.5.2, RFC 8441). */
export const Http2Setting = {
  HEADER_TABLE_SIZE: 1,
  ENABLE_PUSH: 2,
  MAX_CONCURRENT_STREAMS: 3,
  INITIAL_WINDOW_SIZE: 4,
  MAX_FRAME_SIZE: 5,
  MAX_HEADER_LIST_SIZE: 6,
  ENABLE_CONNECT_PROTOCOL: 8,
} as const;

/** The client connection preface (section 3.4). */
export const HTTP2_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const PREFACE = Uint8Array.from(HTTP2_PREFACE, (c) => c.charCodeAt(0));
const FRAME_HEADER = 9;
/** The initial SETTINGS_MAX_FRAME_SIZE, and the largest allowed value (section 6.5.2). */
export const HTTP2_DEFAULT_MAX_FRAME_SIZE = 16384;
const MAX_FRAME_SIZE_LIMIT = 0xffffff;

const TYPE_NAMES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'];

/** A frame type's name (`DATA`, ..., `UNKNOWN(250)`). */
export function http2FrameTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `UNKNOWN(${type})`;
}

export interface Http2Priority {
  exclusive: boolean;
  /** The stream this one depends on. */
  dependency: number;
  /** The weight as sent, 0..255 (the weight is this plus one). */
  weight: number;
}

export interface Http2SettingEntry {
  id: number;
  value: number;
}

/** One frame as read. Type-specific fields are set for their types only. */
export interface Http2Frame {
  /** Stream offset of the frame header's first byte. */
  offset: number;
  /** The payload length from the header. */
  length: number;
  type: number;
  flags: number;
  streamId: number;
  /** The payload as sent (padding included). */
  payload: Uint8Array;
  /** The Pad Length field, for frames with PADDED set. */
  padLength?: number;
  /** DATA: the data, without padding. */
  data?: Uint8Array;
  /** HEADERS (with PRIORITY set) and PRIORITY. */
  priority?: Http2Priority;
  /** HEADERS, PUSH_PROMISE, CONTINUATION: the header block fragment. */
  fragment?: Uint8Array;
  promisedStreamId?: number;
  /** RST_STREAM and GOAWAY. */
  errorCode?: number;
  settings?: Http2SettingEntry[];
  /** PING's opaque data. */
  opaque?: Uint8Array;
  lastStreamId?: number;
  debugData?: Uint8Array;
  windowSizeIncrement?: number;
  /**
   * For frames carrying a header block fragment: the fields and size updates whose last byte is in
   * this fragment (tshark shows each on the frame where it completes).
   */
  headers?: HpackHeaderField[];
  sizeUpdates?: HpackSizeUpdate[];
  /** On the frame that ends a header block: the whole block. */
  block?: Http2HeaderBlock;
  /** Rules the frame breaks that do not stop reading. */
  problems?: string[];
}

/** A header block, whole and decoded. */
export interface Http2HeaderBlock {
  /** HEADERS or PUSH_PROMISE. */
  type: number;
  streamId: number;
  promisedStreamId?: number;
  fields: HpackHeaderField[];
  sizeUpdates: HpackSizeUpdate[];
  /** Name + value + 32 per field (RFC 9113 6.5.2). */
  headerListSize: number;
  /** The HEADERS frame had END_STREAM. */
  endStream: boolean;
  /** Frames it took (1 + CONTINUATIONs). */
  frames: number;
  /** Stream offset of its first frame. */
  offset: number;
}

export interface Http2ParserOptions {
  /** The direction starts with the client preface: `true`, `false`, or `auto` (default: if its first byte is 'P'). */
  preface?: boolean | 'auto';
  /** The receiver's SETTINGS_MAX_FRAME_SIZE (default 16384): a longer frame is `limit-exceeded`. */
  maxFrameSize?: number;
  /** An absolute cap on frame payloads whatever the settings (default 16 MiB - 1). */
  maxFrameSizeCap?: number;
  /** Largest header block across its CONTINUATIONs (default 256 KiB). */
  maxHeaderBlock?: number;
  /** The receiver's SETTINGS_HEADER_TABLE_SIZE (default 4096). */
  headerTableSize?: number;
  /** Largest decoded header list (default 256 KiB). */
  maxHeaderListSize?: number;
  /** Stream offset of the first byte pushed (default 0). */
  offset?: number;
}

export interface Http2ParserHandlers {
  /** Every frame, when whole (after its header block part is decoded). */
  onFrame?(frame: Http2Frame): void;
  /** A header block, when its last frame has arrived. */
  onHeaders?(block: Http2HeaderBlock, frame: Http2Frame): void;
  /** The preface was read. */
  onPreface?(offset: number): void;
}

/**
 * One direction's frames, from bytes pushed in order in any split.
 *
 * @example
 * const p = new Http2Parser({ onFrame: (f) => console.log(http2FrameTypeName(f.type), f.streamId) }, { preface: true });
 * p.push(clientBytes);
 */
export class Http2Parser {
  readonly #h: Http2ParserHandlers;
  readonly hpack: HpackDecoder;
  #maxFrameSize: number;
  readonly #cap: number;
  readonly #maxBlock: number;
  #preface: boolean | 'auto';
  #prefaceHave = 0;
  #pos: number;
  readonly #head = new Uint8Array(FRAME_HEADER);
  #headHave = 0;
  #frameStart = 0;
  #frame: { length: number; type: number; flags: number; streamId: number; payload: Uint8Array } | undefined;
  #payloadHave = 0;
  /** The header block being put together. */
  #block: { type: number; streamId: number; promisedStreamId?: number; endStream: boolean; parts: Uint8Array[]; bytes: number; frames: Http2Frame[]; offset: number } | undefined;
  #error: WireError | undefined;

  constructor(handlers: Http2ParserHandlers = {}, options: Http2ParserOptions = {}) {
    this.#h = handlers;
    this.#cap = options.maxFrameSizeCap ?? MAX_FRAME_SIZE_LIMIT;
    this.#maxFrameSize = options.maxFrameSize ?? HTTP2_DEFAULT_MAX_FRAME_SIZE;
    this.#maxBlock = options.maxHeaderBlock ?? 256 * 1024;
    this.#preface = options.preface ?? 'auto';
    this.#pos = options.offset ?? 0;
    this.hpack = new HpackDecoder({ maxTableSize: options.headerTableSize ?? 4096, maxHeaderListSize: options.maxHeaderListSize ?? 256 * 1024 });
  }

  /** The error that stopped this direction, if one did. */
  get error(): WireError | undefined {
    return this.#error;
  }

  /** Stream offset of the next byte expected. */
  get offset(): number {
    return this.#pos;
  }

  /** The largest frame payload this direction may send (the receiver's SETTINGS_MAX_FRAME_SIZE). */
  get maxFrameSize(): number {
    return this.#maxFrameSize;
  }

  set maxFrameSize(n: number) {
    this.#maxFrameSize = n;
  }

  /** Whether a frame or a header block is cut off. */
  get inFrame(): boolean {
    return this.#headHave > 0 || this.#frame !== undefined || this.#block !== undefined || (this.#prefaceHave > 0 && this.#prefaceHave < PREFACE.length);
  }

  /** The next bytes of the stream. Throws the WireError that stops the direction (and again on later pushes). */
  push(bytes: Uint8Array): void {
    if (this.#error !== undefined) throw this.#error;
    try {
      this.#push(bytes);
    } catch (e) {
      this.#error = e instanceof WireError ? e : new WireError('internal', String(e), { layer: LAYER, cause: e });
      throw this.#error;
    }
  }

  #push(bytes: Uint8Array): void {
    let i = 0;
    const n = bytes.length;
    const base = this.#pos;
    while (i < n) {
      if (this.#preface === 'auto') this.#preface = bytes[i] === 0x50;
      if (this.#preface === true) {
        const take = Math.min(PREFACE.length - this.#prefaceHave, n - i);
        for (let k = 0; k < take; k++) {
          if (bytes[i + k] !== PREFACE[this.#prefaceHave + k]) {
            throw new WireError('bad-value', 'the connection preface is not "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n" (RFC 9113 3.4)', { layer: LAYER, offset: base + i + k });
          }
        }
        this.#prefaceHave += take;
        i += take;
        if (this.#prefaceHave === PREFACE.length) {
          this.#preface = false;
          this.#h.onPreface?.(base + i - PREFACE.length);
        }
        continue;
      }
      if (this.#frame === undefined) {
        if (this.#headHave === 0) this.#frameStart = base + i;
        const take = Math.min(FRAME_HEADER - this.#headHave, n - i);
        this.#head.set(bytes.subarray(i, i + take), this.#headHave);
        this.#headHave += take;
        i += take;
        if (this.#headHave < FRAME_HEADER) continue;
        this.#startFrame();
        if (this.#frame === undefined) continue; // an empty frame, already handed on
      }
      const f = this.#frame;
      const take = Math.min(f.length - this.#payloadHave, n - i);
      if (take > 0) {
        f.payload = growFor(f.payload, this.#payloadHave, this.#payloadHave + take, f.length);
        f.payload.set(bytes.subarray(i, i + take), this.#payloadHave);
        this.#payloadHave += take;
        i += take;
      }
      if (this.#payloadHave === f.length) this.#endFrame();
    }
    this.#pos += n;
  }

  #startFrame(): void {
    const h = this.#head;
    const length = (h[0]! << 16) | (h[1]! << 8) | h[2]!;
    const limit = Math.min(this.#maxFrameSize, this.#cap);
    if (length > limit) {
      const cap = this.#cap < this.#maxFrameSize;
      throw new WireError(cap ? 'limit-exceeded' : 'bad-length', `a ${length}-byte frame exceeds ${cap ? `the ${limit}-byte cap` : `SETTINGS_MAX_FRAME_SIZE ${limit}`} (RFC 9113 4.2)`, {
        layer: LAYER,
        offset: this.#frameStart,
        required: length,
        available: limit,
      });
    }
    const streamId = (((h[5]! << 24) | (h[6]! << 16) | (h[7]! << 8) | h[8]!) >>> 0) & 0x7fffffff;
    this.#frame = { length, type: h[3]!, flags: h[4]!, streamId, payload: new Uint8Array(Math.min(length, CLAIMED_START)) };
    this.#headHave = 0;
    this.#payloadHave = 0;
    if (length === 0) this.#endFrame();
  }

  #endFrame(): void {
    const raw = this.#frame!;
    this.#frame = undefined;
    const { length, type, flags, streamId, payload } = raw;
    const offset = this.#frameStart;
    const frame: Http2Frame = { offset, length, type, flags, streamId, payload };
    const problems: string[] = [];
    const T = Http2FrameType;
    if (this.#block !== undefined && (type !== T.CONTINUATION || streamId !== this.#block.streamId)) {
      throw new WireError('bad-value', `a ${http2FrameTypeName(type)} frame on stream ${streamId} interrupts the header block of stream ${this.#block.streamId} (RFC 9113 6.10)`, { layer: LAYER, offset });
    }
    const needStream = (what: string) => {
      if (streamId === 0) problems.push(`${what} on stream 0 (RFC 9113 6)`);
    };
    const noStream = (what: string) => {
      if (streamId !== 0) problems.push(`${what} on stream ${streamId}, not 0 (RFC 9113 6)`);
    };
    /** Strips padding: the content between the pad length byte (and `skip` more bytes) and the padding. */
    const unpad = (skip: number): Uint8Array | undefined => {
      let start = 0;
      let end = length;
      if (flags & Http2Flag.PADDED) {
        if (length < 1) {
          problems.push('PADDED is set and there is no Pad Length (RFC 9113 6.1)');
          return undefined;
        }
        frame.padLength = payload[0]!;
        start = 1;
        end = length - frame.padLength;
      }
      if (end < start + skip) {
        problems.push(`padding of ${frame.padLength ?? 0} bytes leaves no room for the frame's content (RFC 9113 6.1)`);
        return undefined;
      }
      return payload.subarray(start + skip, end);
    };
    const readPriority = (at: number): Http2Priority => {
      const v = ((payload[at]! << 24) | (payload[at + 1]! << 16) | (payload[at + 2]! << 8) | payload[at + 3]!) >>> 0;
      return { exclusive: v >= 0x80000000, dependency: v & 0x7fffffff, weight: payload[at + 4]! };
    };
    const u32 = (at: number) => ((payload[at]! << 24) | (payload[at + 1]! << 16) | (payload[at + 2]! << 8) | payload[at + 3]!) >>> 0;
    let fragment: Uint8Array | undefined;
    switch (type) {
      case T.DATA: {
        needStream('DATA');
        const data = unpad(0);
        if (data !== undefined) frame.data = data;
        break;
      }
      case T.HEADERS: {
        needStream('HEADERS');
        const prio = (flags & Http2Flag.PRIORITY) !== 0;
        const content = unpad(prio ? 5 : 0);
        if (content !== undefined) {
          if (prio) frame.priority = readPriority(frame.padLength === undefined ? 0 : 1);
          fragment = content;
        } else {
          // The block cannot be read, and HPACK state depends on it.
          throw new WireError('bad-length', 'a HEADERS frame whose padding leaves no header block (RFC 9113 6.2)', { layer: LAYER, offset });
        }
        break;
      }
      case T.PRIORITY:
        needStream('PRIORITY');
        if (length === 5) frame.priority = readPriority(0);
        else problems.push(`a PRIORITY frame of ${length} bytes, not 5 (RFC 9113 6.3)`);
        break;
      case T.RST_STREAM:
        needStream('RST_STREAM');
        if (length === 4) frame.errorCode = u32(0);
        else problems.push(`an RST_STREAM frame of ${length} bytes, not 4 (RFC 9113 6.4)`);
        break;
      case T.SETTINGS: {
        noStream('SETTINGS');
        if (flags & Http2Flag.ACK) {
          if (length !== 0) problems.push(`a SETTINGS acknowledgment carries ${length} bytes (RFC 9113 6.5)`);
          break;
        }
        if (length % 6 !== 0) {
          problems.push(`a SETTINGS frame of ${length} bytes, not a multiple of 6 (RFC 9113 6.5)`);
          break;
        }
        const settings: Http2SettingEntry[] = [];
        for (let at = 0; at < length; at += 6) settings.push({ id: (payload[at]! << 8) | payload[at + 1]!, value: u32(at + 2) });
        for (const s of settings) {
          if (s.id === Http2Setting.ENABLE_PUSH && s.value > 1) problems.push(`SETTINGS_ENABLE_PUSH ${s.value} is not 0 or 1`);
          if (s.id === Http2Setting.INITIAL_WINDOW_SIZE && s.value > 0x7fffffff) problems.push(`SETTINGS_INITIAL_WINDOW_SIZE ${s.value} exceeds 2^31-1`);
          if (s.id === Http2Setting.MAX_FRAME_SIZE && (s.value < HTTP2_DEFAULT_MAX_FRAME_SIZE || s.value > MAX_FRAME_SIZE_LIMIT)) problems.push(`SETTINGS_MAX_FRAME_SIZE ${s.value} is not 16384..16777215`);
        }
        frame.settings = settings;
        break;
      }
      case T.PUSH_PROMISE: {
        needStream('PUSH_PROMISE');
        const content = unpad(4);
        if (content === undefined) throw new WireError('bad-length', 'a PUSH_PROMISE frame whose padding leaves no promised stream (RFC 9113 6.6)', { layer: LAYER, offset });
        const at = frame.padLength === undefined ? 0 : 1;
        frame.promisedStreamId = u32(at) & 0x7fffffff;
        fragment = content;
        break;
      }
      case T.PING:
        noStream('PING');
        if (length === 8) frame.opaque = payload;
        else problems.push(`a PING frame of ${length} bytes, not 8 (RFC 9113 6.7)`);
        break;
      case T.GOAWAY:
        noStream('GOAWAY');
        if (length >= 8) {
          frame.lastStreamId = u32(0) & 0x7fffffff;
          frame.errorCode = u32(4);
          frame.debugData = payload.subarray(8);
        } else {
          problems.push(`a GOAWAY frame of ${length} bytes, fewer than 8 (RFC 9113 6.8)`);
        }
        break;
      case T.WINDOW_UPDATE:
        if (length === 4) {
          frame.windowSizeIncrement = u32(0) & 0x7fffffff;
          if (frame.windowSizeIncrement === 0) problems.push('a WINDOW_UPDATE of 0 (RFC 9113 6.9)');
        } else {
          problems.push(`a WINDOW_UPDATE frame of ${length} bytes, not 4 (RFC 9113 6.9)`);
        }
        break;
      case T.CONTINUATION:
        if (this.#block === undefined) throw new WireError('bad-value', `a CONTINUATION frame on stream ${streamId} with no header block open (RFC 9113 6.10)`, { layer: LAYER, offset });
        fragment = payload;
        break;
      default:
      // Section 5.5: frames of unknown types are ignored.
    }
    if (fragment !== undefined) {
      frame.fragment = fragment;
      if (type !== T.CONTINUATION) {
        this.#block = { type, streamId, endStream: (flags & Http2Flag.END_STREAM) !== 0, parts: [], bytes: 0, frames: [], offset };
        if (frame.promisedStreamId !== undefined) this.#block.promisedStreamId = frame.promisedStreamId;
      }
      const b = this.#block!;
      if (b.bytes + fragment.length > this.#maxBlock) {
        throw new WireError('limit-exceeded', `a header block exceeds the ${this.#maxBlock}-byte cap`, { layer: LAYER, offset, required: b.bytes + fragment.length, available: this.#maxBlock });
      }
      b.parts.push(fragment);
      b.bytes += fragment.length;
      b.frames.push(frame);
    }
    if (problems.length > 0) frame.problems = problems;
    if (fragment !== undefined && (flags & Http2Flag.END_HEADERS) !== 0) {
      this.#endBlock(frame);
      return;
    }
    // Frames of an open block are handed on with it, once its fields are known.
    if (fragment === undefined) this.#h.onFrame?.(frame);
  }

  /** An HPACK error with its offset moved from the block to the stream. */
  #streamOffset(e: WireError, frames: Http2Frame[]): WireError {
    const offset = fragmentOffset(frames, e.offset!);
    return new WireError(e.code, e.message.replace(/^hpack: /, '') + ` (header block of stream ${frames[0]!.streamId})`, {
      layer: e.layer,
      offset,
      ...(e.required !== undefined ? { required: e.required } : {}),
      ...(e.available !== undefined ? { available: e.available } : {}),
      cause: e,
    });
  }

  #endBlock(last: Http2Frame): void {
    const b = this.#block!;
    this.#block = undefined;
    const whole = concatBytes(b.parts);
    let decoded;
    try {
      decoded = this.hpack.decode(whole);
    } catch (e) {
      throw e instanceof WireError && e.offset !== undefined ? this.#streamOffset(e, b.frames) : e;
    }
    // Attribute each field to the frame where its last byte is.
    let frameIndex = 0;
    let frameEnd = b.frames[0]!.fragment!.length;
    const at = (end: number) => {
      while (end > frameEnd && frameIndex < b.frames.length - 1) {
        frameIndex++;
        frameEnd += b.frames[frameIndex]!.fragment!.length;
      }
      return b.frames[frameIndex]!;
    };
    for (const f of b.frames) {
      f.headers = [];
      f.sizeUpdates = [];
    }
    const items: ({ end: number } & ({ field: HpackHeaderField } | { update: HpackSizeUpdate }))[] = [
      ...decoded.fields.map((field) => ({ end: field.end, field })),
      ...decoded.sizeUpdates.map((update) => ({ end: update.end, update })),
    ].sort((x, y) => x.end - y.end);
    for (const item of items) {
      const f = at(item.end);
      if ('field' in item) f.headers!.push(item.field);
      else f.sizeUpdates!.push(item.update);
    }
    const block: Http2HeaderBlock = {
      type: b.type,
      streamId: b.streamId,
      fields: decoded.fields,
      sizeUpdates: decoded.sizeUpdates,
      headerListSize: decoded.headerListSize,
      endStream: b.endStream,
      frames: b.frames.length,
      offset: b.offset,
    };
    if (b.promisedStreamId !== undefined) block.promisedStreamId = b.promisedStreamId;
    last.block = block;
    for (const f of b.frames) this.#h.onFrame?.(f);
    this.#h.onHeaders?.(block, last);
  }
}

/** Where a header block's byte is in the stream: fragments are views of their frames' payloads. */
function fragmentOffset(frames: Http2Frame[], at: number): number {
  let rest = at;
  for (const f of frames) {
    const frag = f.fragment!;
    if (rest < frag.length || f === frames[frames.length - 1]) return f.offset + FRAME_HEADER + (frag.byteOffset - f.payload.byteOffset) + rest;
    rest -= frag.length;
  }
  return at;
}

// ---------------------------------------------------------------------------------------------
// Both directions

/** What is known of one stream. */
export interface Http2Stream {
  id: number;
  /** Header blocks on it per direction, in order (request or response headers, then trailers). */
  headers: [Http2HeaderBlock[], Http2HeaderBlock[]];
  /** DATA bytes (padding excluded) per direction. */
  dataBytes: [number, number];
  /** END_STREAM seen per direction. */
  ended: [boolean, boolean];
  /** RST_STREAM's error code and the direction that sent it. */
  reset?: { direction: 0 | 1; errorCode: number };
  /** For a pushed stream: the stream whose PUSH_PROMISE reserved it. */
  promisedOn?: number;
}

export interface Http2ConnectionOptions extends Omit<Http2ParserOptions, 'preface' | 'offset' | 'maxFrameSize' | 'headerTableSize'> {
  /** The direction that is the client (sends the preface); by default, the one that starts with it. */
  client?: 0 | 1;
  /** Streams whose state is kept at once (default 10000): past it the oldest closed streams are forgotten, and if none is closed it is `limit-exceeded`. */
  maxStreams?: number;
}

export interface Http2ConnectionHandlers {
  onFrame?(direction: 0 | 1, frame: Http2Frame, stream: Http2Stream | undefined): void;
  onHeaders?(direction: 0 | 1, block: Http2HeaderBlock, stream: Http2Stream): void;
  /** DATA on a stream (padding excluded). A view valid during the call. */
  onData?(direction: 0 | 1, stream: Http2Stream, data: Uint8Array, frame: Http2Frame): void;
  /** The direction sent END_STREAM on the stream (or reset it). */
  onStreamEnd?(direction: 0 | 1, stream: Http2Stream): void;
  /** A direction stopped on this error; the other goes on. */
  onError?(direction: 0 | 1, error: WireError): void;
}

/**
 * Both directions of one HTTP/2 connection: a parser each, each side's SETTINGS applied to the
 * other's parser, and the streams' state. Errors do not throw: a direction that meets one stops
 * and reports it (`onError`, `errors`); the other goes on.
 *
 * @example
 * const h2 = new Http2Connection({ onHeaders: (dir, b) => console.log(dir, b.streamId, b.fields) });
 * reassembleTcp(capture, { onData: (c, dir, data) => h2.push(dir, data) });
 */
export class Http2Connection {
  readonly #h: Http2ConnectionHandlers;
  readonly parsers: readonly [Http2Parser, Http2Parser];
  readonly errors: [WireError | undefined, WireError | undefined] = [undefined, undefined];
  readonly streams = new Map<number, Http2Stream>();
  /** SETTINGS each direction sent, in order. */
  readonly settings: [Http2SettingEntry[][], Http2SettingEntry[][]] = [[], []];
  #client: 0 | 1 | undefined;
  readonly #maxStreams: number;

  constructor(handlers: Http2ConnectionHandlers = {}, options: Http2ConnectionOptions = {}) {
    this.#h = handlers;
    const { client, maxStreams, ...rest } = options;
    this.#client = client;
    this.#maxStreams = maxStreams ?? 10000;
    const make = (d: 0 | 1) =>
      new Http2Parser(
        {
          onPreface: () => {
            this.#client ??= d;
          },
          onFrame: (f) => this.#frame(d, f),
          onHeaders: (b) => this.#headers(d, b),
        },
        { ...rest, preface: client === undefined ? 'auto' : client === d },
      );
    this.parsers = [make(0), make(1)];
  }

  /** The client's direction, once known. */
  get client(): 0 | 1 | undefined {
    return this.#client;
  }

  /** The next bytes of a direction. Never throws: errors go to `onError` and `errors`. */
  push(direction: 0 | 1, bytes: Uint8Array): void {
    if (this.errors[direction] !== undefined) return;
    try {
      this.parsers[direction].push(bytes);
    } catch (e) {
      const err = e instanceof WireError ? e : new WireError('internal', String(e), { layer: LAYER, cause: e });
      this.errors[direction] = err;
      this.#h.onError?.(direction, err);
    }
  }

  #stream(id: number, create: boolean): Http2Stream | undefined {
    if (id === 0) return undefined;
    let s = this.streams.get(id);
    if (s === undefined && create) {
      if (this.streams.size >= this.#maxStreams) {
        for (const [k, v] of this.streams) {
          if (v.reset !== undefined || (v.ended[0] && v.ended[1])) {
            this.streams.delete(k);
            break;
          }
        }
        if (this.streams.size >= this.#maxStreams) throw new WireError('limit-exceeded', `more than ${this.#maxStreams} open streams (maxStreams)`, { layer: LAYER });
      }
      s = { id, headers: [[], []], dataBytes: [0, 0], ended: [false, false] };
      this.streams.set(id, s);
    }
    return s;
  }

  #frame(d: 0 | 1, f: Http2Frame): void {
    const T = Http2FrameType;
    const other = this.parsers[1 - d]!;
    if (f.type === T.SETTINGS && f.settings !== undefined) {
      this.settings[d].push(f.settings);
      for (const s of f.settings) {
        // This side's settings bound what the other side sends.
        if (s.id === Http2Setting.MAX_FRAME_SIZE && s.value >= HTTP2_DEFAULT_MAX_FRAME_SIZE && s.value <= MAX_FRAME_SIZE_LIMIT) other.maxFrameSize = s.value;
        if (s.id === Http2Setting.HEADER_TABLE_SIZE) other.hpack.setMaxTableSize(s.value);
      }
    }
    const known = [T.DATA, T.HEADERS, T.PRIORITY, T.RST_STREAM, T.PUSH_PROMISE, T.WINDOW_UPDATE, T.CONTINUATION] as number[];
    const stream = known.includes(f.type) ? this.#stream(f.streamId, f.type === T.DATA || f.type === T.HEADERS || f.type === T.PUSH_PROMISE || f.type === T.RST_STREAM) : undefined;
    this.#h.onFrame?.(d, f, stream);
    if (stream === undefined) return;
    if (f.type === T.DATA && f.data !== undefined) {
      stream.dataBytes[d] += f.data.length;
      this.#h.onData?.(d, stream, f.data, f);
    }
    if (f.type === T.RST_STREAM && f.errorCode !== undefined) {
      stream.reset = { direction: d, errorCode: f.errorCode };
      this.#h.onStreamEnd?.(d, stream);
    }
    if (f.type === T.DATA && f.flags & Http2Flag.END_STREAM) this.#end(d, stream);
  }

  #headers(d: 0 | 1, b: Http2HeaderBlock): void {
    if (b.promisedStreamId !== undefined) {
      // The promised stream carries the request the server made up; its response comes from d.
      const p = this.#stream(b.promisedStreamId, true)!;
      p.promisedOn = b.streamId;
      p.headers[(1 - d) as 0 | 1].push(b);
      p.ended[(1 - d) as 0 | 1] = true;
      this.#h.onHeaders?.(d, b, p);
      return;
    }
    const s = this.#stream(b.streamId, true)!;
    s.headers[d].push(b);
    this.#h.onHeaders?.(d, b, s);
    if (b.endStream) this.#end(d, s);
  }

  #end(d: 0 | 1, s: Http2Stream): void {
    s.ended[d] = true;
    this.#h.onStreamEnd?.(d, s);
  }
}

// ---------------------------------------------------------------------------------------------
// tshark's view

function hexColon(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (i > 0 ? ':' : '') + (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return s;
}

const SETTING_FIELDS: Record<number, string> = {
  1: 'http2.settings.header_table_size',
  2: 'http2.settings.enable_push',
  3: 'http2.settings.max_concurrent_streams',
  4: 'http2.settings.initial_window_size',
  5: 'http2.settings.max_frame_size',
  6: 'http2.settings.max_header_list_size',
  8: 'http2.settings.extended_connect',
};

/**
 * A frame's fields under tshark 4.0's `http2.*` names, values as tshark's JSON prints them
 * (numbers as decimal strings, flags as `0x..`, bytes as colon-separated hex); repeated fields
 * (settings, header fields) as lists in order. Header fields are those that complete in this
 * frame, as tshark shows them.
 */
export function http2FrameFields(frame: Http2Frame): Record<string, string | string[]> {
  const f: Record<string, string | string[]> = {
    'http2.length': String(frame.length),
    'http2.type': String(frame.type),
    'http2.flags': `0x${frame.flags.toString(16).padStart(2, '0')}`,
    'http2.streamid': String(frame.streamId),
  };
  const T = Http2FrameType;
  if (frame.type === T.DATA || frame.type === T.HEADERS || frame.type === T.PUSH_PROMISE || frame.type === T.CONTINUATION) f['http2.pad_length'] = String(frame.padLength ?? 0);
  if (frame.priority !== undefined) {
    f['http2.exclusive'] = frame.priority.exclusive ? '1' : '0';
    f['http2.stream_dependency'] = String(frame.priority.dependency);
    f['http2.headers.weight'] = String(frame.priority.weight);
  }
  if (frame.type === T.RST_STREAM && frame.errorCode !== undefined) f['http2.rst_stream.error'] = String(frame.errorCode);
  if (frame.promisedStreamId !== undefined) f['http2.push_promise.promised_stream_id'] = String(frame.promisedStreamId);
  if (frame.opaque !== undefined) f[frame.flags & Http2Flag.ACK ? 'http2.pong' : 'http2.ping'] = hexColon(frame.opaque);
  if (frame.type === T.GOAWAY && frame.lastStreamId !== undefined) {
    f['http2.goaway.last_stream_id'] = String(frame.lastStreamId);
    f['http2.goaway.error'] = String(frame.errorCode);
    if (frame.debugData!.length > 0) f['http2.goaway.addata'] = hexColon(frame.debugData!);
  }
  if (frame.windowSizeIncrement !== undefined) f['http2.window_update.window_size_increment'] = String(frame.windowSizeIncrement);
  if (frame.settings !== undefined && frame.settings.length > 0) {
    f['http2.settings.id'] = frame.settings.map((s) => String(s.id));
    for (const s of frame.settings) {
      const name = SETTING_FIELDS[s.id] ?? 'http2.settings.unknown';
      ((f[name] ??= []) as string[]).push(String(s.value));
    }
  }
  const fields = frame.headers ?? [];
  const updates = frame.sizeUpdates ?? [];
  if (fields.length + updates.length > 0) {
    // tshark counts name + value + 8 per field (its own buffer's two 4-byte lengths), not RFC 9113's + 32.
    f['http2.header.length'] = String(fields.reduce((n, h) => n + h.name.length + h.value.length + 8, 0));
    f['http2.header.count'] = String(fields.length + updates.length);
    if (updates.length > 0) f['http2.header_table_size_update.header_table_size'] = updates.map((u) => String(u.size));
    if (fields.length > 0) {
      f['http2.header.name'] = fields.map((h) => h.name);
      f['http2.header.value'] = fields.map((h) => h.value);
      f['http2.header.repr'] = fields.map((h) => hpackRepresentationName(h.representation));
      const idx = fields.filter((h) => h.index !== undefined).map((h) => String(h.index));
      if (idx.length > 0) f['http2.header.index'] = idx;
    }
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// Encoder

/** A frame to encode: the header's fields and either a raw payload or the type's own fields. */
export interface Http2FrameInput {
  type: number;
  flags?: number;
  streamId?: number;
  /** The payload as is (padding, if any, included): when given, the fields below are ignored. */
  payload?: Uint8Array;
  /** DATA, HEADERS, PUSH_PROMISE: pad with this many zero bytes (sets PADDED). */
  padLength?: number;
  data?: Uint8Array;
  /** HEADERS (sets PRIORITY) and PRIORITY. */
  priority?: Http2Priority;
  fragment?: Uint8Array;
  promisedStreamId?: number;
  errorCode?: number;
  settings?: Http2SettingEntry[];
  opaque?: Uint8Array;
  lastStreamId?: number;
  debugData?: Uint8Array;
  windowSizeIncrement?: number;
}

function bad(message: string): WireError {
  return new WireError('bad-value', message, { layer: LAYER });
}

function u31(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw bad(`${what} ${v} is not 0..2^31-1`);
  return v;
}

/**
 * One frame's bytes.
 *
 * @example
 * encodeHttp2Frame({ type: Http2FrameType.SETTINGS, settings: [{ id: Http2Setting.MAX_CONCURRENT_STREAMS, value: 100 }] });
 * encodeHttp2Frame({ type: Http2FrameType.DATA, streamId: 1, data: bytes, flags: Http2Flag.END_STREAM, padLength: 8 });
 */
export function encodeHttp2Frame(input: Http2FrameInput): Uint8Array {
  const T = Http2FrameType;
  const type = input.type;
  if (!Number.isInteger(type) || type < 0 || type > 255) throw bad(`frame type ${type} is not 0..255`);
  let flags = input.flags ?? 0;
  const streamId = u31(input.streamId ?? 0, 'stream id');
  let payload = input.payload;
  if (payload === undefined) {
    const parts: number[] = [];
    const u32 = (v: number) => parts.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
    const bytes = (b: Uint8Array | undefined) => {
      if (b !== undefined) for (const x of b) parts.push(x);
    };
    const prio = (p: Http2Priority) => {
      u32(((p.exclusive ? 0x80000000 : 0) + u31(p.dependency, 'dependency')) >>> 0);
      if (!Number.isInteger(p.weight) || p.weight < 0 || p.weight > 255) throw bad(`weight ${p.weight} is not 0..255`);
      parts.push(p.weight);
    };
    const pad = input.padLength;
    const padded = pad !== undefined && (type === T.DATA || type === T.HEADERS || type === T.PUSH_PROMISE);
    if (padded) {
      if (!Number.isInteger(pad) || pad < 0 || pad > 255) throw bad(`pad length ${pad} is not 0..255`);
      flags |= Http2Flag.PADDED;
      parts.push(pad);
    }
    switch (type) {
      case T.DATA:
        bytes(input.data);
        break;
      case T.HEADERS:
        if (input.priority !== undefined) {
          flags |= Http2Flag.PRIORITY;
          prio(input.priority);
        }
        bytes(input.fragment);
        break;
      case T.PRIORITY:
        prio(input.priority ?? { exclusive: false, dependency: 0, weight: 15 });
        break;
      case T.RST_STREAM:
        u32(input.errorCode ?? 0);
        break;
      case T.SETTINGS:
        for (const s of input.settings ?? []) {
          parts.push((s.id >>> 8) & 255, s.id & 255);
          u32(s.value);
        }
        break;
      case T.PUSH_PROMISE:
        u32(u31(input.promisedStreamId ?? 0, 'promised stream id'));
        bytes(input.fragment);
        break;
      case T.PING: {
        const o = input.opaque ?? new Uint8Array(8);
        if (o.length !== 8) throw bad(`PING data of ${o.length} bytes, not 8`);
        bytes(o);
        break;
      }
      case T.GOAWAY:
        u32(u31(input.lastStreamId ?? 0, 'last stream id'));
        u32(input.errorCode ?? 0);
        bytes(input.debugData);
        break;
      case T.WINDOW_UPDATE:
        u32(u31(input.windowSizeIncrement ?? 0, 'window size increment'));
        break;
      case T.CONTINUATION:
        bytes(input.fragment);
        break;
      default:
        bytes(input.data);
    }
    if (padded) for (let i = 0; i < pad; i++) parts.push(0);
    payload = Uint8Array.from(parts);
  }
  if (payload.length > MAX_FRAME_SIZE_LIMIT) throw new WireError('bad-length', `a ${payload.length}-byte payload does not fit the 24-bit length`, { layer: LAYER });
  const out = new Uint8Array(FRAME_HEADER + payload.length);
  const n = payload.length;
  out[0] = n >>> 16;
  out[1] = (n >>> 8) & 255;
  out[2] = n & 255;
  out[3] = type;
  out[4] = flags & 255;
  out[5] = (streamId >>> 24) & 0x7f;
  out[6] = (streamId >>> 16) & 255;
  out[7] = (streamId >>> 8) & 255;
  out[8] = streamId & 255;
  out.set(payload, FRAME_HEADER);
  return out;
}

export interface Http2HeadersInput {
  streamId: number;
  fields: readonly HpackField[];
  endStream?: boolean;
  priority?: Http2Priority;
  padLength?: number;
  /** For a PUSH_PROMISE instead of HEADERS. */
  promisedStreamId?: number;
  /** The peer's SETTINGS_MAX_FRAME_SIZE (default 16384): the block is split into CONTINUATIONs to fit. */
  maxFrameSize?: number;
}

/**
 * A header list as a HEADERS (or PUSH_PROMISE) frame and as many CONTINUATIONs as the frame size
 * needs, encoded with the direction's HPACK encoder.
 *
 * @example
 * const enc = new HpackEncoder();
 * encodeHttp2Headers(enc, { streamId: 1, endStream: true, fields: [{ name: ':method', value: 'GET' }, { name: ':path', value: '/' }] });
 */
export function encodeHttp2Headers(encoder: HpackEncoder, input: Http2HeadersInput): Uint8Array {
  const block = encoder.encode(input.fields);
  const max = input.maxFrameSize ?? HTTP2_DEFAULT_MAX_FRAME_SIZE;
  const push = input.promisedStreamId !== undefined;
  const overhead = (input.padLength !== undefined ? 1 + input.padLength : 0) + (push ? 4 : input.priority !== undefined ? 5 : 0);
  const first = Math.max(0, max - overhead);
  if (first === 0 && block.length > 0) throw bad(`padding and priority leave no room for the header block in a ${max}-byte frame`);
  const frames: Uint8Array[] = [];
  let at = Math.min(first, block.length);
  const endHeaders = at === block.length;
  frames.push(
    encodeHttp2Frame({
      type: push ? Http2FrameType.PUSH_PROMISE : Http2FrameType.HEADERS,
      streamId: input.streamId,
      flags: (input.endStream && !push ? Http2Flag.END_STREAM : 0) | (endHeaders ? Http2Flag.END_HEADERS : 0),
      fragment: block.subarray(0, at),
      ...(input.priority !== undefined && !push ? { priority: input.priority } : {}),
      ...(input.padLength !== undefined ? { padLength: input.padLength } : {}),
      ...(push ? { promisedStreamId: input.promisedStreamId } : {}),
    }),
  );
  while (at < block.length) {
    const next = Math.min(at + max, block.length);
    frames.push(encodeHttp2Frame({ type: Http2FrameType.CONTINUATION, streamId: input.streamId, flags: next === block.length ? Http2Flag.END_HEADERS : 0, fragment: block.subarray(at, next) }));
    at = next;
  }
  return frames.length === 1 ? frames[0]!.slice() : concatBytes(frames);
}

/** The client connection preface's bytes. */
export function http2Preface(): Uint8Array {
  return PREFACE.slice();
}

/** A field's value in a header block (the first with this name; names are lower case in HTTP/2). */
export function http2Header(block: { fields: readonly { name: string; value: string }[] } | undefined, name: string): string | undefined {
  return block?.fields.find((f) => f.name === name)?.value;
}
