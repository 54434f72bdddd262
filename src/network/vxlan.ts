// VXLAN (RFC 7348): Ethernet frames carried in UDP (IANA port 4789), how overlay networks (cloud
// VPCs, Kubernetes CNIs, EVPN fabrics) move tenant traffic. An 8-byte header: flags (the I flag,
// 0x08, says the VNI is valid), 24 reserved bits, the 24-bit VXLAN network identifier, 8 reserved
// bits; then the inner Ethernet frame. The Group Based Policy extension (draft-smith-vxlan-group-
// policy) uses the G, D and A flags and the 16 bits after the flags byte as a policy id; tshark
// reads the header that way, so its fields are those: vxlan.flags (the first 16 bits),
// vxlan.flag_g, vxlan.flag_i, vxlan.flag_d, vxlan.flag_a, vxlan.flags_reserved, vxlan.gbp,
// vxlan.vni, vxlan.reserved8.
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import { u16 } from '../packet/bytes.js';
import { decodeByScan, scanned } from '../packet/packet.js';
import type { DecodeContext, EncodeContext, Encoder, Protocol, Scanned } from '../packet/protocol.js';
import { rangeChecker } from '../packet/range.js';

export const VXLAN_PORT = 4789;
const HEADER = 8;
/** Flag bits of the first 16 bits (G, I, D, A), and the rest, reserved. */
const FLAG_G = 0x8000;
const FLAG_I = 0x0800;
const FLAG_D = 0x0040;
const FLAG_A = 0x0008;
const FLAGS_RESERVED = 0xffff & ~(FLAG_G | FLAG_I | FLAG_D | FLAG_A);

export interface VxlanHeader {
  /** The first 16 bits: the flags byte (I = 0x08) and, with the policy extension, its D and A bits. */
  flags: number;
  /** The group policy id (bits 16-31; reserved without the G flag). */
  gbp: number;
  /** The VXLAN network identifier. */
  vni: number;
  reserved8: number;
}

export interface VxlanInput {
  vni: number;
  /** Default 0x0800: the I flag. */
  flags?: number;
  gbp?: number;
}

const ETH = { protocol: 'eth' } as const;

function scanVxlan(ctx: DecodeContext): Scanned {
  const { bytes, offset } = ctx;
  const have = Math.max(0, Math.min(ctx.end, bytes.length) - offset);
  if (have < HEADER) {
    throw new WireError('truncated', `header needs ${HEADER} bytes, ${have} captured at offset ${offset}`, { layer: 'vxlan', offset, required: HEADER, available: have });
  }
  // An Ethernet frame follows, whatever the flags say, even none (tshark hands it on and calls it malformed).
  return scanned(HEADER, undefined, ETH);
}

function readVxlan(bytes: Uint8Array, offset: number): VxlanHeader {
  return { flags: u16(bytes, offset), gbp: u16(bytes, offset + 2), vni: (bytes[offset + 4]! << 16) | (bytes[offset + 5]! << 8) | bytes[offset + 6]!, reserved8: bytes[offset + 7]! };
}

/**
 * Decodes the VXLAN header at `offset`.
 *
 * @example
 * decodeVxlan(udpPayload); // { flags: 0x0800, gbp: 0, vni: 42, reserved8: 0 }
 */
export function decodeVxlan(bytes: Uint8Array, offset = 0, end = bytes.length): VxlanHeader {
  scanVxlan({ bytes, offset, end, below: [], quoted: false, verifyChecksum: false });
  return readVxlan(bytes, offset);
}

const check = rangeChecker('vxlan');

/** Writes the header at out[offset] and returns its length, 8. */
export function emitVxlan(h: VxlanInput, out: Uint8Array, offset = 0): number {
  if (offset < 0 || out.length - offset < HEADER) throw new WireError('bad-length', `output needs ${HEADER} bytes at offset ${offset}`, { layer: 'vxlan', offset });
  const flags = check('flags', h.flags ?? FLAG_I, 0xffff);
  const gbp = check('gbp', h.gbp ?? 0, 0xffff);
  const vni = check('vni', h.vni, 0xffffff);
  out[offset] = flags >>> 8;
  out[offset + 1] = flags;
  out[offset + 2] = gbp >>> 8;
  out[offset + 3] = gbp;
  out[offset + 4] = vni >>> 16;
  out[offset + 5] = vni >>> 8;
  out[offset + 6] = vni;
  out[offset + 7] = 0;
  return HEADER;
}

/** VXLAN for `encodeFrame`: `[{ ip }, { udp: { srcport, dstport: 4789 } }, { vxlan: { vni: 42 } }, { eth }, ...]`. */
export const vxlanEncoder: Encoder<VxlanInput> = {
  name: 'vxlan',
  headerLength: () => HEADER,
  emit(header, out, offset, _payloadLength, _ctx: EncodeContext) {
    emitVxlan(header, out, offset);
  },
};

/** VXLAN, bound to UDP port 4789. */
export const vxlan: Protocol<VxlanHeader> = {
  name: 'vxlan',
  scan: scanVxlan,
  decode: decodeByScan(scanVxlan, (bytes, offset) => readVxlan(bytes, offset)),
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    // tshark shows the fields whose bytes were captured.
    const { bytes, offset } = ctx;
    const have = Math.min(ctx.end, bytes.length) - offset;
    if (have >= 2) flagFields(u16(bytes, offset), out);
    if (have >= 4) out.add('vxlan.gbp', u16(bytes, offset + 2));
    if (have >= 7) out.add('vxlan.vni', (bytes[offset + 4]! << 16) | (bytes[offset + 5]! << 8) | bytes[offset + 6]!);
  },
  fields(h: VxlanHeader, out: FieldSink): void {
    flagFields(h.flags, out);
    out.add('vxlan.gbp', h.gbp);
    out.add('vxlan.vni', h.vni);
    out.add('vxlan.reserved8', h.reserved8);
  },
};

function flagFields(flags: number, out: FieldSink): void {
  out.add('vxlan.flags', flags);
  out.add('vxlan.flag_g', flags & FLAG_G ? 1 : 0);
  out.add('vxlan.flag_i', flags & FLAG_I ? 1 : 0);
  out.add('vxlan.flag_d', flags & FLAG_D ? 1 : 0);
  out.add('vxlan.flag_a', flags & FLAG_A ? 1 : 0);
  out.add('vxlan.flags_reserved', flags & FLAGS_RESERVED);
}
