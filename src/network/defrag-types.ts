// The public shapes of IP reassembly: options, results, events and counters of IpDefragmenter
// (defrag.ts), kept apart from the machinery.
import type { WireError } from '../errors.js';
import type { DefragDatagram } from './defrag-datagram.js';

export type { DefragDatagram } from './defrag-datagram.js';

/**
 * What to do when IPv4 fragments overlap (RFC 791 leaves it open; stacks differ, which is what
 * evasion attacks exploit, Novak and Sturges 2005): `first` keeps the bytes that arrived first
 * (BSD-derived stacks for most cases, and tshark for the usual ones), `last` lets later bytes
 * overwrite them, `reject` drops the datagram as IPv6 must (RFC 5722). Exact duplicates (the same
 * offset and length, the same bytes) are never an overlap worth rejecting.
 */
/**
 * Which bytes win where IPv4 fragments overlap: the earlier fragment's (`first`), the later one's
 * (`last`), the fragment's at the lower offset, the earlier of two at the same offset (`tshark`,
 * as Wireshark assembles: reassemble.c copies fragments in offset order, each from where the one
 * before ended), or none: the datagram is dropped (`reject`).
 */
export type Ipv4OverlapPolicy = 'first' | 'last' | 'reject' | 'tshark';

/** The caps `limit-exceeded` names. */
export type DefragLimit = 'datagram-length' | 'fragments' | 'datagrams' | 'buffered-bytes';

/**
 * - `conflict`: fragments overlapped with different bytes; the policy chose (the datagram goes on)
 * - `overlap`: an overlap dropped the datagram (always for IPv6, RFC 5722; IPv4 under `reject`)
 * - `too-large`: the datagram would exceed 65,535 bytes (a ping of death); dropped
 * - `limit-exceeded`: a cap was hit (`limit` says which); the datagram named was dropped
 * - `timeout`: the datagram was not complete in time; dropped
 * - `inconsistent`: two last fragments gave different lengths; dropped
 * - `beyond-end`: data past the end the last fragment gives; those bytes are ignored
 * - `malformed`: a fragment that breaks the rules (length not a multiple of 8 with MF set, empty,
 *   cut short by the capture); that fragment is dropped
 * - `flushed`: `flush()` dropped an incomplete datagram
 */
export type DefragEventKind = 'conflict' | 'overlap' | 'too-large' | 'limit-exceeded' | 'timeout' | 'inconsistent' | 'beyond-end' | 'malformed' | 'flushed';

/** Something the defragmenter did that a monitor wants to know about. */
export interface DefragEvent {
  kind: DefragEventKind;
  /** The datagram concerned; absent for a packet too malformed to tell. */
  datagram?: DefragDatagram;
  /** The tag given with the packet that caused it; absent for timeouts and flushes. */
  tag?: number;
  /** What was thrown away: nothing (the policy chose, bytes were ignored), the fragment, or the datagram so far. */
  dropped: 'none' | 'fragment' | 'datagram';
  /** For `limit-exceeded`: which cap. */
  limit?: DefragLimit;
  /** Fragments the datagram held when it was dropped. */
  fragments?: number;
  message: string;
}

/** One fragment of a reassembled datagram, in arrival order. */
export interface DefragFragment {
  /** Byte offset of its data in the datagram's data. */
  offset: number;
  /** Data bytes it carried (after trimming at the datagram's end). */
  length: number;
  /** The tag given with it to `push` (e.g. a frame number). */
  tag?: number;
  /**
   * It overlapped data already there (tshark's ip.fragment.overlap); under the IPv4 policy
   * `tshark`, it overlapped a fragment at a lower offset (or an earlier one at its offset), as
   * Wireshark marks, whichever came first.
   */
  overlap: boolean;
  /** Its overlapping bytes differed (tshark's ip.fragment.overlap.conflict). */
  conflict: boolean;
}

export interface DefragNotFragment {
  status: 'not-fragment';
  /** Events of other datagrams this call brought about (timeouts). */
  events: readonly DefragEvent[];
}

export interface DefragBuffered {
  status: 'buffered';
  datagram: DefragDatagram;
  /** Fragments held for it so far. */
  fragments: number;
  events: readonly DefragEvent[];
}

export interface DefragComplete {
  status: 'complete';
  datagram: DefragDatagram;
  /**
   * The whole datagram as one IP packet. IPv4: the first fragment's header (options included)
   * with MF and the offset cleared, the total length and header checksum recomputed. IPv6: the
   * first fragment's per-fragment headers, the Fragment header removed, the next header that
   * named it set to what it named, the payload length fixed. It is the defragmenter's buffer
   * handed over (no copy), so it may be a view of an `ArrayBuffer` up to a quarter larger.
   */
  packet: Uint8Array;
  /** Bytes of `packet` before the reassembled data: `packet.subarray(headerLength)` is tshark's ip.reassembled.data. */
  headerLength: number;
  fragments: readonly DefragFragment[];
  /** Fragments that overlapped earlier data, and those whose overlapping bytes differed. */
  overlaps: number;
  conflicts: number;
  /** An IPv6 atomic fragment (offset 0, M clear): handled alone, not reassembled (RFC 6946). */
  atomic?: true;
  events: readonly DefragEvent[];
}

export type DefragDropReason = 'malformed' | 'too-large' | 'overlap' | 'limit-exceeded' | 'inconsistent' | 'beyond-end';

export interface DefragDropped {
  status: 'dropped';
  reason: DefragDropReason;
  error: WireError;
  /** The datagram the fragment belonged to, when it could be keyed. */
  datagram?: DefragDatagram;
  /** Whether the datagram's earlier fragments were dropped too (not only this one). */
  datagramDropped: boolean;
  events: readonly DefragEvent[];
}

export type DefragResult = DefragNotFragment | DefragBuffered | DefragComplete | DefragDropped;

export interface IpDefragmenterOptions {
  /** IPv4 overlap policy (see `Ipv4OverlapPolicy`); default `first`. IPv6 always drops on overlap (RFC 8200 section 4.5). */
  ipv4Overlap?: Ipv4OverlapPolicy;
  /**
   * Seconds from a datagram's first fragment until it is dropped. Default 60: RFC 1122 section
   * 3.3.2 wants a fixed timeout of 60 to 120 s (RFC 791's 15 s initial timer, raised by each
   * fragment's TTL, is what it replaced).
   */
  ipv4TimeoutSeconds?: number;
  /** Default 60, RFC 8200 section 4.5. */
  ipv6TimeoutSeconds?: number;
  /**
   * The largest reassembled datagram, as its length field counts it (IPv4 total length, IPv6
   * payload length). Default and maximum 65,535; past 65,535 is a ping of death (`too-large`),
   * past a lower cap `limit-exceeded`.
   */
  maxDatagramLength?: number;
  /**
   * Fragments one datagram may take, duplicates counted. Default 256: a 65,535-byte datagram over
   * a 576-byte IPv4 MTU needs 119, over IPv6's 1280 bytes 53.
   */
  maxFragmentsPerDatagram?: number;
  /** Datagrams in reassembly at once; default 4096. A new one evicts the oldest. */
  maxDatagrams?: number;
  /** Bytes held in all (data buffers and saved headers); default 4 MiB, Linux's ipfrag_high_thresh. Growing past it evicts the oldest datagrams. */
  maxBufferedBytes?: number;
  /** Called with every event as it happens (they are also on each result's `events`). It must not call back into the defragmenter. */
  onEvent?: (event: DefragEvent) => void;
}

/** Counters since the defragmenter was made, and what it holds now. */
export interface DefragStats {
  /** Datagrams in reassembly now, fragments and bytes they hold. */
  datagrams: number;
  fragments: number;
  bufferedBytes: number;
  /** The most bytes ever held at once. */
  peakBufferedBytes: number;
  completed: number;
  /** Datagrams dropped for any reason (timeouts, overlaps, caps, too large, inconsistent, flushed). */
  dropped: number;
  /** Fragments dropped alone (malformed, wholly past the end), not counting those of dropped datagrams. */
  droppedFragments: number;
  timeouts: number;
  overlaps: number;
  conflicts: number;
  tooLarge: number;
  limitExceeded: number;
  malformed: number;
}
