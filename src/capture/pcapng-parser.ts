// pcapng (draft-ietf-opsawg-pcapng): a sequence of blocks (type, total length, body, total length
// again), grouped in sections that each start with a Section Header Block and carry their own byte
// order and interfaces. Packets come in Enhanced (4.3), Simple (4.4) and obsolete Packet Blocks
// (appendix A); metadata blocks go to the reader's state; custom and unknown blocks are skipped by
// their length, as 3.1 asks.
import { fileError } from './errors.js';
import { BLOCK, BLOCK_OVERHEAD, BYTE_ORDER_MAGIC, EPB_OPT, MIN_BLOCK_LENGTH, OPT_COMMENT, blockName } from './pcapng-constants.js';
import { decodeInterface, decodeNameResolution, decodeSecrets, decodeSectionHeader, decodeStatistics } from './pcapng-metadata.js';
import { appendComment, forEachOption, type BlockView } from './pcapng-options.js';
import type { TimeResolution } from './timestamp.js';
import type { CaptureRecord } from './types.js';
import type { CaptureState, UnitParser } from './unit-parser.js';

interface LiveInterface {
  linkType: number;
  snaplen: number;
  resolution: TimeResolution;
}

export class PcapngParser implements UnitParser {
  readonly format = 'pcapng' as const;
  private readonly state: CaptureState;
  private section = -1;
  private little = true;
  private interfaces: LiveInterface[] = [];
  /** Reused for every block: decoders read it and keep nothing of it. */
  private readonly block: BlockView = { bytes: new Uint8Array(0), view: new DataView(new ArrayBuffer(0)), at: 0, length: 0, fileOffset: 0, little: true, name: '' };

  constructor(state: CaptureState) {
    this.state = state;
  }

  unitName(): string {
    return 'block';
  }

  headerLength(): number {
    // Type, length, and the first body word: enough for the byte-order magic of an SHB, and no
    // more than the smallest block (12 bytes), so a well-formed file never reads past its end.
    return BLOCK_OVERHEAD;
  }

  unitLength(_bytes: Uint8Array, view: DataView, at: number, fileOffset: number): number {
    const type = view.getUint32(at, this.little);
    let little = this.little;
    if (type === BLOCK.SHB) {
      // The SHB type reads the same in both orders; its byte-order magic says which one this
      // section (and this block's length field) uses (4.1).
      if (view.getUint32(at + 8, true) === BYTE_ORDER_MAGIC) little = true;
      else if (view.getUint32(at + 8, false) === BYTE_ORDER_MAGIC) little = false;
      else {
        const found = view.getUint32(at + 8, false).toString(16).padStart(8, '0');
        throw fileError('pcapng', 'bad-value', `section header at offset ${fileOffset} has byte-order magic 0x${found}, not 1a2b3c4d in either order: the file is damaged`, fileOffset + 8);
      }
    } else if (this.section < 0) {
      throw fileError('pcapng', 'bad-value', `block at offset ${fileOffset} comes before any section header`, fileOffset);
    }
    const length = view.getUint32(at + 4, little);
    if (length < BLOCK_OVERHEAD || length % 4 !== 0) {
      throw fileError(
        'pcapng',
        'bad-length',
        `${blockName(type)} block at offset ${fileOffset} has total length ${length}: a block is at least 12 bytes and a multiple of 4 (3.1), so the file is damaged`,
        fileOffset + 4,
      );
    }
    if (length > this.state.maxRecordLength) {
      throw fileError(
        'pcapng',
        'limit-exceeded',
        `${blockName(type)} block at offset ${fileOffset} claims ${length} bytes, above maxRecordLength ${this.state.maxRecordLength}: the file is damaged (or raise maxRecordLength)`,
        fileOffset + 4,
        length,
        this.state.maxRecordLength,
      );
    }
    return length;
  }

  decode(bytes: Uint8Array, view: DataView, at: number, length: number, fileOffset: number): CaptureRecord | undefined {
    const type = view.getUint32(at, this.little);
    const block = this.block;
    block.bytes = bytes;
    block.view = view;
    block.at = at;
    block.length = length;
    block.fileOffset = fileOffset;
    block.name = blockName(type);
    if (type === BLOCK.SHB) {
      block.little = view.getUint32(at + 8, true) === BYTE_ORDER_MAGIC;
    } else {
      block.little = this.little;
    }
    this.checkFrame(block, type);
    let record: CaptureRecord | undefined;
    switch (type) {
      case BLOCK.SHB:
        this.startSection(block);
        break;
      case BLOCK.IDB: {
        const { info, resolution } = decodeInterface(block, this.section, this.interfaces.length);
        this.interfaces.push({ linkType: info.linkType, snaplen: info.snaplen, resolution });
        this.state.interfaces.push(info);
        if (this.state.interfaces.length === 1 && (info.tsresol === 6 || info.tsresol === 9)) {
          this.state.precision = info.tsresol === 9 ? 'nano' : 'micro';
        }
        break;
      }
      case BLOCK.EPB:
        record = this.enhancedPacket(block);
        break;
      case BLOCK.SPB:
        record = this.simplePacket(block);
        break;
      case BLOCK.PB:
        record = this.obsoletePacket(block);
        break;
      case BLOCK.NRB:
        for (const entry of decodeNameResolution(block, this.section)) this.state.nameResolution.push(entry);
        break;
      case BLOCK.ISB: {
        const id = view.getUint32(at + 8, block.little);
        this.state.statistics.push(decodeStatistics(block, this.section, id, this.interfaceFor(block, id).resolution));
        break;
      }
      case BLOCK.DSB: {
        const secrets = decodeSecrets(block, this.section);
        this.state.decryptionSecrets.push(secrets);
        this.state.onDecryptionSecrets?.(secrets);
        break;
      }
      case BLOCK.CB:
      case BLOCK.DCB:
        if (this.state.customBlocks === true) record = this.customBlock(block, type === BLOCK.CB);
        break;
      // Custom blocks (unless asked for), the experimental and local-use types: skipped by their length.
    }
    this.state.onBlock?.({ type, name: block.name, offset: fileOffset, length, section: this.section });
    return record;
  }

  /** A Custom Block (4.6) as a record: the PEN, then everything up to the trailing length. */
  private customBlock(block: BlockView, copy: boolean): CaptureRecord {
    const { bytes, view, at, length, little } = block;
    const data = bytes.subarray(at + 12, at + length - 4);
    return {
      timestamp: 0n,
      untimed: true,
      capturedLength: data.length,
      originalLength: data.length,
      linkType: -1,
      interfaceId: 0,
      data,
      section: this.section,
      custom: { pen: view.getUint32(at + 8, little), copy },
    };
  }

  /** Trailing length equal to the leading one, and room for the type's fixed fields. */
  private checkFrame(block: BlockView, type: number): void {
    const { view, at, length, little, fileOffset } = block;
    const trailing = view.getUint32(at + length - 4, little);
    if (trailing !== length) {
      throw fileError(
        'pcapng',
        'bad-length',
        `${block.name} block at offset ${fileOffset}: trailing length ${trailing} differs from the leading ${length}, so one of them lies (3.1); the file is damaged from here`,
        fileOffset + length - 4,
      );
    }
    const minimum = MIN_BLOCK_LENGTH[type];
    if (minimum !== undefined && length < minimum) {
      throw fileError('pcapng', 'bad-length', `${block.name} block at offset ${fileOffset} is ${length} bytes, less than the ${minimum} its fixed fields need`, fileOffset + 4, minimum, length);
    }
  }

  private startSection(block: BlockView): void {
    const section = decodeSectionHeader(block, this.section + 1);
    this.section++;
    this.little = block.little;
    // Interface ids count from zero again in each section (4.2).
    this.interfaces = [];
    const state = this.state;
    state.sections.push(section);
    if (state.format === undefined) {
      state.format = 'pcapng';
      state.byteOrder = section.byteOrder;
    }
  }

  private interfaceFor(block: BlockView, id: number): LiveInterface {
    const found = this.interfaces[id];
    if (found === undefined) {
      throw fileError(
        'pcapng',
        'bad-value',
        `${block.name} block at offset ${block.fileOffset} names interface ${id}, but section ${this.section} describes ${this.interfaces.length} interface(s) before it`,
        block.fileOffset + 8,
      );
    }
    return found;
  }

  /** Captured bytes past the block's room mean the length fields disagree: damage. */
  private checkCaptured(block: BlockView, captured: number, start: number): void {
    const room = block.length - 4 - (start - block.at);
    if (captured > room) {
      throw fileError(
        'pcapng',
        'bad-length',
        `${block.name} block at offset ${block.fileOffset} claims ${captured} captured bytes but has room for ${room}`,
        block.fileOffset + (start - block.at) - 8,
        captured,
        room,
      );
    }
  }

  private enhancedPacket(block: BlockView): CaptureRecord {
    return this.packetRecord(block, block.view.getUint32(block.at + 8, block.little));
  }

  /** The obsolete Packet Block: an EPB whose interface id is 16 bits, followed by a drops count. */
  private obsoletePacket(block: BlockView): CaptureRecord {
    // pack_flags has epb_flags' code and layout (appendix A), so the options read the same way.
    return this.packetRecord(block, block.view.getUint16(block.at + 8, block.little));
  }

  /** EPB and obsolete PB share everything after the interface id: timestamp, lengths, data, options. */
  private packetRecord(block: BlockView, id: number): CaptureRecord {
    const { bytes, view, at, little } = block;
    const iface = this.interfaceFor(block, id);
    const captured = view.getUint32(at + 20, little);
    this.checkCaptured(block, captured, at + 28);
    const record: CaptureRecord = {
      timestamp: iface.resolution.toNanos(view.getUint32(at + 12, little), view.getUint32(at + 16, little)),
      capturedLength: captured,
      originalLength: view.getUint32(at + 24, little),
      linkType: iface.linkType,
      interfaceId: id,
      data: bytes.subarray(at + 28, at + 28 + captured),
      section: this.section,
    };
    this.packetOptions(block, record, at + 28 + ((captured + 3) & ~3));
    return record;
  }

  private simplePacket(block: BlockView): CaptureRecord {
    const { bytes, view, at, little } = block;
    // 4.4: an SPB belongs to interface 0, has no timestamp, and its captured length is the
    // original length capped by interface 0's snaplen (0: none), and by the block itself.
    const iface = this.interfaceFor(block, 0);
    const original = view.getUint32(at + 8, little);
    let captured = Math.min(original, block.length - 16);
    if (iface.snaplen !== 0 && iface.snaplen < captured) captured = iface.snaplen;
    return {
      // No time in an SPB: 0n, and marked (tshark shows no time for such frames).
      timestamp: 0n,
      untimed: true,
      capturedLength: captured,
      originalLength: original,
      linkType: iface.linkType,
      interfaceId: 0,
      data: bytes.subarray(at + 12, at + 12 + captured),
      section: this.section,
    };
  }

  private packetOptions(block: BlockView, record: CaptureRecord, start: number): void {
    if (start >= block.at + block.length - 4) return;
    const { bytes, view, little } = block;
    forEachOption(block, start, (code, value, length) => {
      if (code === OPT_COMMENT) record.comment = appendComment(record.comment, bytes, value, length);
      else if (code === EPB_OPT.flags && length === 4) record.flags = view.getUint32(value, little);
    });
  }
}
