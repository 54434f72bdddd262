// TCP options (RFC 9293 3.2): the kind/length/value list after the fixed header, parsed into plain
// objects and written back byte for byte. Options wirekit reads have a named form; every other
// kind (TFO, MPTCP, MD5, TCP-AO, experiments, unassigned) and any known kind with the wrong length
// is kept raw as kind + data, so a decode/encode round trip reproduces the bytes exactly.
import { WireError } from '../errors.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { put32, u16, u32 } from '../packet/bytes.js';

/**
 * One TCP option. Named kinds are strings (tshark's option names); any other option is
 * `{ kind: <number>, data: 'aa:bb' }` with its value bytes in colon hex.
 */
export type TcpOption =
  /** End of option list (kind 0): what follows in the option space is padding. */
  | { kind: 'eol' }
  /** No-operation (kind 1), aligns later options. */
  | { kind: 'nop' }
  /** Maximum segment size (kind 2, RFC 9293 3.7.1), in bytes. */
  | { kind: 'mss'; value: number }
  /** Window scale (kind 3, RFC 7323 2): the shift count; shifts above 14 are kept as sent. */
  | { kind: 'wscale'; shift: number }
  /** SACK permitted (kind 4, RFC 2018 2). */
  | { kind: 'sack_perm' }
  /** Selective acknowledgement (kind 5, RFC 2018 3): [left edge, right edge] pairs, absolute sequence numbers. */
  | { kind: 'sack'; blocks: [number, number][] }
  /** Timestamps (kind 8, RFC 7323 3). */
  | { kind: 'timestamp'; tsval: number; tsecr: number }
  /** Any other option, or a named kind whose length is not its fixed one: kind and value bytes. */
  | TcpRawOption;

export interface TcpRawOption {
  kind: number;
  /** The option's value after its kind and length bytes, colon hex (`01:02:03`), `''` for none. */
  data: string;
}

/** The options as parsed from an option space, and what was left over. */
export interface ParsedTcpOptions {
  options: TcpOption[];
  /** Bytes after an EOL option (header padding, RFC 9293 3.1: zeros), colon hex. */
  padding?: string;
  /** Bytes from the first option that could not be parsed to the end of the option space. */
  unparsed?: string;
  /** Why parsing stopped early: an option length below 2 or past the end of the option space. */
  error?: WireError;
}

/**
 * Colon hex (or bare hex) to bytes; throws `bad-value` naming `what` for anything else.
 *
 * @example
 * hexBytes('01:02:0a', 'cookie') // Uint8Array [1, 2, 10]
 */
export function hexBytes(text: string, what: string): Uint8Array {
  const clean = text.replace(/[:\s-]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(clean)) {
    throw new WireError('bad-value', `${what} must be hex bytes like '01:02:0a', got '${text}'`, { layer: 'tcp' });
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** An option whose length byte is valid, in its named form when its length is the one its RFC gives. */
function namedOrRaw(b: Uint8Array, at: number, length: number): TcpOption {
  const kind = b[at]!;
  switch (kind) {
    case 2:
      if (length === 4) return { kind: 'mss', value: u16(b, at + 2) };
      break;
    case 3:
      if (length === 3) return { kind: 'wscale', shift: b[at + 2]! };
      break;
    case 4:
      if (length === 2) return { kind: 'sack_perm' };
      break;
    case 5:
      // RFC 2018 3: 8 bytes per block after kind and length, at least one block.
      if (length >= 10 && (length - 2) % 8 === 0) {
        const blocks: [number, number][] = [];
        for (let p = at + 2; p < at + length; p += 8) blocks.push([u32(b, p), u32(b, p + 4)]);
        return { kind: 'sack', blocks };
      }
      break;
    case 8:
      if (length === 10) return { kind: 'timestamp', tsval: u32(b, at + 2), tsecr: u32(b, at + 6) };
      break;
  }
  return { kind, data: bytesField(b.subarray(at + 2, at + length)) };
}

/**
 * Parses the option space bytes[start, end) (RFC 9293 3.2): kinds 0 and 1 are one byte, every other
 * option is kind, length (counting both), value. Parsing stops at EOL (the rest is padding), and at
 * an option whose length is below 2 or runs past `end`: that option and the rest are `unparsed`,
 * with an `error` unless `cut` says the space itself was cut short (an ICMP-quoted segment), in
 * which case the incomplete last option is expected. Reads nothing outside [start, end).
 *
 * @example
 * parseTcpOptions(new Uint8Array([2, 4, 5, 0xb4, 1, 3, 3, 7]), 0, 8).options
 * // [{ kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }]
 */
export function parseTcpOptions(bytes: Uint8Array, start: number, end: number, cut = false): ParsedTcpOptions {
  const parsed: ParsedTcpOptions = { options: [] };
  walkTcpOptions(bytes, start, end, cut, parsed);
  return parsed;
}

/**
 * The walk behind `parseTcpOptions` and TCP's validation: returns the `error` that
 * `parseTcpOptions` reports (undefined when there is none), and when `out` is given fills it
 * (options, padding, unparsed, error). Without `out` it allocates nothing unless the options are
 * malformed.
 */
export function walkTcpOptions(bytes: Uint8Array, start: number, end: number, cut: boolean, out?: ParsedTcpOptions): WireError | undefined {
  let at = start;
  while (at < end) {
    const kind = bytes[at]!;
    if (kind === 0) {
      at++;
      if (out !== undefined) {
        out.options.push({ kind: 'eol' });
        if (at < end) out.padding = bytesField(bytes.subarray(at, end));
      }
      return undefined;
    }
    if (kind === 1) {
      out?.options.push({ kind: 'nop' });
      at++;
      continue;
    }
    let error: WireError | undefined;
    if (at + 1 >= end) {
      if (!cut) {
        error = new WireError('bad-length', `option kind ${kind} at offset ${at} has no room for its length byte before the header ends at offset ${end}`, {
          layer: 'tcp',
          offset: at,
          required: at + 2 - start,
          available: end - start,
        });
      }
    } else {
      const length = bytes[at + 1]!;
      if (length < 2) {
        error = new WireError('bad-length', `option kind ${kind} at offset ${at} has length ${length}, below the 2 bytes of its kind and length`, {
          layer: 'tcp',
          offset: at,
        });
      } else if (at + length > end) {
        if (!cut) {
          error = new WireError('bad-length', `option kind ${kind} at offset ${at} has length ${length}, past the end of the options at offset ${end}`, {
            layer: 'tcp',
            offset: at,
            required: at + length - start,
            available: end - start,
          });
        }
      } else {
        out?.options.push(namedOrRaw(bytes, at, length));
        at += length;
        continue;
      }
    }
    // That option and the rest are unparsed.
    if (out !== undefined) {
      out.unparsed = bytesField(bytes.subarray(at, end));
      if (error !== undefined) out.error = error;
    }
    return error;
  }
  return undefined;
}

/**
 * Bytes `option` takes on the wire.
 *
 * @example
 * tcpOptionLength({ kind: 'sack', blocks: [[1, 2]] }) // 10
 */
export function tcpOptionLength(option: TcpOption): number {
  switch (option.kind) {
    case 'eol':
    case 'nop':
      return 1;
    case 'mss':
      return 4;
    case 'wscale':
      return 3;
    case 'sack_perm':
      return 2;
    case 'sack':
      return 2 + 8 * option.blocks.length;
    case 'timestamp':
      return 10;
    default:
      return option.kind === 0 || option.kind === 1 ? 1 : 2 + hexBytes(option.data, `tcp option ${option.kind} data`).length;
  }
}

function checkInt(value: number, max: number, what: string): number {
  if (!(Number.isInteger(value) && value >= 0 && value <= max)) {
    throw new WireError('bad-value', `${what} must be an integer 0..${max}, got ${value}`, { layer: 'tcp' });
  }
  return value;
}

/**
 * Writes one option at out[at] and returns the position after it; throws `bad-value` for values
 * that do not fit their fields.
 *
 * @example
 * const out = new Uint8Array(4);
 * writeTcpOption({ kind: 'mss', value: 1460 }, out, 0) // 4; out is 02 04 05 b4
 */
export function writeTcpOption(option: TcpOption, out: Uint8Array, at: number): number {
  switch (option.kind) {
    case 'eol':
      out[at] = 0;
      return at + 1;
    case 'nop':
      out[at] = 1;
      return at + 1;
    case 'mss': {
      const v = checkInt(option.value, 0xffff, 'mss value');
      out.set([2, 4, v >>> 8, v & 0xff], at);
      return at + 4;
    }
    case 'wscale':
      out.set([3, 3, checkInt(option.shift, 255, 'wscale shift')], at);
      return at + 3;
    case 'sack_perm':
      out.set([4, 2], at);
      return at + 2;
    case 'sack': {
      const length = 2 + 8 * option.blocks.length;
      if (option.blocks.length === 0 || length > 40) {
        throw new WireError('bad-value', `sack needs 1 to 4 blocks in the 40-byte option space, got ${option.blocks.length}`, { layer: 'tcp' });
      }
      out[at] = 5;
      out[at + 1] = length;
      option.blocks.forEach(([left, right], i) => {
        put32(out, at + 2 + 8 * i, checkInt(left, 0xffffffff, 'sack left edge'));
        put32(out, at + 6 + 8 * i, checkInt(right, 0xffffffff, 'sack right edge'));
      });
      return at + length;
    }
    case 'timestamp':
      out[at] = 8;
      out[at + 1] = 10;
      put32(out, at + 2, checkInt(option.tsval, 0xffffffff, 'timestamp tsval'));
      put32(out, at + 6, checkInt(option.tsecr, 0xffffffff, 'timestamp tsecr'));
      return at + 10;
    default: {
      const kind = checkInt(option.kind, 255, 'option kind');
      if (kind === 0 || kind === 1) {
        out[at] = kind;
        return at + 1;
      }
      const data = hexBytes(option.data, `tcp option ${kind} data`);
      if (data.length > 253) throw new WireError('bad-value', `option ${kind} data of ${data.length} bytes does not fit a length byte`, { layer: 'tcp' });
      out[at] = kind;
      out[at + 1] = 2 + data.length;
      out.set(data, at + 2);
      return at + 2 + data.length;
    }
  }
}

// ---- fields, as tshark 4.0 shows them ----

/** tshark's field for each option kind it dissects (its `tcp.options.*` protocols); others are `unknown`. */
const TSHARK_OPTION_NAMES: Readonly<Record<number, string>> = {
  0: 'tcp.options.eol',
  1: 'tcp.options.nop',
  2: 'tcp.options.mss',
  3: 'tcp.options.wscale',
  4: 'tcp.options.sack_perm',
  5: 'tcp.options.sack',
  6: 'tcp.options.echo',
  7: 'tcp.options.echo',
  8: 'tcp.options.timestamp',
  11: 'tcp.options.cc',
  12: 'tcp.options.cc',
  13: 'tcp.options.cc',
  19: 'tcp.options.md5',
  20: 'tcp.options.scps',
  21: 'tcp.options.snack',
  22: 'tcp.options.scpsrec',
  23: 'tcp.options.scpscor',
  27: 'tcp.options.qs',
  28: 'tcp.options.user_to',
  29: 'tcp.options.ao',
  34: 'tcp.options.tfo',
  76: 'tcp.options.rvbd.probe',
  78: 'tcp.options.rvbd.trpy',
  172: 'tcp.options.acc_ecn',
  174: 'tcp.options.acc_ecn',
  253: 'tcp.options.experimental',
  254: 'tcp.options.experimental',
};
/** MPTCP (RFC 8684): tshark hands it to its own `mptcp` subtree, with no bytes field of its own. */
const MPTCP = 30;
/** Experiment IDs tshark 4.0 decodes itself (TFO before RFC 7413, AccECN), so it shows no `data` for them. */
const EXID_TFO = 0xf989;
const EXIDS_ACC_ECN = [0xacc0, 0xacc1];

/** The option's bytes on the wire, kind and length included. */
function tcpOptionBytes(option: TcpOption): Uint8Array {
  const out = new Uint8Array(tcpOptionLength(option));
  writeTcpOption(option, out, 0);
  return out;
}

function rawFields(kind: number, data: Uint8Array, bytes: Uint8Array, out: FieldSink): void {
  const name = TSHARK_OPTION_NAMES[kind] ?? 'tcp.options.unknown';
  if (kind !== MPTCP) out.add(name, bytesField(bytes));
  out.add('tcp.option_kind', kind);
  out.add('tcp.option_len', bytes.length);
  // Value fields only for the shapes tshark 4.0 decodes without complaint.
  // MPTCP's value fields (subtype, version, flags, keys) are not shown; nor is it raw payload, which tshark never calls it.
  if (name === 'tcp.options.unknown' && kind !== MPTCP && data.length > 0) out.add('tcp.options.unknown.payload', bytesField(data));
  else if (kind === 34 && data.length > 0) out.add('tcp.options.tfo.cookie', bytesField(data));
  else if (kind === 19 && data.length === 16) out.add('tcp.options.md5.digest', bytesField(data));
  else if ((kind === 6 || kind === 7) && data.length === 4) out.add('tcp.options.echo_value', u32(data, 0));
  else if (kind === 28 && data.length === 2) {
    out.add('tcp.options.user_to_granularity', data[0]! >>> 7);
    out.add('tcp.options.user_to_val', u16(data, 0) & 0x7fff);
  } else if (kind === 29 && data.length >= 2) {
    out.add('tcp.options.ao.keyid', data[0]!);
    out.add('tcp.options.ao.rnextkeyid', data[1]!);
    if (data.length > 2) out.add('tcp.options.ao.mac', bytesField(data.subarray(2)));
  } else if ((kind === 253 || kind === 254) && data.length >= 2) {
    const exid = u16(data, 0);
    out.add('tcp.options.experimental.exid', exid);
    if (exid === EXID_TFO) {
      if (data.length > 2) out.add('tcp.options.tfo.cookie', bytesField(data.subarray(2)));
    } else if (!EXIDS_ACC_ECN.includes(exid) && data.length > 2) {
      out.add('tcp.options.experimental.data', bytesField(data.subarray(2)));
    }
  }
}

/**
 * The option a snaplen cut runs through (`bytes`: its captured bytes, from the kind on), as tshark
 * shows it: once the length byte is there, the option under its name with the bytes there are, its
 * kind and declared length, and the value fields whose bytes were captured (a timestamp's TSval,
 * TCP-AO's key ids, an experimental option's ExID). Nothing for a lone kind byte, or for bytes
 * that are not a cut option (a length below 2, or one the bytes cover: a malformed list).
 */
export function cutOptionFields(bytes: Uint8Array, out: FieldSink): void {
  if (bytes.length < 2) return;
  const kind = bytes[0]!;
  const length = bytes[1]!;
  if (kind <= 1 || length < 2 || length <= bytes.length) return;
  const name = TSHARK_OPTION_NAMES[kind] ?? 'tcp.options.unknown';
  if (kind !== MPTCP) out.add(name, bytesField(bytes));
  out.add('tcp.option_kind', kind);
  out.add('tcp.option_len', length);
  const data = bytes.subarray(2);
  if (kind === 8 && data.length >= 4) out.add('tcp.options.timestamp.tsval', u32(data, 0));
  else if (kind === 29 && data.length >= 1) {
    out.add('tcp.options.ao.keyid', data[0]!);
    if (data.length >= 2) out.add('tcp.options.ao.rnextkeyid', data[1]!);
  } else if ((kind === 253 || kind === 254) && data.length >= 2) out.add('tcp.options.experimental.exid', u16(data, 0));
}

/**
 * Writes tshark's fields for an option list: each option's bytes under its `tcp.options.*` name,
 * `tcp.option_kind`, `tcp.option_len` and the value fields. SACK edges are left out: tshark shows
 * them relative to the stream's first sequence number unless told otherwise, which needs stream
 * state. Zero padding after EOL shows as further EOLs, as tshark 4.0 shows it.
 */
export function tcpOptionFields(options: readonly TcpOption[], padding: string | undefined, out: FieldSink): void {
  for (const option of options) {
    switch (option.kind) {
      case 'eol':
      case 'nop':
        out.add(option.kind === 'eol' ? 'tcp.options.eol' : 'tcp.options.nop', option.kind === 'eol' ? '00' : '01');
        out.add('tcp.option_kind', option.kind === 'eol' ? 0 : 1);
        break;
      case 'mss':
        out.add('tcp.options.mss', bytesField(tcpOptionBytes(option)));
        out.add('tcp.option_kind', 2);
        out.add('tcp.option_len', 4);
        out.add('tcp.options.mss_val', option.value);
        break;
      case 'wscale':
        out.add('tcp.options.wscale', bytesField(tcpOptionBytes(option)));
        out.add('tcp.option_kind', 3);
        out.add('tcp.option_len', 3);
        out.add('tcp.options.wscale.shift', option.shift);
        // RFC 7323 2.3: shifts above 14 are used as 14, and tshark's multiplier says so.
        out.add('tcp.options.wscale.multiplier', 2 ** Math.min(option.shift, 14));
        break;
      case 'sack_perm':
        out.add('tcp.options.sack_perm', '04:02');
        out.add('tcp.option_kind', 4);
        out.add('tcp.option_len', 2);
        break;
      case 'sack':
        out.add('tcp.options.sack', bytesField(tcpOptionBytes(option)));
        out.add('tcp.option_kind', 5);
        out.add('tcp.option_len', 2 + 8 * option.blocks.length);
        out.add('tcp.options.sack.count', option.blocks.length);
        break;
      case 'timestamp':
        out.add('tcp.options.timestamp', bytesField(tcpOptionBytes(option)));
        out.add('tcp.option_kind', 8);
        out.add('tcp.option_len', 10);
        out.add('tcp.options.timestamp.tsval', option.tsval);
        out.add('tcp.options.timestamp.tsecr', option.tsecr);
        break;
      default: {
        if (option.kind === 0 || option.kind === 1) {
          out.add(option.kind === 0 ? 'tcp.options.eol' : 'tcp.options.nop', option.kind === 0 ? '00' : '01');
          out.add('tcp.option_kind', option.kind);
          break;
        }
        const bytes = tcpOptionBytes(option);
        rawFields(option.kind, bytes.subarray(2), bytes, out);
      }
    }
  }
  // tshark 4.0 reads all-zero padding after EOL as more EOLs, and stops at padding that is not zero.
  if (padding !== undefined && padding !== '' && /^00(:00)*$/.test(padding)) {
    for (let i = 0, n = (padding.length + 1) / 3; i < n; i++) {
      out.add('tcp.options.eol', '00');
      out.add('tcp.option_kind', 0);
    }
  }
}
