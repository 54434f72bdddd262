// pcapng options (draft-ietf-opsawg-pcapng 3.5): code and length (16 bits each, in the section's
// byte order), the value, padding to 32 bits; opt_endofopt or the end of the block ends the list.
import { fileError } from './errors.js';
import { OPT_ENDOFOPT } from './pcapng-constants.js';

/** A complete block in a buffer, and where it is in the file. Reused by the reader, never kept. */
export interface BlockView {
  bytes: Uint8Array;
  view: DataView;
  /** Index of the block's first byte in `bytes`. */
  at: number;
  /** Block total length. */
  length: number;
  /** File offset of the block's first byte. */
  fileOffset: number;
  little: boolean;
  /** SHB, EPB, ...: for messages. */
  name: string;
}

const utf8 = new TextDecoder('utf-8');

/** UTF-8 text of a value; trailing NULs (some writers terminate strings) are dropped. */
export function optionText(bytes: Uint8Array, start: number, length: number): string {
  let end = start + length;
  while (end > start && bytes[end - 1] === 0) end--;
  return utf8.decode(bytes.subarray(start, end));
}

/**
 * Calls `visit(code, valueStart, valueLength)` for each option from `start` to the block's trailing
 * length. An option running past the block is damage: a WireError at its file offset.
 */
export function forEachOption(block: BlockView, start: number, visit: (code: number, value: number, length: number) => void): void {
  const { view, little } = block;
  const end = block.at + block.length - 4;
  let at = start;
  while (at < end) {
    if (end - at < 4) {
      throw fileError('pcapng', 'bad-length', `${block.name} at offset ${block.fileOffset}: ${end - at} stray bytes where an option header (4 bytes) should be`, block.fileOffset + (at - block.at), 4, end - at);
    }
    const code = view.getUint16(at, little);
    const length = view.getUint16(at + 2, little);
    if (code === OPT_ENDOFOPT) return;
    const padded = (length + 3) & ~3;
    if (at + 4 + padded > end) {
      throw fileError(
        'pcapng',
        'bad-length',
        `${block.name} at offset ${block.fileOffset}: option ${code} claims ${length} bytes but only ${end - at - 4} remain in the block`,
        block.fileOffset + (at - block.at),
        padded,
        end - at - 4,
      );
    }
    visit(code, at + 4, length);
    at += 4 + padded;
  }
}

/** Collects opt_comment values; several are joined by a newline. */
export function appendComment(previous: string | undefined, bytes: Uint8Array, value: number, length: number): string {
  const text = optionText(bytes, value, length);
  return previous === undefined ? text : `${previous}\n${text}`;
}
