import { createReadStream } from 'node:fs';

/** The bytes of FILE, or of standard input for `-`, as a stream of chunks. */
export function openInput(path: string): AsyncIterable<Uint8Array> {
  return path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
}
