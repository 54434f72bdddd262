// Capture timestamps to exact nanoseconds. A double holds 53 bits: today's epoch in nanoseconds
// needs 61, so every conversion here is integer arithmetic, in bigint where the range needs it and
// in split 32-bit halves on the hot path (a bigint operation allocates; the readers do millions).

const HOST_LITTLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Index of the low and high 32-bit words of a 64-bit element seen through a Uint32Array. */
export const LO = HOST_LITTLE ? 0 : 1;
export const HI = HOST_LITTLE ? 1 : 0;

const scratch64 = new BigUint64Array(1);
const scratch32 = new Uint32Array(scratch64.buffer);

const TWO_32 = 4294967296;
const TWO_16 = 65536;
const NS_PER_SECOND = 1_000_000_000;
const NS_PER_SECOND_BIG = 1_000_000_000n;

/** An unsigned 64-bit value from its halves, with one bigint allocation. */
export function uint64(high: number, low: number): bigint {
  scratch32[LO] = low;
  scratch32[HI] = high;
  return scratch64[0]!;
}

/**
 * Writes `seconds * 1e9 + fractionNs` (seconds < 2^32, fractionNs < 2^43) as a 64-bit value into
 * `words[2 * index + LO/HI]`. The product needs 62 bits, so it is built from 16-bit pieces whose
 * partial products stay below 2^53 and are therefore exact in doubles.
 */
export function writeSecondsNanos(seconds: number, fractionNs: number, words: Uint32Array, index: number): void {
  const low = (seconds & 0xffff) * NS_PER_SECOND + fractionNs; // < 2^46 + 2^43
  const high = (seconds >>> 16) * NS_PER_SECOND; // < 2^46, to be scaled by 2^16
  const mid = (high % TWO_16) * TWO_16 + low; // < 2^48
  words[2 * index + LO] = mid % TWO_32;
  words[2 * index + HI] = Math.floor(high / TWO_16) + Math.floor(mid / TWO_32);
}

/** `seconds * 1e9 + fractionNs` as a bigint (pcap record time), one allocation. */
export function secondsNanos(seconds: number, fractionNs: number): bigint {
  writeSecondsNanos(seconds, fractionNs, scratch32, 0);
  return scratch64[0]!;
}

/**
 * A pcapng interface's clock: `if_tsresol` (draft-ietf-opsawg-pcapng 4.2: high bit clear, units of
 * 10^-n s; high bit set, units of 2^-n s; 6 when absent) and `if_tsoffset` (seconds added to every
 * timestamp, signed 64-bit).
 *
 * @example
 * new TimeResolution(0x8a).toNanos(0, 1024); // 2^-10 s units: 1024 units = 1 s = 1000000000n
 */
export class TimeResolution {
  /** The if_tsresol byte as written. */
  readonly tsresol: number;
  /** Seconds added to every timestamp (if_tsoffset). */
  readonly offsetSeconds: bigint;
  /** Units per second: 10^n or 2^n. */
  readonly unitsPerSecond: bigint;
  private readonly multiplier: bigint;
  private readonly divisor: bigint;
  private readonly offsetNs: bigint;
  /** Nanoseconds per unit as a small number when whole (10^-n with n <= 9 and no offset), else 0. */
  private readonly fastMultiplier: number;

  constructor(tsresol = 6, offsetSeconds = 0n) {
    this.tsresol = tsresol & 0xff;
    this.offsetSeconds = offsetSeconds;
    this.offsetNs = offsetSeconds * NS_PER_SECOND_BIG;
    const exponent = BigInt(this.tsresol & 0x7f);
    const binary = (this.tsresol & 0x80) !== 0;
    this.unitsPerSecond = binary ? 1n << exponent : 10n ** exponent;
    if (!binary && exponent <= 9n) {
      this.multiplier = 10n ** (9n - exponent);
      this.divisor = 1n;
    } else {
      // Units finer than 1 ns (10^-10 s and below, or 2^-30 s and below) do not fit a nanosecond
      // clock: ns = units * 1e9 / unitsPerSecond, truncated toward zero (units are unsigned, so
      // this is floor). Wireshark rounds the same way.
      this.multiplier = NS_PER_SECOND_BIG;
      this.divisor = this.unitsPerSecond;
    }
    this.fastMultiplier = this.divisor === 1n && offsetSeconds === 0n ? Number(this.multiplier) : 0;
  }

  /** Nanoseconds since the epoch of a timestamp given as two 32-bit halves of the unit count. */
  toNanos(high: number, low: number): bigint {
    const units = uint64(high, low);
    const scaled = this.divisor === 1n ? units * this.multiplier : (units * this.multiplier) / this.divisor;
    return this.offsetNs === 0n ? scaled : scaled + this.offsetNs;
  }

  /**
   * Writes the nanoseconds into `words` (a Uint32Array over a BigInt64Array) at `index` without
   * allocating when the resolution allows it; otherwise stores through `out`.
   */
  writeNanos(high: number, low: number, out: BigInt64Array, words: Uint32Array, index: number): void {
    const m = this.fastMultiplier;
    if (m === 1) {
      words[2 * index + LO] = low;
      words[2 * index + HI] = high;
    } else if (m !== 0 && high < TWO_32 / m / 2) {
      // units * m < 2^63 here: low * m < 2^32 * 10^9 would lose bits, so split low in halves.
      const lowPart = (low & 0xffff) * m; // < 2^46
      const midPart = (low >>> 16) * m; // < 2^46, scaled by 2^16
      const mid = (midPart % TWO_16) * TWO_16 + lowPart; // < 2^48
      words[2 * index + LO] = mid % TWO_32;
      words[2 * index + HI] = high * m + Math.floor(midPart / TWO_16) + Math.floor(mid / TWO_32);
    } else {
      out[index] = BigInt.asIntN(64, this.toNanos(high, low));
    }
  }

  /**
   * The unit count for a nanosecond time (for writers), truncated toward zero when the resolution
   * is coarser than the time. Throws a RangeError when it does not fit 64 unsigned bits.
   */
  fromNanos(nanos: bigint): bigint {
    const units = ((nanos - this.offsetNs) * this.unitsPerSecond) / NS_PER_SECOND_BIG;
    if (units < 0n || units > 0xffff_ffff_ffff_ffffn) throw new RangeError('timestamp out of range');
    return units;
  }
}

/** The default pcapng clock: microseconds, no offset. */
export const MICROSECONDS = new TimeResolution(6);
