// Every implementation the checksum suite times, one entry per (kernel, implementation). Each entry
// says how a caller would compute one checksum (`one`), which backend it needs (`use`, called at the
// start of every timed call and in the untimed beforeAll hook), and where its inputs live.
import { crc32 as zlibCrc32 } from 'node:zlib';
import CRC32 from 'crc-32';
import { createCRC32 } from 'hash-wasm';
import { crc32 as nodeRsCrc32, crc32c as nodeRsCrc32c } from '@node-rs/crc32';
// Each wirekit backend runs from its own copy of the package (a distinct module URL gives a distinct
// module instance), set once to its mode, as each real caller's process would be. Measured on this
// machine: with one copy switched between modes per task, as V8 then learns all three paths of
// each dispatch function, results at 16-64 B moved by 10-40% (some up, some down) against per-mode
// copies; at 1500 B and up they agreed within noise. The scalar build needs its own copy anyway:
// switching `simd` re-instantiates the module (~0.2 ms), detaches every allocBuffer view and hands
// the library's JS-to-WASM call sites a new function object each time.
import * as autoCopy from '../dist/index.js?mode=auto';
import * as wasmCopy from '../dist/index.js?mode=wasm';
import * as scalarCopy from '../dist/index.js?mode=scalar';
import * as jsCopy from '../dist/index.js?mode=js';
import * as referenceCopy from '../dist/index.js?role=reference';
import { inetChecksumDataView } from './peers/inet-dataview.mjs';
import { inetChecksumUint32 } from './peers/inet-uint32.mjs';

const noBackend = () => {};
// Called at the start of every timed call (a no-op on a copy already in that mode, ~0.1 µs, measured
// by the suite) so no task depends on what ran before it.
const useAuto = () => autoCopy.setBackend('auto');
const useWasm = () => wasmCopy.setBackend('wasm');
const useScalar = () => scalarCopy.setBackend('wasm', { simd: false });
const useJs = () => jsCopy.setBackend('js');

/** The copy whose allocBuffer region holds the "in memory" inputs. */
export { wasmCopy };

/** hash-wasm's digest as a number: 'binary' plus four shifts measured faster than parsing 'hex'. */
function digestU32(hasher) {
  const b = hasher.digest('binary');
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

/**
 * Fields: id (stable key), label (table row), counts (what one timed call includes), role
 * ('ours' | 'peer'), inputs ('heap': ordinary Uint8Arrays | 'wasm': views from allocBuffer),
 * candidate (true when auto could have chosen it, so "auto vs best" compares against it).
 */
export async function loadImplementations() {
  useAuto();
  useWasm();
  useScalar();
  useJs();
  referenceCopy.setBackend('js');
  // One hasher per process, reused with init/update/digest per checksum: hash-wasm's documented fast
  // path, and what a caller hashing many buffers does (creating one per call costs far more).
  const hwCrc32 = await createCRC32();
  const hwCrc32c = await createCRC32(0x82f63b78);

  // Arrow functions are written out per entry on purpose: each is its own function literal with its
  // own type feedback, as in a caller's code, instead of one shared wrapper V8 would see as megamorphic.
  const common = (kernel) => [
    { id: 'auto', label: 'wirekit auto', counts: 'production dispatch by size (JS twin, WASM with copy, or zlib for crc32), ordinary Uint8Array', role: 'ours', inputs: 'heap', use: useAuto, candidate: false },
    { id: 'wasm', label: 'wirekit wasm SIMD (copy)', counts: 'includes the copy into WASM memory', role: 'ours', inputs: 'heap', use: useWasm, candidate: true },
    { id: 'wasm-mem', label: 'wirekit wasm SIMD (in memory)', counts: 'input already in WASM memory (allocBuffer): no copy', role: 'ours', inputs: 'wasm', use: useWasm, candidate: false },
    { id: 'wasm-scalar', label: 'wirekit wasm scalar (copy)', counts: 'non-SIMD build, includes the copy', role: 'ours', inputs: 'heap', use: useScalar, candidate: true },
    { id: 'js', label: 'wirekit js twin', counts: "pure TypeScript, setBackend('js')", role: 'ours', inputs: 'heap', use: useJs, candidate: true },
  ].map((e) => ({ ...e, kernel }));

  // A namespace property load compiles to the same binding load as a caller's `import { crc32 }`.
  const [a, w, s, j] = [autoCopy, wasmCopy, scalarCopy, jsCopy];
  const fns = {
    crc32: {
      auto: (d) => a.crc32(d),
      wasm: (d) => w.crc32(d),
      'wasm-mem': (d) => w.crc32(d),
      'wasm-scalar': (d) => s.crc32(d),
      js: (d) => j.crc32(d),
    },
    crc32c: {
      auto: (d) => a.crc32c(d),
      wasm: (d) => w.crc32c(d),
      'wasm-mem': (d) => w.crc32c(d),
      'wasm-scalar': (d) => s.crc32c(d),
      js: (d) => j.crc32c(d),
    },
    inet: {
      auto: (d) => a.internetChecksum(d),
      wasm: (d) => w.internetChecksum(d),
      'wasm-mem': (d) => w.internetChecksum(d),
      'wasm-scalar': (d) => s.internetChecksum(d),
      js: (d) => j.internetChecksum(d),
    },
  };

  const peer = (kernel, id, label, counts, one, candidate = false) =>
    ({ kernel, id, label, counts, role: 'peer', inputs: 'heap', use: noBackend, candidate, one });

  const impls = {
    crc32: [
      ...common('crc32').map((e) => ({ ...e, one: fns.crc32[e.id] })),
      peer('crc32', 'sheetjs', 'crc-32 (SheetJS) CRC32.buf', 'pure JS, slicing-by-16; result >>> 0', (d) => CRC32.buf(d) >>> 0),
      peer('crc32', 'hash-wasm', 'hash-wasm createCRC32()', 'hasher made once; init+update+digest per call (copies into its WASM memory)', (d) => {
        hwCrc32.init();
        hwCrc32.update(d);
        return digestU32(hwCrc32);
      }),
      peer('crc32', 'node-rs', '@node-rs/crc32 crc32', 'native addon (N-API)', (d) => nodeRsCrc32(d)),
      peer('crc32', 'zlib', 'node:zlib crc32', 'native, built into Node', (d) => zlibCrc32(d), true),
    ],
    crc32c: [
      ...common('crc32c').map((e) => ({ ...e, one: fns.crc32c[e.id] })),
      peer('crc32c', 'hash-wasm', 'hash-wasm createCRC32(0x82F63B78)', 'hasher made once; init+update+digest per call (copies into its WASM memory)', (d) => {
        hwCrc32c.init();
        hwCrc32c.update(d);
        return digestU32(hwCrc32c);
      }),
      peer('crc32c', 'node-rs', '@node-rs/crc32 crc32c', 'native addon (N-API)', (d) => nodeRsCrc32c(d)),
    ],
    inet: [
      ...common('inet').map((e) => ({ ...e, one: fns.inet[e.id] })),
      peer('inet', 'peer-dataview', 'hand-written JS: DataView getUint16', 'bench/peers/inet-dataview.mjs', (d) => inetChecksumDataView(d)),
      peer('inet', 'peer-uint32', 'hand-written JS: Uint32Array, 2 accumulators', 'bench/peers/inet-uint32.mjs', (d) => inetChecksumUint32(d)),
    ],
  };

  /** The oracle every implementation must match before it is timed: wirekit's pure-TS twin, in a copy of its own. */
  const reference = {
    crc32: (d) => referenceCopy.crc32(d),
    crc32c: (d) => referenceCopy.crc32c(d),
    inet: (d) => referenceCopy.internetChecksum(d),
  };
  return { impls, reference };
}
