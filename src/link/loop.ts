// Ethernet's configuration testing protocol (ethertype 0x9000, "LOOP": DEC/Intel/Xerox Ethernet
// 2.0, section 8), which Cisco switches still send as port keepalives. Little-endian: a skip
// count, then function entries from byte 2: Reply (function 1 and a receipt number: 4 bytes) and
// Forward Data (function 2 and the address to forward to: 8 bytes). The entry the skip count
// points at (byte 2 + skip count) is the one for this station; tshark's summary names it, or says
// `No valid function found` when the entries before it (Forward Data only: a Reply is the last)
// do not lead there.
import { WireError } from '../errors.js';
import type { FieldSink } from '../packet/fields.js';
import { decodeByScan, scanned } from '../packet/packet.js';
import type { DecodeContext, Protocol, Scanned } from '../packet/protocol.js';
import { formatMac } from './mac.js';

export const LOOP_ETHERTYPE = 0x9000;
const REPLY = 1;
const FORWARD = 2;

export interface LoopHeader {
  skipCount: number;
  /** The function the skip count points at, when the entries before it lead there. */
  function?: number;
  /** Reply: its receipt number. */
  receiptNumber?: number;
  /** Forward Data: the address to forward to. */
  forwardingAddress?: string;
}

const u16le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);

/** Where the entry for this station starts (or -1), and where reading stopped. */
function walk(b: Uint8Array, at: number, end: number): { entry: number; stop: number } {
  const target = at + 2 + u16le(b, at);
  let p = at + 2;
  // Only Forward Data leads on to another entry (a Reply, like anything else, is the last).
  while (p < target && p + 2 <= end) {
    if (u16le(b, p) !== FORWARD) return { entry: -1, stop: p };
    p += 8;
  }
  return { entry: p === target ? p : -1, stop: Math.min(p, end) };
}

function scanLoop(ctx: DecodeContext): Scanned {
  const { bytes, offset } = ctx;
  const end = Math.min(ctx.end, bytes.length);
  if (end - offset < 4) {
    throw new WireError('truncated', `header needs 4 bytes, ${Math.max(0, end - offset)} captured at offset ${offset}`, { layer: 'loop', offset, required: 4, available: Math.max(0, end - offset) });
  }
  const { entry, stop } = walk(bytes, offset, end);
  if (entry < 0) return scanned(stop - offset);
  if (entry + 2 > end) return scanned(end - offset, undefined, undefined, new WireError('truncated', `function at offset ${entry} is cut by the frame's end`, { layer: 'loop', offset: entry }));
  const fn = u16le(bytes, entry);
  const size = fn === REPLY ? 4 : fn === FORWARD ? 8 : 2;
  if (entry + size > end) {
    return scanned(end - offset, undefined, undefined, new WireError('truncated', `function ${fn} at offset ${entry} needs ${size} bytes, ${end - entry} captured`, { layer: 'loop', offset: entry, required: size, available: end - entry }));
  }
  return scanned(entry + size - offset);
}

function decodeLoopAt(b: Uint8Array, offset: number, end: number): LoopHeader {
  const stop = Math.min(end, b.length);
  const h: LoopHeader = { skipCount: u16le(b, offset) };
  const { entry } = walk(b, offset, stop);
  if (entry < 0 || entry + 2 > stop) return h;
  h.function = u16le(b, entry);
  if (h.function === REPLY && entry + 4 <= stop) h.receiptNumber = u16le(b, entry + 2);
  if (h.function === FORWARD && entry + 8 <= stop) h.forwardingAddress = formatMac(b, entry + 2);
  return h;
}

/** The configuration testing protocol on ethertype 0x9000. */
export const loop: Protocol<LoopHeader> = {
  name: 'loop',
  scan: scanLoop,
  decode: decodeByScan(scanLoop, decodeLoopAt),
  // Cut before its function: tshark names the protocol and shows none of its fields.
  partialFields(): void {},
  fields(h: LoopHeader, out: FieldSink): void {
    out.add('loop.skipcount', h.skipCount);
    if (h.function !== undefined) out.add('loop.relevant_function', h.function);
    if (h.receiptNumber !== undefined) out.add('loop.receipt_number', h.receiptNumber);
    if (h.forwardingAddress !== undefined) out.add('loop.forwarding_address', h.forwardingAddress);
  },
};

/** tshark's info column for the function this station is to perform. */
export function loopInfo(h: LoopHeader): string {
  if (h.function === undefined) return 'No valid function found';
  return h.function === REPLY ? 'Reply' : h.function === FORWARD ? 'Forward Data' : `Unknown function (${h.function})`;
}
