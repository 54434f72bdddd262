// Decoders of the pcapng blocks that describe rather than carry packets: Section Header (4.1),
// Interface Description (4.2), Name Resolution (4.5), Interface Statistics (4.6) and Decryption
// Secrets (4.7) of draft-ietf-opsawg-pcapng. Each takes a complete block whose lengths are checked.
import { formatIpv4, formatIpv6 } from '../network/ip-address.js';
import { fileError } from './errors.js';
import { linkTypeName } from './link-types.js';
import { SECRETS_TYPES, type DecryptionSecrets, type InterfaceInfo, type InterfaceStatistics, type NameResolutionEntry, type SectionInfo } from './metadata.js';
import { IDB_OPT, ISB_OPT, NRB_RECORD, OPT_COMMENT, SHB_OPT } from './pcapng-constants.js';
import { appendComment, forEachOption, optionText, type BlockView } from './pcapng-options.js';
import { TimeResolution } from './timestamp.js';

function hexColons(bytes: Uint8Array, start: number, length: number): string {
  const parts: string[] = [];
  for (let i = start; i < start + length; i++) parts.push(bytes[i]!.toString(16).padStart(2, '0'));
  return parts.join(':');
}

/** The Section Header Block: version, section length, shb_* options. */
export function decodeSectionHeader(block: BlockView, index: number): SectionInfo {
  const { bytes, view, at, little } = block;
  const major = view.getUint16(at + 12, little);
  const minor = view.getUint16(at + 14, little);
  // 4.1: a reader must not read a section whose major version it does not know; minor versions
  // (1.2 exists in the wild) are compatible.
  if (major !== 1) {
    throw fileError('pcapng', 'bad-version', `section at offset ${block.fileOffset} is pcapng version ${major}.${minor}; only 1.x is defined`, block.fileOffset + 12);
  }
  const section: SectionInfo = {
    index,
    offset: block.fileOffset,
    byteOrder: little ? 'little' : 'big',
    version: `${major}.${minor}`,
    sectionLength: view.getBigInt64(at + 16, little),
  };
  forEachOption(block, at + 24, (code, value, length) => {
    if (code === OPT_COMMENT) section.comment = appendComment(section.comment, bytes, value, length);
    else if (code === SHB_OPT.hardware) section.hardware = optionText(bytes, value, length);
    else if (code === SHB_OPT.os) section.os = optionText(bytes, value, length);
    else if (code === SHB_OPT.userappl) section.userApplication = optionText(bytes, value, length);
  });
  return section;
}

/** An Interface Description Block and the clock its timestamps use. */
export function decodeInterface(block: BlockView, section: number, id: number): { info: InterfaceInfo; resolution: TimeResolution } {
  const { bytes, view, at, little } = block;
  const linkType = view.getUint16(at + 8, little);
  let tsresol = 6;
  let tsoffset = 0n;
  const info: InterfaceInfo = {
    section,
    id,
    linkType,
    linkTypeName: linkTypeName(linkType),
    snaplen: view.getUint32(at + 12, little),
    tsresol,
    tsoffset,
  };
  // Options of the wrong size are ignored, as Wireshark does: a reader can still use the packets.
  forEachOption(block, at + 16, (code, value, length) => {
    switch (code) {
      case OPT_COMMENT:
        info.comment = appendComment(info.comment, bytes, value, length);
        break;
      case IDB_OPT.name:
        info.name = optionText(bytes, value, length);
        break;
      case IDB_OPT.description:
        info.description = optionText(bytes, value, length);
        break;
      case IDB_OPT.filter:
        // The first byte says the filter's kind (0: libpcap expression text).
        if (length >= 1 && bytes[value] === 0) info.filter = optionText(bytes, value + 1, length - 1);
        break;
      case IDB_OPT.os:
        info.os = optionText(bytes, value, length);
        break;
      case IDB_OPT.hardware:
        info.hardware = optionText(bytes, value, length);
        break;
      case IDB_OPT.tsresol:
        if (length === 1) tsresol = bytes[value]!;
        break;
      case IDB_OPT.tsoffset:
        if (length === 8) tsoffset = view.getBigInt64(value, little);
        break;
      case IDB_OPT.fcslen:
        if (length === 1) info.fcsLength = bytes[value]!;
        break;
      case IDB_OPT.speed:
        if (length === 8) info.speed = view.getBigUint64(value, little);
        break;
      case IDB_OPT.ipv4addr:
        if (length === 8) (info.addresses ??= []).push(`${formatIpv4(bytes, value)}/${formatIpv4(bytes, value + 4)}`);
        break;
      case IDB_OPT.ipv6addr:
        if (length === 17) (info.addresses ??= []).push(`${formatIpv6(bytes, value)}/${bytes[value + 16]}`);
        break;
      case IDB_OPT.macaddr:
      case IDB_OPT.euiaddr:
        if (length === 6 || length === 8) info.linkAddress = hexColons(bytes, value, length);
        break;
    }
  });
  info.tsresol = tsresol;
  info.tsoffset = tsoffset;
  return { info, resolution: new TimeResolution(tsresol, tsoffset) };
}

/** The address-to-names records of a Name Resolution Block (options other than comments are ignored). */
export function decodeNameResolution(block: BlockView, section: number): NameResolutionEntry[] {
  const { bytes, view, at, little } = block;
  const end = at + block.length - 4;
  const entries: NameResolutionEntry[] = [];
  let pos = at + 8;
  while (pos < end) {
    if (end - pos < 4) {
      throw fileError('pcapng', 'bad-length', `NRB at offset ${block.fileOffset}: ${end - pos} stray bytes where a record header should be`, block.fileOffset + (pos - at));
    }
    const type = view.getUint16(pos, little);
    const length = view.getUint16(pos + 2, little);
    if (type === NRB_RECORD.end) return entries;
    const padded = (length + 3) & ~3;
    if (pos + 4 + padded > end) {
      throw fileError(
        'pcapng',
        'bad-length',
        `NRB at offset ${block.fileOffset}: record of ${length} bytes runs past the block's end`,
        block.fileOffset + (pos - at),
        padded,
        end - pos - 4,
      );
    }
    const entry = nameRecord(bytes, type, pos + 4, length, section);
    if (entry !== undefined) entries.push(entry);
    pos += 4 + padded;
  }
  return entries;
}

const ADDRESS_LENGTH: Record<number, number> = { [NRB_RECORD.ipv4]: 4, [NRB_RECORD.ipv6]: 16, [NRB_RECORD.eui48]: 6, [NRB_RECORD.eui64]: 8 };

function nameRecord(bytes: Uint8Array, type: number, value: number, length: number, section: number): NameResolutionEntry | undefined {
  const size = ADDRESS_LENGTH[type];
  // Unknown record types, and records too short for their address, are skipped by their length.
  if (size === undefined || length < size) return undefined;
  const kind = type === NRB_RECORD.ipv4 ? 'ipv4' : type === NRB_RECORD.ipv6 ? 'ipv6' : type === NRB_RECORD.eui48 ? 'eui48' : 'eui64';
  const address = kind === 'ipv4' ? formatIpv4(bytes, value) : kind === 'ipv6' ? formatIpv6(bytes, value) : hexColons(bytes, value, size);
  // Names follow the address, each zero-terminated (4.5: "one or more").
  const names = optionText(bytes, value + size, length - size)
    .split('\0')
    .filter((name) => name.length > 0);
  return { section, kind, address, names };
}

/** An Interface Statistics Block; `resolution` is the clock of the interface it is about. */
export function decodeStatistics(block: BlockView, section: number, interfaceId: number, resolution: TimeResolution): InterfaceStatistics {
  const { bytes, view, at, little } = block;
  const stats: InterfaceStatistics = {
    section,
    interfaceId,
    timestamp: resolution.toNanos(view.getUint32(at + 12, little), view.getUint32(at + 16, little)),
  };
  forEachOption(block, at + 20, (code, value, length) => {
    if (code === OPT_COMMENT) {
      stats.comment = appendComment(stats.comment, bytes, value, length);
      return;
    }
    if (length !== 8) return;
    const counter = view.getBigUint64(value, little);
    switch (code) {
      case ISB_OPT.starttime:
        stats.startTime = resolution.toNanos(view.getUint32(value, little), view.getUint32(value + 4, little));
        break;
      case ISB_OPT.endtime:
        stats.endTime = resolution.toNanos(view.getUint32(value, little), view.getUint32(value + 4, little));
        break;
      case ISB_OPT.ifrecv:
        stats.received = counter;
        break;
      case ISB_OPT.ifdrop:
        stats.interfaceDropped = counter;
        break;
      case ISB_OPT.filteraccept:
        stats.filterAccepted = counter;
        break;
      case ISB_OPT.osdrop:
        stats.osDropped = counter;
        break;
      case ISB_OPT.usrdeliv:
        stats.delivered = counter;
        break;
    }
  });
  return stats;
}

const KEY_LOG_TYPES = new Set([0x544c534b, 0x5353484b, 0x57474b4c, 0x55414b4c]);
const utf8 = new TextDecoder('utf-8');

/** A Decryption Secrets Block: type, a copy of the secrets, their text for key logs. */
export function decodeSecrets(block: BlockView, section: number): DecryptionSecrets {
  const { bytes, view, at, little } = block;
  const type = view.getUint32(at + 8, little);
  const length = view.getUint32(at + 12, little);
  const room = block.length - 20;
  if (length > room) {
    throw fileError('pcapng', 'bad-length', `DSB at offset ${block.fileOffset} claims ${length} bytes of secrets but the block holds ${room}`, block.fileOffset + 12, length, room);
  }
  const data = bytes.slice(at + 16, at + 16 + length);
  const secrets: DecryptionSecrets = {
    section,
    offset: block.fileOffset,
    type,
    typeName: SECRETS_TYPES[type] ?? `secrets_0x${type.toString(16).padStart(8, '0')}`,
    data,
  };
  if (KEY_LOG_TYPES.has(type)) secrets.text = utf8.decode(data);
  forEachOption(block, at + 16 + ((length + 3) & ~3), (code, value, valueLength) => {
    if (code === OPT_COMMENT) secrets.comment = appendComment(secrets.comment, bytes, value, valueLength);
  });
  return secrets;
}
