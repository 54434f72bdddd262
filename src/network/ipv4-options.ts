// IPv4 options (RFC 791 section 3.1): type-length-value records after the fixed header, kept as
// TLVs so any option round-trips, with the common kinds named and their contents parsed.
import { WireError } from '../errors.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { formatIpv4, writeIpv4 } from './ip-address.js';
import { u16, u32 } from '../packet/bytes.js';

/** Option types wirekit names (IANA "IP Option Numbers"; the type byte is copy, class and number). */
export const IPV4_OPTION = {
  eol: 0,
  nop: 1,
  rr: 7,
  mtuProbe: 11,
  mtuReply: 12,
  quickStart: 25,
  timestamp: 68,
  traceroute: 82,
  security: 130,
  lsrr: 131,
  extendedSecurity: 133,
  cipso: 134,
  streamId: 136,
  ssrr: 137,
  routerAlert: 148,
  sdb: 149,
} as const;

const NAMES: Record<number, string> = {
  0: 'eol',
  1: 'nop',
  7: 'rr',
  11: 'mtu-probe',
  12: 'mtu-reply',
  25: 'quick-start',
  68: 'timestamp',
  82: 'traceroute',
  130: 'security',
  131: 'lsrr',
  133: 'extended-security',
  134: 'cipso',
  136: 'stream-id',
  137: 'ssrr',
  148: 'router-alert',
  149: 'sdb',
};

/** tshark's byte field for each option it dissects: the whole option (ip.options.*). */
const WHOLE_OPTION_FIELD: Record<number, string> = {
  0: 'ip.options.eol',
  1: 'ip.options.nop',
  7: 'ip.options.record_route',
  11: 'ip.options.mtu_probe',
  12: 'ip.options.mtu_reply',
  25: 'ip.options.qs',
  68: 'ip.options.timestamp',
  82: 'ip.options.traceroute',
  130: 'ip.options.security',
  131: 'ip.options.route',
  133: 'ip.options.ext_security',
  134: 'ip.options.cipso',
  136: 'ip.options.sid',
  137: 'ip.options.source_route',
  148: 'ip.options.routeralert',
  149: 'ip.options.sdb',
};

/** Options whose length is fixed by their RFC: a different length byte makes the list malformed. */
const FIXED_LENGTH: Record<number, number> = { 11: 4, 12: 4, 25: 8, 82: 12, 136: 4, 148: 4 };
/** Smallest valid length of the variable-length kinds we parse (type, length, pointer[, flags]). */
const MIN_LENGTH: Record<number, number> = { 7: 3, 68: 4, 131: 3, 137: 3 };

/** One timestamp entry of a timestamp option (RFC 791): `address` for flag 1 and 3. */
export interface Ipv4TimestampEntry {
  address?: string;
  timestamp: number;
}

/**
 * One IPv4 option as decoded. `type`, `length` and `data` are the TLV and are what encoding
 * uses; the rest is parsed from `data` for the kinds wirekit knows, for reading convenience.
 */
export interface Ipv4Option {
  /** The whole type byte (copy flag, class, number): 7 record route, 68 timestamp, 148 router alert... */
  type: number;
  /** `eol`, `nop`, `rr`, `timestamp`, `lsrr`, `ssrr`, `router-alert`, `security`, `stream-id`, ...; absent when unknown. */
  name?: string;
  /** The length byte (type and length included); absent for EOL and NOP, which are one byte. */
  length?: number;
  /** The bytes after type and length, colon-separated hex (`0a:00:00:01`); absent for EOL and NOP. */
  data?: string;
  /** Record route, source routes, timestamp: the 1-based pointer to the next free slot. */
  pointer?: number;
  /** Record route and source routes: every address slot, in order (recorded, next and remaining). */
  addresses?: string[];
  /** Timestamp: the overflow count (high nibble) and flag (low nibble: 0, 1 or 3). */
  overflow?: number;
  flag?: number;
  timestamps?: Ipv4TimestampEntry[];
  /** Router alert value (RFC 2113), stream ID, or MTU of MTU probe/reply (RFC 1063). */
  value?: number;
}

/**
 * An option to encode: `type` and either raw `data` (bytes after type and length) or, for the
 * route options (7, 131, 137), `addresses` and an optional `pointer` (default 4, the first slot),
 * or for router alert, stream ID and MTU options a 16-bit `value`. EOL (0) and NOP (1) take nothing.
 * `length` overrides the length byte (for crafting malformed options).
 */
export interface Ipv4OptionInput {
  type: number;
  data?: string | Uint8Array | readonly number[];
  addresses?: readonly string[];
  pointer?: number;
  value?: number;
  length?: number;
}

/** The result of walking an option list: the options read and, if the list is malformed, why. */
export interface Ipv4OptionList {
  options: Ipv4Option[];
  /** Set when an option is malformed: the walk stopped there (RFC 791 gives no way to resync). */
  problem?: Ipv4OptionProblem;
}

/** Parses the contents of the kinds we know into `option`, reading bytes [at, at + length). */
function parseContents(option: Ipv4Option, b: Uint8Array, at: number, length: number): void {
  switch (option.type) {
    case 7:
    case 131:
    case 137: {
      option.pointer = b[at + 2]!;
      option.addresses = [];
      for (let slot = at + 3; slot + 4 <= at + length; slot += 4) option.addresses.push(formatIpv4(b, slot));
      return;
    }
    case 68: {
      option.pointer = b[at + 2]!;
      option.overflow = b[at + 3]! >>> 4;
      option.flag = b[at + 3]! & 0x0f;
      const withAddress = option.flag === 1 || option.flag === 3;
      const step = withAddress ? 8 : 4;
      option.timestamps = [];
      for (let e = at + 4; e + step <= at + length; e += step) {
        option.timestamps.push(withAddress ? { address: formatIpv4(b, e), timestamp: u32(b, e + 4) } : { timestamp: u32(b, e) });
      }
      return;
    }
    case 11:
    case 12:
    case 136:
    case 148:
      option.value = u16(b, at + 2);
      return;
  }
}

/** A malformed option list: why, and where the option that breaks it starts. */
export interface Ipv4OptionProblem {
  message: string;
  offset: number;
}

/**
 * Walks the options in bytes [start, end) the way RFC 791 and tshark do: EOL ends the list, NOP is
 * one byte, every other option has a length byte counting type and length. A malformed option
 * stops the walk and is reported in `problem`; the options before it are kept.
 *
 * @example
 * const { options } = parseIpv4Options(packet, 34, 34 + 4); // [{ type: 148, name: 'router-alert', length: 4, value: 0, ... }]
 */
export function parseIpv4Options(b: Uint8Array, start: number, end: number): Ipv4OptionList {
  const options: Ipv4Option[] = [];
  const problem = walkIpv4Options(b, start, end, options);
  return problem === undefined ? { options } : { options, problem };
}

/**
 * The walk behind `parseIpv4Options` and the IPv4 layer's validation: returns the problem of a
 * malformed list (undefined when it is well formed), and when `out` is given pushes each option
 * read to it. Without `out` it allocates nothing unless the list is malformed.
 */
export function walkIpv4Options(b: Uint8Array, start: number, end: number, out?: Ipv4Option[]): Ipv4OptionProblem | undefined {
  let at = start;
  while (at < end) {
    const type = b[at]!;
    if (type === 0 || type === 1) {
      out?.push({ type, name: NAMES[type]! });
      at++;
      if (type === 0) break;
      continue;
    }
    if (at + 1 >= end) return optionProblem(type, at, 'has no room for its length byte');
    const length = b[at + 1]!;
    if (length < 2) return optionProblem(type, at, `has length ${length}, below the minimum 2`);
    if (at + length > end) return optionProblem(type, at, `has length ${length}, past the end of the options (${end - at} bytes left)`);
    let option: Ipv4Option | undefined;
    if (out !== undefined) {
      option = { type, length, data: bytesField(b.subarray(at + 2, at + length)) };
      const name = NAMES[type];
      if (name !== undefined) option.name = name;
      out.push(option);
    }
    // A known option of the wrong size is kept as a bare TLV (its extent is clear), but the list is
    // reported malformed: a router would reject it (RFC 1812 section 5.2.2).
    const fixed = FIXED_LENGTH[type];
    if (fixed !== undefined && length !== fixed) return optionProblem(type, at, `has length ${length}, but this option is always ${fixed} bytes`);
    const min = MIN_LENGTH[type];
    if (min !== undefined && length < min) return optionProblem(type, at, `has length ${length}, below the minimum ${min} for this option`);
    if (option !== undefined) parseContents(option, b, at, length);
    at += length;
  }
  return undefined;
}

function optionProblem(type: number, at: number, what: string): Ipv4OptionProblem {
  return { message: `option ${NAMES[type] ?? 'type'} (${type}) at offset ${at} ${what}`, offset: at };
}

function hexBytes(text: string): Uint8Array {
  const hex = text.replace(/[:\s.-]/g, '');
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) {
    throw new WireError('bad-value', `option data '${text}' is not hex bytes (expected e.g. '0a:00:00:01')`, { layer: 'ip' });
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toBytes(data: string | Uint8Array | readonly number[]): Uint8Array {
  if (typeof data === 'string') return hexBytes(data);
  return data instanceof Uint8Array ? data : Uint8Array.from(data);
}

/** The bytes after type and length that `option` encodes to. */
function optionBody(option: Ipv4OptionInput): Uint8Array {
  if (option.data !== undefined) return toBytes(option.data);
  const { type } = option;
  if ((type === 7 || type === 131 || type === 137) && option.addresses !== undefined) {
    const body = new Uint8Array(1 + 4 * option.addresses.length);
    body[0] = option.pointer ?? 4;
    option.addresses.forEach((a, i) => writeIpv4(a, body, 1 + 4 * i));
    return body;
  }
  if (option.value !== undefined && (type === 11 || type === 12 || type === 136 || type === 148)) {
    return new Uint8Array([option.value >>> 8, option.value & 0xff]);
  }
  return new Uint8Array(0);
}

function checkByte(name: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 0 && value <= 255)) {
    throw new WireError('bad-value', `option ${name} must be 0..255, got ${value}`, { layer: 'ip' });
  }
}

/** Bytes the options take on the wire, before padding to a multiple of 4. */
export function ipv4OptionsLength(options: readonly Ipv4OptionInput[]): number {
  let n = 0;
  for (const o of options) n += o.type === 0 || o.type === 1 ? 1 : 2 + optionBody(o).length;
  return n;
}

/**
 * Writes `options` at out[offset] and pads them with zeros (EOL, RFC 791) to `paddedLength`;
 * returns the unpadded length.
 */
export function writeIpv4Options(options: readonly Ipv4OptionInput[], out: Uint8Array, offset: number, paddedLength: number): number {
  let at = offset;
  for (const o of options) {
    checkByte('type', o.type);
    out[at++] = o.type;
    if (o.type === 0 || o.type === 1) continue;
    const body = optionBody(o);
    const length = o.length ?? body.length + 2;
    checkByte('length', length);
    out[at++] = length;
    out.set(body, at);
    at += body.length;
  }
  out.fill(0, at, offset + paddedLength);
  return at - offset;
}

/**
 * Where a source route puts the final destination, as tshark works it out (RFC 791 section 3.1):
 * the last address of the first loose or strict source route whose pointer still points into the
 * route. Then the header's destination is only the next hop.
 *
 * @example
 * sourceRouteDestination(decodeIpv4(packet).options) // '203.0.113.9' while a loose source route is under way
 */
export function sourceRouteDestination(options: readonly Ipv4Option[]): string | undefined {
  for (const o of options) {
    if (o.type !== 131 && o.type !== 137) continue;
    const p = o.pointer ?? 0;
    const length = o.length ?? 0;
    if (p < 4 || p & 3 || p > length) return undefined;
    // The option's last 4 bytes, even when its length is not 3 + 4n (tshark reads them so).
    const whole = Uint8Array.of(o.type, length, ...hexBytes(o.data ?? ''));
    return formatIpv4(whole, whole.length - 4);
  }
  return undefined;
}

function addRoute(out: FieldSink, field: string, address: string): void {
  out.add(field, address);
  out.add(`${field}_host`, address);
}

/** tshark's fields for one option (only for the kinds tshark 4.0 has a dissector for). */
export function ipv4OptionFields(o: Ipv4Option, out: FieldSink): void {
  const item = WHOLE_OPTION_FIELD[o.type];
  if (item === undefined) return; // tshark shows unknown options as text only
  // The whole option as bytes, under the name of tshark's option "protocol".
  out.add(item, o.length === undefined ? bytesField(Uint8Array.of(o.type)) : bytesField(Uint8Array.of(o.type, o.length, ...hexBytes(o.data ?? ''))));
  out.add('ip.opt.type', o.type);
  out.add('ip.opt.type.copy', o.type >>> 7);
  out.add('ip.opt.type.class', (o.type >>> 5) & 3);
  out.add('ip.opt.type.number', o.type & 0x1f);
  if (o.length === undefined) return;
  out.add('ip.opt.len', o.length);
  const length = o.length;
  // Options of the wrong size keep no parsed contents (see parseIpv4Options): type and length only.
  const fixed = FIXED_LENGTH[o.type];
  if ((fixed !== undefined && length !== fixed) || length < (MIN_LENGTH[o.type] ?? 2)) return;
  switch (o.type) {
    case 7:
    case 131:
    case 137: {
      const p = o.pointer!;
      out.add('ip.opt.ptr', p);
      if (p < 4 || p & 3) return;
      o.addresses!.forEach((address, i) => {
        const at = 3 + 4 * i; // the slot's offset in the option
        if (o.type === 7) {
          addRoute(out, p > length || at + 1 < p ? 'ip.rec_rt' : 'ip.empty_rt', address);
        } else if (p > length || (at !== length - 4 && at + 1 < p)) {
          addRoute(out, 'ip.rec_rt', address);
        } else if (at === length - 4) {
          out.add('ip.dst', address);
          out.add('ip.addr', address);
          out.add('ip.dst_host', address);
          out.add('ip.host', address);
        } else {
          addRoute(out, 'ip.src_rt', address);
        }
      });
      return;
    }
    case 68:
      out.add('ip.opt.ptr', o.pointer!);
      out.add('ip.opt.overflow', o.overflow!);
      out.add('ip.opt.flag', o.flag!);
      for (const e of o.timestamps!) {
        if (e.address !== undefined) out.add('ip.opt.time_stamp_addr', e.address);
        out.add('ip.opt.time_stamp', e.timestamp);
      }
      return;
    case 11:
    case 12:
      out.add('ip.opt.mtu', o.value!);
      return;
    case 136:
      out.add('ip.opt.sid', o.value!);
      return;
    case 148:
      out.add('ip.opt.ra', o.value!);
      return;
    case 82: {
      const b = hexBytes(o.data!);
      out.add('ip.opt.id_number', u16(b, 0));
      out.add('ip.opt.ohc', u16(b, 2));
      out.add('ip.opt.rhc', u16(b, 4));
      out.add('ip.opt.originator', formatIpv4(b, 6));
      return;
    }
    case 149: {
      const b = hexBytes(o.data!);
      let i = 0;
      for (; i + 4 <= b.length; i += 4) out.add('ip.opt.addr', formatIpv4(b, i));
      if (i < b.length) out.add('ip.opt.padding', bytesField(b.subarray(i)));
      return;
    }
  }
}
