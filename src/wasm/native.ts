// Native functions some runtimes offer, found without importing anything: a static `import` of
// 'node:zlib' would break browsers and bundlers, so we ask Node's process for the built-in module
// (process.getBuiltinModule exists from Node 20.16 / 22.3; older Node just goes without).

type Crc32Native = (data: Uint8Array, value?: number) => number;

interface NodeProcessLike {
  getBuiltinModule?: (id: string) => unknown;
}

function findZlibCrc32(): Crc32Native | null {
  const proc = (globalThis as { process?: NodeProcessLike }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return null;
  try {
    const zlib = proc.getBuiltinModule('node:zlib') as { crc32?: Crc32Native } | undefined;
    return typeof zlib?.crc32 === 'function' ? zlib.crc32 : null;
  } catch {
    return null;
  }
}

/** Node's `zlib.crc32` (Node >= 20.15), or null. */
export const nativeCrc32: Crc32Native | null = findZlibCrc32();
