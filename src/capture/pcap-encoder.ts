// Writes classic pcap (draft-ietf-opsawg-pcap): the header once, on the first record (so the
// link type can be the first record's), then a 16-byte header and the bytes of each record.
import { fileError } from './errors.js';
import { linkTypeNumber } from './link-types.js';
import type { Output } from './output.js';
import { PCAP_HEADER_LENGTH, PCAP_RECORD_HEADER_LENGTH } from './pcap-parser.js';
import type { CaptureRecord } from './types.js';
import { PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO } from './unit-parser.js';
import { DEFAULT_WRITE_SNAPLEN, type WriteOptions } from './write-options.js';

const NS_PER_SECOND = 1_000_000_000n;
/** Seconds are unsigned 32-bit: the last representable instant is in 2106. */
const LIMIT_NS = 0x1_0000_0000n * NS_PER_SECOND;

export class PcapEncoder {
  private readonly little: boolean;
  private readonly nano: boolean;
  private readonly snaplen: number;
  private linkType: number | undefined;
  private headerWritten = false;

  constructor(options: WriteOptions = {}) {
    this.little = (options.byteOrder ?? 'little') === 'little';
    this.nano = (options.precision ?? 'nano') === 'nano';
    this.snaplen = options.snaplen ?? DEFAULT_WRITE_SNAPLEN;
    if (options.linkType !== undefined) {
      const number = linkTypeNumber(options.linkType);
      if (number === undefined) throw fileError('pcap', 'bad-value', `unknown link type name '${options.linkType}'`, 0);
      this.linkType = number;
    }
  }

  record(out: Output, record: CaptureRecord): void {
    if (!this.headerWritten) this.header(out, this.linkType ?? record.linkType);
    if (record.linkType !== this.linkType) {
      throw fileError('pcap', 'unsupported', `a pcap file holds one link type (${this.linkType}); this record has ${record.linkType}: write pcapng instead`, 0);
    }
    const ns = record.timestamp;
    if (ns < 0n || ns >= LIMIT_NS) {
      throw fileError('pcap', 'bad-value', `timestamp ${ns} ns is outside pcap's range (1970 to 2106, unsigned 32-bit seconds)`, 0);
    }
    const seconds = Number(ns / NS_PER_SECOND);
    const nanos = Number(ns % NS_PER_SECOND);
    const captured = record.data.length;
    const room = out.reserve(PCAP_RECORD_HEADER_LENGTH + captured);
    const { view, at } = room;
    view.setUint32(at, seconds, this.little);
    view.setUint32(at + 4, this.nano ? nanos : Math.floor(nanos / 1000), this.little);
    view.setUint32(at + 8, captured, this.little);
    view.setUint32(at + 12, record.originalLength, this.little);
    room.bytes.set(record.data, at + PCAP_RECORD_HEADER_LENGTH);
    out.commit(PCAP_RECORD_HEADER_LENGTH + captured);
  }

  /** Writes the header if no record did (an empty capture is still a valid file). */
  finish(out: Output): void {
    if (!this.headerWritten) this.header(out, this.linkType ?? 1);
  }

  private header(out: Output, linkType: number): void {
    this.linkType = linkType;
    this.headerWritten = true;
    const { view, at } = out.reserve(PCAP_HEADER_LENGTH);
    view.setUint32(at, this.nano ? PCAP_MAGIC_NANO : PCAP_MAGIC_MICRO, this.little);
    view.setUint16(at + 4, 2, this.little);
    view.setUint16(at + 6, 4, this.little);
    view.setUint32(at + 8, 0, this.little);
    view.setUint32(at + 12, 0, this.little);
    view.setUint32(at + 16, this.snaplen, this.little);
    // The link type alone: no FCS information (P bit clear), reserved bits zero.
    view.setUint32(at + 20, linkType & 0xffff, this.little);
    out.commit(PCAP_HEADER_LENGTH);
  }
}
