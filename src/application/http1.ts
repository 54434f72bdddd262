// HTTP/1.1 messages (RFC 9112) over one TCP byte stream per direction: an incremental parser that
// takes bytes in any split and gives whole messages, a conversation that pairs the two directions,
// and an encoder.
//
// The parser is strict where laxness lets two readers frame the same bytes differently (request
// smuggling): Content-Length with Transfer-Encoding, differing Content-Lengths, obs-fold, bare CR,
// whitespace before a field's colon, a chunk size with junk after it. Each is a WireError (layer
// `http`, the stream offset of the offending byte), and the direction stops there: it never guesses
// where the next message starts. It is lenient where the RFC allows it and peers do the same: a bare
// LF ends a start or field line (RFC 9112 section 2.2; not in chunked framing, where it is a known
// smuggling vector), empty lines before a start line are skipped, a status line
// may end right after its code (Go's net/http and Wireshark accept both), empty list elements in
// Transfer-Encoding and Content-Length are ignored (RFC 9110 section 5.6.1).
//
// Memory: a header section (start line and fields; likewise a trailer section and a chunk-size
// line) may take at most `maxHeaderBytes`; bodies are not buffered, only handed on (`onBody`) or
// accumulated up to `maxBodyBytes`. Field names and values are read as ISO-8859-1 (one char per
// byte), as Node's and Go's parsers do; bodies stay bytes.
//
// Which messages have a body is RFC 9112 section 6.3: responses to HEAD, 1xx, 204 and 304 have
// none; a 2xx to CONNECT and a 101 end HTTP on the connection (the rest is a tunnel or the upgraded
// protocol); a response without Content-Length or chunked coding runs to the end of the stream. So a
// response parser needs the methods of the requests it answers, in order: Http1Conversation feeds
// them from the other direction, as Wireshark pairs them. After a request that asks to switch
// (Upgrade, CONNECT) the conversation holds the request direction's next bytes until the response
// says whether the switch happened: a client whose h2c or WebSocket offer is declined goes on with
// HTTP/1.1 on the same connection.
//
// A stream that does not begin with a start line (a capture that starts mid-connection), or whose
// bytes after a message do not, is an error at its first bad byte, unless `resync` is set: then
// bytes are passed over, and reported, until a line that is a valid start line. Wireshark tries each TCP segment's start instead; lines
// do not depend on how the bytes were segmented, so every split of a stream gives the same result.
import { WireError, type WireErrorCode } from '../errors.js';
import { CLAIMED_START, concatBytes } from '../packet/bytes.js';

export const HTTP_PORT = 80;

/** The empty body: shared (nothing can be written into a zero-length array). */
const EMPTY = new Uint8Array(0);
const LAYER = 'http';
const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;

/** A field as given to the encoder: name and value. */
export interface HttpField {
  name: string;
  value: string;
}

/** A field line as received: the name as sent, the value without surrounding whitespace, the whole line. */
export interface HttpFieldLine extends HttpField {
  /** The field line as sent, without its line ending (Wireshark's `http.request.line` adds it back). */
  line: string;
  /** Stream offset of the line's first byte. */
  offset: number;
}

/**
 * How a message's body is delimited (RFC 9112 section 6.3): `none` (no body), `length`
 * (Content-Length), `chunked`, `close` (until the stream ends), or `tunnel` (a 101, a 2xx to
 * CONNECT, or the request that led to one: HTTP ends after it and the rest of the stream is another protocol).
 */
export type HttpBodyFraming = 'none' | 'length' | 'chunked' | 'close' | 'tunnel';

/** One chunk of a chunked body as received (the last, empty chunk not included). */
export interface HttpChunk {
  /** Stream offset of its chunk-size line. */
  offset: number;
  size: number;
  /** The chunk extensions as sent (`;name=value...`, whitespace kept), or ''. */
  extensions: string;
}

export interface HttpMessageBase {
  /** `HTTP/1.1` or `HTTP/1.0` (as sent: `HTTP/1.x` for any minor version). */
  version: string;
  /** The request or status line as sent, without its line ending. */
  startLine: string;
  /** Header fields in the order received. */
  headers: HttpFieldLine[];
  /** Trailer fields of a chunked body. */
  trailers: HttpFieldLine[];
  framing: HttpBodyFraming;
  /** The Content-Length field's value when there is one (also when the framing ignores it, as for HEAD responses). */
  contentLength: number | undefined;
  /** The chunks of a chunked body, at most `maxChunkRecords` of them (`chunkCount` counts all). */
  chunks: HttpChunk[];
  chunkCount: number;
  /** The last chunk's extensions (chunked bodies only), or ''. */
  lastChunkExtensions: string;
  /** The decoded (de-chunked) body as accumulated: empty when bodies go to `onBody`. */
  body: Uint8Array;
  /** Decoded body bytes received, whether accumulated or handed on. */
  bodyLength: number;
  /** True when the body outgrew `maxBodyBytes`: `body` holds its first bytes only. */
  bodyTruncated: boolean;
  /** Stream offsets: first byte of the start line, first byte after the header section, first byte after the message. */
  start: number;
  headerEnd: number;
  end: number;
  /** The message's position among those of its direction (0, 1, ...). */
  index: number;
}

export interface HttpRequest extends HttpMessageBase {
  type: 'request';
  method: string;
  /** The request-target as sent (origin, absolute, authority or asterisk form). */
  target: string;
}

export interface HttpResponse extends HttpMessageBase {
  type: 'response';
  status: number;
  /** The reason phrase as sent (may be empty). */
  reason: string;
  /** The method of the request this response answers, when that request was seen. */
  requestMethod: string | undefined;
  /** The `index` of that request. */
  requestIndex: number | undefined;
}

export type HttpMessage = HttpRequest | HttpResponse;

/** Why bytes were passed over without being parsed: looking for a start line (`resync`), or missing (`gap`). */
export type HttpSkipReason = 'resync' | 'gap';

export interface Http1ParserOptions {
  /** What this direction carries; `auto`: whichever the first start line is (default `auto`). */
  kind?: 'request' | 'response' | 'auto';
  /** Bytes a header section may take, start line and empty line included; also trailer sections and chunk-size lines (default 64 KiB). */
  maxHeaderBytes?: number;
  /** Fields a header or trailer section may have (default 256). */
  maxFields?: number;
  /** Body bytes accumulated per message when no `onBody` handler is given (default 1 MiB); the rest is counted and dropped. */
  maxBodyBytes?: number;
  /** Chunks recorded per message in `chunks` (default 1024); all are counted. */
  maxChunkRecords?: number;
  /**
   * The stream may start (or, after a gap, go on) inside a message: pass over bytes until a line
   * that is a valid start line (default false: the stream must begin with one, and a gap is an error).
   * Candidates are line starts, `HTTP/1.` anywhere, and a registered method name anywhere in a line
   * ending in ` HTTP/1.x`, so a body that contains such a line can be taken for a message.
   */
  resync?: boolean;
  /** Stream offset of the first byte pushed (default 0). */
  offset?: number;
  /**
   * Every line must end in CRLF (default false: a bare LF ends start and field lines, as RFC 9112
   * section 2.2 allows and Go and Wireshark accept). Chunked framing always needs CRLF, as Go
   * (since 1.24.2) and llhttp require: a bare LF there is a known request smuggling vector.
   */
  strictLineEnds?: boolean;
  /**
   * After a request that asks to switch protocols (an Upgrade field, or CONNECT), hold the bytes
   * that follow until `resume` says whether the switch happened (default false). The conversation sets it.
   */
  holdAfterUpgradeRequest?: boolean;
  /**
   * The methods a request line may have (default: any token, as RFC 9110 section 9 allows). A line
   * with another is no start line: an error, or with `resync` passed over. `TSHARK_HTTP_METHODS`
   * is the list tshark's HTTP dissector knows (it reads other lines as a continuation).
   */
  methods?: readonly string[];
}

/** The request methods tshark 4.0's HTTP dissector recognises (each checked with tshark on port 80). */
export const TSHARK_HTTP_METHODS: readonly string[] = [
  'GET', 'PUT', 'COPY', 'HEAD', 'LOCK', 'MOVE', 'POLL', 'POST', 'BCOPY', 'BMOVE', 'MKCOL', 'TRACE', 'LABEL', 'MERGE', 'PATCH',
  'DELETE', 'SEARCH', 'UNLOCK', 'REPORT', 'UPDATE', 'NOTIFY', 'BDELETE', 'CONNECT', 'OPTIONS', 'CHECKIN', 'PROPFIND', 'CHECKOUT',
  'CCM_POST', 'M-SEARCH', 'SUBSCRIBE', 'PROPPATCH', 'BPROPFIND', 'BPROPPATCH', 'UNCHECKOUT', 'MKACTIVITY', 'MKWORKSPACE',
  'UNSUBSCRIBE', 'RPC_CONNECT', 'VERSION-CONTROL', 'BASELINE-CONTROL',
];

export interface Http1ParserHandlers {
  /** A message's header section is complete; the same object gets its body and `end` later. */
  onHead?(message: HttpMessage): void;
  /**
   * Decoded body bytes (de-chunked), with the stream offset of the first. A view valid during the
   * call only: copy what you keep. With this handler, bodies are not accumulated.
   */
  onBody?(message: HttpMessage, data: Uint8Array, offset: number): void;
  /** A message is complete. */
  onMessage?(message: HttpMessage): void;
  /** Bytes passed over: before the first start line found by `resync`, or lost in a gap. */
  onSkip?(offset: number, length: number, reason: HttpSkipReason): void;
  /**
   * HTTP ended at `offset` after `message` (a 101, a 2xx to CONNECT, or the request they answer;
   * undefined when the switch was announced by the other direction before this one had a message).
   */
  onUpgrade?(offset: number, message: HttpMessage | undefined): void;
  /** Bytes after the switch: the upgraded protocol's or the tunnel's stream. A view valid during the call. */
  onTunnel?(data: Uint8Array, offset: number): void;
}

const DEFAULT_MAX_HEADER = 64 * 1024;
const DEFAULT_MAX_FIELDS = 256;
const DEFAULT_MAX_BODY = 1024 * 1024;
const DEFAULT_MAX_CHUNKS = 1024;

/** Methods `resync` looks for inside a line (RFC 9110 section 9, RFC 5789). */
const RESYNC_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

// tchar (RFC 9110 section 5.6.2): the bytes of a token.
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/** Field-value bytes (RFC 9110 section 5.5): VCHAR, obs-text, SP and HTAB; no other control byte. */
const isFieldByte = (c: number) => c === HT || (c >= SP && c !== 0x7f);
/** request-target bytes: visible ASCII. */
const isTargetByte = (c: number) => c > SP && c < 0x7f;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** Node's native ISO-8859-1 decoder, when there is one (it reads any Uint8Array); browsers use fromCharCode. */
const nodeLatin1 = (globalThis as { Buffer?: { prototype?: { latin1Slice?: (this: Uint8Array, start: number, end: number) => string } } }).Buffer?.prototype?.latin1Slice;

function latin1(b: Uint8Array, from: number, to: number): string {
  if (nodeLatin1 !== undefined && to - from > 12) return nodeLatin1.call(b, from, to);
  // Spreading a view into fromCharCode cost more than the rest of the parsing together: a few
  // bytes go through a loop, longer runs 8 KiB at a time through apply.
  let s = '';
  if (to - from <= 12) {
    for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
  for (let i = from; i < to; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, Math.min(to, i + 8192)) as unknown as number[]);
  return s;
}

function fail(code: WireErrorCode, message: string, offset: number): never {
  throw new WireError(code, message, { layer: LAYER, offset });
}

/** A byte for messages: printable as is, else as hex. */
function showByte(c: number): string {
  return c > SP && c < 0x7f ? `'${String.fromCharCode(c)}'` : `0x${c.toString(16).padStart(2, '0')}`;
}

/** What was wrong with a line, without throwing (resync tries many lines). */
interface LineFault {
  fault: true;
  code: WireErrorCode;
  why: string;
  /** Index into the line's bytes. */
  at: number;
}

const fault = (code: WireErrorCode, why: string, at: number): LineFault => ({ fault: true, code, why, at });

interface StartLine {
  fault: false;
  type: 'request' | 'response';
  method: string;
  target: string;
  version: string;
  status: number;
  reason: string;
}

/** HTTP-version = "HTTP/" DIGIT "." DIGIT at b[i..i+8). */
function versionAt(b: Uint8Array, i: number, to: number): LineFault | undefined {
  if (to - i < 8 || b[i] !== 0x48 || b[i + 1] !== 0x54 || b[i + 2] !== 0x54 || b[i + 3] !== 0x50 || b[i + 4] !== 0x2f || !isDigit(b[i + 5]!) || b[i + 6] !== 0x2e || !isDigit(b[i + 7]!)) {
    return fault('bad-value', 'no HTTP-version (HTTP/<digit>.<digit>) where the start line needs one', i);
  }
  if (b[i + 5] !== 0x31) return fault('bad-version', `HTTP/${String.fromCharCode(b[i + 5]!)}.${String.fromCharCode(b[i + 7]!)} is not HTTP/1.x`, i);
  return undefined;
}

/** request-line = method SP request-target SP HTTP-version (RFC 9112 section 3), single spaces. */
function parseRequestLine(b: Uint8Array, from: number, to: number, methods?: ReadonlySet<string>): StartLine | LineFault {
  let i = from;
  while (i < to && TCHAR[b[i]!] === 1) i++;
  if (i === from) return fault('bad-value', `request line starts with ${i < to ? showByte(b[i]!) : 'nothing'}, not a method`, i);
  if (i >= to || b[i] !== SP) return fault('bad-value', `${i < to ? showByte(b[i]!) : 'end of line'} in the method`, i);
  const m = i;
  const t = ++i;
  while (i < to && isTargetByte(b[i]!)) i++;
  if (i === t) return fault('bad-value', `${i < to ? showByte(b[i]!) : 'end of line'} where the request-target should start`, i);
  if (i >= to || b[i] !== SP) return fault('bad-value', `${i < to ? showByte(b[i]!) : 'end of line'} in the request-target`, i);
  const e = i++;
  // Strings only once the line is known good: resync tries many lines that are not.
  if (to - i === 8 && m - from === 3 && e - t === 1 && latin1(b, from, to) === 'PRI * HTTP/2.0') return fault('unsupported', 'HTTP/2 connection preface (prior knowledge), not HTTP/1.x', from);
  const v = versionAt(b, i, to);
  if (v !== undefined) return v;
  if (i + 8 !== to) return fault('bad-value', `${showByte(b[i + 8]!)} after the HTTP-version`, i + 8);
  const method = latin1(b, from, m);
  if (methods !== undefined && !methods.has(method)) return fault('bad-value', `method ${method} is not one this parser reads`, from);
  return { fault: false, type: 'request', method, target: latin1(b, t, e), version: latin1(b, i, to), status: 0, reason: '' };
}

/** status-line = HTTP-version SP status-code SP [reason-phrase] (RFC 9112 section 4); the last SP may be missing when the reason is. */
function parseStatusLine(b: Uint8Array, from: number, to: number): StartLine | LineFault {
  const v = versionAt(b, from, to);
  if (v !== undefined) return v;
  let i = from + 8;
  if (i >= to || b[i] !== SP) return fault('bad-value', `${i < to ? showByte(b[i]!) : 'end of line'} after the HTTP-version of a status line`, i);
  i++;
  if (to - i < 3 || !isDigit(b[i]!) || !isDigit(b[i + 1]!) || !isDigit(b[i + 2]!)) return fault('bad-value', 'status code is not three digits', i);
  const status = (b[i]! - 0x30) * 100 + (b[i + 1]! - 0x30) * 10 + (b[i + 2]! - 0x30);
  if (status < 100) return fault('bad-value', `status code ${String(status).padStart(3, '0')} is below 100`, i);
  i += 3;
  if (i < to && b[i] !== SP) return fault('bad-value', `${showByte(b[i]!)} after the status code`, i);
  for (let j = i + 1; j < to; j++) if (!isFieldByte(b[j]!)) return fault('bad-value', `${showByte(b[j]!)} in the reason phrase`, j);
  return { fault: false, type: 'response', method: '', target: '', version: latin1(b, from, from + 8), status, reason: i < to ? latin1(b, i + 1, to) : '' };
}

function parseStartLine(b: Uint8Array, from: number, to: number, kind: 'request' | 'response' | 'auto', methods?: ReadonlySet<string>): StartLine | LineFault {
  if (kind === 'response') return parseStatusLine(b, from, to);
  if (kind === 'request') return parseRequestLine(b, from, to, methods);
  const isStatus = to - from >= 5 && b[from] === 0x48 && b[from + 1] === 0x54 && b[from + 2] === 0x54 && b[from + 3] === 0x50 && b[from + 4] === 0x2f;
  return isStatus ? parseStatusLine(b, from, to) : parseRequestLine(b, from, to, methods);
}

/** Where in b[from, to) a start line begins that `resync` accepts, or -1. */
function findStartLine(b: Uint8Array, from: number, to: number, kind: 'request' | 'response' | 'auto', methods?: ReadonlySet<string>): number {
  if (to === from) return -1;
  if (!parseStartLine(b, from, to, kind, methods).fault) return from;
  let best = -1;
  if (kind !== 'request') {
    for (let k = from + 1; k + 8 <= to; k++) {
      if (b[k] === 0x48 && b[k + 1] === 0x54 && b[k + 2] === 0x54 && b[k + 3] === 0x50 && b[k + 4] === 0x2f && !parseStatusLine(b, k, to).fault) {
        best = k;
        break;
      }
    }
  }
  // A request line elsewhere ends the line with " HTTP/1.x"; look for a method name before it.
  if (kind !== 'response' && to - from > 9 && b[to - 9] === SP && versionAt(b, to - 8, to) === undefined) {
    const end = best < 0 ? to : best;
    for (let k = from + 1; k < end; k++) {
      // Not the end of a longer method-like word (PATCH in ORDERPATCH is no method); a body's last
      // byte before a request (`y=2POST ...`) may be anything else.
      const before = b[k - 1]!;
      if ((before >= 0x41 && before <= 0x5a) || before === 0x2d || before === 0x5f) continue;
      for (const m of RESYNC_METHODS) {
        if (k + m.length < to && b[k + m.length] === SP && latin1(b, k, k + m.length) === m && !parseRequestLine(b, k, to, methods).fault) return k;
      }
    }
  }
  return best;
}

const S_START = 0; // expecting a start line (empty lines skipped)
const S_HEADERS = 1;
const S_LENGTH = 2; // Content-Length body
const S_CHUNK_LINE = 3;
const S_CHUNK_DATA = 4;
const S_CHUNK_END = 5; // CRLF after chunk data
const S_TRAILERS = 6;
const S_CLOSE = 7; // body until the stream ends
const S_HOLD = 8; // after an upgrade request, waiting for its response
const S_TUNNEL = 9;
const S_SEEK = 10; // resync: looking for a start line
const S_FAILED = 11;
const S_ENDED = 12;

interface Expected {
  method: string;
  index: number;
}

/**
 * An incremental HTTP/1.x parser for one direction of a connection. Push bytes as they come, in
 * any split; handlers get each message as its header section completes (`onHead`), its body bytes
 * (`onBody`), and the whole message (`onMessage`). A malformed message throws a WireError from
 * `push` (after every message before it was handed on); the parser then stays stopped and `error`
 * holds it. A response parser frames bodies by the request method (`expectResponseTo`): without
 * one, as for GET.
 *
 * @example
 * const p = new Http1Parser({ onMessage: (m) => console.log(m.type === 'request' ? m.method : m.status) }, { kind: 'request' });
 * p.push(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
 * p.end();
 */
export class Http1Parser {
  readonly #h: Http1ParserHandlers;
  #kind: 'request' | 'response' | 'auto';
  readonly #methods: ReadonlySet<string> | undefined;
  readonly #maxHeader: number;
  readonly #maxFields: number;
  readonly #maxBody: number;
  readonly #maxChunks: number;
  readonly #resync: boolean;
  readonly #hold: boolean;
  readonly #strictLines: boolean;
  #state: number;
  /** Stream offset of the next byte. */
  #pos: number;
  /** The line being read when it spans pushes. */
  #line = new Uint8Array(256);
  #lineLen = 0;
  /** Stream offset where the current section (or line, for chunk sizes and resync) began. */
  #sectionStart: number;
  #msg: HttpMessage | undefined;
  #remaining = 0;
  #chunkCr = false;
  #body: Uint8Array = EMPTY;
  #expected: Expected[] = [];
  #count = 0;
  #held: Uint8Array[] = [];
  #heldLen = 0;
  #decisions: boolean[] = [];
  #seekFrom = -1;
  #error: WireError | undefined;

  constructor(handlers: Http1ParserHandlers = {}, options: Http1ParserOptions = {}) {
    this.#h = handlers;
    this.#kind = options.kind ?? 'auto';
    this.#methods = options.methods === undefined ? undefined : new Set(options.methods);
    this.#maxHeader = positive(options.maxHeaderBytes, DEFAULT_MAX_HEADER, 'maxHeaderBytes');
    this.#maxFields = positive(options.maxFields, DEFAULT_MAX_FIELDS, 'maxFields');
    this.#maxBody = positive(options.maxBodyBytes, DEFAULT_MAX_BODY, 'maxBodyBytes', true);
    this.#maxChunks = positive(options.maxChunkRecords, DEFAULT_MAX_CHUNKS, 'maxChunkRecords', true);
    this.#resync = options.resync === true;
    this.#hold = options.holdAfterUpgradeRequest === true;
    this.#strictLines = options.strictLineEnds === true;
    this.#pos = positive(options.offset, 0, 'offset', true);
    this.#sectionStart = this.#pos;
    this.#state = this.#resync ? S_SEEK : S_START;
    if (this.#resync) this.#seekFrom = this.#pos;
  }

  /** The error that stopped the parser, if any. */
  get error(): WireError | undefined {
    return this.#error;
  }

  /** Stream offset of the next byte to be pushed. */
  get offset(): number {
    return this.#pos;
  }

  /** What this direction carries (`auto` until the first start line says). */
  get kind(): 'request' | 'response' | 'auto' {
    return this.#kind;
  }

  /** True once HTTP has ended on this direction (upgrade or tunnel). */
  get tunneling(): boolean {
    return this.#upgradedAt !== undefined;
  }

  /** Stream offset where HTTP ended on this direction (upgrade or tunnel), if it has. */
  get upgradedAt(): number | undefined {
    return this.#upgradedAt;
  }

  #upgradedAt: number | undefined;

  /** True while `resync` passes bytes over, looking for a start line. */
  get seeking(): boolean {
    return this.#state === S_SEEK;
  }

  /** True while the bytes of a line without its end are held. */
  get partialLine(): boolean {
    return this.#lineLen > 0;
  }

  /** Messages begun so far on this direction (whole or not). */
  get messages(): number {
    return this.#started;
  }

  #started = 0;

  /** True while bytes are held after an upgrade request (see `holdAfterUpgradeRequest`). */
  get holding(): boolean {
    return this.#state === S_HOLD;
  }

  /** The message being read, if one has begun and not ended. */
  get current(): HttpMessage | undefined {
    return this.#msg;
  }

  /** Fixes the kind of an `auto` parser before its first message (the conversation does, from the other direction). */
  setKind(kind: 'request' | 'response'): void {
    if (this.#kind === 'auto' && this.#count === 0 && this.#msg === undefined) this.#kind = kind;
  }

  /** Tells a response parser the method of the next request it answers (in order). */
  expectResponseTo(method: string, index = -1): void {
    this.#expected.push({ method, index });
  }

  /** Requests told with `expectResponseTo` that no final response has answered yet. */
  get pendingRequests(): number {
    return this.#expected.length;
  }

  /**
   * Ends a hold after an upgrade request (or says in advance how the next one ends): `true` if the
   * protocol switched (the held and later bytes go to `onTunnel`), `false` to go on with HTTP.
   */
  resume(switched: boolean): void {
    if (this.#state !== S_HOLD) {
      this.#decisions.push(switched);
      return;
    }
    const held = this.#held;
    this.#pos -= this.#heldLen;
    this.#held = [];
    this.#heldLen = 0;
    if (switched) this.#switch(this.#last!);
    else this.#state = S_START;
    this.#sectionStart = this.#pos;
    for (const c of held) this.#run(c);
  }

  /** The last message completed. */
  #last: HttpMessage | undefined;

  /**
   * Ends HTTP on this direction now, between messages: what follows goes to `onTunnel` (for a
   * switch the other direction announced without this one asking). Returns false, changing
   * nothing, in the middle of a message.
   */
  endHttp(): boolean {
    if (this.#state === S_HOLD) {
      this.resume(true);
      return true;
    }
    if (this.#state === S_SEEK) {
      const n = this.#pos - this.#seekFrom;
      if (n > 0) this.#h.onSkip?.(this.#seekFrom, n, 'resync');
      this.#lineLen = 0;
    } else if (this.#state !== S_START || this.#lineLen > 0 || this.#msg !== undefined) return false;
    this.#state = S_TUNNEL;
    this.#upgradedAt = this.#pos;
    this.#h.onUpgrade?.(this.#pos, this.#last);
    return true;
  }

  /** Feeds the next bytes of the stream. Throws the WireError that stops the parser. */
  push(data: Uint8Array): void {
    if (this.#state === S_FAILED) throw this.#error!;
    if (this.#state === S_ENDED) throw new WireError('bad-value', 'push after end()', { layer: LAYER, offset: this.#pos });
    this.#run(data);
  }

  /**
   * Marks `size` bytes of the stream as missing. With `resync`, the message in progress is dropped
   * (reported with `onSkip`) and the parser looks for the next start line; without, it is an error.
   * In a tunnel the gap is reported and the tunnel goes on.
   */
  gap(size: number): void {
    if (this.#state === S_FAILED) throw this.#error!;
    if (this.#state === S_ENDED) throw new WireError('bad-value', 'gap after end()', { layer: LAYER, offset: this.#pos });
    if (!Number.isSafeInteger(size) || size < 0) throw new WireError('bad-value', `gap size must be a non-negative integer, got ${size}`, { layer: LAYER });
    if (size === 0) return;
    if (this.#state === S_TUNNEL) {
      this.#h.onSkip?.(this.#pos, size, 'gap');
      this.#pos += size;
      return;
    }
    if (!this.#resync) this.#fail(new WireError('truncated', `${size} bytes missing from the stream at offset ${this.#pos}; HTTP cannot be framed past them`, { layer: LAYER, offset: this.#pos }));
    const from = this.#state === S_SEEK ? this.#seekFrom : this.#msg?.start ?? this.#sectionStart;
    const dropped = this.#pos - from;
    if (dropped > 0) this.#h.onSkip?.(from, dropped, 'resync');
    this.#h.onSkip?.(this.#pos, size, 'gap');
    this.#pos += size;
    this.#msg = undefined;
    this.#lineLen = 0;
    this.#held = [];
    this.#heldLen = 0;
    this.#state = S_SEEK;
    this.#seekFrom = this.#pos;
    this.#sectionStart = this.#pos;
  }

  /**
   * The stream has ended: completes a body read until the close. Throws a WireError (`truncated`)
   * when it ends inside a message. Bytes still held after an upgrade request are parsed as HTTP.
   */
  end(): void {
    if (this.#state === S_FAILED) throw this.#error!;
    if (this.#state === S_ENDED) return;
    if (this.#state === S_HOLD) this.resume(false);
    const s = this.#state;
    if (s === S_CLOSE) {
      this.#complete();
    } else if (s === S_SEEK) {
      const n = this.#pos - this.#seekFrom;
      if (n > 0) this.#h.onSkip?.(this.#seekFrom, n, 'resync');
    } else if (s === S_START) {
      if (this.#lineLen > 0) this.#fail(new WireError('truncated', `stream ends inside a start line (${this.#lineLen} bytes, no line end)`, { layer: LAYER, offset: this.#pos }));
    } else if (s !== S_TUNNEL) {
      const m = this.#msg!;
      const where = s === S_HEADERS ? 'header section' : s === S_TRAILERS ? 'trailer section' : s === S_LENGTH ? `body (${this.#remaining} of ${m.contentLength} bytes missing)` : 'chunked body';
      this.#fail(new WireError('truncated', `stream ends inside the ${where} of the ${m.type} that starts at offset ${m.start}`, { layer: LAYER, offset: this.#pos }));
    }
    this.#state = S_ENDED;
  }

  #fail(e: WireError): never {
    this.#state = S_FAILED;
    this.#error = e;
    this.#msg = undefined;
    this.#held = [];
    throw e;
  }

  #run(data: Uint8Array): void {
    try {
      this.#consume(data);
    } catch (e) {
      if (this.#state === S_FAILED) throw e;
      // A handler threw, or a fault inside the parser: stop here either way.
      const err = e instanceof WireError ? e : new WireError('internal', `handler or parser failed: ${e instanceof Error ? e.message : String(e)}`, { layer: LAYER, offset: this.#pos, cause: e });
      this.#fail(err);
    }
  }

  #consume(b: Uint8Array): void {
    let i = 0;
    const n = b.length;
    while (i < n) {
      const s = this.#state;
      if (s === S_LENGTH || s === S_CHUNK_DATA) {
        const take = Math.min(this.#remaining, n - i);
        this.#deliver(b.subarray(i, i + take));
        i += take;
        this.#remaining -= take;
        if (this.#remaining === 0) {
          if (s === S_LENGTH) this.#complete();
          else {
            this.#state = S_CHUNK_END;
            this.#chunkCr = false;
          }
        }
      } else if (s === S_CHUNK_END) {
        const c = b[i]!;
        if (c === CR && !this.#chunkCr) this.#chunkCr = true;
        else if (c === LF && this.#chunkCr) {
          this.#state = S_CHUNK_LINE;
          this.#sectionStart = this.#pos + 1;
        } else {
          const why = c === LF ? 'LF without CR after chunk data (chunked framing needs CRLF)' : `${showByte(c)} after chunk data, where CRLF ends it`;
          this.#fail(new WireError('bad-value', why, { layer: LAYER, offset: this.#pos }));
        }
        i++;
        this.#pos++;
      } else if (s === S_CLOSE) {
        this.#deliver(b.subarray(i));
        i = n;
      } else if (s === S_TUNNEL) {
        const d = b.subarray(i);
        this.#pos += d.length;
        this.#h.onTunnel?.(d, this.#pos - d.length);
        i = n;
      } else if (s === S_HOLD) {
        const d = b.slice(i);
        if (this.#heldLen + d.length > this.#maxHeader) {
          this.#fail(new WireError('limit-exceeded', `more than ${this.#maxHeader} bytes (maxHeaderBytes) follow an upgrade request before its response`, { layer: LAYER, offset: this.#pos - this.#heldLen + this.#maxHeader }));
        }
        this.#held.push(d);
        this.#heldLen += d.length;
        this.#pos += d.length;
        i = n;
      } else {
        i = this.#takeLine(b, i);
      }
    }
  }

  /** Reads toward the end of a line under the section cap; hands each whole line to #line. */
  #takeLine(b: Uint8Array, i: number): number {
    const lf = b.indexOf(LF, i);
    const used = this.#pos - this.#sectionStart; // bytes of the section before b[i]
    const room = this.#maxHeader - used; // bytes the section may still take
    const end = lf < 0 ? b.length : lf + 1;
    if (end - i > room) {
      if (this.#state === S_SEEK) {
        // Resync passes over long lines: drop what was read and go on from here.
        const skip = Math.max(room, 0);
        this.#lineLen = 0;
        this.#pos += skip;
        this.#sectionStart = this.#pos;
        return i + skip;
      }
      const what = this.#state === S_CHUNK_LINE ? 'chunk-size line' : this.#state === S_TRAILERS ? 'trailer section' : 'header section';
      this.#fail(new WireError('limit-exceeded', `${what} longer than ${this.#maxHeader} bytes (maxHeaderBytes)`, { layer: LAYER, offset: this.#sectionStart + this.#maxHeader }));
    }
    if (lf < 0) {
      this.#append(b, i, b.length);
      this.#pos += b.length - i;
      return b.length;
    }
    let line: Uint8Array;
    let from: number;
    let to: number;
    const lineOffset = this.#pos - this.#lineLen;
    if (this.#lineLen === 0) {
      line = b;
      from = i;
      to = lf;
    } else {
      this.#append(b, i, lf);
      line = this.#line;
      from = 0;
      to = this.#lineLen;
    }
    this.#pos += lf + 1 - i;
    const cr = to > from && line[to - 1] === CR;
    if (cr) to--;
    this.#lineLen = 0;
    if (!cr && (this.#strictLines || this.#state === S_CHUNK_LINE)) {
      const what = this.#state === S_CHUNK_LINE ? 'a chunk-size line (chunked framing needs CRLF)' : 'a line (strictLineEnds)';
      this.#fail(new WireError('bad-value', `LF without CR ends ${what}`, { layer: LAYER, offset: this.#pos - 1 }));
    }
    this.#onLine(line, from, to, lineOffset);
    return lf + 1;
  }

  #append(b: Uint8Array, from: number, to: number): void {
    const need = this.#lineLen + (to - from);
    if (need > this.#line.length) {
      const grown = new Uint8Array(Math.max(need, this.#line.length * 2));
      grown.set(this.#line.subarray(0, this.#lineLen));
      this.#line = grown;
    }
    this.#line.set(b.subarray(from, to), this.#lineLen);
    this.#lineLen = need;
  }

  /** One whole line, b[from, to) without its ending, starting at stream offset `at`. */
  #onLine(b: Uint8Array, from: number, to: number, at: number): void {
    switch (this.#state) {
      case S_SEEK: {
        const k = findStartLine(b, from, to, this.#kind, this.#methods);
        if (k < 0) {
          this.#sectionStart = this.#pos;
          return;
        }
        const skipped = at + (k - from) - this.#seekFrom;
        if (skipped > 0) this.#h.onSkip?.(this.#seekFrom, skipped, 'resync');
        this.#state = S_START;
        this.#sectionStart = at + (k - from);
        this.#startLine(b, k, to, at + (k - from));
        return;
      }
      case S_START:
        if (to === from) {
          // RFC 9112 section 2.2: empty lines before a request line are ignored (tshark notes them as leading CRLF).
          this.#sectionStart = this.#pos;
          return;
        }
        this.#startLine(b, from, to, at);
        return;
      case S_HEADERS:
        if (to === from) this.#endOfHead();
        else this.#field(b, from, to, at, this.#msg!.headers);
        return;
      case S_TRAILERS:
        if (to === from) this.#complete();
        else this.#field(b, from, to, at, this.#msg!.trailers);
        return;
      case S_CHUNK_LINE:
        this.#chunkLine(b, from, to, at);
        return;
    }
  }

  #startLine(b: Uint8Array, from: number, to: number, at: number): void {
    const r = parseStartLine(b, from, to, this.#kind, this.#methods);
    if (r.fault && this.#resync) {
      // Not a start line where one should begin (bytes after a message): passed over like those
      // before the first start line, as Wireshark takes them for a continuation and reads on.
      this.#state = S_SEEK;
      this.#seekFrom = at;
      this.#sectionStart = this.#pos;
      return;
    }
    if (r.fault) {
      const bare = b.indexOf(CR, from);
      if (bare >= 0 && bare < to) this.#fail(new WireError('bad-value', 'bare CR (not followed by LF) in a start line', { layer: LAYER, offset: at + bare - from }));
      this.#fail(new WireError(r.code, `malformed ${this.#kind === 'auto' ? 'start' : this.#kind === 'request' ? 'request' : 'status'} line: ${r.why}`, { layer: LAYER, offset: at + r.at - from }));
    }
    if (this.#kind === 'auto') this.#kind = r.type;
    // Both shapes written out as literals: spreading a shared part into them cost more than the
    // rest of reading a small message.
    const startLine = latin1(b, from, to);
    const index = this.#count;
    this.#started++;
    this.#msg =
      r.type === 'request'
        ? {
            type: 'request', method: r.method, target: r.target, version: r.version, startLine, headers: [], trailers: [], framing: 'none',
            contentLength: undefined, chunks: [], chunkCount: 0, lastChunkExtensions: '', body: EMPTY, bodyLength: 0, bodyTruncated: false,
            start: at, headerEnd: at, end: at, index,
          }
        : {
            type: 'response', status: r.status, reason: r.reason, requestMethod: undefined, requestIndex: undefined, version: r.version, startLine,
            headers: [], trailers: [], framing: 'none', contentLength: undefined, chunks: [], chunkCount: 0, lastChunkExtensions: '', body: EMPTY,
            bodyLength: 0, bodyTruncated: false, start: at, headerEnd: at, end: at, index,
          };
    this.#state = S_HEADERS;
  }

  #field(b: Uint8Array, from: number, to: number, at: number, into: HttpFieldLine[]): void {
    const c0 = b[from]!;
    if (c0 === SP || c0 === HT) {
      const why = into.length > 0 ? 'obs-fold (a field line continued on the next line), which RFC 9112 section 5.2 obsoletes' : 'whitespace at the start of the first field line (RFC 9112 section 2.2)';
      this.#fail(new WireError('bad-value', why, { layer: LAYER, offset: at }));
    }
    if (into.length >= this.#maxFields) {
      this.#fail(new WireError('limit-exceeded', `more than ${this.#maxFields} fields (maxFields) in the ${this.#state === S_TRAILERS ? 'trailer' : 'header'} section`, { layer: LAYER, offset: at }));
    }
    let i = from;
    while (i < to && TCHAR[b[i]!] === 1) i++;
    if (i >= to || b[i] !== 0x3a) {
      const c = i < to ? b[i]! : -1;
      const why = c === CR ? 'bare CR (not followed by LF) in a field name'
        : c === SP || c === HT ? 'whitespace between a field name and its colon (RFC 9112 section 5.1)'
        : c < 0 ? 'field line without a colon'
        : `${showByte(c)} in a field name`;
      this.#fail(new WireError('bad-value', why, { layer: LAYER, offset: at + i - from }));
    }
    if (i === from) this.#fail(new WireError('bad-value', 'field line with an empty name', { layer: LAYER, offset: at }));
    // The whole line once; name and value are slices of it (cheap in JS engines).
    const line = latin1(b, from, to);
    const name = line.slice(0, i - from);
    let v = i + 1;
    for (let j = v; j < to; j++) {
      const c = b[j]!;
      if (!isFieldByte(c)) this.#fail(new WireError('bad-value', c === CR ? 'bare CR (not followed by LF) in a field value' : `${showByte(c)} in the value of ${name}`, { layer: LAYER, offset: at + j - from }));
    }
    let e = to;
    while (v < e && (b[v] === SP || b[v] === HT)) v++;
    while (e > v && (b[e - 1] === SP || b[e - 1] === HT)) e--;
    into.push({ name, value: line.slice(v - from, e - from), line, offset: at });
  }

  #endOfHead(): void {
    const m = this.#msg!;
    m.headerEnd = this.#pos;
    const cl = contentLength(m.headers);
    m.contentLength = cl;
    let framing: HttpBodyFraming;
    if (m.type === 'response') {
      const interim = m.status < 200 && m.status !== 101;
      const exp = interim ? this.#expected[0] : this.#expected.shift();
      if (exp !== undefined) {
        m.requestMethod = exp.method;
        m.requestIndex = exp.index < 0 ? undefined : exp.index;
      }
      if (m.status === 101 || (m.requestMethod === 'CONNECT' && m.status >= 200 && m.status < 300)) framing = 'tunnel';
      else if (m.status < 200 || m.status === 204 || m.status === 304 || m.requestMethod === 'HEAD') framing = 'none';
      else framing = this.#bodyFraming(m, cl);
    } else {
      framing = this.#bodyFraming(m, cl);
      if (framing === 'close') framing = 'none';
    }
    m.framing = framing;
    this.#h.onHead?.(m);
    if (this.#state === S_FAILED) return;
    if (framing === 'length') {
      this.#remaining = cl!;
      if (this.#h.onBody === undefined) this.#body = new Uint8Array(Math.min(cl!, this.#maxBody, CLAIMED_START));
      if (cl === 0) this.#complete();
      else this.#state = S_LENGTH;
    } else if (framing === 'chunked') {
      this.#body = EMPTY;
      this.#state = S_CHUNK_LINE;
      this.#sectionStart = this.#pos;
    } else if (framing === 'close') {
      this.#body = EMPTY;
      this.#state = S_CLOSE;
    } else {
      this.#complete();
    }
  }

  /** RFC 9112 section 6.3 items 3 to 7 for a message that may have a body. */
  #bodyFraming(m: HttpMessage, cl: number | undefined): HttpBodyFraming {
    const codings: { name: string; at: number }[] = [];
    for (const f of m.headers) {
      if (f.name.length !== 17 || f.name.toLowerCase() !== 'transfer-encoding') continue;
      for (const part of f.value.split(',')) {
        const name = part.split(';')[0]!.trim().toLowerCase();
        if (name !== '') codings.push({ name, at: f.offset });
      }
    }
    if (codings.length === 0) {
      if (cl !== undefined) return 'length';
      return m.type === 'request' ? 'none' : 'close';
    }
    const te = codings[0]!.at;
    if (cl !== undefined) fail('bad-value', `${m.type} has both Transfer-Encoding and Content-Length: a request smuggling risk (RFC 9112 section 6.3)`, te);
    if (m.version === 'HTTP/1.0') fail('bad-value', `HTTP/1.0 ${m.type} with Transfer-Encoding: its framing is faulty (RFC 9112 section 6.1)`, te);
    const last = codings.length - 1;
    for (let k = 0; k < last; k++) if (codings[k]!.name === 'chunked') fail('bad-value', 'chunked is not the last transfer coding (RFC 9112 section 6.1)', codings[k]!.at);
    if (codings[last]!.name === 'chunked') return 'chunked';
    if (m.type === 'request') fail('bad-value', `request's last transfer coding is ${codings[last]!.name}, not chunked: its length cannot be known (RFC 9112 section 6.3)`, codings[last]!.at);
    return 'close';
  }

  #chunkLine(b: Uint8Array, from: number, to: number, at: number): void {
    const m = this.#msg!;
    let size = 0;
    let i = from;
    while (i < to) {
      const c = b[i]!;
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (d < 0) break;
      size = size * 16 + d;
      if (size > Number.MAX_SAFE_INTEGER) this.#fail(new WireError('limit-exceeded', `chunk size ${latin1(b, from, i + 1)}... overflows 2^53 - 1`, { layer: LAYER, offset: at + i - from }));
      i++;
    }
    if (i === from) this.#fail(new WireError('bad-value', `chunk size starts with ${i < to ? showByte(b[i]!) : 'end of line'}, not a hex digit`, { layer: LAYER, offset: at }));
    const ext = i;
    const bad = chunkExtFault(b, i, to);
    if (bad >= 0) {
      const c = bad < to ? b[bad]! : -1;
      this.#fail(new WireError('bad-value', c === CR ? 'bare CR (not followed by LF) in a chunk-size line' : `${c < 0 ? 'end of line' : showByte(c)} in a chunk-size line, where a chunk extension or the line end belongs`, { layer: LAYER, offset: at + bad - from }));
    }
    const extensions = latin1(b, ext, to);
    if (size === 0) {
      m.lastChunkExtensions = extensions;
      this.#state = S_TRAILERS;
      this.#sectionStart = this.#pos;
      return;
    }
    m.chunkCount++;
    if (m.chunks.length < this.#maxChunks) m.chunks.push({ offset: at, size, extensions });
    this.#remaining = size;
    this.#state = S_CHUNK_DATA;
  }

  #deliver(d: Uint8Array): void {
    const m = this.#msg!;
    const at = this.#pos;
    this.#pos += d.length;
    m.bodyLength += d.length;
    if (d.length === 0) return;
    if (this.#h.onBody !== undefined) {
      this.#h.onBody(m, d, at);
      return;
    }
    const have = m.bodyLength - d.length;
    const keep = Math.min(d.length, this.#maxBody - have);
    if (keep < d.length) m.bodyTruncated = true;
    if (keep <= 0) return;
    if (have + keep > this.#body.length) {
      const grown = new Uint8Array(Math.min(this.#maxBody, Math.max(have + keep, this.#body.length * 2, 1024)));
      grown.set(this.#body.subarray(0, have));
      this.#body = grown;
    }
    this.#body.set(d.subarray(0, keep), have);
  }

  #complete(): void {
    const m = this.#msg!;
    m.end = this.#pos;
    const kept = Math.min(m.bodyLength, this.#maxBody);
    m.body = this.#h.onBody !== undefined || kept === 0 ? EMPTY : this.#body.length === kept ? this.#body : this.#body.slice(0, kept);
    this.#body = EMPTY;
    this.#msg = undefined;
    this.#last = m;
    this.#count++;
    this.#state = S_START;
    this.#sectionStart = this.#pos;
    this.#h.onMessage?.(m);
    if (this.#state !== S_START) return; // a handler ended or failed the parser
    if (m.framing === 'tunnel') {
      this.#switch(m);
    } else if (m.type === 'request' && (m.method === 'CONNECT' || httpHeader(m.headers, 'upgrade') !== undefined)) {
      const decided = this.#decisions.shift();
      if (decided === true) {
        m.framing = 'tunnel';
        this.#switch(m);
      } else if (decided === undefined && this.#hold) {
        this.#state = S_HOLD;
      }
    }
  }

  #switch(m: HttpMessage): void {
    this.#state = S_TUNNEL;
    this.#upgradedAt = this.#pos;
    this.#h.onUpgrade?.(this.#pos, m);
  }
}

/** The Content-Length of a header section: undefined without one; an error if invalid or if values differ (RFC 9112 section 6.3 item 5). */
function contentLength(fields: HttpFieldLine[]): number | undefined {
  let value: number | undefined;
  for (const f of fields) {
    const at = f.offset;
    if (f.name.length !== 14 || f.name.toLowerCase() !== 'content-length') continue;
    for (const part of f.value.split(',')) {
      const t = part.trim();
      if (t === '' && f.value.includes(',')) continue;
      if (!/^[0-9]+$/.test(t)) fail('bad-value', `Content-Length ${JSON.stringify(f.value)} is not a number`, at);
      const n = Number(t);
      if (!Number.isSafeInteger(n)) fail('limit-exceeded', `Content-Length ${t} exceeds 2^53 - 1`, at);
      if (value !== undefined && value !== n) fail('bad-value', `conflicting Content-Length values ${value} and ${n}: a request smuggling risk (RFC 9112 section 6.3)`, at);
      value = n;
    }
  }
  return value;
}

/**
 * Index of the first byte of b[i, to) that breaks chunk-ext (RFC 9112 section 7.1.1:
 * *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )), or -1.
 */
function chunkExtFault(b: Uint8Array, i: number, to: number): number {
  const ws = () => {
    while (i < to && (b[i] === SP || b[i] === HT)) i++;
  };
  while (i < to) {
    ws();
    if (i >= to || b[i] !== 0x3b) return i;
    i++;
    ws();
    const n = i;
    while (i < to && TCHAR[b[i]!] === 1) i++;
    if (i === n) return i;
    const afterName = i;
    ws();
    if (i < to && b[i] === 0x3d) {
      i++;
      ws();
      if (i < to && b[i] === 0x22) {
        i++;
        for (;;) {
          if (i >= to) return i;
          const c = b[i]!;
          if (c === 0x22) break;
          if (c === 0x5c) {
            i++;
            if (i >= to || !isFieldByte(b[i]!)) return i;
          } else if (!isFieldByte(c)) return i;
          i++;
        }
        i++;
      } else {
        const v = i;
        while (i < to && TCHAR[b[i]!] === 1) i++;
        if (i === v) return i;
      }
    } else if (i >= to || b[i] !== 0x3b) {
      // No value: whitespace after the name is BWS before a next ";", not before the line end.
      return i < to ? i : afterName < to ? afterName : -1;
    }
  }
  return -1;
}

function positive(v: number | undefined, dflt: number, name: string, zero = false): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < (zero ? 0 : 1)) throw new WireError('bad-value', `${name} must be a ${zero ? 'non-negative' : 'positive'} integer, got ${v}`, { layer: LAYER });
  return v;
}

/**
 * A field's value by name, case-insensitively: fields of the same name joined with ", " (RFC 9110
 * section 5.3), or undefined. Takes a message or its fields.
 *
 * @example
 * httpHeader(message, 'content-type') // 'text/plain'
 */
export function httpHeader(fields: HttpField[] | { headers: HttpField[] }, name: string): string | undefined {
  const values = httpHeaderValues(fields, name);
  return values.length === 0 ? undefined : values.join(', ');
}

/** Every value of the fields named `name` (case-insensitively), in order. */
export function httpHeaderValues(fields: HttpField[] | { headers: HttpField[] }, name: string): string[] {
  const list = Array.isArray(fields) ? fields : fields.headers;
  const want = name.toLowerCase();
  const out: string[] = [];
  for (const f of list) if (f.name.length === want.length && f.name.toLowerCase() === want) out.push(f.value);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Conversation: both directions of a connection.

export interface Http1ConversationOptions extends Omit<Http1ParserOptions, 'kind' | 'offset' | 'holdAfterUpgradeRequest'> {
  /** The direction (0 or 1) that carries requests; by default the first start line seen decides. */
  client?: 0 | 1;
  /** Requests awaiting a response before it is an error (default 10000). */
  maxPendingRequests?: number;
}

export interface Http1ConversationHandlers {
  onHead?(direction: 0 | 1, message: HttpMessage): void;
  /** Decoded body bytes; when given, bodies are not accumulated. The data is a view valid during the call. */
  onBody?(direction: 0 | 1, message: HttpMessage, data: Uint8Array, offset: number): void;
  onMessage?(direction: 0 | 1, message: HttpMessage): void;
  onSkip?(direction: 0 | 1, offset: number, length: number, reason: HttpSkipReason): void;
  /** HTTP ended on `direction` at `offset`, after `message`. */
  onUpgrade?(direction: 0 | 1, offset: number, message: HttpMessage | undefined): void;
  /** Bytes after the switch (upgraded protocol or tunnel). A view valid during the call. */
  onTunnel?(direction: 0 | 1, data: Uint8Array, offset: number): void;
  /** A direction stopped on this error; the other goes on. */
  onError?(direction: 0 | 1, error: WireError): void;
}

/**
 * Both directions of one HTTP/1.x connection: requests one way, responses the other, each response
 * framed by the method of the request it answers (in order; interim 1xx responses answer none).
 * After a request that asks to switch protocols (Upgrade, CONNECT), the request direction holds
 * its bytes until the response says: a 101 (or a 2xx to CONNECT) ends HTTP both ways and the rest
 * of each direction goes to `onTunnel`; any other final response lets HTTP go on.
 *
 * Errors do not throw: a direction that meets one stops and reports it (`onError`, `errors`), and
 * the other direction goes on (responses after a dead request direction are framed as for GET).
 *
 * @example
 * const conv = new Http1Conversation({ onMessage: (dir, m) => console.log(dir, m.type, m.start, m.end) }, { client: 0 });
 * reassembleTcp(capture, { onData: (c, dir, data) => conv.push(dir, data), onClose: () => conv.end() });
 */
export class Http1Conversation {
  readonly #h: Http1ConversationHandlers;
  readonly parsers: readonly [Http1Parser, Http1Parser];
  /** The error that stopped each direction. */
  readonly errors: [WireError | undefined, WireError | undefined] = [undefined, undefined];
  #client: 0 | 1 | undefined;
  readonly #maxPending: number;
  /** Per pending request (in order): whether it asked to switch protocols. */
  #switchAsks: boolean[] = [];
  /** Set between a switching response's end and its direction's switch. */
  #switching: 'asked' | 'unasked' | undefined;
  #ended = false;

  constructor(handlers: Http1ConversationHandlers = {}, options: Http1ConversationOptions = {}) {
    this.#h = handlers;
    const { client, maxPendingRequests, ...rest } = options;
    if (client !== undefined && client !== 0 && client !== 1) throw new WireError('bad-value', `client must be 0 or 1, got ${String(client)}`, { layer: LAYER });
    this.#client = client;
    this.#maxPending = positive(maxPendingRequests, 10000, 'maxPendingRequests');
    const make = (d: 0 | 1) => new Http1Parser(this.#handlersFor(d), {
      ...rest,
      kind: client === undefined ? 'auto' : client === d ? 'request' : 'response',
      holdAfterUpgradeRequest: true,
    });
    this.parsers = [make(0), make(1)];
  }

  /** The direction carrying requests, once known. */
  get client(): 0 | 1 | undefined {
    return this.#client;
  }

  /** True once HTTP has ended on the connection (a 101, or a 2xx to CONNECT). */
  get upgraded(): boolean {
    return this.parsers[0].tunneling || this.parsers[1].tunneling;
  }

  #handlersFor(d: 0 | 1): Http1ParserHandlers {
    const h = this.#h;
    const other = (1 - d) as 0 | 1;
    const handlers: Http1ParserHandlers = {
      onHead: (m) => {
        if (this.#client === undefined) {
          this.#client = m.type === 'request' ? d : other;
          this.parsers[other].setKind(m.type === 'request' ? 'response' : 'request');
        }
        if (m.type === 'request') {
          if (this.#switchAsks.length >= this.#maxPending) fail('limit-exceeded', `more than ${this.#maxPending} requests (maxPendingRequests) await responses`, m.start);
          this.#switchAsks.push(m.method === 'CONNECT' || httpHeader(m.headers, 'upgrade') !== undefined);
          this.parsers[other].expectResponseTo(m.method, m.index);
        }
        h.onHead?.(d, m);
      },
      onMessage: (m) => {
        h.onMessage?.(d, m);
        if (m.type !== 'response' || (m.status < 200 && m.status !== 101)) return;
        // A final response settles whether the request it answers switched protocols. The
        // request parser holds after such a request (or will): tell it how the ask ended once
        // the response is whole, and for a switch once this direction has switched too.
        const asked = this.#switchAsks.shift();
        if (m.framing === 'tunnel') this.#switching = asked === true ? 'asked' : 'unasked';
        else if (asked === true) this.#resume(other, false);
      },
      onSkip: (offset, length, reason) => h.onSkip?.(d, offset, length, reason),
      onUpgrade: (offset, m) => {
        h.onUpgrade?.(d, offset, m);
        const how = this.#switching;
        if (m?.type !== 'response' || how === undefined) return;
        this.#switching = undefined;
        // Unasked (a 101 to a request without Upgrade, or whose request was not seen): the other
        // direction ends HTTP too if it is between messages.
        this.#resume(other, true, how === 'unasked');
      },
      onTunnel: (data, offset) => h.onTunnel?.(d, data, offset),
    };
    if (h.onBody !== undefined) {
      const onBody = h.onBody;
      handlers.onBody = (m, data, offset) => onBody(d, m, data, offset);
    }
    return handlers;
  }

  #resume(d: 0 | 1, switched: boolean, unasked = false): void {
    const p = this.parsers[d];
    if (this.errors[d] !== undefined) return;
    try {
      // Unasked, only a parser between messages can switch (one inside a message goes on with HTTP).
      if (unasked) p.endHttp();
      else p.resume(switched);
    } catch (e) {
      this.#failed(d, e);
    }
  }

  #failed(d: 0 | 1, e: unknown): void {
    const err = e instanceof WireError ? e : new WireError('internal', String(e), { layer: LAYER, cause: e });
    if (this.errors[d] !== undefined) return;
    this.errors[d] = err;
    this.#h.onError?.(d, err);
  }

  /** Bytes of one direction, in order. Protocol errors go to `onError`, not thrown. */
  push(direction: 0 | 1, data: Uint8Array): void {
    if (direction !== 0 && direction !== 1) throw new WireError('bad-value', `direction must be 0 or 1, got ${String(direction)}`, { layer: LAYER });
    if (this.errors[direction] !== undefined) return;
    try {
      this.parsers[direction].push(data);
    } catch (e) {
      this.#failed(direction, e);
    }
  }

  /** `size` bytes of one direction are missing (see `Http1Parser.gap`). */
  gap(direction: 0 | 1, size: number): void {
    if (direction !== 0 && direction !== 1) throw new WireError('bad-value', `direction must be 0 or 1, got ${String(direction)}`, { layer: LAYER });
    if (this.errors[direction] !== undefined) return;
    try {
      this.parsers[direction].gap(size);
    } catch (e) {
      this.#failed(direction, e);
    }
  }

  /** The connection has ended: responses read until the close complete; a message cut short is an error. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    // Requests first: bytes they hold go back to HTTP before responses finish.
    const order: (0 | 1)[] = this.#client === 1 ? [1, 0] : [0, 1];
    for (const d of order) {
      if (this.errors[d] !== undefined) continue;
      try {
        this.parsers[d].end();
      } catch (e) {
        this.#failed(d, e);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Encoder.

/** A chunk for the encoder: bytes or UTF-8 text, with optional extensions (`;name=value`). */
export type HttpChunkInput = string | Uint8Array | { data: string | Uint8Array; extensions?: string };

export interface HttpMessageInputBase {
  /** Default `HTTP/1.1`. */
  version?: string;
  headers?: HttpField[];
  /** The body (UTF-8 for a string). Sent with Content-Length unless `chunks` is given. */
  body?: string | Uint8Array;
  /** A chunked body: Transfer-Encoding: chunked is added unless the headers name it. */
  chunks?: HttpChunkInput[];
  /** Extensions of the last (empty) chunk. */
  lastChunkExtensions?: string;
  /** Trailer fields after a chunked body. */
  trailers?: HttpField[];
  /**
   * `length` (the default with a body, and for responses), `chunked` (the default with `chunks`),
   * `none` (no framing field added, no body: the default for a request without a body, and the
   * only framing for 1xx, 204 and 304; a Content-Length in `headers` is then left as given, as a
   * response to HEAD carries it), or `close` (a response body with no framing field, ended by
   * closing the connection).
   */
  framing?: 'length' | 'chunked' | 'none' | 'close';
}

export interface HttpRequestInput extends HttpMessageInputBase {
  type: 'request';
  method: string;
  target: string;
}

export interface HttpResponseInput extends HttpMessageInputBase {
  type: 'response';
  status: number;
  /** Default: the status's standard phrase, or '' for codes without one. */
  reason?: string;
}

export type HttpMessageInput = HttpRequestInput | HttpResponseInput;

const REASONS: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols', 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 206: 'Partial Content',
  301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout',
  409: 'Conflict', 410: 'Gone', 411: 'Length Required', 413: 'Content Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type',
  417: 'Expectation Failed', 426: 'Upgrade Required', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

const utf8 = new TextEncoder();
const toBytes = (d: string | Uint8Array) => (typeof d === 'string' ? utf8.encode(d) : d);

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (TCHAR[s.charCodeAt(i)] !== 1 || s.charCodeAt(i) > 0xff) return false;
  return true;
}

function checkText(s: string, what: string, ok: (c: number) => boolean): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || !ok(c)) throw new WireError('bad-value', `${what} has ${c > 0xff ? `U+${c.toString(16).toUpperCase().padStart(4, '0')} (not one byte)` : showByte(c)} at index ${i}`, { layer: LAYER });
  }
}

function checkFields(fields: HttpField[], what: string): void {
  for (const f of fields) {
    if (!isToken(f.name)) throw new WireError('bad-value', `${what} name ${JSON.stringify(f.name)} is not a token`, { layer: LAYER });
    checkText(f.value, `value of ${what} ${f.name}`, isFieldByte);
    const v = f.value;
    if (v.length > 0 && (v.charCodeAt(0) === SP || v.charCodeAt(0) === HT || v.charCodeAt(v.length - 1) === SP || v.charCodeAt(v.length - 1) === HT)) {
      throw new WireError('bad-value', `value of ${what} ${f.name} starts or ends with whitespace, which a parser strips`, { layer: LAYER });
    }
  }
}

/**
 * Builds an HTTP/1.x request or response. The framing field (Content-Length or Transfer-Encoding:
 * chunked) is added when the headers lack it; one that contradicts the body is an error, as are
 * names that are not tokens and values with CR, LF or other control bytes (no field injection).
 *
 * @example
 * encodeHttp1({ type: 'request', method: 'POST', target: '/echo', headers: [{ name: 'Host', value: 'a' }], body: 'hi' })
 * // POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi
 */
export function encodeHttp1(message: HttpMessageInput): Uint8Array {
  const version = message.version ?? 'HTTP/1.1';
  if (!/^HTTP\/1\.[0-9]$/.test(version)) throw new WireError('bad-version', `version ${JSON.stringify(version)} is not HTTP/1.<digit>`, { layer: LAYER });
  let start: string;
  let mayHaveBody = true;
  if (message.type === 'request') {
    if (!isToken(message.method)) throw new WireError('bad-value', `method ${JSON.stringify(message.method)} is not a token`, { layer: LAYER });
    if (message.target.length === 0) throw new WireError('bad-value', 'empty request-target', { layer: LAYER });
    checkText(message.target, 'request-target', isTargetByte);
    start = `${message.method} ${message.target} ${version}`;
  } else {
    const s = message.status;
    if (!Number.isInteger(s) || s < 100 || s > 999) throw new WireError('bad-value', `status ${s} is not a three-digit code from 100`, { layer: LAYER });
    const reason = message.reason ?? REASONS[s] ?? '';
    checkText(reason, 'reason phrase', isFieldByte);
    start = `${version} ${s} ${reason}`;
    mayHaveBody = !(s < 200 || s === 204 || s === 304);
  }
  const headers = [...(message.headers ?? [])];
  checkFields(headers, 'header');
  const trailers = message.trailers ?? [];
  checkFields(trailers, 'trailer');
  const body = message.body === undefined ? undefined : toBytes(message.body);
  const framing = message.framing
    ?? (message.chunks !== undefined ? 'chunked' : !mayHaveBody ? 'none' : (body?.length ?? 0) > 0 || message.type === 'response' ? 'length' : 'none');
  if (!mayHaveBody && (framing !== 'none' || (body?.length ?? 0) > 0)) {
    throw new WireError('bad-value', `a ${(message as HttpResponseInput).status} response has no body (RFC 9112 section 6.3): framing must be none`, { layer: LAYER });
  }
  if (framing !== 'chunked' && (message.chunks !== undefined || trailers.length > 0 || message.lastChunkExtensions !== undefined)) {
    throw new WireError('bad-value', `chunks, trailers and lastChunkExtensions need chunked framing, not ${framing}`, { layer: LAYER });
  }
  if (framing === 'chunked' && body !== undefined) throw new WireError('bad-value', 'give a chunked body as chunks, not body', { layer: LAYER });
  if (framing === 'close' && message.type === 'request') throw new WireError('bad-value', 'a request body cannot be ended by closing the connection (RFC 9112 section 6.3)', { layer: LAYER });
  if (framing === 'none' && body !== undefined && body.length > 0) throw new WireError('bad-value', `framing none with a ${body.length}-byte body`, { layer: LAYER });
  const cl = httpHeaderValues(headers, 'content-length');
  const te = httpHeaderValues(headers, 'transfer-encoding');
  const parts: Uint8Array[] = [];
  if (framing === 'length') {
    const n = body?.length ?? 0;
    if (te.length > 0) throw new WireError('bad-value', 'Transfer-Encoding in the headers of a Content-Length message', { layer: LAYER });
    if (cl.length === 0) headers.push({ name: 'Content-Length', value: String(n) });
    else if (cl.some((v) => v !== String(n))) throw new WireError('bad-value', `Content-Length ${cl.join(', ')} but the body has ${n} bytes`, { layer: LAYER });
  } else if (framing === 'chunked') {
    if (version === 'HTTP/1.0') throw new WireError('bad-value', 'chunked framing in an HTTP/1.0 message (RFC 9112 section 6.1)', { layer: LAYER });
    if (cl.length > 0) throw new WireError('bad-value', 'Content-Length in the headers of a chunked message', { layer: LAYER });
    const codings = te.join(',').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '');
    if (codings.length === 0) headers.push({ name: 'Transfer-Encoding', value: 'chunked' });
    else if (codings[codings.length - 1] !== 'chunked') throw new WireError('bad-value', `Transfer-Encoding ${te.join(', ')} does not end in chunked`, { layer: LAYER });
  }
  let head = `${start}\r\n`;
  for (const f of headers) head += `${f.name}: ${f.value}\r\n`;
  head += '\r\n';
  parts.push(latin1Bytes(head));
  if (framing === 'length' || framing === 'close') {
    if (body !== undefined) parts.push(body);
  } else if (framing === 'chunked') {
    for (const c of message.chunks ?? []) {
      const data = toBytes(typeof c === 'string' || c instanceof Uint8Array ? c : c.data);
      const ext = typeof c === 'string' || c instanceof Uint8Array ? '' : c.extensions ?? '';
      if (data.length === 0) continue; // an empty chunk would end the body
      checkExtensions(ext);
      parts.push(latin1Bytes(`${data.length.toString(16)}${ext}\r\n`), data, latin1Bytes('\r\n'));
    }
    const lastExt = message.lastChunkExtensions ?? '';
    checkExtensions(lastExt);
    let tail = `0${lastExt}\r\n`;
    for (const f of trailers) tail += `${f.name}: ${f.value}\r\n`;
    parts.push(latin1Bytes(`${tail}\r\n`));
  }
  return concatBytes(parts);
}

function checkExtensions(ext: string): void {
  checkText(ext, 'chunk extensions', (c) => c !== CR && c !== LF);
  const b = latin1Bytes(ext);
  const bad = chunkExtFault(b, 0, b.length);
  if (bad >= 0) throw new WireError('bad-value', `chunk extensions ${JSON.stringify(ext)} are malformed at index ${bad} (RFC 9112 section 7.1.1: ;name[=value]...)`, { layer: LAYER });
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Parses one direction held in memory: every message, in order. Throws the first WireError (or a
 * `truncated` one if the bytes end inside a message). For a response direction, `requestMethods`
 * lists the methods of the requests answered, in order (default: all as GET).
 *
 * @example
 * const [req] = parseHttp1(bytes, { kind: 'request' });
 */
export function parseHttp1(bytes: Uint8Array, options: Http1ParserOptions & { requestMethods?: string[] } = {}): HttpMessage[] {
  const out: HttpMessage[] = [];
  const { requestMethods, ...rest } = options;
  const p = new Http1Parser({ onMessage: (m) => out.push(m) }, rest);
  for (const m of requestMethods ?? []) p.expectResponseTo(m);
  p.push(bytes);
  p.end();
  return out;
}
