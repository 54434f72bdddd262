import { WireError } from '../errors.js';
import { Arena } from './arena.js';
import type { WasmExports } from './exports.js';
import { instantiateAsync, instantiateSync, pickFlavour, type WasmFlavour } from './module.js';

/**
 * - `auto`: the fastest path per kernel and input size (WASM, the JS twin, or a native function the
 *   runtime offers), falling back to the JS twins where WebAssembly cannot run.
 * - `wasm`: always our WebAssembly kernels; throws if they cannot load.
 * - `js`: always the pure-TypeScript twins.
 */
export type BackendMode = 'auto' | 'wasm' | 'js';

export interface BackendOptions {
  /** Use the SIMD build when the engine supports it (default true). `false` forces the scalar build. */
  simd?: boolean;
}

export interface BackendInfo {
  mode: BackendMode;
  /** What the kernels run on: `wasm` (possibly mixed with JS for tiny inputs under `auto`) or `js`. */
  active: 'wasm' | 'js';
  /** The WebAssembly build in use, or null when none is loaded. */
  wasm: WasmFlavour | null;
  /** Why WebAssembly is not in use, when it is not. */
  reason?: string;
}

let mode: BackendMode = 'auto';
/**
 * Mirrors `mode === 'auto'` as a live binding kernels read on every call: cheaper than a
 * function call, which is measurable on 16-64 byte inputs.
 */
export let autoMode = true;
let preferSimd = true;
/** undefined: not tried yet; null: tried and failed (see `failure`). */
let arena: Arena | null | undefined;
let failure: string | undefined;

function attach(instance: WebAssembly.Instance, flavour: WasmFlavour): Arena {
  return new Arena(instance.exports as unknown as WasmExports, flavour === 'simd');
}

function load(): Arena | null {
  try {
    const flavour = pickFlavour(preferSimd);
    if (flavour === null) {
      failure = typeof WebAssembly === 'object' ? 'the engine rejected the module' : 'WebAssembly is not available';
      arena = null;
    } else {
      arena = attach(instantiateSync(flavour), flavour);
      failure = undefined;
    }
  } catch (cause) {
    // A Content-Security-Policy without 'wasm-unsafe-eval' lands here (CompileError or EvalError).
    failure = `WebAssembly could not be compiled: ${(cause as Error)?.message ?? String(cause)}`;
    arena = null;
  }
  return arena;
}

/**
 * The loaded module, or null when the kernels must use their JS twins (mode `js`, or WebAssembly
 * unavailable under `auto`). Instantiates on first use.
 */
export function wasmArena(): Arena | null {
  if (mode === 'js') return null;
  return arena !== undefined ? arena : load();
}

/** The loaded module, loading it regardless of mode; throws when WebAssembly cannot run. */
export function requireArena(): Arena {
  const a = arena !== undefined ? arena : load();
  if (a === null) throw new WireError('unsupported', failure ?? 'WebAssembly is not available', { layer: 'wasm' });
  return a;
}

/**
 * Chooses how kernels run. `wasm` throws a `WireError` (code `unsupported`) right away when
 * WebAssembly cannot be loaded here.
 *
 * @example
 * setBackend('js');              // pure TypeScript everywhere, e.g. to compare results
 * setBackend('wasm', { simd: false }); // the scalar WebAssembly build
 * setBackend('auto');            // the default
 */
export function setBackend(next: BackendMode, options: BackendOptions = {}): void {
  if (next !== 'auto' && next !== 'wasm' && next !== 'js') {
    throw new WireError('bad-value', `unknown backend '${String(next)}' (expected auto, wasm or js)`, { layer: 'wasm' });
  }
  const simd = options.simd ?? true;
  if (simd !== preferSimd) {
    preferSimd = simd;
    arena = undefined; // reload with the other build on next use
  }
  if (next === 'wasm') requireArena();
  mode = next;
  autoMode = next === 'auto';
}

/** What the kernels run on now: `wasm` or `js`. Loads WebAssembly if it has not been tried yet. */
export function getBackend(): 'wasm' | 'js' {
  return wasmArena() === null ? 'js' : 'wasm';
}

/** The mode, the active backend, the WebAssembly build and, when it is not used, why. */
export function backendInfo(): BackendInfo {
  const a = wasmArena();
  const info: BackendInfo = { mode, active: a === null ? 'js' : 'wasm', wasm: a === null ? null : a.simd ? 'simd' : 'scalar' };
  if (a === null && mode !== 'js' && failure !== undefined) info.reason = failure;
  return info;
}

/**
 * Loads the WebAssembly module asynchronously, for those who prefer to pay the compile cost up
 * front (kernels otherwise instantiate synchronously on first use). Never rejects: when WebAssembly
 * cannot run, the returned info says `active: 'js'` and why.
 */
export async function init(): Promise<BackendInfo> {
  if (arena === undefined && mode !== 'js') {
    const flavour = pickFlavour(preferSimd);
    if (flavour !== null) {
      try {
        arena = attach(await instantiateAsync(flavour), flavour);
      } catch (cause) {
        failure = `WebAssembly could not be compiled: ${(cause as Error)?.message ?? String(cause)}`;
        arena = null;
      }
    }
  }
  return backendInfo();
}

/**
 * A writable view of `size` bytes inside WebAssembly memory. Fill it and pass it (or a subarray
 * of it) to any kernel: the kernel reads it in place, with no copy. There is one such region: a
 * later `allocBuffer` call reuses it, and growing it detaches views handed out before. Nothing
 * else grows memory (kernels, `decodeBatch` included, work in fixed regions below this one), so a
 * view stays attached until an `allocBuffer` call larger than any before. Where WebAssembly is not
 * in use this returns an ordinary `Uint8Array`. Contents are not cleared.
 *
 * @example
 * const buf = allocBuffer(file.length);
 * buf.set(file);              // or read from a socket straight into it
 * crc32(buf);                 // no copy into WASM memory
 */
export function allocBuffer(size: number): Uint8Array {
  if (!Number.isInteger(size) || size < 0) {
    throw new WireError('bad-value', `allocBuffer size must be a non-negative integer, got ${size}`, { layer: 'wasm' });
  }
  const a = wasmArena();
  return a === null ? new Uint8Array(size) : a.userView(size);
}

/** Test hook: forget the loaded module so the next call loads afresh. Not exported from the package. */
export function resetBackendForTests(): void {
  arena = undefined;
  failure = undefined;
  mode = 'auto';
  autoMode = true;
  preferSimd = true;
}
