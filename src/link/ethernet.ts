// Ethernet II (DIX) and IEEE 802.3 framing: destination, source, ethertype-or-length.
import { crc32 } from '../checksum/crc32.js';
import { WireError } from '../errors.js';
import type { ChecksumStatus } from '../packet/checksum-policy.js';
import type { FieldSink } from '../packet/fields.js';
import { nextLayerCode } from '../packet/next-layer.js';
import { scanned } from '../packet/packet.js';
import type { Decoded, DecodeContext, EncodeContext, Encoder, Protocol, Scanned } from '../packet/protocol.js';
import { formatMac, writeMac } from './mac.js';

export const ETHERNET_HEADER_LENGTH = 14;
/** Frames shorter than this (without FCS) are padded with zeros on encode (IEEE 802.3 clause 3.2.8). */
export const ETHERNET_MIN_FRAME = 60;
/** Type/length values up to this are an 802.3 length; from 0x0600 they are an ethertype. */
const MAX_8023_LENGTH = 1500;

export interface EthernetHeader {
  /** Destination MAC, `aa:bb:cc:dd:ee:ff`. */
  dst: string;
  src: string;
  /** The ethertype (0x0800 IPv4, 0x86dd IPv6, 0x0806 ARP, 0x8100 802.1Q), or an 802.3 length (<= 1500). */
  type: number;
  /** The frame check sequence as a CRC-32 value (equal to `crc32` of the frame when good), when decoded with one. */
  fcs?: number;
  fcsStatus?: ChecksumStatus;
}

/** Input for encoding: `type` defaults to the ethertype of the next layer; `fcs: true` appends one. */
export interface EthernetInput {
  dst: string;
  src: string;
  type?: number;
  /** Append the FCS (CRC-32 of the frame, little-endian on the wire). */
  fcs?: boolean;
  /** Pad runt frames to 60 bytes before the FCS (default true). */
  pad?: boolean;
}

function truncatedHeader(offset: number, available: number): WireError {
  return new WireError('truncated', `header needs 14 bytes, ${Math.max(0, available)} captured at offset ${offset}`, {
    layer: 'eth',
    offset,
    required: ETHERNET_HEADER_LENGTH,
    available: Math.max(0, available),
  });
}

/**
 * A zero-copy view of an Ethernet header in a buffer. `check()` once, then read or rewrite fields
 * in place.
 */
export class EthernetView {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
  ) {}

  /** Throws `truncated` unless a whole header fits. */
  check(): this {
    const available = this.bytes.length - this.offset;
    if (available < ETHERNET_HEADER_LENGTH) throw truncatedHeader(this.offset, available);
    return this;
  }
  get dst(): string {
    return formatMac(this.bytes, this.offset);
  }
  set dst(mac: string) {
    writeMac(mac, this.bytes, this.offset);
  }
  get src(): string {
    return formatMac(this.bytes, this.offset + 6);
  }
  set src(mac: string) {
    writeMac(mac, this.bytes, this.offset + 6);
  }
  get type(): number {
    return (this.bytes[this.offset + 12]! << 8) | this.bytes[this.offset + 13]!;
  }
  set type(value: number) {
    this.bytes[this.offset + 12] = value >>> 8;
    this.bytes[this.offset + 13] = value;
  }
  /** Everything after the header (upper layers trim it by their own lengths). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + ETHERNET_HEADER_LENGTH);
  }
}

/** Decodes the header at `offset`. With `fcs: true` the last 4 bytes are the FCS and are verified. */
export function decodeEthernet(bytes: Uint8Array, offset = 0, options: { fcs?: boolean } = {}): EthernetHeader {
  const view = new EthernetView(bytes, offset).check();
  const header: EthernetHeader = { dst: view.dst, src: view.src, type: view.type };
  if (options.fcs) {
    const end = bytes.length;
    if (end - offset < ETHERNET_HEADER_LENGTH + 4) {
      throw new WireError('truncated', `frame too short for an FCS at offset ${offset}`, { layer: 'eth', offset, required: 18, available: end - offset });
    }
    header.fcs = (bytes[end - 4]! | (bytes[end - 3]! << 8) | (bytes[end - 2]! << 16) | (bytes[end - 1]! << 24)) >>> 0;
    header.fcsStatus = crc32(bytes.subarray(offset, end - 4)) === header.fcs ? 'good' : 'bad';
  }
  return header;
}

function paddedPayloadLength(header: EthernetInput, payloadLength: number): number {
  return header.pad === false ? payloadLength : Math.max(payloadLength, ETHERNET_MIN_FRAME - ETHERNET_HEADER_LENGTH);
}

/** Writes header, payload, padding and optional FCS at out[offset]; returns the frame length. */
export function emitEthernet(header: EthernetInput, payload: Uint8Array, out: Uint8Array, offset = 0): number {
  const payloadAt = offset + ETHERNET_HEADER_LENGTH;
  out.set(payload, payloadAt);
  const trailer = ethernetEncoder.trailerLength!(header, payload.length);
  const length = ETHERNET_HEADER_LENGTH + payload.length + trailer;
  if (out.length - offset < length) {
    throw new WireError('bad-length', `output needs ${length} bytes at offset ${offset}, has ${out.length - offset}`, { layer: 'eth', offset });
  }
  ethernetEncoder.emit(header, out, offset, payload.length, STANDALONE);
  return length;
}

/** A new buffer holding the frame. */
export function encodeEthernet(header: EthernetInput, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(ETHERNET_HEADER_LENGTH + payload.length + ethernetEncoder.trailerLength!(header, payload.length));
  emitEthernet(header, payload, out);
  return out;
}

const STANDALONE: EncodeContext = { outer: [], inner: [], codeFor: () => undefined, fill: true };

export const ethernetEncoder: Encoder<EthernetInput> = {
  name: 'eth',
  headerLength: () => ETHERNET_HEADER_LENGTH,
  trailerLength: (header, payloadLength) => paddedPayloadLength(header, payloadLength) - payloadLength + (header.fcs ? 4 : 0),
  emit(header, out, offset, payloadLength, ctx) {
    writeMac(header.dst, out, offset);
    writeMac(header.src, out, offset + 6);
    const type = nextLayerCode(header.type, ctx, (name) => ctx.codeFor('ethertype', name), 'ethertype', 'eth');
    out[offset + 12] = type >>> 8;
    out[offset + 13] = type;
    const payloadEnd = offset + ETHERNET_HEADER_LENGTH + payloadLength;
    const padEnd = offset + ETHERNET_HEADER_LENGTH + paddedPayloadLength(header, payloadLength);
    out.fill(0, payloadEnd, padEnd);
    if (header.fcs) {
      const fcs = crc32(out.subarray(offset, padEnd));
      out[padEnd] = fcs;
      out[padEnd + 1] = fcs >>> 8;
      out[padEnd + 2] = fcs >>> 16;
      out[padEnd + 3] = fcs >>> 24;
    }
  },
};

/**
 * What the dissector needs of the header at `offset`, read from bytes[offset, end): the one check
 * both `scan` and `decode` run. An 802.3 length bounds the payload, and LLC follows it;
 * an ethertype names the next protocol.
 */
const LLC = { protocol: 'llc' } as const;

function scanHeader(bytes: Uint8Array, offset: number, end: number): Scanned {
  const available = Math.min(end, bytes.length) - offset;
  if (available < ETHERNET_HEADER_LENGTH) throw truncatedHeader(offset, available);
  const type = (bytes[offset + 12]! << 8) | bytes[offset + 13]!;
  if (type > MAX_8023_LENGTH) return scanned(ETHERNET_HEADER_LENGTH, undefined, { table: 'ethertype', value: type });
  // An 802.3 length: LLC follows, unless the payload starts 0xffff (Novell's raw 802.3 IPX, which
  // tshark names ipx; left opaque here).
  const at = offset + ETHERNET_HEADER_LENGTH;
  const rawIpx = available >= ETHERNET_HEADER_LENGTH + 2 && bytes[at] === 0xff && bytes[at + 1] === 0xff;
  return scanned(ETHERNET_HEADER_LENGTH, at + type, type === 0 || rawIpx ? undefined : LLC);
}

/**
 * One address and what tshark derives from it, in tshark's order: the OUI (first three bytes as a
 * number), the locally-administered bit (L/G, IEEE 802 clause 8.2) and the group bit (I/G), each
 * under the address's own name and the shared `eth.addr` / `eth.lg` / `eth.ig`.
 */
function addressFields(out: FieldSink, which: 'dst' | 'src', mac: string): void {
  const oui = parseInt(mac.slice(0, 2) + mac.slice(3, 5) + mac.slice(6, 8), 16);
  const first = oui >>> 16;
  const names = ADDRESS_NAMES[which];
  out.add(names[0], mac);
  out.add(names[1], oui);
  out.add('eth.addr', mac);
  out.add('eth.addr.oui', oui);
  out.add(names[2], (first >>> 1) & 1);
  out.add('eth.lg', (first >>> 1) & 1);
  out.add(names[3], first & 1);
  out.add('eth.ig', first & 1);
}

/** The per-address field names, as constants (a name made per packet must be hashed per packet). */
const ADDRESS_NAMES = {
  dst: ['eth.dst', 'eth.dst.oui', 'eth.dst.lg', 'eth.dst.ig'],
  src: ['eth.src', 'eth.src.oui', 'eth.src.lg', 'eth.src.ig'],
} as const;

/** Whether frames carry an FCS is not in the bytes; captures rarely have one (tshark assumes none). */
export const ethernet: Protocol<EthernetHeader> = {
  name: 'eth',
  scan(ctx: DecodeContext): Scanned {
    return scanHeader(ctx.bytes, ctx.offset, ctx.end);
  },
  decode(ctx: DecodeContext): Decoded<EthernetHeader> {
    const { bytes, offset } = ctx;
    const decoded = scanHeader(bytes, offset, ctx.end) as Decoded<EthernetHeader>;
    decoded.header = { dst: formatMac(bytes, offset), src: formatMac(bytes, offset + 6), type: (bytes[offset + 12]! << 8) | bytes[offset + 13]! };
    return decoded;
  },
  fields(h: EthernetHeader, out: FieldSink): void {
    addressFields(out, 'dst', h.dst);
    addressFields(out, 'src', h.src);
    if (h.type <= MAX_8023_LENGTH) out.add('eth.len', h.type);
    else out.add('eth.type', h.type);
    if (h.fcs !== undefined) {
      // The FCS goes on the wire least significant byte first; tshark shows the 4 bytes read
      // big-endian, so its eth.fcs is our value byte-swapped.
      const f = h.fcs;
      out.add('eth.fcs', (((f & 0xff) << 24) | ((f & 0xff00) << 8) | ((f >>> 8) & 0xff00) | (f >>> 24)) >>> 0);
      out.add('eth.fcs.status', h.fcsStatus ?? 'unverified');
    }
  },
};
