// Neighbor Discovery options (RFC 4861 section 4.6): the type-length-value list that ends router
// and neighbor solicitations and advertisements and redirects. Link-layer address, prefix
// information and MTU options get fields; every other option is kept as raw bytes so that
// re-encoding reproduces it.
import { WireError } from '../errors.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { formatIpv6, writeIpv6 } from './ip-address.js';
import { u32 } from '../packet/bytes.js';

/** Option types with fields (RFC 4861 section 4.6). */
export const NdpOptionType = {
  SourceLinkLayerAddress: 1,
  TargetLinkLayerAddress: 2,
  PrefixInformation: 3,
  RedirectedHeader: 4,
  Mtu: 5,
} as const;

/** Source (type 1) or target (type 2) link-layer address: every byte after type and length, `aa:bb:...`. */
export interface NdpLinkLayerAddressOption {
  type: 1 | 2;
  /** On Ethernet the 6-byte MAC; other links (and padding) give other lengths, kept whole. */
  linkAddress: string;
}

/** Prefix information (type 3, RFC 4861 section 4.6.2; the R flag is RFC 6275 section 7.2's). */
export interface NdpPrefixInformationOption {
  type: 3;
  /** Bits of `prefix` that are the prefix: 0..128 (RFC 4861); a larger value is read and written as it is. */
  prefixLength: number;
  /** L: the prefix is on-link. */
  onLink: boolean;
  /** A: usable for stateless address autoconfiguration (RFC 4862). */
  autonomous: boolean;
  /** R: `prefix` is the router's own address (Mobile IPv6). */
  routerAddress: boolean;
  /** The five flag bits after L, A and R; normally 0 (default 0 when encoding). */
  reserved1?: number;
  /** Seconds; 0xffffffff is infinity. */
  validLifetime: number;
  preferredLifetime: number;
  /** The 32 bits between the lifetimes and the prefix; normally 0 (default 0 when encoding). */
  reserved2?: number;
  prefix: string;
}

/** MTU (type 5, RFC 4861 section 4.6.4). */
export interface NdpMtuOption {
  type: 5;
  /** The 16 bits before the MTU; normally 0 (default 0 when encoding). */
  reserved?: number;
  mtu: number;
}

/**
 * Any other option, or a known one whose length is not the one its RFC gives: `data` is every
 * byte after type and length (`aa:bb:...`), so `(2 + bytes) / 8` is the option's length.
 */
export interface NdpRawOption {
  type: number;
  data: string;
}

export type NdpOption = NdpLinkLayerAddressOption | NdpPrefixInformationOption | NdpMtuOption | NdpRawOption;

/** The result of reading an option list: the options, where reading stopped, and why if early. */
export interface NdpOptionsRead {
  options: NdpOption[];
  /** Offset just past the last whole option. */
  end: number;
  error?: WireError;
}

function putU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
}

function readOption(bytes: Uint8Array, at: number, size: number): NdpOption {
  const type = bytes[at]!;
  const body = bytes.subarray(at + 2, at + size);
  if (type === 1 || type === 2) return { type, linkAddress: bytesField(body) };
  if (type === 3 && size === 32) {
    const flags = bytes[at + 3]!;
    const option: NdpPrefixInformationOption = {
      type,
      prefixLength: bytes[at + 2]!,
      onLink: (flags & 0x80) !== 0,
      autonomous: (flags & 0x40) !== 0,
      routerAddress: (flags & 0x20) !== 0,
      reserved1: flags & 0x1f,
      validLifetime: u32(bytes, at + 4),
      preferredLifetime: u32(bytes, at + 8),
      reserved2: u32(bytes, at + 12),
      prefix: formatIpv6(bytes, at + 16),
    };
    return option;
  }
  if (type === 5 && size === 8) {
    const option: NdpMtuOption = { type, reserved: (bytes[at + 2]! << 8) | bytes[at + 3]!, mtu: u32(bytes, at + 4) };
    return option;
  }
  return { type, data: bytesField(body) };
}

/**
 * Reads the options in bytes[offset, end). Stops at the first option that is cut short or has
 * length 0 (RFC 4861 section 4.6: such a packet must be discarded, and a reader that trusted it
 * would never advance), returning what it read and the error.
 *
 * @example
 * readNdpOptions(new Uint8Array([1, 1, 2, 0, 0, 0, 0, 1])).options
 * // [{ type: 1, linkAddress: '02:00:00:00:00:01' }]
 */
export function readNdpOptions(bytes: Uint8Array, offset = 0, end = bytes.length, layer = 'icmpv6'): NdpOptionsRead {
  const options: NdpOption[] = [];
  end = Math.min(end, bytes.length);
  const stop = walkNdpOptions(bytes, offset, end, options);
  return stop < end ? { options, end: stop, error: ndpOptionError(bytes, stop, end, layer) } : { options, end: stop };
}

/**
 * The walk behind `readNdpOptions` and ICMPv6's validation: steps over the options in
 * bytes[offset, end) (`end` within `bytes`), pushing each to `out` when given, and returns where it
 * stopped: `end`, or before an option that is cut short or has length 0 (`ndpOptionError` says
 * which). Without `out` it allocates nothing.
 */
export function walkNdpOptions(bytes: Uint8Array, offset: number, end: number, out?: NdpOption[]): number {
  let at = offset;
  while (at < end) {
    if (end - at < 2) return at;
    const size = bytes[at + 1]! * 8;
    if (size === 0 || size > end - at) return at;
    if (out !== undefined) out.push(readOption(bytes, at, size));
    at += size;
  }
  return at;
}

/** Why `walkNdpOptions` stopped at `at` before `end`. */
export function ndpOptionError(bytes: Uint8Array, at: number, end: number, layer = 'icmpv6'): WireError {
  if (end - at < 2) {
    return new WireError('truncated', `option at offset ${at} needs 2 bytes for its type and length, ${end - at} left`, {
      layer,
      offset: at,
      required: 2,
      available: end - at,
    });
  }
  const size = bytes[at + 1]! * 8;
  if (size === 0) {
    return new WireError('bad-length', `option type ${bytes[at]!} at offset ${at} has length 0, which RFC 4861 section 4.6 forbids`, {
      layer,
      offset: at,
    });
  }
  return new WireError('truncated', `option type ${bytes[at]!} at offset ${at} is ${size} bytes long, ${end - at} left in the message`, {
    layer,
    offset: at,
    required: size,
    available: end - at,
  });
}

function checkUint(name: string, value: number | undefined, max: number): number {
  const v = value ?? 0;
  if (!(Number.isInteger(v) && v >= 0 && v <= max)) {
    throw new WireError('bad-value', `option ${name} must be an integer 0..${max}, got ${String(value)}`, { layer: 'icmpv6' });
  }
  return v;
}

/** Bytes from `aa:bb:cc` (or `aa-bb-cc`, or empty). */
function parseHexBytes(text: string, what: string): Uint8Array {
  const t = text.trim();
  if (t === '') return new Uint8Array(0);
  if (!/^[0-9a-f]{2}([:-][0-9a-f]{2})*$/i.test(t)) {
    throw new WireError('bad-value', `${what} '${text}' is not colon-separated hex bytes (aa:bb:cc)`, { layer: 'icmpv6' });
  }
  return Uint8Array.from(t.split(/[:-]/), (b) => parseInt(b, 16));
}

/** The bytes after type and length for an option of known shape, or for a raw one. */
function optionBody(option: NdpOption): Uint8Array {
  if ('data' in option) return parseHexBytes(option.data, `option type ${option.type} data`);
  if ('linkAddress' in option) return parseHexBytes(option.linkAddress, 'link-layer address');
  if (option.type === 3) {
    const body = new Uint8Array(30);
    // The whole 8-bit field, as read: above 128 is invalid (RFC 4861 4.6.2) but round-trips, and crafts.
    body[0] = checkUint('prefixLength', option.prefixLength, 0xff);
    body[1] =
      (option.onLink ? 0x80 : 0) | (option.autonomous ? 0x40 : 0) | (option.routerAddress ? 0x20 : 0) | checkUint('reserved1', option.reserved1, 0x1f);
    putU32(body, 2, checkUint('validLifetime', option.validLifetime, 0xffffffff));
    putU32(body, 6, checkUint('preferredLifetime', option.preferredLifetime, 0xffffffff));
    putU32(body, 10, checkUint('reserved2', option.reserved2, 0xffffffff));
    writeIpv6(option.prefix, body, 14);
    return body;
  }
  const body = new Uint8Array(6);
  const reserved = checkUint('reserved', option.reserved, 0xffff);
  body[0] = reserved >>> 8;
  body[1] = reserved;
  putU32(body, 2, checkUint('mtu', option.mtu, 0xffffffff));
  return body;
}

/** Bytes an option takes: type, length and body, padded with zeros to a multiple of 8 (RFC 4861 section 4.6). */
function optionSize(bodyLength: number): number {
  return Math.ceil((2 + bodyLength) / 8) * 8;
}

/**
 * Bytes the options take when written.
 *
 * @example
 * ndpOptionsLength([{ type: 1, linkAddress: '02:00:00:00:00:01' }, { type: 5, mtu: 1500 }]) // 16
 */
export function ndpOptionsLength(options: readonly NdpOption[] | undefined): number {
  let total = 0;
  for (const option of options ?? []) total += optionSize(optionBody(option).length);
  return total;
}

/**
 * Writes the options at out[offset] and returns the bytes written. Bodies that are not a multiple
 * of 8 bytes with their type and length are padded with zeros.
 *
 * @example
 * const out = new Uint8Array(8);
 * writeNdpOptions([{ type: 1, linkAddress: '02:00:00:00:00:01' }], out, 0) // 8: 01 01 02 00 00 00 00 01
 */
export function writeNdpOptions(options: readonly NdpOption[] | undefined, out: Uint8Array, offset: number): number {
  let at = offset;
  for (const option of options ?? []) {
    const body = optionBody(option);
    const size = optionSize(body.length);
    if (size > 255 * 8) {
      throw new WireError('bad-length', `option type ${option.type} needs ${size} bytes; the length byte allows at most 2040`, { layer: 'icmpv6' });
    }
    out[at] = checkUint('type', option.type, 0xff);
    out[at + 1] = size / 8;
    out.set(body, at + 2);
    out.fill(0, at + 2 + body.length, at + size);
    at += size;
  }
  return at - offset;
}

function hexLength(text: string): number {
  return text.trim() === '' ? 0 : text.split(/[:-]/).length;
}

/** An EUI-64 link address in a 2-unit option: 8 bytes and 6 of zero padding (RFC 4944 section 8). */
export function eui64Of(linkAddress: string): string | undefined {
  const parts = linkAddress.split(':');
  if (parts.length !== 14 || parts.slice(8).some((p) => p !== '00')) return undefined;
  return parts.slice(0, 8).join(':');
}

/** Option fields in tshark 4.0's names and forms (the ICMPv6 protocol's `fields` calls this per option). */
export function ndpOptionFields(option: NdpOption, out: FieldSink): void {
  out.add('icmpv6.opt.type', option.type);
  const bodyLength =
    'data' in option ? hexLength(option.data) : 'linkAddress' in option ? hexLength(option.linkAddress) : option.type === 3 ? 30 : 6;
  out.add('icmpv6.opt.length', optionSize(bodyLength) / 8);
  if ('data' in option) return;
  if ('linkAddress' in option) {
    const role = option.type === 1 ? 'src' : 'target';
    const eui64 = eui64Of(option.linkAddress);
    if (eui64 !== undefined) {
      out.add('icmpv6.opt.linkaddr_eui64', eui64);
      out.add(`icmpv6.opt.${role}_linkaddr_eui64`, eui64);
      // tshark 4.0 adds the plain byte fields too for a source address, not for a target one.
      if (role === 'src') {
        out.add('icmpv6.opt.linkaddr', eui64);
        out.add('icmpv6.opt.src_linkaddr', eui64);
      }
    } else {
      out.add('icmpv6.opt.linkaddr', option.linkAddress);
      out.add(`icmpv6.opt.${role}_linkaddr`, option.linkAddress);
    }
  } else if (option.type === 3) {
    out.add('icmpv6.opt.prefix.length', option.prefixLength);
    const reserved1 = option.reserved1 ?? 0;
    out.add('icmpv6.opt.prefix.flag', (option.onLink ? 0x80 : 0) | (option.autonomous ? 0x40 : 0) | (option.routerAddress ? 0x20 : 0) | reserved1);
    out.add('icmpv6.opt.prefix.flag.l', option.onLink ? 1 : 0);
    out.add('icmpv6.opt.prefix.flag.a', option.autonomous ? 1 : 0);
    out.add('icmpv6.opt.prefix.flag.r', option.routerAddress ? 1 : 0);
    out.add('icmpv6.opt.prefix.flag.reserved', reserved1);
    out.add('icmpv6.opt.prefix.valid_lifetime', option.validLifetime);
    out.add('icmpv6.opt.prefix.preferred_lifetime', option.preferredLifetime);
    out.add('icmpv6.opt.prefix', option.prefix);
  } else {
    out.add('icmpv6.opt.mtu', option.mtu);
  }
}
