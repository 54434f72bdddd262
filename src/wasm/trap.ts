import { WireError } from '../errors.js';

/**
 * Turns whatever a WebAssembly call threw (a trap is a `WebAssembly.RuntimeError`) into a
 * `WireError`, so callers only ever see one error type.
 */
export function trapToWireError(kernel: string, cause: unknown): WireError {
  if (cause instanceof WireError) return cause;
  const message = (cause as Error)?.message ?? String(cause);
  return new WireError('internal', `WebAssembly kernel ${kernel} trapped: ${message}`, { layer: 'wasm', cause });
}
