// FDDI frames (ANSI X3.139), LINKTYPE_FDDI (10): a frame control byte, then the destination and
// source addresses (13 bytes). The frame control says what the frame is: a token, SMT (station
// management), a MAC frame, LLC (asynchronous or synchronous) or an implementor's frame. Only
// asynchronous LLC frames (0x50-0x5f) carry 802.2 LLC on to IP; the rest are left as data.
//
// The addresses are sent most significant bit first, the reverse of Ethernet's canonical order:
// every byte is bit-reversed to show them in the usual form (tshark does the same for this link
// type, so 02:00:00:00:00:01 on the wire reads 40:00:00:00:00:80). tshark's dissector is `fddi`:
// fddi.fc, fddi.fc.clf (class, length and format bits), fddi.fc.prio, fddi.dst, fddi.src.
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import type { Decoded, DecodeContext, EncodeContext, Encoder, Next, Protocol } from '../packet/protocol.js';
import { rangeChecker } from '../packet/range.js';
import { cutShort } from '../packet/partial.js';
import { formatMac, parseMac } from './mac.js';

export const LINKTYPE_FDDI = 10;
export const FDDI_HEADER_LENGTH = 13;

export interface FddiHeader {
  /** Frame control. */
  fc: number;
  /** Addresses in canonical (Ethernet) bit order. */
  dst: string;
  src: string;
}

export interface FddiInput {
  /** Frame control (default 0x50: asynchronous LLC, priority 0). */
  fc?: number;
  dst: string;
  src: string;
}

/** Each byte's bits in reverse order. */
const REVERSED = Uint8Array.from({ length: 256 }, (_, b) => {
  let r = 0;
  for (let k = 0; k < 8; k++) if (b & (1 << k)) r |= 0x80 >>> k;
  return r;
});

/** The 6 bytes at `offset` as an address in canonical order (each byte's bits reversed). */
export function fddiAddress(bytes: Uint8Array, offset: number): string {
  const m = new Uint8Array(6);
  for (let k = 0; k < 6; k++) m[k] = REVERSED[bytes[offset + k]!]!;
  return formatMac(m);
}

/** Whether the frame control is asynchronous LLC: the frames that carry 802.2 LLC. */
export function fddiCarriesLlc(fc: number): boolean {
  return (fc & 0xf0) === 0x50;
}

/** tshark's name for a frame control value (its info column when nothing above writes one). */
export function fddiFrameName(fc: number): string {
  switch (fc) {
    case 0x00:
      return 'Void frame';
    case 0x80:
      return 'Nonrestricted token';
    case 0xc0:
      return 'Restricted token';
    case 0x41:
      return 'SMT info';
    case 0x4f:
      return 'SMT Next station address';
    case 0xc2:
      return 'MAC beacon';
    case 0xc3:
      return 'MAC claim token';
  }
  const control = (fc & 0x0f).toString(16);
  switch (fc & 0xf0) {
    case 0xc0:
      return `MAC frame, control ${control}`;
    case 0x40:
      return `SMT frame, control ${control}`;
    case 0x50:
      return fc & 0x08 ? `Async LLC frame, control ${control}` : `Async LLC frame, priority ${fc & 7}`;
    case 0xd0:
      return fc & 0x0f ? `Sync LLC frame, control ${control}` : 'Sync LLC frame';
    case 0x60:
      return `Implementor async frame, control ${control}`;
    case 0xe0:
      return `Implementor sync frame, control ${control}`;
  }
  return 'Unknown frame type';
}

/** Decodes the 13-byte header at `offset`. */
export function decodeFddi(bytes: Uint8Array, offset = 0, end = bytes.length): FddiHeader {
  const available = Math.min(end, bytes.length) - offset;
  if (offset < 0 || available < FDDI_HEADER_LENGTH) {
    throw cutShort('fddi', offset, FDDI_HEADER_LENGTH, available);
  }
  return { fc: bytes[offset]!, dst: fddiAddress(bytes, offset + 1), src: fddiAddress(bytes, offset + 7) };
}

const LLC: Next = { protocol: 'llc' };

/** The frame control and its subfields: class, length and format bits; the priority of an asynchronous LLC frame (0x50-0x57). */
function controlFields(fc: number, out: FieldSink): void {
  out.add('fddi.fc', fc);
  out.add('fddi.fc.clf', fc >>> 4);
  if ((fc & 0xf8) === 0x50) out.add('fddi.fc.prio', fc & 7);
}

/** The `fddi` protocol for LINKTYPE_FDDI: asynchronous LLC frames go on to LLC. */
export const fddi: Protocol<FddiHeader> = {
  name: 'fddi',
  decode(ctx: DecodeContext): Decoded<FddiHeader> {
    const header = decodeFddi(ctx.bytes, ctx.offset, ctx.end);
    return fddiCarriesLlc(header.fc) ? { header, headerLength: FDDI_HEADER_LENGTH, next: LLC } : { header, headerLength: FDDI_HEADER_LENGTH };
  },
  partialFields(ctx: DecodeContext, _error: WireError, out: FieldSink): void {
    const have = Math.min(ctx.end, ctx.bytes.length) - ctx.offset;
    if (have >= 1) controlFields(ctx.bytes[ctx.offset]!, out);
    if (have >= 7) {
      const dst = fddiAddress(ctx.bytes, ctx.offset + 1);
      for (let k = 0; k < 2; k++) {
        out.add('fddi.dst', dst);
        out.add('fddi.addr', dst);
      }
    }
  },
  fields(h: FddiHeader, out: FieldSink): void {
    controlFields(h.fc, out);
    // Each address twice, as tshark's tree has it (once as read, once as the column shows it).
    for (let k = 0; k < 2; k++) {
      out.add('fddi.dst', h.dst);
      out.add('fddi.addr', h.dst);
    }
    for (let k = 0; k < 2; k++) {
      out.add('fddi.src', h.src);
      out.add('fddi.addr', h.src);
    }
  },
};

const check = rangeChecker('fddi');

/** Writes the 13-byte header at out[offset] (addresses given in canonical order); returns 13. */
export function emitFddi(header: FddiInput, out: Uint8Array, offset = 0): number {
  if (offset < 0 || out.length - offset < FDDI_HEADER_LENGTH) {
    throw new WireError('bad-length', `output needs ${FDDI_HEADER_LENGTH} bytes at offset ${offset}, has ${Math.max(0, out.length - offset)}`, { layer: 'fddi', offset });
  }
  out[offset] = check('fc', header.fc ?? 0x50, 0xff);
  const dst = parseMac(header.dst);
  const src = parseMac(header.src);
  for (let k = 0; k < 6; k++) {
    out[offset + 1 + k] = REVERSED[dst[k]!]!;
    out[offset + 7 + k] = REVERSED[src[k]!]!;
  }
  return FDDI_HEADER_LENGTH;
}

/** Encoder for `{ fddi: { ... } }` in encodeFrame. */
export const fddiEncoder: Encoder<FddiInput> = {
  name: 'fddi',
  headerLength: () => FDDI_HEADER_LENGTH,
  emit(header, out, offset, _payloadLength, _ctx: EncodeContext) {
    emitFddi(header, out, offset);
  },
};
