// WebSocket (RFC 6455) framing over one direction of a connection, after the HTTP upgrade: frames
// (section 5.2) read from bytes in any split, their payloads unmasked (section 5.3, the WASM
// kernel behind websocketMask), fragmented messages put together (section 5.4), control frames
// read (5.5: close code and reason, ping and pong data), and permessage-deflate messages (RFC 7692)
// decompressed. An encoder builds frames.
//
// What tshark shows is what this reads: a frame's header fields under tshark's `websocket.*` names
// (`websocketFields`), text of a whole message, a close frame's code and reason. Rule breaking that
// leaves the framing intact (a reserved opcode, a fragmented or long control frame, RSV bits no
// extension explains, a continuation with no message open, a client frame not masked, bad UTF-8)
// is listed in the frame's or message's `problems` and reading goes on, as a capture tool must.
// Only a length that cannot be (a 64-bit length with its top bit set) or one over the cap stops
// the direction with a WireError: after it, where the next frame starts is unknown.
import { WireError } from '../errors.js';
import { Inflater } from '../encoding/inflate.js';
import { CLAIMED_START, concatBytes, growFor } from '../packet/bytes.js';
import { bytesField } from '../packet/fields.js';
import { websocketMaskCopy, type WebSocketMaskKey } from './websocket-mask.js';

export const WebSocketOpcode = {
  CONTINUATION: 0,
  TEXT: 1,
  BINARY: 2,
  CLOSE: 8,
  PING: 9,
  PONG: 10,
} as const;

/** The names tshark's summary uses for opcodes. */
const OPCODE_NAMES: Record<number, string> = { 0: 'Continuation', 1: 'Text', 2: 'Binary', 8: 'Connection Close', 9: 'Ping', 10: 'Pong' };

/** tshark's name of an opcode (`Text`, `Connection Close`, `Unknown 3`). */
export function websocketOpcodeName(opcode: number): string {
  return OPCODE_NAMES[opcode] ?? `Unknown ${opcode}`;
}

export interface WebSocketFrame {
  /** Offset of the frame's first byte in the direction's stream. */
  offset: number;
  /** Bytes of the header (2 to 14). */
  headerLength: number;
  fin: boolean;
  /** RSV1..RSV3 as a 3-bit number (RSV1 = 4: permessage-deflate's "compressed"). */
  rsv: number;
  opcode: number;
  masked: boolean;
  /** The 7-bit length field: the length itself, or 126 / 127 for a 16- / 64-bit length after it. */
  lengthField: number;
  payloadLength: number;
  /** The masking key read big-endian (tshark shows its bytes), when masked. */
  maskingKey?: number;
  /** The payload, unmasked, as carried (still compressed in a compressed message). */
  payload: Uint8Array;
  /** A close frame's status code and reason (section 5.5.1), when its payload has them. */
  closeCode?: number;
  closeReason?: string;
  /** Rules the frame breaks that do not stop reading (see the module comment). */
  problems?: string[];
}

export interface WebSocketMessage {
  /** Offset of its first frame. */
  offset: number;
  /** 1 text, 2 binary (or a reserved data opcode, 3..7). */
  opcode: number;
  /** Its data: the frames' payloads together, decompressed when it was compressed. */
  data: Uint8Array;
  /** The data as UTF-8 text, for a text message. */
  text?: string;
  frames: number;
  compressed: boolean;
  problems?: string[];
}

/** permessage-deflate (RFC 7692) as negotiated, for the direction's sender. */
export interface WebSocketDeflate {
  /** The sender resets its compression context after each message (`*_no_context_takeover`). */
  noContextTakeover?: boolean;
  /** The sender's window, `*_max_window_bits` (default 15). */
  windowBits?: number;
}

export interface WebSocketParserOptions {
  /** Largest frame payload read (default 16 MiB): a longer frame is a `limit-exceeded` error. */
  maxFramePayload?: number;
  /** Largest message (its frames together, and decompressed; default 16 MiB): a longer one is dropped with a problem. */
  maxMessage?: number;
  /** permessage-deflate was negotiated: RSV1 on a message's first frame means compressed. */
  deflate?: WebSocketDeflate | boolean;
  /** Who sends on this direction, to check section 5.1's masking rule (client frames masked, server frames not). */
  sender?: 'client' | 'server';
  /** Stream offset of the first byte pushed (default 0). */
  offset?: number;
}

export interface WebSocketParserHandlers {
  onFrame?(frame: WebSocketFrame): void;
  /** A data message, whole: when its final frame arrives. */
  onMessage?(message: WebSocketMessage): void;
}

const DEFAULT_MAX = 16 * 1024 * 1024;
const DEFLATE_TAIL = new Uint8Array([0, 0, 0xff, 0xff]);

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');

/** UTF-8 text, and whether the bytes were valid (invalid sequences become U+FFFD). */
function decodeText(bytes: Uint8Array): [string, boolean] {
  try {
    return [utf8.decode(bytes), true];
  } catch {
    return [utf8Lenient.decode(bytes), false];
  }
}

/** Section 7.4: codes a close frame may carry (1000-1003, 1007-1014, 3000-4999). */
function validCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

/**
 * One direction's frames and messages, from bytes pushed in order in any split.
 *
 * @example
 * const ws = new WebSocketParser({ onMessage: (m) => console.log(m.text ?? m.data) }, { sender: 'client' });
 * ws.push(bytesAfterTheUpgrade);
 */
export class WebSocketParser {
  readonly #h: WebSocketParserHandlers;
  readonly #maxFrame: number;
  readonly #maxMessage: number;
  readonly #sender: 'client' | 'server' | undefined;
  readonly #deflate: WebSocketDeflate | undefined;
  #inflater: Inflater | undefined;
  /** Stream offset of the next byte pushed. */
  #pos: number;
  /** The header being read (up to 14 bytes) and how much of it is here. */
  readonly #head = new Uint8Array(14);
  #headHave = 0;
  /** Stream offset of the frame being read. */
  #frameStart = 0;
  /** The frame whose payload is being read, and how much of it is here. */
  #frame: WebSocketFrame | undefined;
  #key: Uint8Array | undefined;
  #payloadHave = 0;
  /** The message being put together from fragments. */
  #parts: Uint8Array[] = [];
  #partsBytes = 0;
  #message: { offset: number; opcode: number; frames: number; compressed: boolean; problems: string[]; dropped: boolean } | undefined;
  #error: WireError | undefined;

  constructor(handlers: WebSocketParserHandlers = {}, options: WebSocketParserOptions = {}) {
    this.#h = handlers;
    this.#maxFrame = options.maxFramePayload ?? DEFAULT_MAX;
    this.#maxMessage = options.maxMessage ?? DEFAULT_MAX;
    this.#sender = options.sender;
    this.#deflate = options.deflate === true ? {} : options.deflate === false ? undefined : options.deflate;
    this.#pos = options.offset ?? 0;
  }

  /** The error that stopped this direction, if one did. */
  get error(): WireError | undefined {
    return this.#error;
  }

  /** Stream offset of the next byte expected. */
  get offset(): number {
    return this.#pos;
  }

  /** Whether a frame is cut off (part of it pushed, the rest not yet). */
  get inFrame(): boolean {
    return this.#headHave > 0 || this.#frame !== undefined;
  }

  /** Payload bytes still to come of the frame being read, once its header is whole (0 otherwise). */
  get frameRemaining(): number {
    return this.#frame === undefined ? 0 : this.#frame.payloadLength - this.#payloadHave;
  }

  /** Bytes of the frame being read that are here, its header included (0 between frames). */
  get frameConsumed(): number {
    return this.#pos - this.#frameStart;
  }

  /** The next bytes of the stream. Throws the WireError that stops the direction (and again on later pushes). */
  push(bytes: Uint8Array): void {
    if (this.#error !== undefined) throw this.#error;
    let i = 0;
    const n = bytes.length;
    while (i < n) {
      if (this.#frame === undefined) {
        // Header bytes, until the header's length is known and it is all here.
        if (this.#headHave === 0) this.#frameStart = this.#pos + i;
        const need = this.#headerNeed();
        const take = Math.min(need - this.#headHave, n - i);
        this.#head.set(bytes.subarray(i, i + take), this.#headHave);
        this.#headHave += take;
        i += take;
        if (this.#headHave < this.#headerNeed()) continue;
        this.#startFrame();
        if (this.#frame === undefined) continue;
      }
      const frame: WebSocketFrame = this.#frame;
      const take = Math.min(frame.payloadLength - this.#payloadHave, n - i);
      if (take > 0) {
        const piece = bytes.subarray(i, i + take);
        frame.payload = growFor(frame.payload, this.#payloadHave, this.#payloadHave + take, frame.payloadLength);
        const dst = frame.payload.subarray(this.#payloadHave, this.#payloadHave + take);
        if (this.#key !== undefined) websocketMaskCopy(piece, this.#key, this.#payloadHave & 3, dst);
        else dst.set(piece);
        this.#payloadHave += take;
        i += take;
      }
      if (this.#payloadHave === frame.payloadLength) this.#endFrame();
    }
    this.#pos += n;
  }

  /** Header bytes needed, given what is here: 2, then 2 + extended length + key. */
  #headerNeed(): number {
    if (this.#headHave < 2) return 2;
    const b1 = this.#head[1]!;
    const len7 = b1 & 0x7f;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
  }

  #fail(code: 'bad-length' | 'limit-exceeded', message: string, offset: number, details: { required?: number; available?: number } = {}): never {
    this.#error = new WireError(code, message, { layer: 'websocket', offset, ...details });
    throw this.#error;
  }

  #startFrame(): void {
    const h = this.#head;
    const headerLength = this.#headHave;
    const offset = this.#frameStart;
    const b0 = h[0]!;
    const b1 = h[1]!;
    const len7 = b1 & 0x7f;
    let length: number;
    let at = 2;
    if (len7 === 126) {
      length = (h[2]! << 8) | h[3]!;
      at = 4;
    } else if (len7 === 127) {
      const hi = ((h[2]! << 24) | (h[3]! << 16) | (h[4]! << 8) | h[5]!) >>> 0;
      const lo = ((h[6]! << 24) | (h[7]! << 16) | (h[8]! << 8) | h[9]!) >>> 0;
      if (hi & 0x80000000) this.#fail('bad-length', 'a 64-bit payload length has its most significant bit set (RFC 6455 5.2)', offset + 2);
      length = hi * 0x100000000 + lo;
      at = 10;
    } else {
      length = len7;
    }
    if (length > this.#maxFrame) {
      this.#fail('limit-exceeded', `frame payload of ${length} bytes exceeds the ${this.#maxFrame}-byte cap`, offset + 1, { required: length, available: this.#maxFrame });
    }
    const masked = (b1 & 0x80) !== 0;
    const frame: WebSocketFrame = {
      offset,
      headerLength,
      fin: (b0 & 0x80) !== 0,
      rsv: (b0 >>> 4) & 7,
      opcode: b0 & 0x0f,
      masked,
      lengthField: len7,
      payloadLength: length,
      // Grown as the bytes arrive (growFor): a header alone cannot make us allocate its length.
      payload: new Uint8Array(Math.min(length, CLAIMED_START)),
    };
    if (masked) {
      frame.maskingKey = ((h[at]! << 24) | (h[at + 1]! << 16) | (h[at + 2]! << 8) | h[at + 3]!) >>> 0;
      this.#key = h.slice(at, at + 4);
    } else {
      this.#key = undefined;
    }
    this.#headHave = 0;
    this.#payloadHave = 0;
    this.#frame = frame;
    if (length === 0) this.#endFrame();
  }

  #endFrame(): void {
    const frame = this.#frame!;
    this.#frame = undefined;
    this.#key = undefined;
    const problems: string[] = [];
    const op = frame.opcode;
    const control = op >= 8;
    if ((op >= 3 && op <= 7) || op >= 11) problems.push(`opcode ${op} is reserved`);
    if (control) {
      if (!frame.fin) problems.push('a control frame is fragmented (RFC 6455 5.5)');
      if (frame.payloadLength > 125) problems.push(`a control frame carries ${frame.payloadLength} bytes, more than 125 (RFC 6455 5.5)`);
    }
    const compressible = this.#deflate !== undefined && !control && op !== 0;
    if (frame.rsv & 4 && !compressible) problems.push(this.#deflate === undefined ? 'RSV1 is set and no extension was negotiated' : 'RSV1 is set on a frame that does not start a message');
    if (frame.rsv & 3) problems.push(`RSV${frame.rsv & 2 ? 2 : 3} is set and no extension defines it`);
    if (this.#sender === 'client' && !frame.masked) problems.push('a client frame is not masked (RFC 6455 5.1)');
    if (this.#sender === 'server' && frame.masked) problems.push('a server frame is masked (RFC 6455 5.1)');
    if (op === WebSocketOpcode.CLOSE) {
      const p = frame.payload;
      if (p.length === 1) problems.push('a close frame carries 1 byte: a status code takes 2');
      if (p.length >= 2) {
        frame.closeCode = (p[0]! << 8) | p[1]!;
        const [reason, ok] = decodeText(p.subarray(2));
        frame.closeReason = reason;
        if (!validCloseCode(frame.closeCode)) problems.push(`close code ${frame.closeCode} may not be sent (RFC 6455 7.4)`);
        if (!ok) problems.push('the close reason is not valid UTF-8');
      }
    }
    if (problems.length > 0) frame.problems = problems;
    this.#h.onFrame?.(frame);
    if (!control) this.#messageFrame(frame, problems);
  }

  #messageFrame(frame: WebSocketFrame, frameProblems: string[]): void {
    const op = frame.opcode;
    if (op === 0) {
      if (this.#message === undefined) {
        frameProblems.push('a continuation frame with no message to continue');
        if (frame.problems === undefined) frame.problems = frameProblems;
        return;
      }
    } else {
      if (this.#message !== undefined) {
        // Section 5.4: a new data frame inside a fragmented message. The open message is dropped.
        frameProblems.push('a data frame starts a message while another is unfinished (the unfinished one is dropped)');
        if (frame.problems === undefined) frame.problems = frameProblems;
      }
      this.#message = {
        offset: frame.offset,
        opcode: op,
        frames: 0,
        compressed: this.#deflate !== undefined && (frame.rsv & 4) !== 0,
        problems: [],
        dropped: false,
      };
      this.#parts = [];
      this.#partsBytes = 0;
    }
    const m = this.#message!;
    m.frames++;
    if (!m.dropped) {
      if (this.#partsBytes + frame.payloadLength > this.#maxMessage) {
        m.dropped = true;
        m.problems.push(`the message exceeds the ${this.#maxMessage}-byte cap; its data is not kept`);
        this.#parts = [];
      } else if (frame.payloadLength > 0) {
        this.#parts.push(frame.payload);
        this.#partsBytes += frame.payloadLength;
      }
    }
    if (!frame.fin) return;
    this.#message = undefined;
    let data: Uint8Array = m.dropped ? new Uint8Array(0) : concatBytes(this.#parts);
    this.#parts = [];
    this.#partsBytes = 0;
    if (m.compressed && !m.dropped) data = this.#inflate(data, m.problems);
    const message: WebSocketMessage = { offset: m.offset, opcode: m.opcode, data, frames: m.frames, compressed: m.compressed };
    if (m.opcode === WebSocketOpcode.TEXT) {
      const [text, ok] = decodeText(data);
      message.text = text;
      if (!ok) m.problems.push('a text message is not valid UTF-8 (RFC 6455 8.1)');
    }
    if (m.problems.length > 0) message.problems = m.problems;
    this.#h.onMessage?.(message);
  }

  #inflate(data: Uint8Array, problems: string[]): Uint8Array {
    const d = this.#deflate!;
    this.#inflater ??= new Inflater({ maxOutput: this.#maxMessage, windowBits: d.windowBits ?? 15 });
    const input = new Uint8Array(data.length + 4);
    input.set(data);
    input.set(DEFLATE_TAIL, data.length);
    try {
      const out = this.#inflater.inflate(input);
      if (d.noContextTakeover) this.#inflater.reset();
      // RFC 7692 7.2.3.4: a message may end its DEFLATE stream (BFINAL); the next starts another.
      else this.#inflater.finished = false;
      return out;
    } catch (e) {
      // The context is lost with it: later messages that refer back to it cannot be read either.
      this.#inflater.reset();
      problems.push(`decompression failed: ${e instanceof Error ? e.message : String(e)}`);
      return new Uint8Array(0);
    }
  }
}


/**
 * A frame's fields as tshark 4.0 shows them (`websocket.*`, values as in its JSON output: flags
 * 0/1, `rsv` the 3-bit number, the key as colon-separated hex). `message` is the message this
 * frame completes, whose text tshark shows on its final frame; `deflate`: the extension was
 * negotiated on the connection (tshark then shows `websocket.pmc`).
 */
export function websocketFields(frame: WebSocketFrame, options: { message?: WebSocketMessage; deflate?: boolean } = {}): Record<string, number | string> {
  const f: Record<string, number | string> = {
    'websocket.fin': frame.fin ? 1 : 0,
    'websocket.rsv': frame.rsv,
  };
  if (options.deflate) f['websocket.pmc'] = frame.rsv & 4 ? 1 : 0;
  f['websocket.opcode'] = frame.opcode;
  f['websocket.mask'] = frame.masked ? 1 : 0;
  f['websocket.payload_length'] = frame.lengthField;
  if (frame.lengthField === 126) f['websocket.payload_length_ext_16'] = frame.payloadLength;
  if (frame.lengthField === 127) f['websocket.payload_length_ext_64'] = frame.payloadLength;
  if (frame.maskingKey !== undefined) {
    const k = frame.maskingKey;
    f['websocket.masking_key'] = bytesField(new Uint8Array([k >>> 24, (k >>> 16) & 255, (k >>> 8) & 255, k & 255]));
  }
  const op = frame.opcode;
  const m = options.message;
  if (op === WebSocketOpcode.CLOSE) {
    if (frame.closeCode !== undefined) f['websocket.payload.close.status_code'] = frame.closeCode;
    if (frame.closeReason) f['websocket.payload.close.reason'] = frame.closeReason;
  } else if (op === WebSocketOpcode.PING || op === WebSocketOpcode.PONG) {
    if (frame.payloadLength > 0) f[op === WebSocketOpcode.PING ? 'websocket.payload.ping' : 'websocket.payload.pong'] = bytesField(frame.payload);
  } else if (op === WebSocketOpcode.CONTINUATION && !frame.fin) {
    if (frame.payloadLength > 0) f['websocket.payload.continue'] = bytesField(frame.payload);
  } else if (m !== undefined && m.text !== undefined && m.data.length > 0) {
    f['websocket.payload.text'] = m.text;
  }
  return f;
}

export interface WebSocketFrameInput {
  fin?: boolean;
  /** RSV bits as a 3-bit number (4: RSV1). */
  rsv?: number;
  opcode: number;
  /** The payload before masking (text is UTF-8 encoded). For a close frame, `closeCode` and `closeReason` may stand for it. */
  payload?: Uint8Array | string;
  closeCode?: number;
  closeReason?: string;
  /** Masks the payload with this key (client frames must be masked). */
  maskingKey?: WebSocketMaskKey;
  /** The length's form: 7-bit, 16-bit or 64-bit; the shortest that holds it when not given. */
  lengthForm?: 7 | 16 | 64;
}

/**
 * One frame's bytes.
 *
 * @example
 * encodeWebSocketFrame({ opcode: WebSocketOpcode.TEXT, payload: 'Hello', maskingKey: 0x37fa213d });
 * // 81 85 37 fa 21 3d 7f 9f 4d 51 58 (RFC 6455 5.7)
 */
export function encodeWebSocketFrame(input: WebSocketFrameInput): Uint8Array {
  const { opcode } = input;
  const rsv = input.rsv ?? 0;
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15) throw new WireError('bad-value', `opcode ${opcode} is not 0..15`, { layer: 'websocket' });
  if (!Number.isInteger(rsv) || rsv < 0 || rsv > 7) throw new WireError('bad-value', `rsv ${rsv} is not 0..7`, { layer: 'websocket' });
  let payload: Uint8Array;
  if (typeof input.payload === 'string') {
    payload = new TextEncoder().encode(input.payload);
  } else if (input.payload !== undefined) {
    payload = input.payload;
  } else if (input.closeCode !== undefined) {
    const reason = new TextEncoder().encode(input.closeReason ?? '');
    payload = new Uint8Array(2 + reason.length);
    payload[0] = input.closeCode >>> 8;
    payload[1] = input.closeCode & 255;
    payload.set(reason, 2);
  } else {
    payload = new Uint8Array(0);
  }
  const n = payload.length;
  const form = input.lengthForm ?? (n < 126 ? 7 : n < 65536 ? 16 : 64);
  if ((form === 7 && n > 125) || (form === 16 && n > 0xffff)) throw new WireError('bad-length', `a ${n}-byte payload does not fit a ${form}-bit length`, { layer: 'websocket' });
  const masked = input.maskingKey !== undefined;
  const headerLength = 2 + (form === 16 ? 2 : form === 64 ? 8 : 0) + (masked ? 4 : 0);
  const out = new Uint8Array(headerLength + n);
  out[0] = (input.fin === false ? 0 : 0x80) | (rsv << 4) | opcode;
  out[1] = (masked ? 0x80 : 0) | (form === 7 ? n : form === 16 ? 126 : 127);
  let at = 2;
  if (form === 16) {
    out[2] = n >>> 8;
    out[3] = n & 255;
    at = 4;
  } else if (form === 64) {
    const hi = Math.floor(n / 0x100000000);
    new DataView(out.buffer).setUint32(2, hi);
    new DataView(out.buffer).setUint32(6, n >>> 0);
    at = 10;
  }
  if (masked) {
    const key = input.maskingKey!;
    // The copy checks the key first (four bytes, or a 32-bit number).
    websocketMaskCopy(payload, key, 0, out.subarray(at + 4));
    out.set(typeof key === 'number' ? [key >>> 24, (key >>> 16) & 255, (key >>> 8) & 255, key & 255] : key, at);
  } else {
    out.set(payload, at);
  }
  return out;
}
