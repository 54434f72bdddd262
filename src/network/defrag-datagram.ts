// One datagram being reassembled: its data in one buffer indexed by fragment offset, and the
// byte ranges filled so far. RFC 815 keeps a list of holes; we keep its complement, the filled
// ranges, merged: fragments that arrive in order leave one range, so the completeness test and the
// overlap test are one comparison in the common case, and any order still costs O(fragments).
import { formatIpv4, formatIpv6 } from './ip-address.js';

/** What the public API shows of a datagram in reassembly: its key (RFC 791 / RFC 8200 section 4.5). */
export interface DefragDatagram {
  readonly version: 4 | 6;
  readonly src: string;
  readonly dst: string;
  /** The identification: 16 bits for IPv4, 32 for IPv6. */
  readonly id: number;
  /**
   * IPv4: the protocol field (part of the key). IPv6: the next header its first fragment's
   * Fragment header names (or, until that fragment is seen, the latest fragment's).
   */
  readonly protocol: number;
}

/** Fragment flags, as tshark marks fragments (ip.fragment.overlap, ip.fragment.overlap.conflict). */
export const FRAGMENT_OVERLAP = 1;
export const FRAGMENT_CONFLICT = 2;

const EMPTY = new Uint8Array(0);

/** How `DatagramState.write` treats bytes already filled: see there. */
export const WRITE_FIRST = 0;
export const WRITE_LAST = 1;
export const WRITE_LOWER_OFFSET = 2;

/**
 * The key's addresses, formatted only when someone reads them. They are read back from the key
 * string (addresses as 16-bit character codes, IPv4 first 4, IPv6 first 16), so making a
 * datagram copies no bytes.
 */
export class DatagramInfo implements DefragDatagram {
  readonly version: 4 | 6;
  readonly id: number;
  protocol: number;
  readonly #key: string;
  #src: string | undefined;
  #dst: string | undefined;

  constructor(version: 4 | 6, key: string, id: number, protocol: number) {
    this.version = version;
    this.#key = key;
    this.id = id;
    this.protocol = protocol;
  }
  get src(): string {
    return (this.#src ??= this.#address(0));
  }
  get dst(): string {
    return (this.#dst ??= this.#address(1));
  }
  #address(which: 0 | 1): string {
    const words = this.version === 4 ? 2 : 8;
    const bytes = new Uint8Array(words * 2);
    for (let i = 0; i < words; i++) {
      const c = this.#key.charCodeAt(which * words + i);
      bytes[2 * i] = c >>> 8;
      bytes[2 * i + 1] = c & 0xff;
    }
    return this.version === 4 ? formatIpv4(bytes, 0) : formatIpv6(bytes, 0);
  }
  toJSON(): object {
    return { version: this.version, src: this.src, dst: this.dst, id: this.id, protocol: this.protocol };
  }
}

export class DatagramState {
  readonly key: string;
  readonly version: 4 | 6;
  /** Creation order across both IP versions: the eviction order. */
  readonly serial: number;
  /** Packet time (ns) at which it expires: the clock when its first fragment came, plus the timeout. */
  readonly deadline: bigint;
  readonly info: DatagramInfo;
  /**
   * `base` bytes of room for the header, then the data bytes by offset; grows as fragments further
   * out arrive (its length is what is accounted). The room lets the reassembled packet be this
   * buffer, the header written in front of the data, instead of a copy.
   */
  buffer: Uint8Array = EMPTY;
  base = 0;
  /** Filled ranges as [start, end) pairs, sorted, merged when they touch. */
  readonly filled: number[] = [];
  /** The data length, once the last fragment (MF=0) has given it; -1 before. */
  total = -1;
  /** The furthest byte any kept fragment reached. */
  maxEnd = 0;
  /**
   * Bytes of the header saved from the fragment at offset 0 (0 until it comes): the IPv4 header
   * (options included), or the IPv6 per-fragment headers (the fixed header and the extension
   * headers before the Fragment header). It lies in the buffer just before `base`, or when
   * longer than the room there (IPv6 with long extension headers), in `header`.
   */
  headerSize = 0;
  header: Uint8Array | undefined;
  /** IPv6: where in `header` the byte naming the Fragment header is, and what the Fragment header said follows. */
  nextHeaderAt = 0;
  nextHeader = 0;
  /**
   * What the length field counts besides the data (IPv4: the header; IPv6: the per-fragment
   * extension headers), for the size checks: the first fragment's once it came, else a guess
   * from the fragments so far.
   */
  lengthOverhead = 0;
  /** Every fragment kept, in arrival order, as (offset, end, FRAGMENT_* flags) triples. */
  readonly fragments: number[] = [];
  /** The caller's tags of those fragments, when any was given. */
  tags: (number | undefined)[] | undefined;
  overlaps = 0;
  conflicts = 0;
  /** Bytes accounted to this datagram: the buffer and the saved header. */
  bytes = 0;

  constructor(key: string, version: 4 | 6, serial: number, deadline: bigint, info: DatagramInfo) {
    this.key = key;
    this.version = version;
    this.serial = serial;
    this.deadline = deadline;
    this.info = info;
  }

  get fragmentCount(): number {
    return this.fragments.length / 3;
  }

  /** Records a fragment kept. */
  addFragment(start: number, end: number, flags: number, tag: number | undefined): void {
    if (tag !== undefined || this.tags !== undefined) {
      const tags = (this.tags ??= new Array<number | undefined>(this.fragmentCount).fill(undefined));
      tags.push(tag);
    }
    this.fragments.push(start, end, flags);
  }

  /** Whether [s, e) touches any filled byte. */
  intersects(s: number, e: number): boolean {
    const f = this.filled;
    for (let i = 0; i < f.length; i += 2) {
      if (f[i]! >= e) return false;
      if (f[i + 1]! > s) return true;
    }
    return false;
  }

  /** Data bytes the buffer has room for. */
  get capacity(): number {
    return this.buffer.length - this.base;
  }

  /** Whether any byte of `data` (placed at `s`) differs from a filled byte it overlaps. */
  differs(data: Uint8Array, s: number): boolean {
    const e = s + data.length;
    const f = this.filled;
    for (let i = 0; i < f.length; i += 2) {
      if (f[i]! >= e) break;
      if (this.#differsIn(data, s, Math.max(f[i]!, s), Math.min(f[i + 1]!, e))) return true;
    }
    return false;
  }

  /**
   * Overlap marks as Wireshark's reassembly gives them (fragments in offset order, the earlier of
   * two at one offset first; each marked where it overlaps the ones before it, a conflict where its
   * bytes there differ from those kept), for `data` arriving at `s`, before it is written: its own
   * flags, and the earlier fragments it marks (those at higher offsets that it overlaps), counted
   * when newly marked. The bytes compared are the ones kept so far, so with three or more
   * fragments over the same bytes a conflict is judged against the current owner.
   */
  markByOffset(data: Uint8Array, s: number): { flags: number; overlaps: number; conflicts: number } {
    const e = s + data.length;
    const kept = this.fragments;
    const m = this.#coveredFrom(s);
    let overlaps = 0;
    let conflicts = 0;
    let flags = 0;
    if (m > s) {
      flags = FRAGMENT_OVERLAP;
      overlaps++;
      if (this.#differsIn(data, s, s, Math.min(m, e))) {
        flags |= FRAGMENT_CONFLICT;
        conflicts++;
      }
    }
    for (let i = 0; i < kept.length; i += 3) {
      const start = kept[i]!;
      if (start <= s || start >= e) continue;
      const old = kept[i + 2]!;
      let mark = FRAGMENT_OVERLAP;
      if (this.#differsIn(data, s, start, Math.min(kept[i + 1]!, e))) mark |= FRAGMENT_CONFLICT;
      if ((old & FRAGMENT_OVERLAP) === 0) overlaps++;
      if ((mark & FRAGMENT_CONFLICT) !== 0 && (old & FRAGMENT_CONFLICT) === 0) conflicts++;
      kept[i + 2] = old | mark;
    }
    return { flags, overlaps, conflicts };
  }

  /**
   * Where the bytes the kept fragments starting at or before `s` cover from `s` on end (`s` when
   * none does): each starts at or before `s`, so between them they cover [s, that end) whole.
   */
  #coveredFrom(s: number): number {
    const kept = this.fragments;
    let m = s;
    for (let i = 0; i < kept.length; i += 3) if (kept[i]! <= s && kept[i + 1]! > m) m = kept[i + 1]!;
    return m;
  }

  /** Whether `data` (placed at `s`) differs from the kept bytes in [a, b). */
  #differsIn(data: Uint8Array, s: number, a: number, b: number): boolean {
    const buffer = this.buffer;
    const base = this.base;
    for (let k = a; k < b; k++) if (buffer[base + k] !== data[k - s]) return true;
    return false;
  }

  /** An earlier fragment with exactly this range (RFC 8200 section 4.5: exact duplicates need not count as overlaps). */
  hasRange(s: number, e: number): boolean {
    const f = this.fragments;
    for (let i = 0; i < f.length; i += 3) if (f[i] === s && f[i + 1] === e) return true;
    return false;
  }

  /**
   * Writes `data` at offset `s` (the buffer already has room up to s + data.length): every byte
   * when later data wins (`WRITE_LAST`); only into holes, so earlier data stays (`WRITE_FIRST`);
   * or every byte no earlier fragment at the same or a lower offset covers (`WRITE_LOWER_OFFSET`).
   * Call it before `addFragment` records this fragment.
   */
  write(data: Uint8Array, s: number, mode: number): void {
    const e = s + data.length;
    const buffer = this.buffer;
    const base = this.base;
    const f = this.filled;
    if (mode === WRITE_LAST || f.length === 0) {
      buffer.set(data, base + s);
      return;
    }
    if (mode === WRITE_LOWER_OFFSET) {
      // Bytes the fragments at or before s cover stay; from there on this fragment's offset is the lowest covering.
      const m = this.#coveredFrom(s);
      if (m < e) buffer.set(data.subarray(m - s), base + m);
      return;
    }
    let at = s;
    for (let i = 0; i < f.length && at < e; i += 2) {
      const a = f[i]!;
      const b = f[i + 1]!;
      if (b <= at) continue;
      if (a >= e) break;
      if (a > at) buffer.set(data.subarray(at - s, a - s), base + at);
      at = Math.max(at, b);
    }
    if (at < e) buffer.set(data.subarray(at - s), base + at);
  }

  /** Marks [s, e) filled, merging it with the ranges it overlaps or touches. */
  fill(s: number, e: number): void {
    if (s >= e) return;
    const f = this.filled;
    let i = 0;
    while (i < f.length && f[i + 1]! < s) i += 2;
    let j = i;
    let start = s;
    let end = e;
    while (j < f.length && f[j]! <= e) {
      if (f[j]! < start) start = f[j]!;
      if (f[j + 1]! > end) end = f[j + 1]!;
      j += 2;
    }
    f.splice(i, j - i, start, end);
  }

  /** All data from 0 to the total length is there, and the first fragment's header. */
  get complete(): boolean {
    const f = this.filled;
    return this.total >= 0 && this.headerSize > 0 && (this.total === 0 || (f.length >= 2 && f[0] === 0 && f[1]! >= this.total));
  }
}
