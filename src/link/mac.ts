import { WireError } from '../errors.js';

const HEX = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));

/** `aa:bb:cc:dd:ee:ff` from the 6 bytes at `offset`. */
export function formatMac(bytes: Uint8Array, offset = 0): string {
  return (
    HEX[bytes[offset]!]! + ':' + HEX[bytes[offset + 1]!]! + ':' + HEX[bytes[offset + 2]!]! + ':' +
    HEX[bytes[offset + 3]!]! + ':' + HEX[bytes[offset + 4]!]! + ':' + HEX[bytes[offset + 5]!]!
  );
}

/** Parses `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff` or `aabb.ccdd.eeff` into 6 bytes at out[offset]. */
export function writeMac(text: string, out: Uint8Array, offset = 0): void {
  const hex = text.trim().replace(/[:.-]/g, '');
  const sepOk = /^([0-9a-f]{2}([:-])){5}[0-9a-f]{2}$/i.test(text.trim()) || /^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/i.test(text.trim());
  if (!sepOk || hex.length !== 12) {
    throw new WireError('bad-value', `'${text}' is not a MAC address (expected aa:bb:cc:dd:ee:ff)`, { layer: 'eth' });
  }
  for (let i = 0; i < 6; i++) out[offset + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
}

export function parseMac(text: string): Uint8Array {
  const out = new Uint8Array(6);
  writeMac(text, out);
  return out;
}
