// What the checksum suite measures, shared by the parent (run.mjs, reports) and the child processes.

/** DESIGN.md sizes: a small packet, an Ethernet MTU, a large datagram/window, a file-sized buffer. */
export const MAIN_SIZES = [64, 1500, 64 * 1024, 1024 * 1024];

/** Sizes around the dispatch thresholds (JS below ~64 B, zlib for crc32 from ~1 KiB). */
export const CROSSOVER_SIZES = [16, 32, 48, 64, 96, 128, 256, 512, 1024, 2048];

export const KERNELS = ['crc32', 'crc32c', 'inet'];

export const KERNEL_TITLES = {
  crc32: 'CRC-32 (IEEE)',
  crc32c: 'CRC-32C (Castagnoli)',
  inet: 'Internet checksum (RFC 1071)',
};

/** Implementations the crossover table compares at small sizes, per kernel. */
export const CROSSOVER_IMPLS = {
  crc32: ['js', 'wasm', 'zlib', 'auto'],
  crc32c: ['js', 'wasm', 'auto'],
  inet: ['js', 'wasm', 'auto'],
};

/** The dispatch target: `auto` within 10% of the best single implementation at every size. */
export const AUTO_TARGET = 0.9;
