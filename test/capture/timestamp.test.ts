// Clock arithmetic against plain bigint arithmetic: every if_tsresol form (10^-n, 2^-n, finer
// than a nanosecond), if_tsoffset, the full 64-bit unit range; and the writers' inverse.
import { describe, expect, it } from 'vitest';
import { TimeResolution, secondsNanos } from '../../src/capture/timestamp.js';
import { formatEpoch } from '../../src/capture/types.js';
import { rng } from './helpers.js';

function reference(units: bigint, tsresol: number, offset: bigint): bigint {
  const perSecond = tsresol & 0x80 ? 2n ** BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
  return (units * 1_000_000_000n) / perSecond + offset * 1_000_000_000n;
}

describe('TimeResolution', () => {
  const random = rng(3);
  const unitSamples = (): bigint[] => {
    const out = [0n, 1n, 0xffffffffn, 0x1_0000_0000n, 0xffff_ffff_ffff_ffffn, 1_700_000_000_123_456n, 1_700_000_000_123_456_789n];
    for (let i = 0; i < 200; i++) out.push((BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32)));
    for (let i = 0; i < 100; i++) out.push(BigInt(Math.floor(random() * 2 ** 32)) * 1_000_000n);
    return out;
  };
  const resolutions = [0, 1, 3, 6, 9, 10, 12, 15, 19, 127, 0x80, 0x8a, 0x94, 0x9e, 0xa0, 0xbf, 0xff];
  for (const tsresol of resolutions) {
    for (const offset of [0n, 1_000_000_000n, -86_400n]) {
      it(`tsresol 0x${tsresol.toString(16)}, offset ${offset}`, () => {
        const clock = new TimeResolution(tsresol, offset);
        const out = new BigInt64Array(1);
        const words = new Uint32Array(out.buffer);
        for (const units of unitSamples()) {
          const high = Number(units >> 32n);
          const low = Number(units & 0xffffffffn);
          const want = reference(units, tsresol, offset);
          expect(clock.toNanos(high, low)).toBe(want);
          clock.writeNanos(high, low, out, words, 0);
          expect(out[0]).toBe(BigInt.asIntN(64, want));
        }
      });
    }
  }

  it('finer than a nanosecond truncates toward zero: 10^-12 and 2^-40', () => {
    expect(new TimeResolution(12).toNanos(0, 1999)).toBe(1n);
    expect(new TimeResolution(0x80 | 40).toNanos(0, 1)).toBe(0n);
    expect(new TimeResolution(0x80 | 40).toNanos(256, 0)).toBe(1_000_000_000n);
  });

  it('fromNanos inverts toNanos for 10^-6 and 10^-9 (truncating to the unit)', () => {
    const ns = 1_700_000_000_123_456_789n;
    expect(new TimeResolution(9).fromNanos(ns)).toBe(ns);
    expect(new TimeResolution(6).fromNanos(ns)).toBe(1_700_000_000_123_456n);
    expect(() => new TimeResolution(9).fromNanos(-1n)).toThrow(RangeError);
  });
});

describe('pcap seconds + fraction', () => {
  it('is exact for every 32-bit second and a 43-bit fraction', () => {
    const random = rng(17);
    for (let i = 0; i < 5000; i++) {
      const seconds = i === 0 ? 0xffffffff : Math.floor(random() * 2 ** 32);
      const fraction = i === 1 ? (2 ** 32 - 1) * 1000 : Math.floor(random() * 2 ** 32) * (i % 2 ? 1000 : 1);
      expect(secondsNanos(seconds, fraction)).toBe(BigInt(seconds) * 1_000_000_000n + BigInt(fraction));
    }
  });

  it('formatEpoch prints nine decimals as tshark does', () => {
    expect(formatEpoch(secondsNanos(1340954905, 298858123))).toBe('1340954905.298858123');
  });
});
