// HTTP bodies sent with a Content-Encoding, decoded as tshark 4.0 decodes them before the media
// dissector sees them (packet-http.c, tvb_child_uncompress and its Brotli twin), since what it
// then shows depends on the outcome: a body that decodes goes to its media type's dissector (the
// " (text/html)" of the info column, data-text-lines in frame.protocols); one that decodes to no
// bytes goes nowhere; one that does not decode, or whose coding tshark does not know, is data.
//
// Measured with tshark 4.0 (the fixture http-codings.pcap):
// - the header's value is compared whole, ignoring case: `gzip`, `x-gzip`, `deflate` and
//   `x-deflate` are inflated, `br` is Brotli; anything else but `identity` (`compress`, `zstd`,
//   and a list such as `gzip, identity`) is not decoded;
// - the inflater takes a gzip header, a zlib header or none (raw DEFLATE), stops at the end of the
//   first stream and checks no trailer (a bad CRC, a missing length, a second gzip member and
//   trailing bytes change nothing);
// - a stream that breaks off keeps what was decoded before the break: it fails only when that
//   is nothing, while a whole stream of no bytes succeeds with no bytes.
import { brotliDecompressSync, constants } from 'node:zlib';
import { Inflater } from 'wirekit';

/** Output decoded per body at most (tshark has no cap); what lies past it is not needed for the outcome. */
const MAX_DECODED = 16 * 1024 * 1024;

/**
 * Whether the body's Content-Encoding is one to decode (false for none and for `identity`).
 * tshark checks the field's value as a whole, case-insensitively.
 */
export function isEncoded(coding: string | undefined): coding is string {
  return coding !== undefined && coding.trim().toLowerCase() !== 'identity';
}

/**
 * The body as tshark's HTTP dissector decodes it for `coding`: the bytes (possibly none), or
 * undefined when it cannot (tshark: "Decompression failed", the body shown as data).
 */
export function decodeContentCoding(coding: string, body: Uint8Array): Uint8Array | undefined {
  const name = coding.trim().toLowerCase();
  if (name === 'gzip' || name === 'x-gzip' || name === 'deflate' || name === 'x-deflate') return inflateBody(body);
  if (name === 'br') return brotliBody(body);
  return undefined;
}

function inflateBody(body: Uint8Array): Uint8Array | undefined {
  const start = deflateStart(body);
  if (start === undefined) return undefined;
  const inflater = new Inflater({ maxOutput: MAX_DECODED });
  const { data, error } = inflater.inflateSome(body.subarray(start));
  if (error === undefined) return inflater.finished || data.length > 0 ? data : undefined;
  // Broken off (or past the cap): what came before the damage counts, if anything did.
  return data.length > 0 ? data : undefined;
}

/**
 * Where the DEFLATE data starts: after a gzip member header (RFC 1952 2.3), after a zlib header
 * (RFC 1950 2.2, no preset dictionary), or at the first byte; undefined for a gzip header cut short.
 */
function deflateStart(b: Uint8Array): number | undefined {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    if (b.length < 10 || b[2] !== 8) return undefined;
    const flags = b[3]!;
    let at = 10;
    if (flags & 0x04) {
      if (at + 2 > b.length) return undefined;
      at += 2 + (b[at]! | (b[at + 1]! << 8));
    }
    // FNAME, then FCOMMENT: zero-terminated.
    for (const bit of [0x08, 0x10]) {
      if (!(flags & bit)) continue;
      while (at < b.length && b[at] !== 0) at++;
      at++;
    }
    if (flags & 0x02) at += 2;
    return at <= b.length ? at : undefined;
  }
  if (b.length >= 2 && (b[0]! & 0x0f) === 8 && (b[0]! >> 4) <= 7 && ((b[0]! << 8) | b[1]!) % 31 === 0 && !(b[1]! & 0x20)) return 2;
  return 0;
}

function brotliBody(body: Uint8Array): Uint8Array | undefined {
  try {
    return brotliDecompressSync(body, { maxOutputLength: MAX_DECODED });
  } catch {
    // Cut short: what a flush gives, if anything.
    try {
      const part = brotliDecompressSync(body, { finishFlush: constants.BROTLI_OPERATION_FLUSH, maxOutputLength: MAX_DECODED });
      return part.length > 0 ? part : undefined;
    } catch {
      return undefined;
    }
  }
}
