// Public API: re-exports only.
export { WireError } from './errors.js';
export type { WireErrorCode, WireErrorDetails } from './errors.js';
export { setBackend, getBackend, backendInfo, init, allocBuffer } from './wasm/backend.js';
export type { BackendMode, BackendOptions, BackendInfo } from './wasm/backend.js';
export { crc32, crc32c } from './checksum/crc32.js';
export { internetChecksum, onesComplementSum } from './checksum/internet.js';
export { pseudoHeaderSum, checksumUpdate } from './checksum/incremental.js';
export type { PseudoHeaderAddress } from './checksum/incremental.js';
