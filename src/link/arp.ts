// ARP (RFC 826) and its relatives that share the packet layout: RARP (RFC 903, opcodes 3-4),
// DRARP (RFC 1931, 5-7) and InARP (RFC 2390, 8-9). Hardware and protocol address sizes are
// carried in the packet, so any pair is decoded; Ethernet (hardware type 1 or 6, 6 bytes) with IPv4
// (0x0800 or AX.25's 0xcc, 4 bytes) reads as MAC and dotted-quad text, other sizes as byte strings.
import { WireError } from '../errors.js';
import { formatIpv4 } from '../network/ip-address.js';
import { bytesField, type FieldSink } from '../packet/fields.js';
import { decodeByScan, scanned } from '../packet/packet.js';
import { capturedFields, capturedLength, paddedHeader } from '../packet/partial.js';
import type { DecodeContext, EncodeContext, Encoder, Protocol, Scanned } from '../packet/protocol.js';
import { writeMac } from './mac.js';

/** The fixed part: hardware type, protocol type, both sizes, opcode. */
export const ARP_FIXED_LENGTH = 8;

export const ARP_HW_ETHERNET = 1;
/** IEEE 802 networks (RFC 1042): also 6-byte MACs. */
export const ARP_HW_IEEE802 = 6;
const ARP_HW_AX25 = 3;
/** ATM ARP (RFC 2225) uses a different layout after the protocol type; see `arp.decode`. */
const ARP_HW_ATM = 19;
const ETHERTYPE_IPV4 = 0x0800;
/** AX.25 layer-3 identifier for IP, accepted as IPv4 by Wireshark too. */
const AX25_PID_IP = 0xcc;

/** Opcodes (IANA "Operation Codes"). */
export const ArpOpcode = {
  request: 1,
  reply: 2,
  rarpRequest: 3,
  rarpReply: 4,
  drarpRequest: 5,
  drarpReply: 6,
  drarpError: 7,
  inarpRequest: 8,
  inarpReply: 9,
} as const;

export interface ArpHeader {
  /** arp.hw.type: 1 Ethernet, 6 IEEE 802, ... */
  hwType: number;
  /** arp.proto.type: an ethertype, 0x0800 for IPv4. */
  protoType: number;
  /** arp.hw.size, arp.proto.size: bytes per address. */
  hwSize: number;
  protoSize: number;
  /** arp.opcode: 1 request, 2 reply, see `ArpOpcode`. */
  opcode: number;
  /** Sender hardware address, colon-separated hex: a MAC `aa:bb:cc:dd:ee:ff` for Ethernet; '' when size 0. */
  srcHw: string;
  /** Sender protocol address: dotted quad for IPv4, colon-separated hex otherwise; '' when size 0. */
  srcProto: string;
  dstHw: string;
  dstProto: string;
}

/**
 * Input for encoding. Addresses are written as the decoder prints them (colon or dash hex; a MAC in
 * any form `writeMac` takes; IPv4 dotted); sizes default to the addresses' byte lengths.
 */
export interface ArpInput {
  /** Default 1 (request). */
  opcode?: number;
  /** Default 1 (Ethernet). */
  hwType?: number;
  /** Default 0x0800 (IPv4). */
  protoType?: number;
  hwSize?: number;
  protoSize?: number;
  srcHw: string;
  srcProto: string;
  /** Default all zeros, as in a request (RFC 5227 section 2.1.1 requires it in probes). */
  dstHw?: string;
  dstProto: string;
}

/** True when the hardware addresses are MACs (Wireshark's ARP_HW_IS_ETHER). */
function isMacForm(hwType: number, hwSize: number): boolean {
  return (hwType === ARP_HW_ETHERNET || hwType === ARP_HW_IEEE802) && hwSize === 6;
}

/** True when the protocol addresses are IPv4 (Wireshark's ARP_PRO_IS_IPv4). */
function isIpv4Form(protoType: number, protoSize: number): boolean {
  return (protoType === ETHERTYPE_IPV4 || protoType === AX25_PID_IP) && protoSize === 4;
}

/** Byte length of an address string (`-1` when it is not one): dotted quad, or colon/dash hex. */
function parseAddress(text: string, out: Uint8Array | undefined, offset: number): number {
  if (typeof text !== 'string') return -1;
  const s = text.trim();
  if (s === '') return 0;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const parts = s.split('.').map(Number);
    if (parts.some((p) => p > 255)) return -1;
    if (out) parts.forEach((p, i) => (out[offset + i] = p));
    return 4;
  }
  if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(s)) {
    if (out) writeMac(s, out, offset, 'arp'); // a MAC in Cisco's dotted form
    return 6;
  }
  if (!/^[0-9a-f]{2}([:-][0-9a-f]{2})*$/i.test(s)) return -1;
  const groups = s.split(/[:-]/);
  if (out) groups.forEach((g, i) => (out[offset + i] = parseInt(g, 16)));
  return groups.length;
}

/**
 * Throws `truncated` unless the fixed part and all four addresses the sizes announce fit in
 * bytes[offset, end); returns the packet's length. The one check `ArpView`, `decode` and `scan` run.
 */
function checkArp(bytes: Uint8Array, offset: number, end: number): number {
  const available = Math.max(0, Math.min(end, bytes.length) - offset);
  if (offset < 0 || available < ARP_FIXED_LENGTH) {
    throw new WireError('truncated', `header needs 8 bytes, ${available} captured at offset ${offset}`, {
      layer: 'arp',
      offset,
      required: ARP_FIXED_LENGTH,
      available,
    });
  }
  const hwSize = bytes[offset + 4]!;
  const protoSize = bytes[offset + 5]!;
  const required = ARP_FIXED_LENGTH + 2 * (hwSize + protoSize);
  if (available < required) {
    throw new WireError(
      'truncated',
      `hardware address length ${hwSize} and protocol length ${protoSize} need ${required} bytes, ${available} captured at offset ${offset}`,
      { layer: 'arp', offset, required, available },
    );
  }
  return required;
}

/**
 * A zero-copy view of an ARP packet. `check()` validates that the addresses the sizes announce
 * are all there; the getters then read without bounds tests.
 *
 * @example
 * const arp = new ArpView(frame, 14).check();
 * if (arp.opcode === ArpOpcode.request) console.log(`who has ${arp.dstProto}? tell ${arp.srcProto}`);
 */
export class ArpView {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
    /** Where the packet's bytes end (a lower layer's length may end it before the buffer does). */
    readonly end = bytes.length,
  ) {}

  /** Throws `truncated` unless the fixed part and all four addresses fit. */
  check(): this {
    checkArp(this.bytes, this.offset, this.end);
    return this;
  }
  get hwType(): number {
    return (this.bytes[this.offset]! << 8) | this.bytes[this.offset + 1]!;
  }
  get protoType(): number {
    return (this.bytes[this.offset + 2]! << 8) | this.bytes[this.offset + 3]!;
  }
  get hwSize(): number {
    return this.bytes[this.offset + 4]!;
  }
  get protoSize(): number {
    return this.bytes[this.offset + 5]!;
  }
  get opcode(): number {
    return (this.bytes[this.offset + 6]! << 8) | this.bytes[this.offset + 7]!;
  }
  set opcode(value: number) {
    this.bytes[this.offset + 6] = value >>> 8;
    this.bytes[this.offset + 7] = value;
  }
  /** Bytes of the whole packet: 8 + 2 x (hardware size + protocol size). */
  get length(): number {
    return ARP_FIXED_LENGTH + 2 * (this.hwSize + this.protoSize);
  }
  get srcHwOffset(): number {
    return this.offset + ARP_FIXED_LENGTH;
  }
  get srcProtoOffset(): number {
    return this.srcHwOffset + this.hwSize;
  }
  get dstHwOffset(): number {
    return this.srcProtoOffset + this.protoSize;
  }
  get dstProtoOffset(): number {
    return this.dstHwOffset + this.hwSize;
  }
  get srcHw(): string {
    return bytesField(this.bytes.subarray(this.srcHwOffset, this.srcHwOffset + this.hwSize));
  }
  get dstHw(): string {
    return bytesField(this.bytes.subarray(this.dstHwOffset, this.dstHwOffset + this.hwSize));
  }
  get srcProto(): string {
    return this.#proto(this.srcProtoOffset);
  }
  get dstProto(): string {
    return this.#proto(this.dstProtoOffset);
  }
  #proto(at: number): string {
    return isIpv4Form(this.protoType, this.protoSize) ? formatIpv4(this.bytes, at) : bytesField(this.bytes.subarray(at, at + this.protoSize));
  }
}

/**
 * Decodes the ARP packet at `offset`.
 *
 * @example
 * decodeArp(frame, 14);
 * // { hwType: 1, protoType: 0x0800, hwSize: 6, protoSize: 4, opcode: 1,
 * //   srcHw: '02:00:00:00:00:01', srcProto: '10.0.0.1', dstHw: '00:00:00:00:00:00', dstProto: '10.0.0.2' }
 */
export function decodeArp(bytes: Uint8Array, offset = 0, end = bytes.length): ArpHeader {
  const v = new ArpView(bytes, offset, Math.min(end, bytes.length)).check();
  return {
    hwType: v.hwType,
    protoType: v.protoType,
    hwSize: v.hwSize,
    protoSize: v.protoSize,
    opcode: v.opcode,
    srcHw: v.srcHw,
    srcProto: v.srcProto,
    dstHw: v.dstHw,
    dstProto: v.dstProto,
  };
}

/** Sizes and defaults resolved, addresses validated: what `emit` writes. */
function resolve(input: ArpInput): { hwSize: number; protoSize: number; dstHw: string } {
  const srcHwLength = parseAddress(input.srcHw, undefined, 0);
  const srcProtoLength = parseAddress(input.srcProto, undefined, 0);
  const dstHw = input.dstHw ?? Array(Math.max(0, srcHwLength)).fill('00').join(':');
  const lengths = { srcHw: srcHwLength, dstHw: parseAddress(dstHw, undefined, 0), srcProto: srcProtoLength, dstProto: parseAddress(input.dstProto, undefined, 0) };
  for (const [name, length] of Object.entries(lengths)) {
    if (length < 0) {
      const text = name === 'dstHw' ? dstHw : input[name as keyof ArpInput];
      throw new WireError('bad-value', `${name} '${String(text)}' is not an address (expected colon-separated hex bytes or a dotted IPv4 address)`, { layer: 'arp' });
    }
  }
  const hwSize = input.hwSize ?? lengths.srcHw;
  const protoSize = input.protoSize ?? lengths.srcProto;
  if (lengths.srcHw !== hwSize || lengths.dstHw !== hwSize) {
    throw new WireError('bad-value', `hardware addresses of ${lengths.srcHw} and ${lengths.dstHw} bytes do not match hardware size ${hwSize}`, { layer: 'arp' });
  }
  if (lengths.srcProto !== protoSize || lengths.dstProto !== protoSize) {
    throw new WireError('bad-value', `protocol addresses of ${lengths.srcProto} and ${lengths.dstProto} bytes do not match protocol size ${protoSize}`, { layer: 'arp' });
  }
  if (hwSize > 255 || protoSize > 255) throw new WireError('bad-value', `address sizes must fit in one byte`, { layer: 'arp' });
  return { hwSize, protoSize, dstHw };
}

function u16(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new WireError('bad-value', `${name} ${value} is out of range 0-65535`, { layer: 'arp' });
  return value;
}

/** Bytes the packet takes for this input. */
export function arpLength(input: ArpInput): number {
  const { hwSize, protoSize } = resolve(input);
  return ARP_FIXED_LENGTH + 2 * (hwSize + protoSize);
}

/**
 * Writes the packet at out[offset] and returns its length.
 *
 * @example
 * const out = new Uint8Array(28);
 * emitArp({ opcode: 2, srcHw: '02:00:00:00:00:01', srcProto: '10.0.0.1', dstHw: '02:00:00:00:00:02', dstProto: '10.0.0.2' }, out);
 */
export function emitArp(input: ArpInput, out: Uint8Array, offset = 0): number {
  const { hwSize, protoSize, dstHw } = resolve(input);
  const length = ARP_FIXED_LENGTH + 2 * (hwSize + protoSize);
  if (offset < 0 || out.length - offset < length) {
    throw new WireError('bad-length', `output needs ${length} bytes at offset ${offset}, has ${Math.max(0, out.length - offset)}`, { layer: 'arp', offset });
  }
  const hwType = u16('hwType', input.hwType ?? ARP_HW_ETHERNET);
  const protoType = u16('protoType', input.protoType ?? ETHERTYPE_IPV4);
  const opcode = u16('opcode', input.opcode ?? ArpOpcode.request);
  out[offset] = hwType >>> 8;
  out[offset + 1] = hwType;
  out[offset + 2] = protoType >>> 8;
  out[offset + 3] = protoType;
  out[offset + 4] = hwSize;
  out[offset + 5] = protoSize;
  out[offset + 6] = opcode >>> 8;
  out[offset + 7] = opcode;
  let at = offset + ARP_FIXED_LENGTH;
  parseAddress(input.srcHw, out, at);
  parseAddress(input.srcProto, out, (at += hwSize));
  parseAddress(dstHw, out, (at += protoSize));
  parseAddress(input.dstProto, out, (at += hwSize));
  return length;
}

/**
 * A new buffer holding the packet.
 *
 * @example
 * // Who has 10.0.0.2? Tell 10.0.0.1
 * encodeArp({ srcHw: '02:00:00:00:00:01', srcProto: '10.0.0.1', dstProto: '10.0.0.2' });
 */
export function encodeArp(input: ArpInput): Uint8Array {
  const out = new Uint8Array(arpLength(input));
  emitArp(input, out);
  return out;
}

/**
 * A gratuitous ARP announcing `mac` owns `ip` (RFC 5227 section 2.3 announcement: a request with
 * sender and target protocol address both `ip` and a zero target hardware address).
 *
 * @example
 * encodeFrame([{ eth: { src: mac, dst: 'ff:ff:ff:ff:ff:ff' } }, { arp: arpAnnouncement(mac, '10.0.0.7') }]);
 */
export function arpAnnouncement(mac: string, ip: string): ArpInput {
  return { opcode: ArpOpcode.request, srcHw: mac, srcProto: ip, dstProto: ip };
}

/** An ARP probe (RFC 5227 section 2.1.1): sender protocol address 0.0.0.0, asking who has `ip`. */
export function arpProbe(mac: string, ip: string): ArpInput {
  return { opcode: ArpOpcode.request, srcHw: mac, srcProto: '0.0.0.0', dstProto: ip };
}

/** How tshark 4.0 classifies a request or reply (packet-arp.c); all false for other opcodes. */
export interface ArpKind {
  /** Request or reply whose sender and target protocol addresses are equal (and not empty). */
  gratuitous: boolean;
  /** Gratuitous request whose 6 bytes from the target hardware address are zero (RFC 5227 announcement). */
  announcement: boolean;
  /** Non-gratuitous request with those 6 bytes zero and the first 4 bytes from the sender protocol address zero. */
  probe: boolean;
}

/**
 * Classifies a decoded packet the way tshark does. The byte windows are Wireshark's: it reads 6
 * bytes at the target hardware address and 4 at the sender protocol address whatever the sizes,
 * and does not classify AX.25 (hardware type 3) or ATM (19) packets at all.
 */
export function classifyArp(h: ArpHeader): ArpKind {
  const none = { gratuitous: false, announcement: false, probe: false };
  if ((h.opcode !== ArpOpcode.request && h.opcode !== ArpOpcode.reply) || h.hwType === ARP_HW_AX25 || h.hwType === ARP_HW_ATM) return none;
  const packet = new Uint8Array(ARP_FIXED_LENGTH + 2 * (h.hwSize + h.protoSize));
  const v = new ArpView(packet);
  packet[4] = h.hwSize;
  packet[5] = h.protoSize;
  // Rebuild the address bytes from the header: dotted and hex text both parse back losslessly.
  parseAddress(h.srcHw, packet, v.srcHwOffset);
  parseAddress(h.srcProto, packet, v.srcProtoOffset);
  parseAddress(h.dstHw, packet, v.dstHwOffset);
  parseAddress(h.dstProto, packet, v.dstProtoOffset);
  const zeros = (at: number, n: number) => at + n <= packet.length && packet.subarray(at, at + n).every((b) => b === 0);
  const gratuitous = h.protoSize > 0 && h.srcProto === h.dstProto;
  const request = h.opcode === ArpOpcode.request;
  return {
    gratuitous,
    announcement: gratuitous && request && zeros(v.dstHwOffset, 6),
    probe: !gratuitous && request && zeros(v.dstHwOffset, 6) && zeros(v.srcProtoOffset, 4),
  };
}

export const arpEncoder: Encoder<ArpInput> = {
  name: 'arp',
  headerLength: (input) => arpLength(input),
  emit(input, out, offset, _payloadLength, _ctx: EncodeContext) {
    emitArp(input, out, offset);
  },
};

/** Header bytes a cut ARP packet must have for tshark to show each fixed field. */
const ARP_NEED: Record<string, number> = { 'arp.hw.type': 2, 'arp.proto.type': 4, 'arp.hw.size': 5, 'arp.proto.size': 6, 'arp.opcode': 8 };

/**
 * The checks both `scan` and `decode` run (`checkArp`, then the ATM layout this does not read),
 * and what the dissector needs: the packet ends where its sizes say.
 */
function scanArp(ctx: DecodeContext): Scanned {
  const { bytes, offset, end } = ctx;
  const length = checkArp(bytes, offset, end);
  if (((bytes[offset]! << 8) | bytes[offset + 1]!) === ARP_HW_ATM) {
    // Its real length is not the generic one, so claim every byte rather than invent a trailer.
    const error = new WireError('unsupported', `ATM ARP (hardware type 19, RFC 2225) has its own layout and is not decoded; read at offset ${offset} as plain ARP`, {
      layer: 'arp',
      offset,
    });
    return scanned(length, end, undefined, error);
  }
  return scanned(length, offset + length);
}

/**
 * ARP as the dissector sees it: the packet ends where its sizes say, so what follows in a frame
 * is Ethernet padding or trailer, never payload.
 *
 * ATM ARP (hardware type 19, RFC 2225) lays out sizes differently: it is read with the generic
 * layout, reported as `unsupported`, and only the fields both layouts share (hardware type,
 * protocol type, opcode) are shown.
 */
export const arp: Protocol<ArpHeader> = {
  name: 'arp',
  scan: scanArp,
  partialFields(ctx: DecodeContext, error: WireError, out: FieldSink): void {
    // tshark shows the fixed fields as it reads them, and the addresses as it reads them once it
    // has read the one its opcode is about first (when the protocol addresses are not empty): ARP
    // (1, 2) both protocol addresses, RARP (3, 4) the target hardware address, InARP (8, 9) the
    // sender's protocol address; DRARP and others none.
    if (error.code !== 'truncated') return;
    const h = decodeArp(paddedHeader(ctx, ARP_FIXED_LENGTH + 2 * 255 + 2 * 255));
    const hs = h.hwSize;
    const ps = h.protoSize;
    const op = h.opcode;
    const first = ps === 0 ? 0 : op === 1 || op === 2 ? 2 * hs + 2 * ps : op === 3 || op === 4 ? 2 * hs + ps : op === 8 || op === 9 ? hs + ps : 0;
    const captured = capturedLength(ctx);
    const need = (name: string): number | undefined => {
      const fixed = ARP_NEED[name];
      if (fixed !== undefined) return fixed;
      if (captured < ARP_FIXED_LENGTH + first) return undefined;
      if (name === 'arp.dst.drarp_error_status') return ARP_FIXED_LENGTH + 2 * hs + ps + 1;
      if (name.startsWith('arp.src.')) return ARP_FIXED_LENGTH + hs + (name.startsWith('arp.src.hw') ? 0 : ps);
      if (name.startsWith('arp.dst.')) return ARP_FIXED_LENGTH + 2 * hs + ps + (name.startsWith('arp.dst.hw') ? 0 : ps);
      return undefined;
    };
    capturedFields(out, captured, need, (sink) => arp.fields(h, sink, undefined as never));
  },
  decode: decodeByScan(scanArp, decodeArp),
  fields(h: ArpHeader, out: FieldSink): void {
    out.add('arp.hw.type', h.hwType);
    out.add('arp.proto.type', h.protoType);
    if (h.hwType === ARP_HW_ATM) {
      out.add('arp.opcode', h.opcode);
      return;
    }
    out.add('arp.hw.size', h.hwSize);
    out.add('arp.proto.size', h.protoSize);
    out.add('arp.opcode', h.opcode);
    const kind = classifyArp(h);
    if (kind.gratuitous) out.add('arp.isgratuitous', 1);
    if (kind.probe) out.add('arp.isprobe', 1);
    if (kind.announcement) out.add('arp.isannouncement', 1);
    // Wireshark hands hardware type 3 to its AX.25 ARP dissector, which names 7-byte addresses
    // hw_ax25 (printed as hex in JSON) and knows nothing of DRARP.
    const ax25 = h.hwType === ARP_HW_AX25;
    const hw = isMacForm(h.hwType, h.hwSize) ? 'hw_mac' : ax25 && h.hwSize === 7 ? 'hw_ax25' : 'hw';
    const proto = isIpv4Form(h.protoType, h.protoSize) ? 'proto_ipv4' : 'proto';
    if (h.hwSize !== 0) out.add(`arp.src.${hw}`, h.srcHw);
    if (h.protoSize !== 0) out.add(`arp.src.${proto}`, h.srcProto);
    if (h.hwSize !== 0) out.add(`arp.dst.${hw}`, h.dstHw);
    if (h.protoSize !== 0) {
      // A DRARP error (RFC 1931) carries its status in the first target protocol byte.
      if (h.opcode === ArpOpcode.drarpError && !ax25) {
        const first = new Uint8Array(Math.max(4, h.protoSize));
        parseAddress(h.dstProto, first, 0);
        out.add('arp.dst.drarp_error_status', first[0]!);
      } else {
        out.add(`arp.dst.${proto}`, h.dstProto);
      }
    }
  },
};
