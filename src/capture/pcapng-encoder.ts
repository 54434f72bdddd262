// Writes pcapng (draft-ietf-opsawg-pcapng): one section (SHB with shb_userappl and an optional
// comment), an Interface Description Block per declared interface and per (link type, snaplen)
// met, and an Enhanced Packet Block per record with its comment and flags. With nanosecond
// precision every IDB says if_tsresol 9; microseconds are the default resolution and need none.
import { fileError } from './errors.js';
import { linkTypeNumber } from './link-types.js';
import type { Output } from './output.js';
import { BLOCK, BYTE_ORDER_MAGIC, EPB_OPT, IDB_OPT, OPT_COMMENT, SHB_OPT } from './pcapng-constants.js';
import { TimeResolution } from './timestamp.js';
import type { CaptureRecord } from './types.js';
import { DEFAULT_WRITE_SNAPLEN, type WriteOptions } from './write-options.js';

const utf8 = new TextEncoder();

interface Option {
  code: number;
  value: Uint8Array;
}

const padded = (n: number) => (n + 3) & ~3;

/** Bytes the options take, opt_endofopt included; 0 for none (3.5: the list may be omitted). */
function optionsLength(options: readonly Option[]): number {
  if (options.length === 0) return 0;
  return options.reduce((n, o) => n + 4 + padded(o.value.length), 4);
}

function textOption(code: number, text: string): Option {
  const value = utf8.encode(text);
  // 3.5: an option's length is 16 bits.
  if (value.length > 0xffff) throw fileError('pcapng', 'limit-exceeded', `option ${code} text is ${value.length} bytes; an option holds at most 65535`, 0);
  return { code, value };
}

interface WrittenInterface {
  linkType: number;
  snaplen: number;
}

export class PcapngEncoder {
  private readonly little: boolean;
  private readonly snaplen: number;
  private readonly resolution: TimeResolution;
  private readonly options: WriteOptions;
  private readonly interfaces: WrittenInterface[] = [];
  private readonly declared: number;
  private readonly byKey = new Map<string, number>();
  private started = false;

  constructor(options: WriteOptions = {}) {
    this.options = options;
    this.little = (options.byteOrder ?? 'little') === 'little';
    this.snaplen = options.snaplen ?? DEFAULT_WRITE_SNAPLEN;
    this.resolution = new TimeResolution((options.precision ?? 'nano') === 'nano' ? 9 : 6);
    this.declared = options.interfaces?.length ?? 0;
  }

  record(out: Output, record: CaptureRecord): void {
    if (!this.started) this.start(out);
    const id = this.interfaceFor(out, record);
    if (record.untimed && id === 0 && record.data.length === record.originalLength && record.comment === undefined && record.flags === undefined) {
      // A record without a time, whole, on interface 0: a simple packet block, as it was read
      // (one cut short goes as an EPB at time 0: an SPB's length would take its padding for data).
      this.simple(out, record);
      return;
    }
    let units: bigint;
    try {
      units = this.resolution.fromNanos(record.timestamp);
    } catch {
      throw fileError('pcapng', 'bad-value', `timestamp ${record.timestamp} ns is before 1970 or past 64 bits of units`, 0);
    }
    const captured = record.data.length;
    const options: Option[] = [];
    if (record.comment !== undefined) options.push(textOption(OPT_COMMENT, record.comment));
    if (record.flags !== undefined) {
      const value = new Uint8Array(4);
      new DataView(value.buffer).setUint32(0, record.flags, this.little);
      options.push({ code: EPB_OPT.flags, value });
    }
    const length = 32 + padded(captured) + optionsLength(options);
    const room = out.reserve(length);
    const { view, at } = room;
    const little = this.little;
    view.setUint32(at, BLOCK.EPB, little);
    view.setUint32(at + 4, length, little);
    view.setUint32(at + 8, id, little);
    view.setUint32(at + 12, Number(units >> 32n), little);
    view.setUint32(at + 16, Number(units & 0xffffffffn), little);
    view.setUint32(at + 20, captured, little);
    view.setUint32(at + 24, record.originalLength, little);
    room.bytes.set(record.data, at + 28);
    room.bytes.fill(0, at + 28 + captured, at + 28 + padded(captured));
    this.writeOptions(room.bytes, view, at + 28 + padded(captured), options);
    view.setUint32(at + length - 4, length, little);
    out.commit(length);
  }

  private simple(out: Output, record: CaptureRecord): void {
    const captured = record.data.length;
    const length = 16 + padded(captured);
    const room = out.reserve(length);
    const { view, at } = room;
    view.setUint32(at, BLOCK.SPB, this.little);
    view.setUint32(at + 4, length, this.little);
    view.setUint32(at + 8, record.originalLength, this.little);
    room.bytes.set(record.data, at + 12);
    room.bytes.fill(0, at + 12 + captured, at + 12 + padded(captured));
    view.setUint32(at + length - 4, length, this.little);
    out.commit(length);
  }

  /** Writes the section header (and declared interfaces) if no record did. */
  finish(out: Output): void {
    if (!this.started) this.start(out);
  }

  private start(out: Output): void {
    this.started = true;
    const options: Option[] = [];
    if (this.options.comment !== undefined) options.push(textOption(OPT_COMMENT, this.options.comment));
    options.push(textOption(SHB_OPT.userappl, this.options.application ?? 'wirekit'));
    const length = 28 + optionsLength(options);
    const room = out.reserve(length);
    const { view, at } = room;
    view.setUint32(at, BLOCK.SHB, this.little);
    view.setUint32(at + 4, length, this.little);
    view.setUint32(at + 8, BYTE_ORDER_MAGIC, this.little);
    view.setUint16(at + 12, 1, this.little);
    view.setUint16(at + 14, 0, this.little);
    // Section length unknown (-1): we stream, so we cannot know it up front (4.1).
    view.setBigInt64(at + 16, -1n, this.little);
    this.writeOptions(room.bytes, view, at + 24, options);
    view.setUint32(at + length - 4, length, this.little);
    out.commit(length);
    for (const declared of this.options.interfaces ?? []) {
      const linkType = linkTypeNumber(declared.linkType);
      if (linkType === undefined) throw fileError('pcapng', 'bad-value', `unknown link type name '${declared.linkType}'`, 0);
      this.describe(out, linkType, declared.snaplen ?? this.snaplen, declared.name, declared.description);
    }
  }

  private interfaceFor(out: Output, record: CaptureRecord): number {
    const id = record.interfaceId;
    if (id < this.declared && this.interfaces[id]!.linkType === record.linkType) return id;
    const key = `${record.linkType}/${this.snaplen}`;
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const created = this.describe(out, record.linkType, this.snaplen);
    this.byKey.set(key, created);
    return created;
  }

  private describe(out: Output, linkType: number, snaplen: number, name?: string, description?: string): number {
    const options: Option[] = [];
    if (name !== undefined) options.push(textOption(IDB_OPT.name, name));
    if (description !== undefined) options.push(textOption(IDB_OPT.description, description));
    if (this.resolution.tsresol !== 6) options.push({ code: IDB_OPT.tsresol, value: new Uint8Array([this.resolution.tsresol]) });
    const length = 20 + optionsLength(options);
    const room = out.reserve(length);
    const { view, at } = room;
    view.setUint32(at, BLOCK.IDB, this.little);
    view.setUint32(at + 4, length, this.little);
    view.setUint16(at + 8, linkType, this.little);
    view.setUint16(at + 10, 0, this.little);
    view.setUint32(at + 12, snaplen, this.little);
    this.writeOptions(room.bytes, view, at + 16, options);
    view.setUint32(at + length - 4, length, this.little);
    out.commit(length);
    this.interfaces.push({ linkType, snaplen });
    return this.interfaces.length - 1;
  }

  private writeOptions(bytes: Uint8Array, view: DataView, at: number, options: readonly Option[]): void {
    if (options.length === 0) return;
    let pos = at;
    for (const { code, value } of options) {
      view.setUint16(pos, code, this.little);
      view.setUint16(pos + 2, value.length, this.little);
      bytes.set(value, pos + 4);
      bytes.fill(0, pos + 4 + value.length, pos + 4 + padded(value.length));
      pos += 4 + padded(value.length);
    }
    view.setUint32(pos, 0, this.little); // opt_endofopt
  }
}
