// Byte strings as tshark prints FT_BYTES fields: lowercase hex pairs joined by colons.

/** `b[from, to)` as `aa:bb:cc`; '' when empty. */
export function colonHex(b: Uint8Array, from = 0, to = b.length): string {
  let s = '';
  for (let i = from; i < to; i++) s += (i > from ? ':' : '') + (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return s;
}
