import { WireError } from '../errors.js';
import { fold16, sum16Js, swap16 } from '../kernels/internet.js';
import { WINDOW_SIZE, type Arena } from '../wasm/arena.js';
import { autoMode, wasmArena } from '../wasm/backend.js';
import { trapToWireError } from '../wasm/trap.js';

/**
 * Under `auto`, inputs shorter than this are summed in JS: WASM with its copy overtakes the JS
 * twin at 48 B in the `npm run bench` crossover table.
 */
export const INET_JS_BELOW = 48;

function sum16Wasm(a: Arena, data: Uint8Array): number {
  const inetSum = a.exports.inetSum;
  try {
    if (a.owns(data)) return inetSum(data.byteOffset, data.length);
    const win = a.windowPtr;
    const n = data.length;
    if (n <= WINDOW_SIZE) {
      a.heap.set(data, win);
      return inetSum(win, n);
    }
    // WINDOW_SIZE is even, so every chunk starts at an even position and the partial sums add.
    let s = 0;
    for (let off = 0; off < n; off += WINDOW_SIZE) {
      const chunk = data.subarray(off, Math.min(n, off + WINDOW_SIZE));
      a.heap.set(chunk, win);
      s += inetSum(win, chunk.length);
    }
    return fold16(s);
  } catch (cause) {
    throw trapToWireError('inetSum', cause);
  }
}

function sum16(data: Uint8Array): number {
  if (autoMode && data.length < INET_JS_BELOW) return sum16Js(data);
  const a = wasmArena();
  return a === null ? sum16Js(data) : sum16Wasm(a, data);
}

function checkPartial(name: string, value: number): void {
  if (!(value >= 0 && value <= Number.MAX_SAFE_INTEGER && Number.isInteger(value))) {
    throw new WireError('bad-value', `${name} must be a non-negative safe integer partial sum, got ${value}`, {
      layer: 'checksum',
    });
  }
}

/**
 * The RFC 1071 ones'-complement sum of `data` read as big-endian 16-bit words, added to `initial`,
 * neither folded to 16 bits nor complemented: a partial sum to chain further or to finish with
 * `internetChecksum`. `offset` is the position of `data` within the whole message; only whether it
 * is odd matters (an odd-length piece before this one shifts its bytes into the other half of
 * each word, RFC 1071 section 2 (B)).
 *
 * @example
 * let s = onesComplementSum(part1);                  // part1 may have any length
 * s = onesComplementSum(part2, s, part1.length);      // chains across odd splits
 * internetChecksum(new Uint8Array(0), s) === internetChecksum(concat(part1, part2)) // true
 */
export function onesComplementSum(data: Uint8Array, initial = 0, offset = 0): number {
  checkPartial('initial', initial);
  const s = sum16(data);
  return initial + (offset & 1 ? swap16(s) : s);
}

/**
 * The RFC 1071 Internet checksum of `data` (IPv4 header, ICMP, TCP, UDP): the ones' complement of
 * the ones'-complement sum of its 16-bit big-endian words, as a 16-bit number. `initial` is a
 * partial sum to include first, typically `pseudoHeaderSum(...)` for TCP and UDP. Verifying data
 * that contains its checksum gives 0.
 *
 * @example
 * internetChecksum(ipv4Header)                 // 0 when the header's checksum is right
 * internetChecksum(tcpSegment, pseudoHeaderSum(src, dst, 6, tcpSegment.length))
 */
export function internetChecksum(data: Uint8Array, initial = 0): number {
  checkPartial('initial', initial);
  return ~fold16(initial + sum16(data)) & 0xffff;
}
