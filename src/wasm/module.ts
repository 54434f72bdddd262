import { WASM_SIMD_BASE64 } from './generated/simd.js';
import { WASM_SCALAR_BASE64 } from './generated/scalar.js';

export type WasmFlavour = 'simd' | 'scalar';

const cache: Partial<Record<WasmFlavour, Uint8Array<ArrayBuffer>>> = {};

/** The embedded module bytes (decoded once). `atob` exists in every browser and in Node >= 16. */
export function wasmBytes(flavour: WasmFlavour): Uint8Array<ArrayBuffer> {
  let bytes = cache[flavour];
  if (bytes === undefined) {
    const text = atob(flavour === 'simd' ? WASM_SIMD_BASE64 : WASM_SCALAR_BASE64);
    bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    cache[flavour] = bytes;
  }
  return bytes;
}

/** Which build this engine can run: SIMD if it validates, else scalar, else none. */
export function pickFlavour(preferSimd: boolean): WasmFlavour | null {
  if (typeof WebAssembly !== 'object' || WebAssembly === null) return null;
  // Validating the real module (not a probe) answers exactly the question we have.
  if (preferSimd && WebAssembly.validate(wasmBytes('simd'))) return 'simd';
  return WebAssembly.validate(wasmBytes('scalar')) ? 'scalar' : null;
}

/**
 * Compiles and instantiates synchronously. Browsers allow synchronous compilation on the main
 * thread for small modules (ours is a few KiB); a page whose CSP forbids WebAssembly throws here.
 */
export function instantiateSync(flavour: WasmFlavour): WebAssembly.Instance {
  return new WebAssembly.Instance(new WebAssembly.Module(wasmBytes(flavour)), {});
}

/** The same, off the main thread's critical path. */
export async function instantiateAsync(flavour: WasmFlavour): Promise<WebAssembly.Instance> {
  const module = await WebAssembly.compile(wasmBytes(flavour));
  return WebAssembly.instantiate(module, {});
}
