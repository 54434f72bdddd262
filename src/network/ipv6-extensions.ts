// IPv6 extension headers (RFC 8200 section 4): hop-by-hop and destination options, routing,
// fragment, and AH (RFC 4302), read as one chain inside the IPv6 layer so the layer can name the
// upper-layer protocol; each header is kept whole (its bytes) and parsed for reading.
import { WireError } from '../errors.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { formatIpv6, writeIpv6 } from './ip-address.js';
import { u16, u32 } from '../packet/bytes.js';
import { ahFields, type AhHeader } from './ipsec.js';

/** Next-header values of the extension headers walked inside the IPv6 layer. */
export const IPV6_EXTENSION = { hopopts: 0, routing: 43, fraghdr: 44, ah: 51, dstopts: 60 } as const;
export type Ipv6ExtensionName = keyof typeof IPV6_EXTENSION;

const EXTENSION_NAMES: Record<number, Ipv6ExtensionName> = { 0: 'hopopts', 43: 'routing', 44: 'fraghdr', 51: 'ah', 60: 'dstopts' };

/**
 * Whether `nextHeader` is an extension header the IPv6 layer walks (ESP, 50, is not: it encrypts
 * what follows).
 *
 * @example
 * isIpv6Extension(44) // true: fragment
 * isIpv6Extension(17) // false: UDP
 */
export function isIpv6Extension(nextHeader: number): boolean {
  return EXTENSION_NAMES[nextHeader] !== undefined;
}

const OPTION_NAMES: Record<number, string> = {
  0x00: 'pad1',
  0x01: 'padn',
  0x04: 'tunnel-encap-limit',
  0x05: 'router-alert',
  0xc2: 'jumbo',
  0xc9: 'home-address',
};

/** RFC 4727 / RFC 3692 experimental option types: 0x1e with every action/change combination. */
function isExperimentalOption(type: number): boolean {
  return (type & 0x1f) === 0x1e;
}

/** One option of a hop-by-hop or destination options header (RFC 8200 section 4.2). */
export interface Ipv6Option {
  type: number;
  /** `pad1`, `padn`, `router-alert`, `jumbo`, `tunnel-encap-limit`, `home-address`, `experimental`; absent when unknown. */
  name?: string;
  /** The option data length byte (Pad1 has none). */
  length?: number;
  /** The option data, colon-separated hex. */
  data?: string;
  /** Router alert (RFC 2711), jumbo payload length (RFC 2675) or tunnel encapsulation limit (RFC 2473). */
  value?: number;
  /** Home address option (RFC 6275). */
  address?: string;
}

/** An option to encode: `type` and `data` (bytes, hex text or numbers), or for Pad1 only `type: 0`. */
export interface Ipv6OptionInput {
  type: number;
  data?: string | Uint8Array | readonly number[];
  /** Overrides the data length byte (for crafting). */
  length?: number;
}

/**
 * One extension header as decoded. `type`, `nextHeader` and `data` are the whole header; the
 * other fields are parsed from `data` for the header kinds wirekit knows.
 */
export interface Ipv6Extension {
  /** This header's own next-header code: 0 hop-by-hop, 43 routing, 44 fragment, 51 AH, 60 destination options. */
  type: number;
  name: Ipv6ExtensionName;
  /** What follows this header. */
  nextHeader: number;
  /** The header's size in bytes (tshark's *.len_oct; the wire's length field counts 8-byte units, 4 for AH). */
  length: number;
  /** Every byte after the first two (next header, length), colon-separated hex: re-encoding uses it verbatim. */
  data: string;
  /** Hop-by-hop and destination options. */
  options?: Ipv6Option[];
  /** Routing: the routing type (0 source route, 2 Mobile IPv6, 3 RPL, 4 segment routing) and segments left. */
  routingType?: number;
  segmentsLeft?: number;
  /** Routing types 0 and 2: the addresses; type 4 (RFC 8754): the segment list, final segment first. */
  addresses?: string[];
  /** Segment routing header: last entry, flags and tag. */
  lastEntry?: number;
  flags?: number;
  tag?: number;
  /** Fragment (RFC 8200 section 4.5): offset in 8-byte units, the M flag, the identification. */
  fragmentOffset?: number;
  moreFragments?: boolean;
  id?: number;
  /** Fragment: the reserved octet (second byte), normally 0. */
  reserved?: number;
  /** AH: security parameters index and sequence number. */
  spi?: number;
  sequence?: number;
}

/**
 * An extension header to encode. Give `data` (every byte after next header and length) to write
 * a header verbatim; otherwise it is built from the parsed fields: `options` for hop-by-hop and
 * destination options (padded to 8 bytes with Pad1/PadN), `routingType`, `segmentsLeft` and
 * `addresses` (and for type 4 `lastEntry`, `flags`, `tag`) for routing, `fragmentOffset`,
 * `moreFragments` and `id` for fragment. `nextHeader` defaults to the next header's type, or
 * the upper layer's protocol after the last one.
 */
export interface Ipv6ExtensionInput {
  type: number;
  nextHeader?: number;
  data?: string | Uint8Array | readonly number[];
  options?: readonly Ipv6OptionInput[];
  routingType?: number;
  segmentsLeft?: number;
  addresses?: readonly string[];
  lastEntry?: number;
  flags?: number;
  tag?: number;
  fragmentOffset?: number;
  moreFragments?: boolean;
  id?: number;
  reserved?: number;
  /** Overrides the length byte (for crafting). */
  lengthField?: number;
}

/** Bytes the extension header starting at `at` says it takes (its own length field). */
export function ipv6ExtensionLength(type: number, b: Uint8Array, at: number): number {
  if (type === 44) return 8;
  if (type === 51) return (b[at + 1]! + 2) * 4; // RFC 4302 section 2.2: in 4-octet units, minus 2
  return (b[at + 1]! + 1) * 8;
}

/** A malformed option list: why, and where the option that breaks it starts. */
export interface Ipv6OptionProblem {
  message: string;
  offset: number;
}

/**
 * Options in [start, end), per RFC 8200 section 4.2; `problem` says where the list breaks.
 *
 * @example
 * parseIpv6Options(packet, 42, 48).options // [{ type: 5, name: 'router-alert', length: 2, data: '00:00', value: 0 }, ...]
 */
export function parseIpv6Options(b: Uint8Array, start: number, end: number): { options: Ipv6Option[]; problem?: Ipv6OptionProblem } {
  const options: Ipv6Option[] = [];
  const problem = walkIpv6Options(b, start, end, options);
  return problem === undefined ? { options } : { options, problem };
}

/**
 * The walk behind `parseIpv6Options` and the IPv6 layer's validation: returns the problem of a
 * malformed list (undefined when it is well formed), and when `out` is given pushes each option
 * read to it. Without `out` it allocates nothing unless the list is malformed.
 */
export function walkIpv6Options(b: Uint8Array, start: number, end: number, out?: Ipv6Option[]): Ipv6OptionProblem | undefined {
  for (let at = start; at < end; ) {
    const type = b[at]!;
    if (type === 0) {
      out?.push({ type, name: 'pad1' });
      at++;
      continue;
    }
    if (at + 2 > end) return { message: `option ${type} at offset ${at} has no room for its length byte`, offset: at };
    const length = b[at + 1]!;
    if (at + 2 + length > end) {
      return { message: `option ${type} at offset ${at} has ${length} data bytes, past the end of its header (${end - at - 2} left)`, offset: at };
    }
    if (out !== undefined) out.push(readOption(b, at, type, length));
    at += 2 + length;
  }
  return undefined;
}

function readOption(b: Uint8Array, at: number, type: number, length: number): Ipv6Option {
  const name = OPTION_NAMES[type] ?? (isExperimentalOption(type) ? 'experimental' : undefined);
  const option: Ipv6Option = { type, length, data: bytesField(b.subarray(at + 2, at + 2 + length)) };
  if (name !== undefined) option.name = name;
  if ((type === 0x05 && length === 2) || (type === 0xc2 && length === 4) || (type === 0x04 && length === 1)) {
    option.value = length === 2 ? u16(b, at + 2) : length === 4 ? u32(b, at + 2) : b[at + 2]!;
  } else if (type === 0xc9 && length === 16) {
    option.address = formatIpv6(b, at + 2);
  }
  return option;
}

/**
 * The problem with an extension header's contents, when it has one: only the option lists of
 * hop-by-hop and destination options headers can be malformed (the header's length is checked
 * by the chain walk). What `parseIpv6Extension` reports, without parsing anything.
 */
export function ipv6ExtensionProblem(type: number, b: Uint8Array, at: number, length: number): Ipv6OptionProblem | undefined {
  return type === 0 || type === 60 ? walkIpv6Options(b, at + 2, at + length) : undefined;
}

/**
 * The Jumbo Payload length (RFC 2675) a well-formed hop-by-hop header at [at, at + length) carries:
 * its first jumbo option of the right size (type 0xc2, 4 data bytes); undefined when it has none.
 */
export function ipv6JumboLength(b: Uint8Array, at: number, length: number): number | undefined {
  for (let o = at + 2, end = at + length; o < end; ) {
    const type = b[o]!;
    if (type === 0) {
      o++;
      continue;
    }
    if (type === 0xc2 && b[o + 1] === 4) return u32(b, o + 2);
    o += 2 + b[o + 1]!;
  }
  return undefined;
}

/** Parses the extension header of `type` at [at, at + length) (its length already checked). */
export function parseIpv6Extension(type: number, b: Uint8Array, at: number, length: number): { extension: Ipv6Extension; problem?: Ipv6OptionProblem } {
  const extension: Ipv6Extension = {
    type,
    name: EXTENSION_NAMES[type]!,
    nextHeader: b[at]!,
    length,
    data: bytesField(b.subarray(at + 2, at + length)),
  };
  switch (type) {
    case 0:
    case 60: {
      const { options, problem } = parseIpv6Options(b, at + 2, at + length);
      extension.options = options;
      return problem ? { extension, problem } : { extension };
    }
    case 43: {
      const routingType = b[at + 2]!;
      extension.routingType = routingType;
      extension.segmentsLeft = b[at + 3]!;
      if (routingType === 0 || routingType === 2) {
        // RFC 2460 section 4.4 (type 0) and RFC 6275 section 6.4 (type 2): 4 reserved bytes, then addresses.
        extension.addresses = [];
        for (let a = at + 8; a + 16 <= at + length; a += 16) extension.addresses.push(formatIpv6(b, a));
      } else if (routingType === 4) {
        // RFC 8754 section 2: last entry, flags, tag, then the segment list.
        extension.lastEntry = b[at + 4]!;
        extension.flags = b[at + 5]!;
        extension.tag = u16(b, at + 6);
        extension.addresses = [];
        for (let i = 0, a = at + 8; i <= extension.lastEntry && a + 16 <= at + length; i++, a += 16) extension.addresses.push(formatIpv6(b, a));
      }
      return { extension };
    }
    case 44: {
      const word = u16(b, at + 2);
      extension.reserved = b[at + 1]!;
      extension.fragmentOffset = word >>> 3;
      extension.moreFragments = (word & 1) === 1;
      extension.id = u32(b, at + 4);
      return { extension };
    }
    case 51:
      if (length >= 12) {
        extension.spi = u32(b, at + 4);
        extension.sequence = u32(b, at + 8);
      }
      return { extension };
  }
  return { extension };
}

/**
 * The final destination a routing header names, for upper-layer pseudo-headers (RFC 8200
 * section 8.1) and as tshark uses it: only while segments are left (at the final destination
 * the IPv6 destination is already it). Type 0: the last address; type 2: the home address;
 * type 4: the first entry of the segment list.
 *
 * @example
 * decodeIpv6(packet).extensions.map(routingFinalDestination).find(Boolean) // '2001:db8::f'
 */
export function routingFinalDestination(extension: Ipv6Extension): string | undefined {
  if (extension.type !== 43 || !extension.segmentsLeft || !extension.addresses?.length) return undefined;
  const a = extension.addresses;
  if (extension.routingType === 0) return a[a.length - 1];
  if (extension.routingType === 2 || extension.routingType === 4) return a[0];
  return undefined;
}

function toBytes(data: string | Uint8Array | readonly number[]): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data !== 'string') return Uint8Array.from(data);
  const hex = data.replace(/[:\s.-]/g, '');
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) {
    throw new WireError('bad-value', `extension data '${data}' is not hex bytes (expected e.g. '01:02:00:00')`, { layer: 'ipv6' });
  }
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

function checkInt(name: string, value: number, max: number): number {
  if (!(Number.isInteger(value) && value >= 0 && value <= max)) {
    throw new WireError('bad-value', `extension ${name} must be an integer 0..${max}, got ${value}`, { layer: 'ipv6' });
  }
  return value;
}

/** RFC 8200 section 4.2: pad to a multiple of 8 with Pad1 for one byte, else PadN. */
function optionsBody(options: readonly Ipv6OptionInput[]): Uint8Array {
  const parts: number[] = [];
  for (const o of options) {
    parts.push(checkInt('option type', o.type, 255));
    if (o.type === 0 && o.data === undefined) continue;
    const data = toBytes(o.data ?? []);
    parts.push(checkInt('option length', o.length ?? data.length, 255), ...data);
  }
  const pad = (8 - ((parts.length + 2) % 8)) % 8;
  if (pad === 1) parts.push(0);
  else if (pad > 1) parts.push(1, pad - 2, ...new Array<number>(pad - 2).fill(0));
  return Uint8Array.from(parts);
}

/** Every byte after next header and length that `e` encodes to. */
function extensionBody(e: Ipv6ExtensionInput): Uint8Array {
  if (e.data !== undefined) return toBytes(e.data);
  switch (e.type) {
    case 0:
    case 60:
      return optionsBody(e.options ?? []);
    case 43: {
      const addresses = e.addresses ?? [];
      const body = new Uint8Array(6 + 16 * addresses.length);
      body[0] = checkInt('routingType', e.routingType ?? 0, 255);
      body[1] = checkInt('segmentsLeft', e.segmentsLeft ?? (e.routingType === 4 ? Math.max(0, addresses.length - 1) : addresses.length), 255);
      if (e.routingType === 4) {
        body[2] = checkInt('lastEntry', e.lastEntry ?? Math.max(0, addresses.length - 1), 255);
        body[3] = checkInt('flags', e.flags ?? 0, 255);
        const tag = checkInt('tag', e.tag ?? 0, 0xffff);
        body[4] = tag >>> 8;
        body[5] = tag;
      }
      addresses.forEach((a, i) => writeIpv6(a, body, 6 + 16 * i));
      return body;
    }
    case 44: {
      const offset = checkInt('fragmentOffset', e.fragmentOffset ?? 0, 0x1fff);
      const id = checkInt('id', e.id ?? 0, 0xffffffff);
      const word = (offset << 3) | (e.moreFragments ? 1 : 0);
      return Uint8Array.of(word >>> 8, word & 0xff, id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff);
    }
  }
  return new Uint8Array(0);
}

/** Bytes the extension header takes on the wire. */
export function ipv6ExtensionSize(e: Ipv6ExtensionInput): number {
  return 2 + extensionBody(e).length;
}

/** Writes the extension header at out[offset] with `nextHeader` as its next header; returns its size. */
export function writeIpv6Extension(e: Ipv6ExtensionInput, nextHeader: number, out: Uint8Array, offset: number): number {
  const body = extensionBody(e);
  const size = 2 + body.length;
  const unit = e.type === 51 ? 4 : 8;
  let lengthByte: number;
  if (e.lengthField !== undefined) lengthByte = checkInt('lengthField', e.lengthField, 255);
  else if (e.type === 44) lengthByte = checkInt('reserved', e.reserved ?? 0, 255);
  else {
    const what = `extension header ${e.type} (${EXTENSION_NAMES[e.type] ?? 'unknown'})`;
    if (size % unit !== 0) {
      throw new WireError('bad-length', `${what} of ${size} bytes is not a whole number of ${unit}-byte units (RFC 8200 section 4)`, { layer: 'ipv6' });
    }
    // RFC 4302 section 2: AH always has SPI and sequence number.
    if (e.type === 51 && size < 12) {
      throw new WireError('bad-length', `${what} of ${size} bytes is shorter than the 12 bytes of its fixed fields (RFC 4302 section 2)`, { layer: 'ipv6' });
    }
    lengthByte = e.type === 51 ? size / 4 - 2 : size / 8 - 1;
    if (lengthByte > 255) throw new WireError('bad-length', `extension header of ${size} bytes is too long for its length field`, { layer: 'ipv6' });
  }
  out[offset] = checkInt('nextHeader', nextHeader, 255);
  out[offset + 1] = lengthByte;
  out.set(body, offset + 2);
  return size;
}

function optionFields(o: Ipv6Option, out: FieldSink): void {
  out.add('ipv6.opt.type', o.type);
  if (o.type === 0) {
    out.add('ipv6.opt.pad1', '');
    return;
  }
  out.add('ipv6.opt.type.action', o.type >>> 6);
  out.add('ipv6.opt.type.change', (o.type >>> 5) & 1);
  out.add('ipv6.opt.type.rest', o.type & 0x1f);
  out.add('ipv6.opt.length', o.length!);
  if (o.type === 1) out.add('ipv6.opt.padn', o.data!);
  else if (o.type === 5 && o.value !== undefined) out.add('ipv6.opt.router_alert', o.value);
  else if (o.type === 0xc2 && o.value !== undefined) out.add('ipv6.opt.jumbo', o.value);
  else if (o.type === 4 && o.value !== undefined) out.add('ipv6.opt.tel', o.value);
  else if (o.type === 0xc9 && o.address !== undefined) out.add('ipv6.opt.mipv6.home_address', o.address);
  else if (o.name === 'experimental') out.add('ipv6.opt.experimental', o.data!);
}

/** tshark's fields for one extension header (AH is its own protocol in tshark: its `ah.*` fields). */
export function ipv6ExtensionFields(e: Ipv6Extension, out: FieldSink): void {
  if (e.type === 51) {
    const data = toBytes(e.data);
    const ah: AhHeader = { nextHeader: e.nextHeader, length: e.length / 4 - 2, reserved: data.length >= 2 ? u16(data, 0) : undefined, spi: e.spi, sequence: e.sequence };
    if (data.length > 10) ah.icv = bytesField(data.subarray(10));
    ahFields(ah, out);
    return;
  }
  const prefix = `ipv6.${e.name}`;
  out.add(`${prefix}.nxt`, e.nextHeader);
  if (e.type === 44) {
    const data = toBytes(e.data);
    if (data.length < 6) return;
    out.add('ipv6.fraghdr.reserved_octet', e.reserved!);
    out.add('ipv6.fraghdr.offset', e.fragmentOffset!);
    out.add('ipv6.fraghdr.reserved_bits', (u16(data, 0) >>> 1) & 3);
    out.add('ipv6.fraghdr.more', e.moreFragments ? 1 : 0);
    out.add('ipv6.fraghdr.ident', e.id!);
    return;
  }
  out.add(`${prefix}.len`, e.length / 8 - 1);
  out.add(`${prefix}.len_oct`, e.length);
  if (e.options !== undefined) {
    for (const o of e.options) optionFields(o, out);
    return;
  }
  if (e.type !== 43 || e.routingType === undefined) return;
  out.add('ipv6.routing.type', e.routingType);
  out.add('ipv6.routing.segleft', e.segmentsLeft!);
  const data = toBytes(e.data);
  if (e.routingType === 0 || e.routingType === 2) {
    const kind = e.routingType === 0 ? 'src' : 'mipv6';
    out.add(`ipv6.routing.${kind}.reserved`, bytesField(data.subarray(2, 6)));
    for (const a of e.addresses ?? []) out.add(e.routingType === 0 ? 'ipv6.routing.src.addr' : 'ipv6.routing.mipv6.home_address', a);
  } else if (e.routingType === 4) {
    out.add('ipv6.routing.srh.last_entry', e.lastEntry!);
    out.add('ipv6.routing.srh.flags', e.flags!);
    out.add('ipv6.routing.srh.tag', bytesField(data.subarray(4, 6)));
    for (const a of e.addresses ?? []) out.add('ipv6.routing.srh.addr', a);
  }
}
