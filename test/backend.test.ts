// The WebAssembly runtime: lazy synchronous loading, backend selection, fallback to the JS twins
// when WebAssembly is missing or refused, zero-copy buffers, bounded memory, traps as WireError.
import { afterEach, describe, expect, it, vi } from 'vitest';

const ascii = (s: string) => new TextEncoder().encode(s);

/** A fresh copy of the library, so module-level state (the loaded instance) starts empty. */
async function freshLibrary() {
  vi.resetModules();
  return import('../src/index.js');
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('loading', () => {
  it('instantiates synchronously on first use, SIMD where the engine validates it', async () => {
    const lib = await freshLibrary();
    expect(lib.crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(lib.getBackend()).toBe('wasm');
    expect(lib.backendInfo()).toEqual({ mode: 'auto', active: 'wasm', wasm: 'simd' });
  });

  it('init() preloads asynchronously and reports the backend', async () => {
    const lib = await freshLibrary();
    await expect(lib.init()).resolves.toMatchObject({ active: 'wasm', wasm: 'simd' });
  });

  it('setBackend switches builds and rejects unknown modes with a WireError', async () => {
    const lib = await freshLibrary();
    lib.setBackend('wasm', { simd: false });
    expect(lib.backendInfo()).toMatchObject({ mode: 'wasm', wasm: 'scalar' });
    lib.setBackend('js');
    expect(lib.getBackend()).toBe('js');
    expect(() => lib.setBackend('gpu' as never)).toThrow(lib.WireError);
  });
});

describe('fallback to the pure-TypeScript twins', () => {
  it('works with no WebAssembly at all, and says why', async () => {
    vi.stubGlobal('WebAssembly', undefined);
    const lib = await freshLibrary();
    expect(lib.crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(lib.crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(lib.internetChecksum(new Uint8Array([0x45, 0, 0, 0x14]))).toBe(~(0x4500 + 0x14) & 0xffff);
    expect(lib.getBackend()).toBe('js');
    expect(lib.backendInfo()).toMatchObject({ mode: 'auto', active: 'js', reason: 'WebAssembly is not available' });
    expect(lib.allocBuffer(16)).toBeInstanceOf(Uint8Array);
    await expect(lib.init()).resolves.toMatchObject({ active: 'js' });
    expect(() => lib.setBackend('wasm')).toThrow(/WebAssembly is not available/);
  });

  it('works when compiling is refused, as under a CSP without wasm-unsafe-eval', async () => {
    const real = WebAssembly;
    const refusing = {
      validate: real.validate,
      Module: function () {
        throw new real.CompileError("WebAssembly.Module(): Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not an allowed source");
      },
      compile: () => Promise.reject(new real.CompileError('refused')),
    };
    vi.stubGlobal('WebAssembly', refusing);
    const lib = await freshLibrary();
    expect(lib.crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(lib.getBackend()).toBe('js');
    expect(lib.backendInfo().reason).toMatch(/could not be compiled.*Refused/);
    try {
      lib.setBackend('wasm');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(lib.WireError);
      expect((e as InstanceType<typeof lib.WireError>).code).toBe('unsupported');
    }
  });

  it('falls back to the scalar build where SIMD does not validate', async () => {
    const real = WebAssembly;
    const { wasmBytes } = await import('../src/wasm/module.js');
    const simd = wasmBytes('simd');
    vi.stubGlobal('WebAssembly', {
      Module: real.Module,
      Instance: real.Instance,
      validate: (b: Uint8Array<ArrayBuffer>) => b.length !== simd.length && real.validate(b),
    });
    const lib = await freshLibrary();
    expect(lib.crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(lib.backendInfo()).toMatchObject({ active: 'wasm', wasm: 'scalar' });
  });
});

describe('the arena', () => {
  it('allocBuffer hands out WASM memory that kernels read in place (no copy)', async () => {
    const lib = await freshLibrary();
    const { wasmArena } = await import('../src/wasm/backend.js');
    const buf = lib.allocBuffer(1 << 20);
    const arena = wasmArena()!;
    expect(buf.buffer).toBe(arena.memory.buffer);
    buf.set(ascii('123456789'));
    const set = vi.spyOn(arena.heap, 'set');
    expect(lib.crc32(buf.subarray(0, 9))).toBe(0xcbf43926);
    expect(lib.crc32c(buf.subarray(0, 9))).toBe(0xe3069283);
    expect(lib.internetChecksum(buf.subarray(0, 9))).toBeTypeOf('number');
    expect(set).not.toHaveBeenCalled();
  });

  it('memory does not grow over a million calls, with 1 MiB inputs inside and outside WASM memory', async () => {
    const lib = await freshLibrary();
    const { wasmArena } = await import('../src/wasm/backend.js');
    const MiB = 1 << 20;
    const outside = new Uint8Array(MiB).map((_, i) => i * 7);
    const expected = lib.crc32(outside);
    const inside = lib.allocBuffer(MiB);
    inside.set(outside);
    const memory = wasmArena()!.memory;
    const before = memory.buffer.byteLength;
    const small = outside.subarray(3, 3 + 1500);
    let calls = 0;
    for (let i = 0; i < 1_000_000; i++) {
      // A million calls in all; every 2000th one on a whole MiB (copied through the window,
      // and in place), the rest on a 1500-byte frame and on a 1 MiB allocBuffer request.
      if (i % 2000 === 0) {
        expect(lib.crc32(outside)).toBe(expected);
        expect(lib.crc32(lib.allocBuffer(MiB))).toBe(expected);
        lib.setBackend('wasm');
        expect(lib.crc32(outside)).toBe(expected);
        lib.internetChecksum(outside);
        lib.crc32c(outside);
        lib.setBackend('auto');
        calls += 5;
      } else {
        lib.internetChecksum(small);
        calls++;
      }
    }
    expect(calls).toBeGreaterThanOrEqual(1_000_000);
    expect(memory.buffer.byteLength).toBe(before);
  });

  it('rejects nonsense sizes with a WireError', async () => {
    const lib = await freshLibrary();
    expect(() => lib.allocBuffer(-1)).toThrow(lib.WireError);
    expect(() => lib.allocBuffer(1.5)).toThrow(/non-negative integer/);
    expect(() => lib.allocBuffer(2 ** 33)).toThrow(lib.WireError);
  });

  it('a WebAssembly trap surfaces as WireError with code internal', async () => {
    const lib = await freshLibrary();
    const { wasmArena } = await import('../src/wasm/backend.js');
    lib.setBackend('wasm');
    const arena = wasmArena()!;
    // Force a trap: make the kernel read far beyond memory, as a corrupted pointer would.
    const exports = arena.exports as { crc32: (p: number, l: number, s: number) => number };
    const realKernel = exports.crc32;
    (arena as { exports: unknown }).exports = {
      ...arena.exports,
      crc32: (_p: number, l: number, s: number) => realKernel(0x7fff0000, l + 0x10000, s),
    };
    try {
      lib.crc32(new Uint8Array(100));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(lib.WireError);
      expect((e as InstanceType<typeof lib.WireError>).code).toBe('internal');
      expect((e as Error).message).toMatch(/wasm: WebAssembly kernel crc32 trapped: memory access out of bounds/);
    } finally {
      (arena as { exports: unknown }).exports = { ...arena.exports, crc32: realKernel };
    }
  });
});
