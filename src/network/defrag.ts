// IP reassembly (defragmentation) for IPv4 (RFC 791 section 3.2, RFC 1122 section 3.3.2) and IPv6
// (RFC 8200 section 4.5, RFC 5722), driven by packet timestamps so it works the same on a live
// feed and on a capture read at any speed. Every resource is capped (bytes per datagram, fragments
// per datagram, datagrams in flight, bytes buffered in all) and every cap that is hit is reported:
// a defragmenter fed hostile traffic (teardrop, ping of death, floods of tiny fragments) keeps
// to its caps and says what it dropped.
import { internetChecksum } from '../checksum/internet.js';
import { WireError } from '../errors.js';
import { put16, u16, u32 } from '../packet/bytes.js';
import { DatagramInfo, DatagramState, FRAGMENT_CONFLICT, FRAGMENT_OVERLAP, WRITE_FIRST, WRITE_LAST, WRITE_LOWER_OFFSET, type DefragDatagram } from './defrag-datagram.js';
import { ipv6ExtensionLength } from './ipv6-extensions.js';
import type { DefragDropped, DefragDropReason, DefragEvent, DefragEventKind, DefragFragment, DefragLimit, DefragNotFragment, DefragResult, DefragStats, IpDefragmenterOptions, Ipv4OverlapPolicy } from './defrag-types.js';

export type {
  DefragBuffered,
  DefragComplete,
  DefragDropped,
  DefragDropReason,
  DefragEvent,
  DefragEventKind,
  DefragFragment,
  DefragLimit,
  DefragNotFragment,
  DefragResult,
  DefragStats,
  IpDefragmenterOptions,
  Ipv4OverlapPolicy,
  DefragDatagram,
} from './defrag-types.js';

const NO_EVENTS: readonly DefragEvent[] = Object.freeze([]);
const NOT_FRAGMENT: DefragNotFragment = Object.freeze({ status: 'not-fragment', events: NO_EVENTS });
const MAX_LENGTH = 0xffff;
/** Room kept in front of the data for the header: an IPv4 header's maximum; IPv6's fixed header and a few extension headers. */
const IPV4_HEADROOM = 60;
const IPV6_HEADROOM = 128;
const IPV6_HEADER = 40;
const FRAGMENT = 44;
/** The same bound on extension headers as the IPv6 layer's. */
const MAX_EXTENSIONS = 16;

function positive(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value >= 1 && value <= max)) {
    throw new WireError('bad-value', `${name} must be an integer 1..${max}, got ${value}`, { layer: 'defrag' });
  }
  return value;
}

function seconds(name: string, value: number | undefined): bigint {
  const s = value ?? 60;
  if (!(Number.isFinite(s) && s > 0)) throw new WireError('bad-value', `${name} must be a positive number of seconds, got ${value}`, { layer: 'defrag' });
  return BigInt(Math.round(s * 1e9));
}

/** What a fragment says, parsed from its packet. */
interface Piece {
  version: 4 | 6;
  key: string;
  packet: Uint8Array;
  /** IPv4: the header length; IPv6: where the Fragment header starts (the per-fragment part's length). */
  headerEnd: number;
  /** IPv6: the byte naming the Fragment header, and the Fragment header's next header. */
  nextHeaderAt: number;
  nextHeader: number;
  id: number;
  start: number;
  end: number;
  more: boolean;
  data: Uint8Array;
  tag: number | undefined;
}

/**
 * Reassembles IPv4 and IPv6 datagrams from their fragments, in any order, duplicates tolerated.
 * Push every IP packet (starting at its IP header) with its capture timestamp; each call says
 * whether the packet was not a fragment, was buffered, completed a datagram (which it returns
 * whole), or was dropped and why.
 *
 * - Keys: IPv4 by source, destination, protocol and identification (RFC 791); IPv6 by source,
 *   destination and identification (RFC 8200 section 4.5).
 * - Overlaps: IPv4 per `ipv4Overlap` (default `first`); IPv6 drops the datagram (RFC 5722),
 *   exact duplicates excepted. Overlapping bytes that differ are counted and reported as
 *   `conflict` events either way.
 * - Time is the packets': the clock is the latest timestamp pushed (an earlier one does not turn
 *   it back), a datagram expires `timeout` after the clock when its first fragment came, and
 *   expired datagrams are reported as `timeout` events by the next `push` or `expire`.
 * - Caps on bytes per datagram, fragments per datagram, datagrams and buffered bytes; when one is
 *   hit the datagram at fault, or the oldest datagrams for the shared caps, are dropped and
 *   reported (`limit-exceeded`). Memory never grows past `maxBufferedBytes` of data.
 *
 * @example
 * const defrag = new IpDefragmenter({ onEvent: (e) => console.warn(e.kind, e.message) });
 * for (const record of readCaptureSync(bytes)) {
 *   const ip = decodePacket(record.data, { linkType: record.linkType }).layers.find((l) => l.name === 'ip' || l.name === 'ipv6');
 *   if (ip === undefined) continue;
 *   const result = defrag.push(record.data.subarray(ip.offset, ip.payloadOffset + ip.payloadLength), record.timestamp);
 *   if (result.status === 'complete') console.log(decodePacket(result.packet, { linkType: 'raw' }).protocols);
 * }
 */
export class IpDefragmenter {
  readonly #policy: Ipv4OverlapPolicy;
  readonly #timeout4: bigint;
  readonly #timeout6: bigint;
  readonly #maxLength: number;
  readonly #maxFragments: number;
  readonly #maxDatagrams: number;
  readonly #maxBytes: number;
  readonly #onEvent: ((event: DefragEvent) => void) | undefined;
  /** Datagrams by key, one map per version, each in creation order (so also in deadline order). */
  readonly #v4 = new Map<string, DatagramState>();
  readonly #v6 = new Map<string, DatagramState>();
  #now: bigint | undefined;
  /** No datagram expires before this (it may be stale-early after removals: then the maps are walked and it is recomputed). */
  #nextDeadline: bigint | undefined;
  #serial = 0;
  #bytes = 0;
  #peak = 0;
  #fragments = 0;
  #events: DefragEvent[] | undefined;
  readonly #stats = { completed: 0, dropped: 0, droppedFragments: 0, timeouts: 0, overlaps: 0, conflicts: 0, tooLarge: 0, limitExceeded: 0, malformed: 0 };

  constructor(options: IpDefragmenterOptions = {}) {
    const policy = options.ipv4Overlap ?? 'first';
    if (policy !== 'first' && policy !== 'last' && policy !== 'reject' && policy !== 'tshark') {
      throw new WireError('bad-value', `ipv4Overlap must be 'first', 'last', 'reject' or 'tshark', got '${String(policy)}'`, { layer: 'defrag' });
    }
    this.#policy = policy;
    this.#timeout4 = seconds('ipv4TimeoutSeconds', options.ipv4TimeoutSeconds);
    this.#timeout6 = seconds('ipv6TimeoutSeconds', options.ipv6TimeoutSeconds);
    this.#maxLength = positive('maxDatagramLength', options.maxDatagramLength, MAX_LENGTH, MAX_LENGTH);
    this.#maxFragments = positive('maxFragmentsPerDatagram', options.maxFragmentsPerDatagram, 256);
    this.#maxDatagrams = positive('maxDatagrams', options.maxDatagrams, 4096);
    this.#maxBytes = positive('maxBufferedBytes', options.maxBufferedBytes, 4 * 1024 * 1024);
    this.#onEvent = options.onEvent;
  }

  /**
   * Takes one IP packet (IPv4 or IPv6, starting at its IP header; bytes past its length field
   * are ignored) captured at `timestampNs` (nanoseconds, as `CaptureRecord.timestamp`). `tag` is
   * kept with the fragment and given back in `fragments` and events (the CLI passes frame
   * numbers). The packet's bytes are copied: the caller may reuse its buffer.
   */
  push(packet: Uint8Array, timestampNs: bigint, tag?: number): DefragResult {
    this.#events = undefined;
    this.#advance(timestampNs);
    const result = this.#push(packet, tag);
    return result;
  }

  /** Advances the clock to `timestampNs` (if later) and drops what expired; returns those `timeout` events. */
  expire(timestampNs: bigint): DefragEvent[] {
    this.#events = undefined;
    this.#advance(timestampNs);
    return this.#takeEvents();
  }

  /** Drops every datagram still incomplete (at the end of a capture) and returns their `flushed` events. */
  flush(): DefragEvent[] {
    this.#events = undefined;
    for (const d of [...this.#v4.values(), ...this.#v6.values()].sort((a, b) => a.serial - b.serial)) {
      this.#drop(d, { kind: 'flushed', message: `${describe(d)}: incomplete (${d.fragmentCount} fragments) when flushed` });
    }
    return this.#takeEvents();
  }

  /** Bytes held now: data buffers and saved headers of datagrams in reassembly. */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  stats(): DefragStats {
    return { datagrams: this.#v4.size + this.#v6.size, fragments: this.#fragments, bufferedBytes: this.#bytes, peakBufferedBytes: this.#peak, ...this.#stats };
  }

  #takeEvents(): DefragEvent[] {
    const events = this.#events ?? [];
    this.#events = undefined;
    return events;
  }

  #emit(event: DefragEvent): void {
    (this.#events ??= []).push(event);
    this.#onEvent?.(event);
  }

  #advance(timestamp: bigint): void {
    if (typeof timestamp !== 'bigint') throw new WireError('bad-value', `timestamp must be a bigint of nanoseconds, got ${typeof timestamp}`, { layer: 'defrag' });
    if (this.#now === undefined || timestamp > this.#now) this.#now = timestamp;
    const now = this.#now;
    if (this.#nextDeadline === undefined || now < this.#nextDeadline) return;
    this.#nextDeadline = undefined;
    this.#expireFrom(this.#v4, now);
    this.#expireFrom(this.#v6, now);
  }

  /** Drops the expired datagrams of `map`: its oldest first, so the walk stops at the first one still in time. */
  #expireFrom(map: Map<string, DatagramState>, now: bigint): void {
    for (const d of map.values()) {
      if (d.deadline > now) {
        this.#noteDeadline(d.deadline);
        break;
      }
      this.#stats.timeouts++;
      this.#drop(d, { kind: 'timeout', message: `${describe(d)}: timed out with ${d.fragmentCount} fragments` });
    }
  }

  #noteDeadline(deadline: bigint): void {
    if (this.#nextDeadline === undefined || deadline < this.#nextDeadline) this.#nextDeadline = deadline;
  }

  #push(packet: Uint8Array, tag: number | undefined): DefragResult {
    if (packet.length === 0) return this.#malformed(new WireError('truncated', 'empty packet', { layer: 'ip', offset: 0, required: 1, available: 0 }), tag);
    const version = packet[0]! >>> 4;
    if (version === 4) {
      if (packet.length < 20) return this.#malformed(truncated('ipv4', 'header', 20, packet.length, 0), tag);
      const word = u16(packet, 6);
      if ((word & 0x3fff) === 0) return this.#result(NOT_FRAGMENT);
      return this.#ipv4(packet, word, tag);
    }
    if (version === 6) {
      if (packet.length < IPV6_HEADER) return this.#malformed(truncated('ipv6', 'header', IPV6_HEADER, packet.length, 0), tag);
      return this.#ipv6(packet, tag);
    }
    return this.#malformed(new WireError('bad-version', `version is ${version}, expected 4 or 6`, { layer: 'ip', offset: 0 }), tag);
  }

  #ipv4(packet: Uint8Array, word: number, tag: number | undefined): DefragResult {
    const layer = 'ipv4';
    const hl = (packet[0]! & 0x0f) * 4;
    const total = u16(packet, 2);
    if (hl < 20) return this.#malformed(new WireError('bad-length', `header length ${hl} is below 20`, { layer, offset: 0, required: 20, available: hl }), tag);
    if (hl > packet.length) return this.#malformed(truncated(layer, 'header', hl, packet.length, 0), tag);
    // Total length 0 (TCP segmentation offload) cannot be a fragment's: nothing says where its data ends.
    if (total < hl) return this.#malformed(new WireError('bad-length', `total length ${total} is less than the header length ${hl}`, { layer, offset: 2, required: hl, available: total }), tag);
    if (total > packet.length) return this.#malformed(truncated(layer, 'fragment', total, packet.length, 2), tag);
    const start = (word & 0x1fff) * 8;
    const key = String.fromCharCode(u16(packet, 12), u16(packet, 14), u16(packet, 16), u16(packet, 18), u16(packet, 4), packet[9]!);
    return this.#fragment({
      version: 4,
      key,
      packet,
      headerEnd: hl,
      nextHeaderAt: 0,
      nextHeader: packet[9]!,
      id: u16(packet, 4),
      start,
      end: start + total - hl,
      more: (word & 0x2000) !== 0,
      data: packet.subarray(hl, total),
      tag,
    });
  }

  #ipv6(packet: Uint8Array, tag: number | undefined): DefragResult {
    const layer = 'ipv6';
    const payloadLength = u16(packet, 4);
    let nh = packet[6]!;
    // A jumbogram (payload length 0) cannot carry a Fragment header (RFC 2675 section 3).
    if (payloadLength === 0 || !(nh === 0 || nh === 43 || nh === 60 || nh === 51 || nh === FRAGMENT)) return this.#result(NOT_FRAGMENT);
    const end = IPV6_HEADER + payloadLength;
    const limit = Math.min(end, packet.length);
    let at = IPV6_HEADER;
    let nhAt = 6;
    for (let count = 0; nh !== FRAGMENT; count++) {
      // A broken chain before any Fragment header: not ours to report (the IPv6 decoder does).
      if (!(nh === 0 || nh === 43 || nh === 60 || nh === 51) || count >= MAX_EXTENSIONS || at + 2 > limit) return this.#result(NOT_FRAGMENT);
      const length = ipv6ExtensionLength(nh, packet, at);
      if (at + length > limit) return this.#result(NOT_FRAGMENT);
      nhAt = at;
      nh = packet[at]!;
      at += length;
    }
    if (at + 8 > end) {
      return this.#malformed(new WireError('bad-length', `Fragment header at offset ${at} runs past the payload length ${payloadLength}`, { layer, offset: at, required: at + 8, available: end }), tag);
    }
    if (end > packet.length) return this.#malformed(truncated(layer, 'fragment', end, packet.length, 4), tag);
    const word = u16(packet, at + 2);
    const start = word & 0xfff8;
    const more = (word & 1) === 1;
    const id = u32(packet, at + 4);
    const data = packet.subarray(at + 8, end);
    if (start === 0 && !more) return this.#atomic(packet, at, nhAt, data, id, tag);
    return this.#fragment({ version: 6, key: ipv6Key(packet, id), packet, headerEnd: at, nextHeaderAt: nhAt, nextHeader: packet[at]!, id, start, end: start + data.length, more, data, tag });
  }

  /** RFC 6946: an atomic fragment is processed on its own, leaving any reassembly of its key alone. */
  #atomic(packet: Uint8Array, fragmentAt: number, nhAt: number, data: Uint8Array, id: number, tag: number | undefined): DefragResult {
    const out = new Uint8Array(fragmentAt + data.length);
    out.set(packet.subarray(0, fragmentAt));
    out.set(data, fragmentAt);
    out[nhAt] = packet[fragmentAt]!;
    put16(out, 4, fragmentAt - IPV6_HEADER + data.length);
    this.#stats.completed++;
    const info = new DatagramInfo(6, ipv6Key(packet, id), id, packet[fragmentAt]!);
    const fragment: DefragFragment = { offset: 0, length: data.length, overlap: false, conflict: false };
    if (tag !== undefined) fragment.tag = tag;
    return this.#result({ status: 'complete', datagram: info, packet: out, headerLength: fragmentAt, fragments: [fragment], overlaps: 0, conflicts: 0, atomic: true, events: NO_EVENTS });
  }

  #fragment(f: Piece): DefragResult {
    const layer = f.version === 4 ? 'ipv4' : 'ipv6';
    const length = f.end - f.start;
    // RFC 8200 section 4.5 (and RFC 791's 8-octet units): every fragment but the last carries a multiple of 8 bytes.
    if (f.more && (length === 0 || length % 8 !== 0)) {
      return this.#malformed(
        new WireError('bad-length', `fragment at offset ${f.start} with more to come carries ${length} bytes, not a positive multiple of 8`, { layer, offset: f.version === 4 ? 2 : 4 }),
        f.tag,
        this.#map(f.version).get(f.key)?.info,
      );
    }
    const map = this.#map(f.version);
    let d = map.get(f.key);
    // Ping of death: the datagram this fragment belongs to would be longer than a length field
    // holds. Checked before anything is made for it, so such fragments cost nothing.
    const headerBytes = d !== undefined && d.headerSize > 0 ? d.lengthOverhead : f.version === 4 ? f.headerEnd : f.headerEnd - IPV6_HEADER;
    const claimed = headerBytes + f.end;
    if (claimed > MAX_LENGTH || claimed > this.#maxLength) {
      const tooLarge = claimed > MAX_LENGTH;
      const why = tooLarge
        ? `fragment at offset ${f.start} with ${length} bytes makes the datagram ${claimed} bytes long, past 65,535`
        : `fragment at offset ${f.start} makes the datagram ${claimed} bytes long, past the cap of ${this.#maxLength}`;
      if (tooLarge) this.#stats.tooLarge++;
      if (d !== undefined) return this.#dropFor(d, f, tooLarge ? 'too-large' : 'limit-exceeded', tooLarge ? 'bad-length' : 'limit-exceeded', why, tooLarge ? undefined : 'datagram-length');
      return this.#dropFragment(f, tooLarge ? 'too-large' : 'limit-exceeded', tooLarge ? 'bad-length' : 'limit-exceeded', why, tooLarge ? undefined : 'datagram-length');
    }
    if (d === undefined) {
      this.#makeRoomForDatagram();
      d = new DatagramState(f.key, f.version, this.#serial++, this.#now! + (f.version === 4 ? this.#timeout4 : this.#timeout6), infoOf(f));
      d.lengthOverhead = headerBytes;
      map.set(f.key, d);
      this.#noteDeadline(d.deadline);
    } else if (d.headerSize === 0 && f.version === 6) {
      d.info.protocol = f.nextHeader;
    }
    if (d.fragmentCount >= this.#maxFragments) {
      return this.#dropFor(d, f, 'limit-exceeded', 'limit-exceeded', `more than ${this.#maxFragments} fragments`, 'fragments');
    }

    let data = f.data;
    let end = f.end;
    if (!f.more) {
      if (d.total >= 0 && d.total !== end) {
        return this.#dropFor(d, f, 'inconsistent', 'bad-length', `last fragment ends at ${end}, an earlier last fragment at ${d.total}`);
      }
      if (d.total < 0) {
        d.total = end;
        if (d.maxEnd > end) this.#event(d, f.tag, 'beyond-end', 'none', `data up to ${d.maxEnd} lies past the end ${end} the last fragment gives; ignored`);
      }
    } else if (d.total >= 0 && end > d.total) {
      if (f.start >= d.total) {
        this.#stats.droppedFragments++;
        this.#event(d, f.tag, 'beyond-end', 'fragment', `fragment at offset ${f.start} lies past the end ${d.total} the last fragment gave; dropped`);
        return this.#result({ status: 'dropped', reason: 'beyond-end', error: new WireError('bad-length', `fragment at offset ${f.start} lies past the datagram's end ${d.total}`, { layer }), datagram: d.info, datagramDropped: false, events: NO_EVENTS });
      }
      this.#event(d, f.tag, 'beyond-end', 'none', `fragment at offset ${f.start} runs to ${end}, past the end ${d.total} the last fragment gave; the rest is ignored`);
      end = d.total;
      data = data.subarray(0, end - f.start);
    }

    // IPv4 under `tshark`: the lower offset's bytes win, and the marks go to the fragment that loses.
    const byOffset = f.version === 4 && this.#policy === 'tshark';
    let flags = 0;
    if (d.filled.length > 0 && d.intersects(f.start, end)) {
      let conflict: boolean;
      if (byOffset) {
        // Marked as Wireshark marks: the fragment that loses the overlap (the higher offset, or
        // the later of two at one offset), which may be one that came before this one.
        const marks = d.markByOffset(data, f.start);
        flags = marks.flags;
        d.overlaps += marks.overlaps;
        d.conflicts += marks.conflicts;
        this.#stats.overlaps += marks.overlaps;
        this.#stats.conflicts += marks.conflicts;
        conflict = marks.conflicts > 0;
      } else {
        flags = FRAGMENT_OVERLAP;
        d.overlaps++;
        this.#stats.overlaps++;
        conflict = d.differs(data, f.start);
        if (conflict) {
          flags |= FRAGMENT_CONFLICT;
          d.conflicts++;
          this.#stats.conflicts++;
        }
      }
      // RFC 5722 / RFC 8200 section 4.5 for IPv6, and IPv4 under `reject`: any overlap but an exact duplicate drops the datagram.
      if ((f.version === 6 || this.#policy === 'reject') && (conflict || !d.hasRange(f.start, end))) {
        return this.#dropFor(d, f, 'overlap', 'bad-value', `fragment at offset ${f.start}..${end} overlaps earlier data${conflict ? ' with different bytes' : ''}`);
      }
      if (conflict) {
        const kept = this.#policy === 'last' ? 'the later bytes were kept' : byOffset ? 'the bytes at the lower offset were kept' : 'the earlier bytes were kept';
        this.#event(d, f.tag, 'conflict', 'none', `fragment at offset ${f.start}..${end} overlaps earlier data with different bytes; ${kept}`);
      }
    }

    // The first fragment's header is the datagram's (RFC 791: the reassembled header is the first
    // fragment's). It goes in the room before the data; only a longer one is kept apart.
    const later = f.version === 4 && this.#policy === 'last';
    const saveHeader = f.start === 0 && (d.headerSize === 0 || later);
    let capacity = d.capacity;
    if (capacity < end) {
      // Known length: exactly that. Otherwise room for a few more fragments like this one, so a
      // datagram arriving in order (the usual case) is not copied at every fragment.
      capacity = d.total >= 0 ? d.total : Math.min(MAX_LENGTH, Math.max(end, capacity * 2, f.start === 0 && end >= 512 ? end * 4 : 0));
    }
    const base = d.buffer.length === 0 ? (f.version === 4 ? IPV4_HEADROOM : IPV6_HEADROOM) : d.base;
    const apart = saveHeader && f.headerEnd > base ? f.headerEnd - (d.header?.length ?? 0) : 0;
    const growth = (capacity > d.capacity ? base + capacity - d.buffer.length : 0) + apart;
    if (growth > 0 && !this.#reserve(growth, d)) {
      return this.#dropFor(d, f, 'limit-exceeded', 'limit-exceeded', `buffering it would pass the cap of ${this.#maxBytes} bytes in all`, 'buffered-bytes');
    }
    if (capacity > d.capacity) {
      const buffer = new Uint8Array(base + capacity);
      // The header room and the data so far.
      if (d.buffer.length > 0) buffer.set(d.buffer.subarray(0, base + Math.min(d.capacity, d.maxEnd)));
      d.buffer = buffer;
      d.base = base;
    }
    if (saveHeader) {
      if (f.headerEnd <= base) d.buffer.set(f.packet.subarray(0, f.headerEnd), base - f.headerEnd);
      else d.header = new Uint8Array(f.packet.subarray(0, f.headerEnd)); // a copy, even of a Node Buffer (whose slice() is a view)
      d.headerSize = f.headerEnd;
      d.lengthOverhead = f.version === 4 ? f.headerEnd : f.headerEnd - IPV6_HEADER;
      d.nextHeaderAt = f.nextHeaderAt;
      d.nextHeader = f.nextHeader;
      if (f.version === 6) d.info.protocol = f.nextHeader;
    }
    d.bytes += growth;
    this.#bytes += growth;
    if (this.#bytes > this.#peak) this.#peak = this.#bytes;
    d.write(data, f.start, later ? WRITE_LAST : byOffset ? WRITE_LOWER_OFFSET : WRITE_FIRST);
    d.fill(f.start, end);
    if (end > d.maxEnd) d.maxEnd = end;
    d.addFragment(f.start, end, flags, f.tag);
    this.#fragments++;
    if (d.complete) return this.#assemble(d);
    return this.#result({ status: 'buffered', datagram: d.info, fragments: d.fragmentCount, events: NO_EVENTS });
  }

  #assemble(d: DatagramState): DefragResult {
    const total = d.total;
    const hs = d.headerSize;
    // The saved header may be longer than the one the size checks assumed (IPv4 options only in the first fragment).
    if (d.lengthOverhead + total > MAX_LENGTH) {
      this.#stats.tooLarge++;
      const error = new WireError('bad-length', `reassembled datagram would be ${d.lengthOverhead + total} bytes, past 65,535`, { layer: d.version === 4 ? 'ipv4' : 'ipv6' });
      this.#drop(d, { kind: 'too-large', message: `${describe(d)}: ${error.message}` });
      return this.#result({ status: 'dropped', reason: 'too-large', error, datagram: d.info, datagramDropped: true, events: NO_EVENTS });
    }
    // The packet is the buffer itself, header in front of the data, unless the buffer is much
    // larger than the packet (the caller would keep it all alive) or the header was kept apart.
    const { buffer, base } = d;
    let out: Uint8Array;
    if (d.header === undefined && buffer.length - base - total <= total >>> 2) {
      out = buffer.subarray(base - hs, base + total);
    } else {
      out = new Uint8Array(hs + total);
      if (d.header === undefined) out.set(buffer.subarray(base - hs, base + total));
      else {
        out.set(d.header);
        out.set(buffer.subarray(base, base + total), hs);
      }
    }
    if (d.version === 4) {
      put16(out, 2, hs + total);
      put16(out, 6, u16(out, 6) & 0xc000); // keep the reserved and DF bits; MF and the offset are 0
      out[10] = 0;
      out[11] = 0;
      put16(out, 10, internetChecksum(out.subarray(0, hs)));
    } else {
      out[d.nextHeaderAt] = d.nextHeader;
      put16(out, 4, hs - IPV6_HEADER + total);
    }
    const fragments: DefragFragment[] = [];
    const f = d.fragments;
    for (let i = 0; i < f.length; i += 3) {
      const start = f[i]!;
      const fragment: DefragFragment = {
        offset: start,
        length: Math.max(0, Math.min(f[i + 1]!, total) - start),
        overlap: (f[i + 2]! & FRAGMENT_OVERLAP) !== 0,
        conflict: (f[i + 2]! & FRAGMENT_CONFLICT) !== 0,
      };
      const tag = d.tags?.[i / 3];
      if (tag !== undefined) fragment.tag = tag;
      fragments.push(fragment);
    }
    this.#release(d);
    this.#stats.completed++;
    return this.#result({ status: 'complete', datagram: d.info, packet: out, headerLength: hs, fragments, overlaps: d.overlaps, conflicts: d.conflicts, events: NO_EVENTS });
  }

  #map(version: 4 | 6): Map<string, DatagramState> {
    return version === 4 ? this.#v4 : this.#v6;
  }

  /** Before a new datagram: evicts the oldest while the datagram cap is reached. */
  #makeRoomForDatagram(): void {
    while (this.#v4.size + this.#v6.size >= this.#maxDatagrams) {
      const oldest = this.#oldest(undefined)!;
      this.#stats.limitExceeded++;
      this.#drop(oldest, { kind: 'limit-exceeded', limit: 'datagrams', message: `${describe(oldest)}: evicted, ${this.#maxDatagrams} datagrams in reassembly` });
    }
  }

  /** Makes room for `bytes` more for `d` by evicting older datagrams; false when even that is not enough. */
  #reserve(bytes: number, d: DatagramState): boolean {
    if (bytes + d.bytes > this.#maxBytes) return false;
    while (this.#bytes + bytes > this.#maxBytes) {
      const oldest = this.#oldest(d);
      if (oldest === undefined) return false;
      this.#stats.limitExceeded++;
      this.#drop(oldest, { kind: 'limit-exceeded', limit: 'buffered-bytes', message: `${describe(oldest)}: evicted, ${this.#maxBytes} bytes buffered in all` });
    }
    return true;
  }

  /** The datagram made first, other than `except`. */
  #oldest(except: DatagramState | undefined): DatagramState | undefined {
    let best: DatagramState | undefined;
    for (const map of [this.#v4, this.#v6]) {
      for (const d of map.values()) {
        if (d === except) continue;
        if (best === undefined || d.serial < best.serial) best = d;
        break;
      }
    }
    return best;
  }

  /** Forgets `d` and gives back what it held. */
  #release(d: DatagramState): void {
    this.#map(d.version).delete(d.key);
    this.#bytes -= d.bytes;
    this.#fragments -= d.fragmentCount;
    d.bytes = 0;
  }

  /** Drops `d` whole and reports it. */
  #drop(d: DatagramState, event: Omit<DefragEvent, 'datagram' | 'dropped' | 'fragments'> & { tag?: number }): void {
    const fragments = d.fragmentCount;
    this.#release(d);
    this.#stats.dropped++;
    const e: DefragEvent = { kind: event.kind, datagram: d.info, dropped: 'datagram', fragments, message: event.message };
    if (event.tag !== undefined) e.tag = event.tag;
    if (event.limit !== undefined) e.limit = event.limit;
    this.#emit(e);
  }

  /** The fragment `f` made its datagram `d` invalid: drop both, report, and say so. */
  #dropFor(d: DatagramState, f: Piece, reason: DefragDropReason, code: 'bad-length' | 'bad-value' | 'limit-exceeded', why: string, limit?: DefragLimit): DefragResult {
    const layer = f.version === 4 ? 'ipv4' : 'ipv6';
    const error = new WireError(code, `${describe(d)}: ${why}`, { layer });
    if (reason === 'limit-exceeded') this.#stats.limitExceeded++;
    const kind: DefragEventKind = reason;
    const event: Omit<DefragEvent, 'datagram' | 'dropped' | 'fragments'> & { tag?: number } = { kind, message: error.message };
    if (f.tag !== undefined) event.tag = f.tag;
    if (limit !== undefined) event.limit = limit;
    this.#drop(d, event);
    return this.#result({ status: 'dropped', reason, error, datagram: d.info, datagramDropped: true, events: NO_EVENTS });
  }

  /** `f` alone is dropped (no datagram was made for it). */
  #dropFragment(f: Piece, reason: DefragDropReason, code: 'bad-length' | 'limit-exceeded', why: string, limit?: DefragLimit): DefragResult {
    const info = infoOf(f);
    const error = new WireError(code, `${describeInfo(info)}: ${why}`, { layer: f.version === 4 ? 'ipv4' : 'ipv6' });
    if (reason === 'limit-exceeded') this.#stats.limitExceeded++;
    this.#stats.droppedFragments++;
    const e: DefragEvent = { kind: reason === 'too-large' ? 'too-large' : 'limit-exceeded', datagram: info, dropped: 'fragment', message: error.message };
    if (f.tag !== undefined) e.tag = f.tag;
    if (limit !== undefined) e.limit = limit;
    this.#emit(e);
    return this.#result({ status: 'dropped', reason, error, datagram: info, datagramDropped: false, events: NO_EVENTS });
  }

  #event(d: DatagramState, tag: number | undefined, kind: DefragEventKind, dropped: DefragEvent['dropped'], message: string): void {
    const e: DefragEvent = { kind, datagram: d.info, dropped, message: `${describe(d)}: ${message}` };
    if (tag !== undefined) e.tag = tag;
    this.#emit(e);
  }

  #malformed(error: WireError, tag: number | undefined, datagram?: DatagramInfo): DefragResult {
    this.#stats.malformed++;
    this.#stats.droppedFragments++;
    const e: DefragEvent = { kind: 'malformed', dropped: 'fragment', message: error.message };
    if (datagram !== undefined) e.datagram = datagram;
    if (tag !== undefined) e.tag = tag;
    this.#emit(e);
    const result: DefragDropped = { status: 'dropped', reason: 'malformed', error, datagramDropped: false, events: NO_EVENTS };
    if (datagram !== undefined) result.datagram = datagram;
    return this.#result(result);
  }

  /** `result` with the events this call raised (the shared empty list when none). */
  #result<R extends DefragResult>(result: R): R {
    const events = this.#events;
    if (events === undefined) return result;
    this.#events = undefined;
    return { ...result, events };
  }
}

function truncated(layer: string, what: string, required: number, available: number, offset: number): WireError {
  return new WireError('truncated', `${what} needs ${required} bytes, ${available} given`, { layer, offset, required, available });
}

function infoOf(f: Piece): DatagramInfo {
  return new DatagramInfo(f.version, f.key, f.id, f.nextHeader);
}

/** The IPv6 key (RFC 8200 section 4.5): source, destination, identification, as 16-bit character codes. */
function ipv6Key(p: Uint8Array, id: number): string {
  return String.fromCharCode(
    u16(p, 8), u16(p, 10), u16(p, 12), u16(p, 14), u16(p, 16), u16(p, 18), u16(p, 20), u16(p, 22),
    u16(p, 24), u16(p, 26), u16(p, 28), u16(p, 30), u16(p, 32), u16(p, 34), u16(p, 36), u16(p, 38),
    id >>> 16, id & 0xffff,
  );
}

function describeInfo(i: DefragDatagram): string {
  const id = `0x${i.id.toString(16).padStart(i.version === 4 ? 4 : 8, '0')}`;
  return i.version === 4 ? `datagram ${i.src} -> ${i.dst} id ${id} proto ${i.protocol}` : `datagram ${i.src} -> ${i.dst} id ${id}`;
}

function describe(d: DatagramState): string {
  return describeInfo(d.info);
}
