// Literal values of a display filter and how they compare with field values. Fields carry no type
// here (wirekit's FieldMap holds numbers and tshark-formatted strings), so a literal keeps every
// reading it has (number, IPv4 network, IPv6 network, normalised text) and the field's value picks
// the one that applies: a number field compares numerically, a dotted-quad field as an IPv4
// address, and so on. A literal with no reading that fits a value simply does not match it.
import { parseIpv6, type FieldValue } from 'wirekit';

export interface Literal {
  /** As written (for messages). */
  text: string;
  num?: number;
  /** IPv4 address as an unsigned 32-bit number, with its prefix mask (all ones without /n). */
  ipv4?: { value: number; mask: number };
  /** IPv6 address bytes with a prefix length (128 without /n). */
  ipv6?: { bytes: Uint8Array; prefix: number };
  /** Text to compare with string fields: quoted strings as written, hex bytes and MACs normalised. */
  str: string;
  /** A compiled regular expression, for `matches`. */
  regex?: RegExp;
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** A dotted-quad IPv4 address as an unsigned number, or -1 when the text is not one. */
export function ipv4Number(text: string): number {
  const m = DOTTED.exec(text);
  if (m === null) return -1;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return -1;
    value = value * 256 + octet;
  }
  return value;
}

function tryIpv6(text: string): Uint8Array | undefined {
  if (!text.includes(':') || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  try {
    return parseIpv6(text);
  } catch {
    return undefined;
  }
}

/** Separators Wireshark accepts in byte strings and MACs (`00-11-22`, `0011.2233.4455`), made `:`. */
function normaliseBytes(text: string): string | undefined {
  if (/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2})+$/.test(text)) return text.toLowerCase().replace(/-/g, ':');
  if (/^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$/.test(text)) {
    const hex = text.replace(/\./g, '').toLowerCase();
    return hex.replace(/(..)(?!$)/g, '$1:');
  }
  return undefined;
}

/**
 * Reads an unquoted value: an integer (decimal or 0x hex), a decimal fraction, `true`/`false`,
 * an IPv4 or IPv6 address with an optional /prefix, a MAC or byte string, or else a bare word
 * compared as text. Throws a message (without column) when an address prefix is out of range.
 */
export function parseLiteral(text: string): Literal {
  const lit: Literal = { text, str: text };
  const lower = text.toLowerCase();
  if (/^\d+$/.test(text)) lit.num = Number(text);
  else if (/^0x[0-9a-f]+$/.test(lower)) lit.num = parseInt(lower.slice(2), 16);
  else if (/^\d+\.\d+$/.test(text)) lit.num = Number(text);
  else if (lower === 'true' || lower === 'false') lit.num = lower === 'true' ? 1 : 0;
  const slash = text.indexOf('/');
  const address = slash >= 0 ? text.slice(0, slash) : text;
  const prefixText = slash >= 0 ? text.slice(slash + 1) : undefined;
  if (prefixText !== undefined && !/^\d+$/.test(prefixText)) throw new Error(`bad prefix length in '${text}'`);
  const v4 = ipv4Number(address);
  if (v4 >= 0) {
    const prefix = prefixText === undefined ? 32 : Number(prefixText);
    if (prefix > 32) throw new Error(`prefix /${prefix} is longer than an IPv4 address`);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    lit.ipv4 = { value: (v4 & mask) >>> 0, mask };
  } else {
    const v6 = tryIpv6(address);
    if (v6 !== undefined) {
      const prefix = prefixText === undefined ? 128 : Number(prefixText);
      if (prefix > 128) throw new Error(`prefix /${prefix} is longer than an IPv6 address`);
      lit.ipv6 = { bytes: v6, prefix };
    } else if (prefixText !== undefined) {
      throw new Error(`'${address}' is not an IP address, so it takes no /prefix`);
    }
  }
  const bytes = normaliseBytes(text);
  if (bytes !== undefined) lit.str = bytes;
  return lit;
}

/** A quoted string literal: compared as text only. */
export function stringLiteral(text: string): Literal {
  return { text: JSON.stringify(text), str: text };
}

function sameIpv6Prefix(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  const whole = prefix >>> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole]! & mask) === (b[whole]! & mask);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * Orders a field value against a literal: negative, zero or positive, or NaN when the literal has
 * no reading comparable with the value (so every relation is false, as for a missing field).
 * Address literals with a prefix compare equal to every address inside the network.
 */
export function compareValue(value: FieldValue, lit: Literal): number {
  if (typeof value === 'number') return lit.num === undefined ? NaN : value - lit.num;
  if (lit.ipv4 !== undefined) {
    const v = ipv4Number(value);
    if (v >= 0) {
      const masked = (v & lit.ipv4.mask) >>> 0;
      return masked - lit.ipv4.value;
    }
  }
  if (lit.ipv6 !== undefined) {
    const v = tryIpv6(value);
    if (v !== undefined) {
      if (sameIpv6Prefix(v, lit.ipv6.bytes, lit.ipv6.prefix)) return 0;
      return compareBytes(v, lit.ipv6.bytes);
    }
  }
  if (lit.num !== undefined && value !== '' && !Number.isNaN(Number(value))) return Number(value) - lit.num;
  return value === lit.str ? 0 : value < lit.str ? -1 : 1;
}

/** `contains`: a text field holding the literal's text (byte strings in their colon form). */
export function containsValue(value: FieldValue, lit: Literal): boolean {
  return typeof value === 'string' && value.includes(lit.str);
}
