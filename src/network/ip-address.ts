// IPv4 and IPv6 addresses: text <-> bytes in the forms tshark prints, and a small value class that
// knows the special-purpose ranges (IANA registries, RFC 6890) so users can ask "is this private?".
import { WireError } from '../errors.js';

/** Each byte in decimal, and in hex without a leading zero and in two digits. */
const DECIMAL = Array.from({ length: 256 }, (_, b) => String(b));
const HEX_BARE = Array.from({ length: 256 }, (_, b) => b.toString(16));
const HEX_PAIR = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * `192.0.2.1` from the 4 bytes at `offset`.
 *
 * @example
 * formatIpv4(packet, 14 + 12) // the source address of an IPv4 header after Ethernet
 */
export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return DECIMAL[bytes[offset]!]! + '.' + DECIMAL[bytes[offset + 1]!]! + '.' + DECIMAL[bytes[offset + 2]!]! + '.' + DECIMAL[bytes[offset + 3]!]!;
}

/**
 * The 16 bytes at `offset` as text, the way tshark 4.0 prints it: RFC 5952 section 4 (lowercase,
 * no leading zeros, the longest run of two or more zero groups as `::`, the first such run on a
 * tie), and with the last 32 bits dotted for IPv4-mapped `::ffff:a.b.c.d` and IPv4-compatible
 * `::a.b.c.d` addresses (Wireshark keeps BIND's rule: a leading zero run of exactly 6 groups, or of
 * 5 followed by ffff; so `::1` and `::100` stay hex).
 *
 * @example
 * formatIpv6(parseIpv6('2001:0DB8:0:0:1:0:0:1')) // '2001:db8::1:0:0:1'
 * formatIpv6(parseIpv6('::ffff:c000:201'))       // '::ffff:192.0.2.1'
 */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  let bestStart = -1;
  let bestLength = 0;
  let runStart = -1;
  for (let i = 0; i <= 8; i++) {
    const zero = i < 8 && bytes[offset + 2 * i] === 0 && bytes[offset + 2 * i + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      if (i - runStart > bestLength) {
        bestStart = runStart;
        bestLength = i - runStart;
      }
      runStart = -1;
    }
  }
  if (bestLength < 2) bestStart = -1;
  const embedsIpv4 =
    bestStart === 0 && (bestLength === 6 || (bestLength === 5 && bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff));
  const groups = embedsIpv4 ? 6 : 8;
  let s = '';
  // Whether `s` ends in a separator already (it is empty, or ends in '::').
  let open = true;
  for (let i = 0; i < groups; i++) {
    if (i === bestStart) {
      s += '::';
      open = true;
      i += bestLength - 1;
      continue;
    }
    const high = bytes[offset + 2 * i]!;
    const low = bytes[offset + 2 * i + 1]!;
    // A group without leading zeros: the high byte as it is, then the low one in two digits.
    s += (open ? '' : ':') + (high === 0 ? HEX_BARE[low]! : HEX_BARE[high]! + HEX_PAIR[low]!);
    open = false;
  }
  if (embedsIpv4) s += (open ? '' : ':') + formatIpv4(bytes, offset + 12);
  return s;
}

function bad(text: string, family: 4 | 6, why: string): WireError {
  return new WireError('bad-value', `'${text}' is not an IPv${family} address: ${why}`, { layer: family === 4 ? 'ip' : 'ipv6' });
}

/** Parses dotted-quad text into out[offset..offset+4); `what` names the text in errors. */
function writeDotted(part: string, out: Uint8Array, offset: number, whole: string, family: 4 | 6): void {
  const octets = part.split('.');
  if (octets.length !== 4) throw bad(whole, family, `expected 4 dot-separated decimal numbers, got ${octets.length}`);
  for (let i = 0; i < 4; i++) {
    const o = octets[i]!;
    if (!/^[0-9]{1,3}$/.test(o)) throw bad(whole, family, `part ${i + 1} ('${o}') is not a decimal number 0..255`);
    // A leading zero reads as octal to inet_aton and as decimal to others: refuse the ambiguity.
    if (o.length > 1 && o[0] === '0') throw bad(whole, family, `part ${i + 1} ('${o}') has a leading zero`);
    const n = Number(o);
    if (n > 255) throw bad(whole, family, `part ${i + 1} (${n}) is above 255`);
    out[offset + i] = n;
  }
}

/**
 * Writes IPv4 text into 4 bytes at out[offset]; throws WireError('bad-value') saying what is wrong.
 *
 * @example
 * writeIpv4('10.0.0.1', header, 12) // rewrite an IPv4 header's source in place
 */
export function writeIpv4(text: string, out: Uint8Array, offset = 0): void {
  writeDotted(text.trim(), out, offset, text, 4);
}

/**
 * Writes IPv6 text (RFC 4291 section 2.2 forms, including `::` and a dotted IPv4 tail) into 16
 * bytes at out[offset]; throws WireError('bad-value') saying what is wrong.
 *
 * @example
 * writeIpv6('2001:db8::1', header, 24) // rewrite an IPv6 header's destination in place
 */
export function writeIpv6(text: string, out: Uint8Array, offset = 0): void {
  const t = text.trim();
  if (t.includes('%')) throw bad(text, 6, 'zone identifiers (%eth0) are not part of the address; strip them first');
  if (t.startsWith('[')) throw bad(text, 6, 'remove the [brackets] of the URL form');
  const halves = t.split('::');
  if (halves.length > 2) throw bad(text, 6, "'::' may appear only once");
  const compressed = halves.length === 2;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = compressed ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const words: number[] = [];
  const tailWords: number[] = [];
  let ipv4: string | undefined;
  // Only the last group may be dotted IPv4 (RFC 4291 section 2.2 form 3), so never the one before '::'.
  const last = compressed ? tail : head;
  if (last.length > 0 && last[last.length - 1]!.includes('.')) ipv4 = last.pop();
  const readGroups = (groups: string[], into: number[]) => {
    for (const g of groups) {
      if (g === '') throw bad(text, 6, 'empty group (a single colon at the start or end, or three in a row)');
      if (!/^[0-9a-f]{1,4}$/i.test(g)) throw bad(text, 6, `group '${g}' is not 1 to 4 hex digits`);
      into.push(parseInt(g, 16));
    }
  };
  readGroups(head, words);
  readGroups(tail, tailWords);
  const count = words.length + tailWords.length + (ipv4 === undefined ? 0 : 2);
  if (compressed ? count > 7 : count !== 8) {
    throw bad(text, 6, compressed ? `${count} groups leave nothing for '::' to stand for` : `expected 8 groups, got ${count}`);
  }
  out.fill(0, offset, offset + 16);
  words.forEach((w, i) => {
    out[offset + 2 * i] = w >>> 8;
    out[offset + 2 * i + 1] = w;
  });
  const tailAt = offset + 16 - (ipv4 === undefined ? 0 : 4) - 2 * tailWords.length;
  tailWords.forEach((w, i) => {
    out[tailAt + 2 * i] = w >>> 8;
    out[tailAt + 2 * i + 1] = w;
  });
  if (ipv4 !== undefined) writeDotted(ipv4, out, offset + 12, text, 6);
}

/**
 * IPv4 text (`192.0.2.1`, four decimal numbers 0..255 without leading zeros) as 4 bytes.
 *
 * @example
 * parseIpv4('10.0.0.1') // Uint8Array [10, 0, 0, 1]
 */
export function parseIpv4(text: string): Uint8Array {
  const out = new Uint8Array(4);
  writeIpv4(text, out);
  return out;
}

/**
 * IPv6 text in any RFC 4291 form (`2001:db8::1`, `::ffff:192.0.2.1`, full or compressed, any case) as 16 bytes.
 *
 * @example
 * parseIpv6('::1') // Uint8Array [0, ..., 0, 1]
 */
export function parseIpv6(text: string): Uint8Array {
  const out = new Uint8Array(16);
  writeIpv6(text, out);
  return out;
}

/**
 * Writes an address of either family into out[offset] and returns its size (4 or 16): text with a
 * colon is IPv6, otherwise IPv4.
 *
 * @example
 * const out = new Uint8Array(20);
 * writeIp('192.0.2.1', out, 12) // 4: bytes 12..15 of out now hold the address
 */
export function writeIp(text: string, out: Uint8Array, offset = 0): 4 | 16 {
  if (text.includes(':')) {
    writeIpv6(text, out, offset);
    return 16;
  }
  writeIpv4(text, out, offset);
  return 4;
}

/**
 * What kind of address this is, by the IANA special-purpose registries (RFC 6890 and successors).
 * `global` means none of the special ranges: routable on the public Internet.
 */
export type IpScope =
  | 'unspecified' // 0.0.0.0, ::
  | 'loopback' // 127/8, ::1
  | 'private' // RFC 1918: 10/8, 172.16/12, 192.168/16
  | 'cgnat' // RFC 6598 shared address space: 100.64/10
  | 'link-local' // 169.254/16 (RFC 3927), fe80::/10 (RFC 4291)
  | 'documentation' // RFC 5737: 192.0.2/24, 198.51.100/24, 203.0.113/24; RFC 3849 2001:db8::/32, RFC 9637 3fff::/20
  | 'benchmarking' // RFC 2544 198.18/15, RFC 5180 2001:2::/48
  | 'multicast' // 224/4, ff00::/8
  | 'broadcast' // 255.255.255.255 (RFC 919)
  | 'unique-local' // fc00::/7 (RFC 4193)
  | 'reserved' // 0/8 "this network", 192.0.0/24 (IETF assignments), 240/4 (RFC 1112)
  | 'global';

/** A subnet: the network's address bytes (host bits cleared) and its prefix length. */
interface Prefix {
  bytes: Uint8Array;
  bits: number;
}

function matches(address: Uint8Array, prefix: Prefix): boolean {
  if (address.length !== prefix.bytes.length) return false;
  const whole = prefix.bits >>> 3;
  for (let i = 0; i < whole; i++) if (address[i] !== prefix.bytes[i]) return false;
  const rest = prefix.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (address[whole]! & mask) === prefix.bytes[whole];
}

function parsePrefix(cidr: string): Prefix {
  const slash = cidr.indexOf('/');
  const addressText = slash < 0 ? cidr : cidr.slice(0, slash);
  const bytes = addressText.includes(':') ? parseIpv6(addressText) : parseIpv4(addressText);
  const max = bytes.length * 8;
  let bits = max;
  if (slash >= 0) {
    const lengthText = cidr.slice(slash + 1).trim();
    if (!/^[0-9]{1,3}$/.test(lengthText) || Number(lengthText) > max) {
      throw new WireError('bad-value', `'${cidr}' is not a subnet: the prefix length must be 0..${max}`, {
        layer: bytes.length === 4 ? 'ip' : 'ipv6',
      });
    }
    bits = Number(lengthText);
  }
  // Host bits are cleared rather than refused, so an interface address like 10.1.2.3/8 works too.
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] = bytes[i]! & (0xff << (8 - keep));
  }
  return { bytes, bits };
}

const RANGES: readonly [IpScope, Prefix][] = (
  [
    ['unspecified', '0.0.0.0/32'],
    ['reserved', '0.0.0.0/8'],
    ['loopback', '127.0.0.0/8'],
    ['private', '10.0.0.0/8'],
    ['private', '172.16.0.0/12'],
    ['private', '192.168.0.0/16'],
    ['cgnat', '100.64.0.0/10'],
    ['link-local', '169.254.0.0/16'],
    ['documentation', '192.0.2.0/24'],
    ['documentation', '198.51.100.0/24'],
    ['documentation', '203.0.113.0/24'],
    ['reserved', '192.0.0.0/24'],
    ['benchmarking', '198.18.0.0/15'],
    ['multicast', '224.0.0.0/4'],
    ['broadcast', '255.255.255.255/32'],
    ['reserved', '240.0.0.0/4'],
    ['unspecified', '::/128'],
    ['loopback', '::1/128'],
    ['link-local', 'fe80::/10'],
    ['unique-local', 'fc00::/7'],
    ['documentation', '2001:db8::/32'],
    ['documentation', '3fff::/20'],
    ['benchmarking', '2001:2::/48'],
    ['multicast', 'ff00::/8'],
  ] as const
).map(([scope, cidr]) => [scope, parsePrefix(cidr)]);

/**
 * An IPv4 or IPv6 address as a value: parse and print either family, compare, and ask what kind
 * of address it is.
 *
 * @example
 * const a = IpAddress.parse('192.168.1.20');
 * a.isPrivate();                   // true
 * a.inSubnet('192.168.0.0/16');    // true
 * IpAddress.parse('2001:DB8::1').toString(); // '2001:db8::1'
 * IpAddress.parse('8.8.8.8').classify();     // 'global'
 */
export class IpAddress {
  readonly #bytes: Uint8Array;

  private constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** Parses either family (text with a colon is IPv6); throws WireError('bad-value') saying what is wrong. */
  static parse(text: string): IpAddress {
    return new IpAddress(text.includes(':') ? parseIpv6(text) : parseIpv4(text));
  }

  /** The address in bytes[offset..): 4 bytes for `version` 4, 16 for 6 (default: 4 if bytes holds exactly 4, else 6). */
  static fromBytes(bytes: Uint8Array, offset = 0, version?: 4 | 6): IpAddress {
    const v = version ?? (bytes.length - offset === 4 ? 4 : 6);
    const size = v === 4 ? 4 : 16;
    if (bytes.length - offset < size) {
      throw new WireError('truncated', `an IPv${v} address needs ${size} bytes, ${Math.max(0, bytes.length - offset)} given at offset ${offset}`, {
        layer: v === 4 ? 'ip' : 'ipv6',
        offset,
        required: size,
        available: Math.max(0, bytes.length - offset),
      });
    }
    return new IpAddress(bytes.slice(offset, offset + size));
  }

  get version(): 4 | 6 {
    return this.#bytes.length === 4 ? 4 : 6;
  }

  /** A copy of the address bytes (4 or 16). */
  toBytes(): Uint8Array {
    return this.#bytes.slice();
  }

  /** The address as tshark prints it (see formatIpv6 for the IPv6 form). */
  toString(): string {
    return this.version === 4 ? formatIpv4(this.#bytes) : formatIpv6(this.#bytes);
  }

  toJSON(): string {
    return this.toString();
  }

  equals(other: IpAddress | string): boolean {
    return this.compare(other) === 0;
  }

  /** Orders IPv4 before IPv6, then by numeric value: a negative, zero or positive number for sort(). */
  compare(other: IpAddress | string): number {
    const b = (typeof other === 'string' ? IpAddress.parse(other) : other).#bytes;
    const a = this.#bytes;
    if (a.length !== b.length) return a.length - b.length;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return 0;
  }

  /** For `::ffff:a.b.c.d` (RFC 4291 section 2.5.5.2), the IPv4 address it stands for. */
  ipv4Mapped(): IpAddress | undefined {
    const b = this.#bytes;
    if (b.length !== 16 || b[10] !== 0xff || b[11] !== 0xff) return undefined;
    for (let i = 0; i < 10; i++) if (b[i] !== 0) return undefined;
    return new IpAddress(b.slice(12));
  }

  /**
   * The special-purpose range the address is in, or `global`. An IPv4-mapped IPv6 address is
   * classified as the IPv4 address it stands for.
   */
  classify(): IpScope {
    const mapped = this.ipv4Mapped();
    if (mapped !== undefined) return mapped.classify();
    for (const [scope, prefix] of RANGES) if (matches(this.#bytes, prefix)) return scope;
    return 'global';
  }

  /** RFC 1918 private IPv4, or IPv6 unique-local fc00::/7 (RFC 4193, IPv6's counterpart). */
  isPrivate(): boolean {
    const s = this.classify();
    return s === 'private' || s === 'unique-local';
  }
  /** None of the special-purpose ranges: reachable on the public Internet. */
  isPublic(): boolean {
    return this.classify() === 'global';
  }
  isGlobal(): boolean {
    return this.isPublic();
  }
  isLoopback(): boolean {
    return this.classify() === 'loopback';
  }
  isLinkLocal(): boolean {
    return this.classify() === 'link-local';
  }
  isMulticast(): boolean {
    return this.classify() === 'multicast';
  }
  isBroadcast(): boolean {
    return this.classify() === 'broadcast';
  }
  isUnspecified(): boolean {
    return this.classify() === 'unspecified';
  }
  isDocumentation(): boolean {
    return this.classify() === 'documentation';
  }
  isUniqueLocal(): boolean {
    return this.classify() === 'unique-local';
  }
  /** RFC 6598 shared address space 100.64.0.0/10, used by carrier-grade NAT. */
  isCgnat(): boolean {
    return this.classify() === 'cgnat';
  }
  isBenchmarking(): boolean {
    return this.classify() === 'benchmarking';
  }

  /**
   * Whether the address lies in `cidr` (`10.0.0.0/8`, `2001:db8::/32`; a bare address means /32 or
   * /128). Host bits in the subnet are ignored; a subnet of the other family never matches.
   */
  inSubnet(cidr: string): boolean {
    return matches(this.#bytes, parsePrefix(cidr));
  }
}
