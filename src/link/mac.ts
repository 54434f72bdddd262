// IEEE 802 48-bit MAC addresses (EUI-48): text forms, bytes, and what the two flag bits of the first
// octet say (IEEE 802-2014 clause 8.2: I/G = individual/group, U/L = universal/local).
import { WireError } from '../errors.js';

const HEX = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));
const TWO_32 = 0x1_0000_0000;

/** `aa:bb:cc:dd:ee:ff` from the 6 bytes at `offset`. */
export function formatMac(bytes: Uint8Array, offset = 0): string {
  return (
    HEX[bytes[offset]!]! + ':' + HEX[bytes[offset + 1]!]! + ':' + HEX[bytes[offset + 2]!]! + ':' +
    HEX[bytes[offset + 3]!]! + ':' + HEX[bytes[offset + 4]!]! + ':' + HEX[bytes[offset + 5]!]!
  );
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1; // a-f, A-F
}

/**
 * Reads the 12 hex digits of a MAC in one of the three common spellings into out[offset..+6]:
 * `aa:bb:cc:dd:ee:ff` (IEEE/Unix), `aa-bb-cc-dd-ee-ff` (IEEE 802 canonical, Windows) and
 * `aabb.ccdd.eeff` (Cisco). Returns false, writing nothing useful, when the text is none of them.
 * Hand-rolled rather than a regex: encoders call it once per address per frame.
 */
function readMacText(text: string, out: Uint8Array, offset: number): boolean {
  let groupChars: number;
  let separator: number;
  if (text.length === 17) {
    groupChars = 2;
    separator = text.charCodeAt(2);
    if (separator !== 0x3a && separator !== 0x2d) return false; // ':' or '-'
  } else if (text.length === 14) {
    groupChars = 4;
    separator = 0x2e; // '.'
  } else {
    return false;
  }
  let digits = 0;
  let high = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // A separator follows every complete group except the last, and only there.
    if ((i + 1) % (groupChars + 1) === 0) {
      if (code !== separator) return false;
      continue;
    }
    const value = hexDigit(code);
    if (value < 0) return false;
    if (digits % 2 === 0) high = value;
    else out[offset + (digits >> 1)] = (high << 4) | value;
    digits++;
  }
  return digits === 12;
}

/**
 * Parses `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff` or `aabb.ccdd.eeff` (any case, surrounding
 * spaces ignored) into 6 bytes at out[offset]. `layer` names the protocol in the error.
 */
export function writeMac(text: string, out: Uint8Array, offset = 0, layer = 'eth'): void {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  const scratch = new Uint8Array(6);
  if (!readMacText(trimmed, scratch, 0)) {
    throw new WireError('bad-value', `'${String(text)}' is not a MAC address (expected aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff or aabb.ccdd.eeff)`, { layer });
  }
  out.set(scratch, offset);
}

/** The 6 bytes of a MAC written in any of the forms `writeMac` accepts. */
export function parseMac(text: string): Uint8Array {
  const out = new Uint8Array(6);
  writeMac(text, out);
  return out;
}

/** How a frame with this destination is delivered (IEEE 802-2014 clause 8.2.2). */
export type MacKind = 'unicast' | 'multicast' | 'broadcast';

/**
 * An immutable 48-bit MAC address. Held as one integer (exact in a double: 2^48 < 2^53), so
 * `equals` and `compare` are number comparisons and the object is small.
 *
 * @example
 * const mac = MacAddress.parse('0180.c200.0000');
 * mac.toString();          // '01:80:c2:00:00:00'
 * mac.kind;                // 'multicast' (the I/G bit is set)
 * mac.isLocal;             // false: an IEEE-assigned (universal) address
 * mac.oui;                 // 0x0180c2, as tshark's eth.dst.oui
 * MacAddress.parse('02-00-00-00-00-01').isLocal; // true: the U/L bit is set
 */
export class MacAddress {
  /** The address as a 48-bit unsigned integer, first octet most significant. */
  readonly value: number;

  private constructor(value: number) {
    this.value = value;
  }

  static readonly BROADCAST = new MacAddress(0xffff_ffff_ffff);
  static readonly ZERO = new MacAddress(0);

  /** Parses any form `writeMac` accepts; throws a `bad-value` WireError otherwise. */
  static parse(text: string): MacAddress {
    const bytes = new Uint8Array(6);
    writeMac(text, bytes, 0, 'mac');
    return MacAddress.fromBytes(bytes);
  }

  /** Like `parse`, but `undefined` instead of throwing. */
  static tryParse(text: string): MacAddress | undefined {
    const bytes = new Uint8Array(6);
    return typeof text === 'string' && readMacText(text.trim(), bytes, 0) ? MacAddress.fromBytes(bytes) : undefined;
  }

  /** The address in the 6 bytes at `offset` (copied); throws `truncated` when fewer remain. */
  static fromBytes(bytes: Uint8Array, offset = 0): MacAddress {
    if (offset < 0 || bytes.length - offset < 6) {
      const available = Math.max(0, bytes.length - offset);
      throw new WireError('truncated', `a MAC address needs 6 bytes, ${available} at offset ${offset}`, {
        layer: 'mac',
        offset,
        required: 6,
        available,
      });
    }
    const high = (bytes[offset]! << 8) | bytes[offset + 1]!;
    const low = ((bytes[offset + 2]! << 24) | (bytes[offset + 3]! << 16) | (bytes[offset + 4]! << 8) | bytes[offset + 5]!) >>> 0;
    return new MacAddress(high * TWO_32 + low);
  }

  /** The address whose 48-bit integer value is `value` (0 .. 2^48 - 1). */
  static fromNumber(value: number): MacAddress {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff_ffff) {
      throw new WireError('bad-value', `${value} is not a 48-bit MAC address value`, { layer: 'mac' });
    }
    return new MacAddress(value);
  }

  /** Orders addresses by their bytes, first octet first (for sorting: `macs.sort(MacAddress.compare)`). */
  static compare(a: MacAddress, b: MacAddress): number {
    return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  }

  /** Writes the 6 bytes at out[offset]. */
  writeTo(out: Uint8Array, offset = 0): void {
    const high = Math.floor(this.value / TWO_32);
    const low = this.value >>> 0;
    out[offset] = high >>> 8;
    out[offset + 1] = high;
    out[offset + 2] = low >>> 24;
    out[offset + 3] = low >>> 16;
    out[offset + 4] = low >>> 8;
    out[offset + 5] = low;
  }

  /** A new 6-byte array. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(6);
    this.writeTo(out);
    return out;
  }

  /** Lowercase, colon-separated: the form tshark prints and wirekit's headers use. */
  toString(): string {
    return formatMac(this.toBytes());
  }

  toJSON(): string {
    return this.toString();
  }

  /** Same address; a string is parsed first (and is simply unequal when it is not a MAC). */
  equals(other: MacAddress | string): boolean {
    const mac = typeof other === 'string' ? MacAddress.tryParse(other) : other;
    return mac !== undefined && mac.value === this.value;
  }

  /** -1, 0 or 1 as this address sorts before, with or after `other`. */
  compare(other: MacAddress): number {
    return MacAddress.compare(this, other);
  }

  private get firstOctet(): number {
    return Math.floor(this.value / 2 ** 40);
  }

  /** The I/G bit: a group address (multicast or broadcast), IEEE 802-2014 clause 8.2.2. */
  get isGroup(): boolean {
    return (this.firstOctet & 0x01) !== 0;
  }
  /** ff:ff:ff:ff:ff:ff. */
  get isBroadcast(): boolean {
    return this.value === 0xffff_ffff_ffff;
  }
  /** A group address other than broadcast (01:00:5e:.. for IPv4, 33:33:.. for IPv6, 01:80:c2:.. for bridges). */
  get isMulticast(): boolean {
    return this.isGroup && !this.isBroadcast;
  }
  /** An individual address (I/G bit clear). */
  get isUnicast(): boolean {
    return !this.isGroup;
  }
  /** Exactly one of unicast, multicast, broadcast. */
  get kind(): MacKind {
    return this.isBroadcast ? 'broadcast' : this.isGroup ? 'multicast' : 'unicast';
  }
  /** The U/L bit: locally administered (set by software, e.g. 02:.., VMs, randomised Wi-Fi MACs). */
  get isLocal(): boolean {
    return (this.firstOctet & 0x02) !== 0;
  }
  /** Universally administered: the first three octets are an IEEE-assigned OUI. */
  get isUniversal(): boolean {
    return !this.isLocal;
  }
  /** The first three octets as a 24-bit number, as tshark prints `eth.src.oui` (0x001b21 for 00:1b:21:..). */
  get oui(): number {
    return Math.floor(this.value / 2 ** 24);
  }
}
