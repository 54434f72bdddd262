// HTTP/2 and gRPC in `wirekit decode`, as tshark 4.0 shows them with its default preferences
// (packet-http2.c, packet-grpc.c, packet-protobuf.c). One Http2Session per TCP connection reads
// both directions with the library's Http2Connection; each packet gets the frames it completes.
//
// The columns follow how tshark writes them: every frame (tshark's PDU) sets the protocol column
// to HTTP2 and appends "TYPE[stream]" to the info column with ", "; a header block appends
// ": METHOD PATH" or ": STATUS Reason" for the pseudo-header fields that complete in that frame; a
// body read until END_STREAM (tshark's default for content types it does not stream) is handed to
// the media type's dissector on the frame that ends it, which for line-based text and
// url-encoded forms appends " (type)"; gRPC content types are streamed instead: each run of whole
// messages in a DATA frame appends " (GRPC)" (and sets the protocol column to GRPC behind a fence,
// so a later frame makes it GRPCHTTP2), each message " (PROTOBUF)", and a message begun but not
// finished " [HTTP2 segment of a reassembled PDU]". When the first frame of a packet began in an
// earlier one, TCP dissects it on its own first and then fences the info column and freezes the
// protocol column for the rest of the segment (packet-tcp.c desegment_tcp).
import { isJsonMedia, mediaNode, TEXT_LINE_TYPES } from './media-types.js';
import { Http2Connection, grpcMessageFields, http2FrameFields, type FieldSink, type GrpcMessage, type Http2Frame } from 'wirekit';
import { HTTP_STATUS_DESCRIPTIONS } from './http-fields.js';

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const PREFACE_LENGTH = 24;
const FRAME_HEADER = 9;

/** http2_type_vals of tshark 4.0. */
const FRAME_NAMES: Record<number, string> = {
  0: 'DATA', 1: 'HEADERS', 2: 'PRIORITY', 3: 'RST_STREAM', 4: 'SETTINGS', 5: 'PUSH_PROMISE', 6: 'PING', 7: 'GOAWAY',
  8: 'WINDOW_UPDATE', 9: 'CONTINUATION', 10: 'ALTSVC', 11: 'BLOCKED', 12: 'ORIGIN', 16: 'PRIORITY_UPDATE',
};

/**
 * media_type entries whose dissector appends " (type)" to the info column: line-based text
 * (packet-text-media.c) and url-encoded forms. Bodies of other types are handed to dissectors
 * whose texts are not reproduced here, or to none (HTTP/2 has no default media dissector).
 */
const TEXT_MEDIA = new Set([...TEXT_LINE_TYPES, 'application/x-www-form-urlencoded']);

/** media_type entries of the JSON dissector: it appends "/JSON" to the protocol column and its name to the info column. */
/** streaming_content_type entries of packet-grpc.c: their DATA goes to gRPC frame by frame. */
const GRPC_TYPES = new Set(['application/grpc', 'application/grpc+proto', 'application/grpc+json']);

const HTTP2_SEGMENT = '[HTTP2 segment of a reassembled PDU]';

/** http2.* values that are text or bytes (the rest are numbers in the JSON output). */
const TEXT_FIELDS = new Set(['http2.header.name', 'http2.header.value', 'http2.header.repr', 'http2.ping', 'http2.pong', 'http2.goaway.addata']);

/** A gRPC length-prefixed message being read from one direction of a stream. */
interface GrpcReader {
  head: number[];
  /** Bytes of the message body still to come (meaningful once `head` has 5 bytes). */
  rest: number;
}

interface StreamState {
  /** The first content-type of each direction's HEADERS (media type only, lower case). */
  contentType: [string | undefined, string | undefined];
  /** A HEADERS with :method or :status was seen in the direction: tshark reassembles its DATA. */
  initiated: [boolean, boolean];
  /** DATA frames of the body being reassembled per direction. */
  fragments: [number, number];
  /** The stream's content type is a gRPC one: DATA is streamed to gRPC. */
  streaming: boolean;
  path: string | undefined;
  grpc: [GrpcReader, GrpcReader];
}

/** One frame (or the preface) completed by the packet, with what it writes to the columns. */
interface FrameEvent {
  start: number;
  end: number;
  text: string;
  /** How many times gRPC set the protocol column (once per run of whole messages). */
  grpcRuns: number;
  /** What a body's media dissector appends to the protocol column ("/JSON"). */
  protocolSuffix: string;
}

const newReader = (): GrpcReader => ({ head: [], rest: 0 });

/** What an HTTP/2 session's packet shows: `columns()` after the bytes were pushed. */
export interface Http2PacketResult {
  protocol: string;
  info: string;
}

/** The HTTP/2 connection of one TCP connection, read as tshark reads it. */
export class Http2Session {
  readonly connection: Http2Connection;
  readonly #streams = new Map<number, StreamState>();
  /** The frames, gRPC messages and preface completed by the current packet. */
  readonly frames: Http2Frame[] = [];
  readonly messages: GrpcMessage[] = [];
  /** The dissectors after http2 in tshark's frame.protocols for what the packet completed: a body's media dissector, grpc and protobuf. */
  readonly dissectors: string[] = [];
  /** tshark's tree nodes for `-z io,phs`: an http2 per frame (and the preface), each followed by its dissectors, tcp.segments after a frame from earlier segments. */
  readonly nodes: string[] = [];
  /**
   * The dissectors as the tree nests them: as `dissectors`, but grpc again before each further
   * message of a DATA frame (frame.protocols names grpc once: `grpc:protobuf:protobuf`; the tree
   * nests grpc, protobuf, grpc, protobuf).
   */
  readonly #tree: string[] = [];
  /**
   * Where `dissectors` passes from the frames TCP put together from earlier segments (one call of
   * tshark's dissector) to those that begin in this packet (a second call, which frame.protocols
   * lists again): undefined when the packet's frames are all of one kind.
   */
  joinedDissectors: number | undefined;
  #joinedSeen = false;
  #freshSeen = false;
  magic = false;
  readonly #events: FrameEvent[] = [];
  /** What the frame being read appends to the protocol column (a body's media dissector). */
  #protocolSuffix = '';
  /** Per direction: the stream offset where the last whole frame (or the preface) ended. */
  readonly frameEnd: [number, number] = [0, 0];
  /** Per direction: the block type (HEADERS or PUSH_PROMISE) of an open header block. */
  readonly #blockType: [number, number] = [-1, -1];
  #prefaceLeft: [number, number] = [-1, -1];
  #packetStart = 0;
  #packetEnd = 0;
  #direction: 0 | 1 = 0;

  /** @param client the direction that sends the preface, when known (h2c upgrade); else the one that starts with it. */
  constructor(client?: 0 | 1) {
    this.connection = new Http2Connection(
      {
        onFrame: (d, f) => this.#frame(d, f),
      },
      client === undefined ? {} : { client },
    );
    if (client !== undefined) this.#prefaceLeft = client === 0 ? [PREFACE_LENGTH, 0] : [0, PREFACE_LENGTH];
  }

  /** Clears what the previous packet completed. */
  reset(): void {
    this.frames.length = 0;
    this.messages.length = 0;
    this.dissectors.length = 0;
    this.#tree.length = 0;
    this.joinedDissectors = undefined;
    this.#joinedSeen = false;
    this.#freshSeen = false;
    this.nodes.length = 0;
    this.magic = false;
    this.#events.length = 0;
  }

  /** Whether the packet completed anything. */
  get completed(): boolean {
    return this.#events.length > 0;
  }

  /** The stream offset of the next byte of a direction. */
  position(d: 0 | 1): number {
    return this.connection.parsers[d].offset;
  }

  /** Whether a direction stopped on an error. */
  stopped(d: 0 | 1): boolean {
    return this.connection.errors[d] !== undefined;
  }

  /** The next bytes of a direction (several calls may make up one packet: `first` on the first). */
  push(d: 0 | 1, bytes: Uint8Array, first: boolean): void {
    const start = this.position(d);
    if (first) this.#packetStart = start;
    this.#packetEnd = start + bytes.length;
    this.#direction = d;
    if (this.#prefaceLeft[d] < 0) {
      // The preface, if any, comes first (Http2Parser's 'auto' test: the first byte is 'P').
      this.#prefaceLeft[d] = bytes[0] === 0x50 ? PREFACE_LENGTH : 0;
    }
    const left = this.#prefaceLeft[d];
    const endsPreface = left > 0 && bytes.length >= left;
    if (left > 0) this.#prefaceLeft[d] = Math.max(0, left - bytes.length);
    const before = this.#events.length;
    this.connection.push(d, bytes);
    const error = this.connection.errors[d];
    if (endsPreface && (error === undefined || (error.offset ?? 0) >= PREFACE_LENGTH)) {
      // The preface is tshark's first PDU of the direction, before the frames of the same push.
      if (this.frameEnd[d] < PREFACE_LENGTH) this.frameEnd[d] = PREFACE_LENGTH;
      this.magic = true;
      this.#events.splice(before, 0, { start: 0, end: PREFACE_LENGTH, text: 'Magic', grpcRuns: 0, protocolSuffix: '' });
      this.nodes.unshift('http2');
    }
  }

  #stream(id: number): StreamState {
    let s = this.#streams.get(id);
    if (s === undefined) {
      s = { contentType: [undefined, undefined], initiated: [false, false], fragments: [0, 0], streaming: false, path: undefined, grpc: [newReader(), newReader()] };
      this.#streams.set(id, s);
    }
    return s;
  }

  #frame(d: 0 | 1, f: Http2Frame): void {
    this.frames.push(f);
    const before = this.#tree.length;
    const dissectorsBefore = this.dissectors.length;
    const end = f.offset + FRAME_HEADER + f.length;
    if (end > this.frameEnd[d]) this.frameEnd[d] = end;
    let text = `${FRAME_NAMES[f.type] ?? `Unknown type (${f.type})`}[${f.streamId}]`;
    let grpcRuns = 0;
    this.#protocolSuffix = '';
    const endStream = (f.flags & 1) !== 0;
    const s = f.streamId === 0 ? undefined : this.#stream(f.streamId);
    if (s !== undefined) {
      switch (f.type) {
        case 0: {
          // DATA
          const data = f.data ?? f.payload.subarray(0, 0);
          if (s.streaming) {
            const r = this.#grpcData(d, s, data);
            text += r.text;
            grpcRuns = r.runs;
          } else if (s.initiated[d]) {
            if (!(endStream && data.length === 0)) s.fragments[d]++;
            if (endStream) text += this.#bodyEnd(d, s);
          }
          if (endStream) s.fragments[d] = 0;
          break;
        }
        case 1: // HEADERS
          this.#blockType[d] = 1;
          // Trailers end the body: it is dissected before the header block.
          if (endStream && !s.streaming) text += this.#bodyEnd(d, s);
          if (endStream) s.fragments[d] = 0;
          text += this.#headers(d, f, s, true);
          break;
        case 5: // PUSH_PROMISE
          this.#blockType[d] = 5;
          text += this.#headers(d, f, s, false);
          break;
        case 9: // CONTINUATION
          text += this.#headers(d, f, s, this.#blockType[d] === 1);
          break;
      }
    }
    this.#events.push({ start: f.offset, end, text, grpcRuns, protocolSuffix: this.#protocolSuffix });
    this.nodes.push('http2', ...this.#tree.slice(before));
    // (A frame wholly in earlier segments, held back for its header block's CONTINUATION, is neither.)
    if (f.offset < this.#packetStart && end > this.#packetStart) {
      this.#joinedSeen = true;
      this.joinedDissectors = undefined;
    } else if (f.offset >= this.#packetStart && this.#joinedSeen && !this.#freshSeen) {
      // The first frame that begins here, after one that began earlier: its dissectors start the second call.
      this.#freshSeen = true;
      this.joinedDissectors = dissectorsBefore;
    }
    if (f.offset < this.#packetStart && !this.nodes.includes('tcp.segments')) this.nodes.push('tcp.segments');
  }

  /** What the media dissector of a reassembled body writes: " (type)" for text, JSON's name. */
  #bodyEnd(d: 0 | 1, s: StreamState): string {
    if (s.fragments[d] === 0) return '';
    const type = s.contentType[d];
    if (type === undefined) return '';
    const node = mediaNode(type);
    this.dissectors.push(node);
    this.#tree.push(node);
    if (TEXT_MEDIA.has(type)) return ` (${type})`;
    if (isJsonMedia(type)) {
      this.#protocolSuffix = '/JSON';
      return `, JavaScript Object Notation (${type})`;
    }
    // The XML dissector appends "/XML" to the protocol column and nothing to the info column.
    if (node === 'xml') this.#protocolSuffix = '/XML';
    return '';
  }

  /** The info text of a header block fragment's fields, and the stream state they set. */
  #headers(d: 0 | 1, f: Http2Frame, s: StreamState, tracked: boolean): string {
    let text = '';
    let method: string | undefined;
    let path: string | undefined;
    for (const h of f.headers ?? []) {
      const name = h.name;
      if (name === ':method') {
        method = h.value;
        if (path !== undefined) text += `: ${method} ${path}`;
      } else if (name === ':path') {
        path = h.value;
        if (method !== undefined) text += `: ${method} ${path}`;
      } else if (name === ':status') {
        text += `: ${h.value} ${HTTP_STATUS_DESCRIPTIONS[parseInt(h.value, 10)] ?? 'Unknown'}`;
      }
      if (!tracked) continue;
      if (name === ':path') s.path ??= h.value;
      if (name === ':method' || name === ':status') s.initiated[d] = true;
      if (name === 'content-type' && s.contentType[d] === undefined) {
        const type = h.value.split(';')[0]!.trim().toLowerCase();
        s.contentType[d] = type;
        if (GRPC_TYPES.has(type)) s.streaming = true;
      }
    }
    return text;
  }

  /**
   * A DATA frame's payload as tshark's streaming reassembly hands it to gRPC: the end of a message
   * begun earlier (dissected on its own), the whole messages after it (one gRPC call), and the
   * start of one left unfinished.
   */
  #grpcData(d: 0 | 1, s: StreamState, data: Uint8Array): { text: string; runs: number } {
    const r = s.grpc[d];
    // packet-grpc.c calls a message dissector only with the direction's content-type and the call's
    // path known, and protobuf is not called on an empty message.
    const known = s.contentType[d] !== undefined && s.path !== undefined;
    let text = '';
    let runs = 0;
    let i = 0;
    const n = data.length;
    if (r.head.length > 0) {
      // Part 1: a message begun in an earlier frame.
      while (r.head.length < 5 && i < n) {
        r.head.push(data[i++]!);
        if (r.head.length === 5) r.rest = ((r.head[1]! << 24) | (r.head[2]! << 16) | (r.head[3]! << 8) | r.head[4]!) >>> 0;
      }
      if (r.head.length === 5) {
        const take = Math.min(r.rest, n - i);
        i += take;
        r.rest -= take;
        if (r.rest === 0) {
          const length = this.#message(d, r.head);
          text += ` (GRPC)${known && length > 0 ? ' (PROTOBUF)' : ''}`;
          this.dissectors.push('grpc');
          // tshark put the message together from the DATA frames' bodies: a node in its tree.
          this.#tree.push('http2.body.fragments', 'grpc');
          if (known && length > 0) {
            this.dissectors.push('protobuf');
            this.#tree.push('protobuf');
          }
          runs++;
          r.head = [];
        }
      }
    }
    // Part 2: whole messages; part 3: the start of one that goes on.
    let whole = 0;
    let protobufs = 0;
    let part3 = false;
    while (i < n) {
      if (n - i < 5) {
        r.head = Array.from(data.subarray(i, n));
        part3 = true;
        break;
      }
      const length = ((data[i + 1]! << 24) | (data[i + 2]! << 16) | (data[i + 3]! << 8) | data[i + 4]!) >>> 0;
      if (n - i - 5 < length) {
        r.head = Array.from(data.subarray(i, i + 5));
        r.rest = length - (n - i - 5);
        part3 = true;
        break;
      }
      this.#message(d, Array.from(data.subarray(i, i + 5)));
      whole++;
      this.#tree.push('grpc');
      if (known && length > 0) {
        protobufs++;
        this.#tree.push('protobuf');
      }
      i += 5 + length;
    }
    if (whole > 0) {
      text += ' (GRPC)';
      this.dissectors.push('grpc');
      for (let k = 0; k < protobufs; k++) {
        text += ' (PROTOBUF)';
        this.dissectors.push('protobuf');
      }
      runs++;
    }
    if (part3) text += ` ${HTTP2_SEGMENT}`;
    return { text, runs };
  }

  /** Records a whole message (for --json) and returns its length. */
  #message(d: 0 | 1, head: number[]): number {
    const length = ((head[1]! << 24) | (head[2]! << 16) | (head[3]! << 8) | head[4]!) >>> 0;
    const client = this.connection.client ?? 0;
    this.messages.push({ streamId: 0, direction: d, request: d === client, compressed: head[0] !== 0, length, data: new Uint8Array(0), index: 0 });
    return length;
  }

  /** The protocol and info columns of the frames the packet completed (`completed` must be true). */
  columns(): Http2PacketResult {
    let protocol = 'TCP';
    let fence = 0;
    let locked = false;
    let info = '';
    const events = this.#events;
    for (let k = 0; k < events.length; k++) {
      const e = events[k]!;
      if (!locked) protocol = `${protocol.slice(0, fence)}HTTP2${e.protocolSuffix}`;
      info += info === '' ? e.text : `, ${e.text}`;
      for (let g = 0; g < e.grpcRuns; g++) {
        if (!locked) {
          protocol = `${protocol.slice(0, fence)}GRPC`;
          fence = protocol.length;
        }
      }
      // A first frame TCP reassembled from earlier segments is dissected alone; what follows it in
      // the segment cannot change the protocol column (desegment_tcp).
      if (k === 0 && e.start < this.#packetStart && e.end < this.#packetEnd) locked = true;
    }
    return { protocol, info };
  }

  /** Where the direction just pushed stands: inside a frame, and whether its length is known. */
  standing(): { inside: boolean; exact: boolean } {
    const d = this.#direction;
    if (this.stopped(d)) return { inside: false, exact: false };
    const at = this.position(d);
    const inside = at > this.frameEnd[d];
    return { inside, exact: inside && at - this.frameEnd[d] >= FRAME_HEADER };
  }

  /** --json fields of what the packet completed. */
  fields(out: FieldSink): void {
    if (this.magic) out.add('http2.magic', PREFACE);
    for (const f of this.frames) {
      const fields = http2FrameFields(f);
      for (const k in fields) {
        const v = fields[k]!;
        const list = Array.isArray(v) ? v : [v];
        for (const x of list) out.add(k, TEXT_FIELDS.has(k) ? x : x.startsWith('0x') ? parseInt(x, 16) : Number(x));
      }
    }
    for (const m of this.messages) {
      const fields = grpcMessageFields(m);
      for (const k in fields) out.add(k, Number(fields[k]));
    }
  }
}
