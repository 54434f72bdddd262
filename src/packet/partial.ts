// Fields of a header that decodePacket could not take because the capture cut it short, as tshark
// shows them: tshark adds a field once it has read the bytes it comes from and stops at the first
// byte it lacks, so a cut header shows the fields that lie within the captured bytes. Protocols
// whose fields follow their bytes in order decode a copy of the header padded with zeros and keep,
// through `capturedFields`, the fields whose bytes were all captured.
import { WireError } from '../errors.js';
import type { DecodeContext } from './protocol.js';
import type { FieldSink, FieldValue } from './fields.js';

/** The `truncated` error of a header (or part of one, `what`) that needs `required` bytes at `offset` and has `available`. */
export function cutShort(layer: string, offset: number, required: number, available: number, what = 'header'): WireError {
  const have = Math.max(0, available);
  return new WireError('truncated', `${what} needs ${required} bytes, ${have} captured at offset ${offset}`, { layer, offset, required, available: have });
}

/** Bytes of the header at `ctx.offset` that were captured (0 when none). */
export function capturedLength(ctx: Pick<DecodeContext, 'bytes' | 'offset' | 'end'>): number {
  return Math.max(0, Math.min(ctx.end, ctx.bytes.length) - ctx.offset);
}

/** The captured bytes of the header at `ctx.offset`, then zeros: `length` bytes in all. */
export function paddedHeader(ctx: DecodeContext, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(ctx.bytes.subarray(ctx.offset, ctx.offset + Math.min(length, capturedLength(ctx))));
  return out;
}

/**
 * Runs `write` (a protocol's `fields` on the padded header) into a sink that passes on to `out`
 * only the fields whose bytes were captured: `need(name)` is the header length a field's bytes end
 * at (undefined: a field tshark does not show for a cut header).
 */
export function capturedFields(out: FieldSink, captured: number, need: (name: string) => number | undefined, write: (sink: FieldSink) => void): void {
  const filter = {
    add(name: string, value: FieldValue): void {
      const n = need(name);
      if (n !== undefined && n <= captured) out.add(name, value);
    },
  };
  write(filter as FieldSink);
}
