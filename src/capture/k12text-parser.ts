// Tektronix K12 text exports, as `editcap -F k12text` writes them and Wireshark's wiretap
// (k12text.l) reads them. A text file of packet blocks, each:
//
//   +---------+---------------+----------+        a separator (9, 15 to 100, 10 to 100 dashes)
//   07:28:25,298,858   ETHER                      time of day: h:mm:ss,milli,micro; encapsulation
//   |0   |00|1a|2b|...|                           the frame, two lowercase hex digits a byte
//                                                 an empty line ends the block
//
// editcap ends lines with CRLF and writes all of a frame on one line. wirekit also reads LF line
// ends, blank lines before, between and after blocks, a date (dd.mm.yyyy) after the time (the
// K12 export writes one there), the encapsulation name on a line of its own after the time line,
// and a frame spread over several lines, each after a 4-character offset column ("|10  |"), which
// is not checked, as Wireshark does not check it.
//
// Time: the file holds a time of day and at most a date; Wireshark ignores the date and puts the
// time of day on one fixed day, 946681200 s after the epoch (midnight opening 2000-01-01 in UTC+1),
// whatever the zone it runs in (editcap writes the UTC time of day). wirekit does the same, so the
// times equal tshark's in any zone. Hours take 1 to 5 digits; minutes and seconds are summed as
// written (a "99" is 99), as Wireshark sums them.
//
// Encapsulations: ETHER (Ethernet), HDLC (Cisco HDLC) and SSCF (MTP3 without a pseudo-header).
// MTP-L2 and SSCOP, which Wireshark also refuses, and any other name give WireError
// `unsupported`. Wireshark's scanner skips whatever it does not recognise ("junk", up to 400000
// characters a frame: uppercase hex, stray text, a cut last block); wirekit refuses all of that
// with a WireError naming the line, the field and the offset, instead of guessing, and a block
// the file ends inside is a truncation (tshark drops it silently). Frames above 262144 bytes are
// refused as Wireshark refuses them.
//
// Framing: a unit is a run of line breaks or one whole block, separator to empty line, found by
// the lookahead (UnitParser.inspect) within the reader's maxRecordLength, so a block without its
// end is never buffered past that cap. Records hold decoded bytes: they are copies, not views of
// the file.
import { fileError } from './errors.js';
import { linkTypeName } from './link-types.js';
import type { CaptureRecord } from './types.js';
import type { CaptureState, UnitParser } from './unit-parser.js';

const LF = 0x0a;
const CR = 0x0d;
const PLUS = 0x2b;
const DASH = 0x2d;
const BAR = 0x7c;
const COLON = 0x3a;
const COMMA = 0x2c;
/** The separator editcap writes. */
const SEPARATOR = '+---------+---------------+----------+';
/**
 * What the format check looks for (after any line breaks): the separator's first four bytes, all
 * a streaming reader may show it; the parser then checks the whole line and names what is wrong.
 */
const OPENING = '+---';
/** Dashes allowed between the separator's pluses, as Wireshark's pattern allows them. */
const DASH_RUNS: ReadonlyArray<readonly [number, number]> = [
  [9, 9],
  [15, 100],
  [10, 100],
];
/** The fixed day Wireshark puts every time of day on (see the file comment). */
const DAY_SECONDS = 946681200;
/** Wireshark's largest frame (WTAP_MAX_PACKET_SIZE_STANDARD). */
const MAX_FRAME = 262144;
/** Line breaks the format check skips before the separator. */
const MAX_LEADING_BREAKS = 64;
/** First lookahead, in bytes: a block of a 1500-byte frame is about 4.6 KB. */
const FIRST_ASK = 8192;
/** Longest time or encapsulation line read: far above any real one. */
const MAX_HEADER_LINE = 200;
/** Encapsulation name -> LINKTYPE. */
const ENCAPSULATIONS: Readonly<Record<string, number>> = { ETHER: 1, HDLC: 104, SSCF: 141 };
/** Names Wireshark knows but cannot read either. */
const REFUSED: Readonly<Record<string, string>> = {
  'MTP-L2': 'MTP2 frames need a pseudo-header the file does not give (Wireshark refuses them too)',
  SSCOP: 'SSCOP frames need an ATM pseudo-header the file does not give (Wireshark refuses them too)',
};

/**
 * Whether the bytes at `at` (to the view's end) start a K12 text file: up to 64 line breaks, then
 * "+---", as much of it as the view holds, at least "+-". Four bytes are enough unless the file
 * opens with more than two line breaks, when the reader looks further (as for a format without magic).
 */
export function isK12Text(view: DataView, at: number): boolean {
  const end = view.byteLength;
  if (at < 0 || at >= end) return false;
  let i = at;
  while (i < end && i - at < MAX_LEADING_BREAKS) {
    const c = view.getUint8(i);
    if (c !== CR && c !== LF) break;
    i++;
  }
  const n = Math.min(end - i, OPENING.length);
  if (n < 2) return false;
  for (let k = 0; k < n; k++) if (view.getUint8(i + k) !== OPENING.charCodeAt(k)) return false;
  return true;
}

/** A line of the block: its content from `start` to `end` (line break excluded), the next line at `next`. */
interface Line {
  start: number;
  end: number;
  next: number;
}

export class K12TextParser implements UnitParser {
  readonly format = 'k12text' as const;
  private readonly state: CaptureState;
  private started = false;
  /** Length of the unit the lookahead framed, 0 until it has. */
  private unit = 0;
  private blank = false;
  /** What the next lookahead asks for. */
  private ask = FIRST_ASK;
  /** 1-based number of the next unit's first line, for messages. */
  private line = 1;
  /** LINKTYPE -> interface id: one interface per encapsulation, in order of first use. */
  private readonly interfaceIds = new Map<number, number>();
  /** File offset of the next unit. */
  private next = 0;
  /** `bytes[i]` of the unit at hand is at file offset i + base. */
  private base = 0;

  constructor(state: CaptureState) {
    this.state = state;
  }

  unitName(): string {
    return this.blank ? 'blank lines' : 'packet block';
  }

  lookahead(): number {
    return this.unit > 0 ? 0 : this.ask;
  }

  inspect(bytes: Uint8Array, _view: DataView, at: number, available: number, ended: boolean): void {
    // The driver shows the next unit's bytes without their file offset: it follows the last unit.
    this.base = this.next - at;
    const first = bytes[at]!;
    if (first === CR || first === LF) {
      this.frameBlankLines(bytes, at, available, ended);
      return;
    }
    this.blank = false;
    if (first !== PLUS) {
      throw this.error('bad-value', 'separator', this.line, at, `expected a separator line ${JSON.stringify(SEPARATOR)} or a blank line, found ${snippet(bytes, at, at + available)}`);
    }
    // The block runs to its first empty line: a line feed followed by one, or by CR LF.
    const cap = this.state.maxRecordLength;
    const limit = at + Math.min(available, cap);
    for (let i = bytes.indexOf(LF, at); i >= 0 && i < limit; i = bytes.indexOf(LF, i + 1)) {
      if (i + 1 < limit && bytes[i + 1] === LF) return this.frame(i + 2 - at);
      if (i + 2 < limit && bytes[i + 1] === CR && bytes[i + 2] === LF) return this.frame(i + 3 - at);
    }
    if (available >= cap) {
      throw fileError('k12text', 'limit-exceeded', `packet block at line ${this.line}, offset ${this.fileOffset(at)}, has no closing empty line within maxRecordLength (${cap} bytes): the file is damaged (or raise maxRecordLength)`, this.fileOffset(at), cap + 1, cap);
    }
    if (ended) {
      throw fileError('k12text', 'truncated', `packet block at line ${this.line}, offset ${this.fileOffset(at)}, has no closing empty line before the file ends ${available} bytes on: the file was cut short`, this.fileOffset(at), available + 1, available);
    }
    this.ask = Math.min(cap, Math.max(available * 2, FIRST_ASK));
  }

  headerLength(): number {
    return this.unit > 0 ? this.unit : 1;
  }

  unitLength(): number {
    return this.unit;
  }

  decode(bytes: Uint8Array, _view: DataView, at: number, length: number, fileOffset: number): CaptureRecord | undefined {
    this.unit = 0;
    this.ask = FIRST_ASK;
    this.base = fileOffset - at;
    this.next = fileOffset + length;
    if (!this.started) this.start();
    if (this.blank) {
      for (let i = at; i < at + length; i++) if (bytes[i] === LF) this.line++;
      return undefined;
    }
    const record = this.decodeBlock(bytes, at, at + length);
    this.state.onBlock?.({ type: 0, name: 'record', offset: fileOffset, length, section: 0 });
    return record;
  }

  private fileOffset(i: number): number {
    return i + this.base;
  }

  private frame(length: number): void {
    this.unit = length;
  }

  /** A run of line breaks (CR LF or LF) at `at`, as much of it as is shown (a run may come in pieces). */
  private frameBlankLines(bytes: Uint8Array, at: number, available: number, ended: boolean): void {
    this.blank = true;
    let i = 0;
    while (i < available) {
      const c = bytes[at + i];
      if (c === LF) i++;
      else if (c === CR && i + 1 < available && bytes[at + i + 1] === LF) i += 2;
      else break;
    }
    if (i > 0) return this.frame(i);
    // A CR as the last byte shown: its LF may be in the next bytes.
    if (available === 1 && !ended) {
      this.ask = 2;
      return;
    }
    throw this.error('bad-value', 'line break', this.line, at, 'a carriage return not followed by a line feed (lines end in CR LF or LF)');
  }

  private start(): void {
    this.started = true;
    const state = this.state;
    state.format = 'k12text';
    // Microseconds are written, but Wireshark reads the file at nanosecond precision (and prints
    // nine digits): so does wirekit, so that time columns match tshark's.
    state.precision = 'nano';
    // Text has no byte order; the section's field wants one, and says little as ERF's does.
    state.sections.push({ index: 0, offset: 0, byteOrder: 'little', version: 'text', sectionLength: -1n });
  }

  private decodeBlock(bytes: Uint8Array, at: number, end: number): CaptureRecord {
    let number = this.line;
    let line = this.nextLine(bytes, at, end, number);
    this.checkSeparator(bytes, line, number);

    line = this.nextLine(bytes, line.next, end, ++number);
    const { seconds, nanos, encapsulation } = this.readTimeLine(bytes, line, number);
    let name = encapsulation;
    if (name === undefined) {
      line = this.nextLine(bytes, line.next, end, ++number);
      name = this.readEncapsulationLine(bytes, line, number);
    }
    const linkType = this.linkTypeOf(name, line, number);

    // At most a third of the block's bytes are frame bytes (two digits and a bar each).
    const data = new Uint8Array(Math.floor((end - at) / 3));
    let count = 0;
    let firstData = true;
    for (;;) {
      line = this.nextLine(bytes, line.next, end, ++number);
      if (line.start === line.end) {
        if (firstData) throw this.error('bad-value', 'frame bytes', number, line.start, 'an empty line where the frame\'s first line ("|0   |" and its bytes) should be');
        break;
      }
      count = this.readDataLine(bytes, line, number, firstData, data, count);
      firstData = false;
    }
    // The block ends at its first empty line (inspect framed it so): nothing follows.
    this.line = number + 1;
    this.interfaceFor(linkType);
    return {
      timestamp: BigInt(seconds) * 1_000_000_000n + BigInt(nanos),
      capturedLength: count,
      originalLength: count,
      linkType,
      interfaceId: this.interfaceIds.get(linkType)!,
      data: count === data.length ? data : data.slice(0, count),
    };
  }

  /** The line at `start`: it ends in LF (CR LF) before `end`, as inspect framed the block. */
  private nextLine(bytes: Uint8Array, start: number, end: number, number: number): Line {
    const lf = bytes.indexOf(LF, start);
    if (lf < 0 || lf >= end) throw this.error('bad-value', 'line break', number, start, 'the block ends inside this line');
    let stop = lf;
    if (stop > start && bytes[stop - 1] === CR) stop--;
    const cr = bytes.indexOf(CR, start);
    if (cr >= 0 && cr < stop) throw this.error('bad-value', 'line break', number, cr, 'a carriage return inside the line (lines end in CR LF or LF)');
    return { start, end: stop, next: lf + 1 };
  }

  private checkSeparator(bytes: Uint8Array, line: Line, number: number): void {
    let i = line.start;
    const fail = (at: number, why: string) => this.error('bad-value', 'separator', number, at, `${why}: a block opens with "+", 9 dashes, "+", 15 to 100 dashes, "+", 10 to 100 dashes, "+" (found ${snippet(bytes, line.start, line.end)})`);
    if (bytes[i] !== PLUS) throw fail(i, 'no "+"');
    i++;
    for (const [min, max] of DASH_RUNS) {
      const from = i;
      while (i < line.end && bytes[i] === DASH) i++;
      const dashes = i - from;
      if (dashes < min || dashes > max) throw fail(from, `${dashes} dashes where ${min === max ? min : `${min} to ${max}`} belong`);
      if (i >= line.end || bytes[i] !== PLUS) throw fail(i, 'no "+" after the dashes');
      i++;
    }
    if (i !== line.end) throw fail(i, 'more after the last "+"');
  }

  /** h:mm:ss,mmm,uuu, then optionally a date and the encapsulation name, separated by blanks. */
  private readTimeLine(bytes: Uint8Array, line: Line, number: number): { seconds: number; nanos: number; encapsulation: string | undefined } {
    let i = line.start;
    const digits = (min: number, max: number, what: string): number => {
      const from = i;
      let value = 0;
      while (i < line.end && i - from < max && isDigit(bytes[i]!)) value = value * 10 + bytes[i++]! - 0x30;
      if (i - from < min || (i < line.end && isDigit(bytes[i]!))) {
        throw this.error('bad-value', 'time', number, from, `${what}: expected ${min === max ? min : `${min} to ${max}`} digits in h:mm:ss,mmm,uuu, found ${snippet(bytes, from, line.end)}`);
      }
      return value;
    };
    const punctuation = (char: number, what: string) => {
      if (i >= line.end || bytes[i] !== char) throw this.error('bad-value', 'time', number, i, `expected "${String.fromCharCode(char)}" ${what} in h:mm:ss,mmm,uuu, found ${snippet(bytes, i, line.end)}`);
      i++;
    };
    if (line.end - line.start > MAX_HEADER_LINE) throw this.error('bad-length', 'time', number, line.start, `the time line is ${line.end - line.start} characters, more than ${MAX_HEADER_LINE}`);
    const hours = digits(1, 5, 'hours');
    punctuation(COLON, 'after the hours');
    const minutes = digits(2, 2, 'minutes');
    punctuation(COLON, 'after the minutes');
    const secs = digits(2, 2, 'seconds');
    punctuation(COMMA, 'after the seconds');
    const millis = digits(3, 3, 'milliseconds');
    punctuation(COMMA, 'after the milliseconds');
    const micros = digits(3, 3, 'microseconds');
    const rest = latin1(bytes, i, line.end);
    if (rest !== '' && !/^[ \t]/.test(rest)) throw this.error('bad-value', 'time', number, i, `expected a blank after the microseconds, found ${snippet(bytes, i, line.end)}`);
    const words = rest.trim() === '' ? [] : rest.trim().split(/[ \t]+/);
    if (words.length > 0 && /^\d\d\.\d\d\.\d{4}$/.test(words[0]!)) words.shift();
    if (words.length > 1) throw this.error('bad-value', 'encapsulation', number, i, `expected at most a date (dd.mm.yyyy) and an encapsulation name after the time, found ${snippet(bytes, i, line.end)}`);
    return {
      seconds: DAY_SECONDS + hours * 3600 + minutes * 60 + secs,
      nanos: millis * 1_000_000 + micros * 1000,
      encapsulation: words[0],
    };
  }

  private readEncapsulationLine(bytes: Uint8Array, line: Line, number: number): string {
    if (line.end - line.start > MAX_HEADER_LINE) throw this.error('bad-length', 'encapsulation', number, line.start, `the line is ${line.end - line.start} characters, more than ${MAX_HEADER_LINE}`);
    const word = latin1(bytes, line.start, line.end).trim();
    if (!/^[A-Za-z0-9-]+$/.test(word)) throw this.error('bad-value', 'encapsulation', number, line.start, `expected an encapsulation name (ETHER, HDLC, SSCF) on the line after the time, found ${snippet(bytes, line.start, line.end)}`);
    return word;
  }

  private linkTypeOf(name: string, line: Line, number: number): number {
    const linkType = ENCAPSULATIONS[name];
    if (linkType !== undefined) return linkType;
    const why = REFUSED[name] ?? 'not an encapsulation the format has (ETHER, HDLC, SSCF are read; MTP-L2, SSCOP are refused)';
    throw this.error('unsupported', 'encapsulation', number, line.start, `${JSON.stringify(name)}: ${why}`);
  }

  /** "|0   |" (first line) or a 4-character offset column, then "xx|" per byte; returns the new count. */
  private readDataLine(bytes: Uint8Array, line: Line, number: number, first: boolean, data: Uint8Array, count: number): number {
    let i = line.start;
    if (line.end - i < 6 || bytes[i] !== BAR || bytes[i + 5] !== BAR) {
      throw this.error('bad-value', 'frame bytes', number, i, `expected ${first ? '"|0   |"' : 'an offset column ("|10  |")'} and the frame's bytes, found ${snippet(bytes, i, line.end)}`);
    }
    const column = latin1(bytes, i + 1, i + 5);
    if (first ? column !== '0   ' : !/^[0-9A-F][0-9A-F ]{3}$/.test(column)) {
      throw this.error('bad-value', 'frame bytes', number, i + 1, `offset column ${JSON.stringify(column)}: ${first ? 'the first line of a frame starts "|0   |"' : 'expected a hex offset of up to 4 uppercase digits, blank-padded'}`);
    }
    i += 6;
    while (i < line.end) {
      const high = hexValue(bytes[i]!);
      const low = i + 1 < line.end ? hexValue(bytes[i + 1]!) : -1;
      if (high < 0 || low < 0 || i + 2 >= line.end || bytes[i + 2] !== BAR) {
        throw this.error('bad-value', 'frame bytes', number, i, `byte ${count}: expected two lowercase hex digits and "|", found ${snippet(bytes, i, line.end)}`);
      }
      if (count >= MAX_FRAME) throw this.error('limit-exceeded', 'frame bytes', number, i, `the frame has more than ${MAX_FRAME} bytes, the most Wireshark reads`);
      data[count++] = (high << 4) | low;
      i += 3;
    }
    return count;
  }

  private interfaceFor(linkType: number): void {
    if (this.interfaceIds.has(linkType)) return;
    const id = this.interfaceIds.size;
    this.interfaceIds.set(linkType, id);
    this.state.interfaces.push({ section: 0, id, linkType, linkTypeName: linkTypeName(linkType), snaplen: 0, tsresol: 9, tsoffset: 0n });
  }

  private error(code: 'bad-value' | 'bad-length' | 'unsupported' | 'limit-exceeded', field: string, number: number, at: number, why: string) {
    const offset = this.fileOffset(at);
    return fileError('k12text', code, `line ${number} (${field}) at offset ${offset}: ${why}`, offset);
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** A lowercase hex digit's value, or -1 (Wireshark takes only lowercase digits as frame bytes). */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

function latin1(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** Up to 24 characters from `from`, quoted, for messages. */
function snippet(bytes: Uint8Array, from: number, to: number): string {
  const end = Math.min(to, from + 24);
  let s = JSON.stringify(latin1(bytes, from, end));
  if (end < to) s += '...';
  if (from >= to) s = 'nothing';
  return s;
}
