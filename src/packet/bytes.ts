// Big-endian (network byte order) reads and writes, shared by every protocol file, and the
// little-endian reads of the few headers written in a host's byte order (radiotap, 802.11, NFLOG's
// TLV headers, pflog's uids). Plain index arithmetic rather than DataView: no view object per
// packet, and V8 inlines these.

export function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

export function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

export function le16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

export function le32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

export function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 8;
  b[at + 1] = v;
}

export function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

/** The parts one after another in a new array (the part itself when there is one). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** What a buffer for a value a peer says is `total` bytes long starts with (see `growFor`). */
export const CLAIMED_START = 64 * 1024;

/**
 * A buffer for a value that a length field says is `total` bytes long, with room for its first
 * `need` bytes: `buf` itself when it has the room, else a larger copy (twice the size, at most
 * `total`) holding its first `have` bytes. Start with `new Uint8Array(Math.min(total, CLAIMED_START))`:
 * memory then follows the bytes that arrived, not the length that was claimed, so a stream of
 * headers that promise large payloads and never send them costs little.
 */
export function growFor(buf: Uint8Array, have: number, need: number, total: number): Uint8Array {
  if (need <= buf.length) return buf;
  const next = new Uint8Array(Math.min(total, Math.max(need, buf.length * 2)));
  next.set(buf.subarray(0, have));
  return next;
}
