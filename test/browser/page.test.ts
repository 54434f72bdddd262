// Runs inside headless Chromium against the built package (dist/index.js, aliased as 'wirekit'):
// the embedded module instantiates synchronously on a page's main thread, with SIMD.
import { describe, expect, it } from 'vitest';
import { allocBuffer, backendInfo, crc32, init, internetChecksum } from 'wirekit';

describe('in a real browser', () => {
  it('is a browser, not Node', () => {
    expect(typeof window).toBe('object');
    expect(typeof document).toBe('object');
    expect(navigator.userAgent).toMatch(/Chrome/);
  });

  it('loads the SIMD WebAssembly build synchronously on first use', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(backendInfo()).toEqual({ mode: 'auto', active: 'wasm', wasm: 'simd' });
  });

  it('init() resolves and zero-copy buffers work', async () => {
    await expect(init()).resolves.toMatchObject({ active: 'wasm' });
    const buf = allocBuffer(20);
    buf.set([0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7]);
    expect(internetChecksum(buf)).toBe(0);
  });
});
