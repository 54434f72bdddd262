// CAN bus frames as Linux SocketCAN hands them to libpcap, LINKTYPE_CAN_SOCKETCAN (227): a 32-bit
// CAN ID word in network byte order (bits 0-28 the identifier, 29 an error frame, 30 a remote
// transmission request, 31 the extended 29-bit format), the data length, a flags byte (CAN FD:
// 0x04 marks an FD frame, 0x01 bit rate switch, 0x02 error state indicator), two reserved bytes,
// then the data (up to 8 bytes, 64 for CAN FD). An error frame's identifier bits say which error
// classes occurred (Linux's can/error.h) and its 8 data bytes the details.
//
// Linux cooked captures (`tcpdump -i any`) carry the same frames after an SLL header whose protocol
// says CAN (0x000c) or CAN FD (0x000d), with the identifier word in the host's byte order (little-
// endian here, as on every machine tshark is compared with).
//
// tshark's dissector is `can` (CANFD in the protocol column for FD frames; `canfd` in frame.protocols
// after SLL's CAN FD protocol): can.id, can.flags.xtd, .rtr, .err, can.len, can.reserved,
// canfd.flags.brs and .esi, can.err.* for error frames.
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import type { Decoded, DecodeContext, Protocol } from '../packet/protocol.js';
import { cutShort } from '../packet/partial.js';
import { le32, u32 } from '../packet/bytes.js';

export const LINKTYPE_CAN_SOCKETCAN = 227;
export const CAN_HEADER_LENGTH = 8;

const EFF = 0x80000000;
const RTR = 0x40000000;
const ERR = 0x20000000;
const FDF = 0x04;

/** Error classes of an error frame's identifier (bit k), by tshark's names. */
const ERROR_CLASSES = ['Transmit timeout', 'Lost arbitration', 'Controller problems', 'Protocol violation', 'Transceiver status', 'No acknowledgement', 'Bus off', 'Bus error', 'Controller restarted'];
const ERROR_FIELDS = ['tx_timeout', 'lostarb', 'ctrl', 'prot', 'trx', 'ack', 'busoff', 'buserror', 'restarted'];

export interface CanHeader {
  /** The identifier (11 or 29 bits; for an error frame, its error class bits). */
  id: number;
  extended: boolean;
  remote: boolean;
  error: boolean;
  /** CAN FD (the FDF flag). */
  fd: boolean;
  /** Data length as the header says it. */
  length: number;
  /** The flags byte (FD: bit rate switch 0x01, error state 0x02). */
  flags: number;
  /** The two reserved bytes (the second is Classical CAN's len8_dlc). */
  reserved: number;
}

/** The 8-byte header at `offset` (the identifier word little-endian with `hostOrder`, as SLL carries it). */
export function decodeCan(bytes: Uint8Array, offset = 0, end = bytes.length, hostOrder = false): CanHeader {
  const available = Math.min(end, bytes.length) - offset;
  if (offset < 0 || available < CAN_HEADER_LENGTH) {
    throw cutShort('can', offset, CAN_HEADER_LENGTH, available);
  }
  const word = hostOrder ? le32(bytes, offset) : u32(bytes, offset);
  const extended = (word & EFF) !== 0;
  const error = (word & ERR) !== 0;
  return {
    id: word & 0x1fffffff,
    extended,
    remote: (word & RTR) !== 0,
    error,
    fd: (bytes[offset + 5]! & FDF) !== 0,
    length: bytes[offset + 4]!,
    flags: bytes[offset + 5]!,
    reserved: (bytes[offset + 6]! << 8) | bytes[offset + 7]!,
  };
}

/** tshark's info column for a frame. */
export function canInfo(h: CanHeader): string {
  if (h.error) {
    const classes: string[] = [];
    ERROR_CLASSES.forEach((name, k) => {
      if (h.id & (1 << k)) classes.push(name);
    });
    if (h.id >>> ERROR_CLASSES.length) classes.push('Reserved');
    return classes.length === 0 ? 'ERR' : `ERR: ${classes.join(', ')}`;
  }
  return `${h.extended ? 'Ext. ID' : 'ID'}: ${h.id} (0x${h.id.toString(16)}), Length: ${h.length}${h.remote ? '(Remote Transmission Request)' : ''}`;
}

/** tshark's info for a frame cut after its identifier and length (what it read from an SLL-carried frame). */
export function canCutInfo(bytes: Uint8Array, offset: number, captured: number): string {
  if (captured < 5) return '';
  const padded = new Uint8Array(CAN_HEADER_LENGTH);
  padded.set(bytes.subarray(offset, offset + 5));
  return canInfo(decodeCan(padded, 0, CAN_HEADER_LENGTH, true));
}

/**
 * A CAN protocol: `hostOrder` for frames after an SLL header, `fd` for SLL's CAN FD protocol. The
 * SLL-carried ones are registered as `can-linux` and `canfd-linux` (protocols are found by name);
 * tshark names them `can` and `canfd`.
 */
function canProtocol(name: 'can' | 'can-linux' | 'canfd-linux', hostOrder: boolean, fd: boolean): Protocol<CanHeader> {
  return {
    name,
    decode: (ctx) => decodeFrame(ctx, hostOrder, fd),
    partialFields(): void {},
    fields: canFields,
  };
}

/** `can`, for LINKTYPE_CAN_SOCKETCAN. The data bytes are the frame's payload (tshark's data). */
export const can = canProtocol('can', false, false);
/** `can` after a Linux cooked header (SLL protocol 0x000c), the identifier word in host order. */
export const canLinux = canProtocol('can-linux', true, false);
/** `canfd` after a Linux cooked header (SLL protocol 0x000d). */
export const canfdLinux = canProtocol('canfd-linux', true, true);

function decodeFrame(ctx: DecodeContext, hostOrder: boolean, fd: boolean): Decoded<CanHeader> {
  const header = decodeCan(ctx.bytes, ctx.offset, ctx.end, hostOrder);
  if (fd) header.fd = true;
  const available = Math.min(ctx.end, ctx.bytes.length) - ctx.offset - CAN_HEADER_LENGTH;
  const decoded: Decoded<CanHeader> = { header, headerLength: CAN_HEADER_LENGTH };
  if (header.error) {
    // Its details are its own 8 data bytes, no payload; fewer (a length below 8) is malformed.
    decoded.payloadEnd = ctx.offset + CAN_HEADER_LENGTH;
    if (header.length < 8 || available < 8) {
      decoded.error = new WireError('bad-length', `error frame at offset ${ctx.offset} has ${Math.min(header.length, available)} data bytes, not 8`, { layer: 'can', offset: ctx.offset + CAN_HEADER_LENGTH, required: 8, available: Math.min(header.length, available) });
    }
  } else if (!header.extended && header.id > 0x7ff) {
    decoded.error = new WireError('bad-value', `standard identifier 0x${header.id.toString(16)} at offset ${ctx.offset} is wider than 11 bits`, { layer: 'can', offset: ctx.offset });
  } else if (header.remote) {
    // A remote request carries no data, whatever its length says.
    decoded.payloadEnd = ctx.offset + CAN_HEADER_LENGTH;
  } else {
    decoded.payloadEnd = ctx.offset + CAN_HEADER_LENGTH + header.length;
  }
  return decoded;
}

function canFields(h: CanHeader, out: FieldSink): void {
  // The bytes after the length tshark shows as reserved: the flags byte too, except in CAN FD.
  const reserved = (n: 2 | 3) => (n === 3 ? [h.flags, h.reserved >>> 8, h.reserved & 0xff] : [h.reserved >>> 8, h.reserved & 0xff]).map((x) => x.toString(16).padStart(2, '0')).join(':');
  if (h.error) {
    out.add('can.flags.err', 1);
    ERROR_FIELDS.forEach((name, k) => out.add(`can.err.${name}`, (h.id >>> k) & 1));
    out.add('can.err.reserved', h.id & ~0x1ff & 0x1fffffff);
    out.add('can.len', h.length);
    out.add('can.reserved', reserved(3));
    return;
  }
  out.add('can.id', h.id);
  out.add('can.flags.xtd', h.extended ? 1 : 0);
  if (h.fd) {
    out.add('can.len', h.length);
    out.add('canfd.flags.brs', h.flags & 1);
    out.add('canfd.flags.esi', (h.flags >>> 1) & 1);
    out.add('can.reserved', reserved(2));
    return;
  }
  out.add('can.flags.rtr', h.remote ? 1 : 0);
  out.add('can.flags.err', 0);
  out.add('can.len', h.length);
  out.add('can.reserved', reserved(3));
}
