// Syslog over UDP (port 514; RFC 3164, RFC 5424): `<PRI>` and the message, read as tshark reads
// them. PRI is up to three digits (facility * 8 + severity); a '>' after them is passed over. A
// message without `<` is all message. An empty message is malformed (tshark's dissector fails).
//
// SSDP (UDP port 1900, UPnP's discovery): HTTP-like messages in single datagrams; the start line is
// what tshark's summary shows (a request with one of the methods its HTTP dissector knows, or a
// status line), anything else is a continuation.
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import { decodeByScan, scanned } from '../packet/packet.js';
import type { DecodeContext, Protocol, Scanned } from '../packet/protocol.js';
import { TSHARK_HTTP_METHODS } from './http1.js';

export const SYSLOG_PORT = 514;
export const SSDP_PORT = 1900;

export interface SyslogHeader {
  /** Facility and severity, when the message starts with `<`. */
  facility?: number;
  severity?: number;
  /** The message bytes (after PRI). */
  message: Uint8Array;
}

const FACILITIES = [
  'KERN', 'USER', 'MAIL', 'DAEMON', 'AUTH', 'SYSLOG', 'LPR', 'NEWS', 'UUCP', 'CRON', 'AUTHPRIV', 'FTP', 'NTP', 'LOGAUDIT', 'LOGALERT', 'CRON',
  'LOCAL0', 'LOCAL1', 'LOCAL2', 'LOCAL3', 'LOCAL4', 'LOCAL5', 'LOCAL6', 'LOCAL7',
];
const SEVERITIES = ['EMERG', 'ALERT', 'CRIT', 'ERR', 'WARNING', 'NOTICE', 'INFO', 'DEBUG'];

function bounds(ctx: DecodeContext): [number, number] {
  return [ctx.offset, Math.min(ctx.end, ctx.bytes.length)];
}

/** Where the message starts, and the PRI value (-1 without one). */
function pri(b: Uint8Array, at: number, end: number): [number, number] {
  if (at >= end || b[at] !== 0x3c) return [at, -1];
  let i = at + 1;
  let value = 0;
  while (i < end && i < at + 4 && b[i]! >= 0x30 && b[i]! <= 0x39) value = value * 10 + b[i++]! - 0x30;
  if (i < end && b[i] === 0x3e) i++;
  return [i, value];
}

function scanSyslog(ctx: DecodeContext): Scanned {
  const [at, end] = bounds(ctx);
  const [start] = pri(ctx.bytes, at, end);
  const error = start >= end ? new WireError('truncated', `syslog message at offset ${start} is empty`, { layer: 'syslog', offset: start }) : undefined;
  return scanned(end - at, undefined, undefined, error);
}

function decodeSyslogAt(b: Uint8Array, offset: number, end: number): SyslogHeader {
  const stop = Math.min(end, b.length);
  const [start, value] = pri(b, offset, stop);
  const h: SyslogHeader = { message: b.slice(start, stop) };
  if (value >= 0) {
    h.facility = value >>> 3;
    h.severity = value & 7;
  }
  return h;
}

/** Syslog messages on UDP port 514. */
export const syslog: Protocol<SyslogHeader> = {
  name: 'syslog',
  scan: scanSyslog,
  decode: decodeByScan(scanSyslog, decodeSyslogAt),
  fields(h: SyslogHeader, out: FieldSink): void {
    if (h.facility !== undefined) {
      out.add('syslog.facility', h.facility);
      out.add('syslog.level', h.severity!);
    }
    out.add('syslog.msg', displayText(h.message));
  },
};

/**
 * Bytes as tshark's format_text shows them: printable ASCII and valid UTF-8 as they are, the C
 * escapes for \a \b \f \n \r \t \v, other control bytes as a backslash and three octal digits,
 * bytes of no valid UTF-8 sequence as U+FFFD.
 */
export function displayText(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c >= 0x20 && c < 0x7f) {
      s += String.fromCharCode(c);
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n > 0 && i + n <= b.length && b.subarray(i + 1, i + n).every((x) => (x & 0xc0) === 0x80)) {
      s += UTF8.decode(b.subarray(i, i + n));
      i += n;
      continue;
    }
    // A byte of no valid UTF-8 sequence: the replacement character, as tshark prints it.
    const esc = c >= 0x80 ? '\ufffd' : ESCAPES[c];
    s += esc ?? `\\${c.toString(8).padStart(3, '0')}`;
    i++;
  }
  return s;
}

const UTF8 = new TextDecoder();
const ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };

/** tshark's info column: `AUTH.CRIT: message`, or the message alone without a PRI. */
export function syslogInfo(h: SyslogHeader): string {
  const text = displayText(h.message);
  // An empty message: tshark's dissector fails before it writes anything.
  if (h.facility === undefined || h.message.length === 0) return text;
  return `${FACILITIES[h.facility] ?? 'UNKNOWN'}.${SEVERITIES[h.severity!]}: ${text}`;
}

// -- SSDP -----------------------------------------------------------------------------------------

export interface SsdpHeader {
  /** The start line when it is one tshark's HTTP dissector takes (request or status), else undefined. */
  startLine?: string;
}

function firstLine(b: Uint8Array, at: number, end: number): string {
  let i = at;
  while (i < end && b[i] !== 0x0d && b[i] !== 0x0a) i++;
  return String.fromCharCode(...b.subarray(at, i));
}

const METHODS = new Set(TSHARK_HTTP_METHODS);

function ssdpStart(b: Uint8Array, at: number, end: number): string | undefined {
  const line = firstLine(b, at, end);
  if (/^HTTP\/1\.\d \d{3}( |$)/.test(line)) return line;
  const m = /^(\S+) \S+ HTTP\/1\.\d$/.exec(line);
  return m !== null && METHODS.has(m[1]!) ? line : undefined;
}

function scanSsdp(ctx: DecodeContext): Scanned {
  const [at, end] = bounds(ctx);
  // A message is all of the datagram; anything else is left as data (tshark's continuation).
  return scanned(ssdpStart(ctx.bytes, at, end) === undefined ? 0 : end - at);
}

function decodeSsdpAt(b: Uint8Array, offset: number, end: number): SsdpHeader {
  const start = ssdpStart(b, offset, Math.min(end, b.length));
  return start === undefined ? {} : { startLine: start };
}

/** SSDP on UDP port 1900. */
export const ssdp: Protocol<SsdpHeader> = {
  name: 'ssdp',
  scan: scanSsdp,
  decode: decodeByScan(scanSsdp, decodeSsdpAt),
  fields(h: SsdpHeader, out: FieldSink): void {
    if (h.startLine !== undefined) out.add('ssdp.line', h.startLine);
  },
};

/** tshark's info column: the start line and a space (as HTTP's), or `Continuation`. */
export function ssdpInfo(h: SsdpHeader): string {
  return h.startLine === undefined ? 'Continuation' : `${h.startLine} `;
}
