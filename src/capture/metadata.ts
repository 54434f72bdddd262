// What a capture file says besides its packets: sections, interfaces, name resolution, statistics,
// decryption secrets. Plain JSON-friendly objects (bigint where 64-bit counters need it).

/** One pcapng section (Section Header Block), or the pcap file header as section 0. */
export interface SectionInfo {
  /** 0-based position of the section in the file. */
  index: number;
  /** File offset of the Section Header Block (0 for pcap). */
  offset: number;
  byteOrder: 'little' | 'big';
  /** Format version as written: `'1.0'` for pcapng, `'2.4'` for pcap. */
  version: string;
  /** pcapng section length in bytes, or -1n when not given (the usual case; ignored for reading). */
  sectionLength: bigint;
  /** shb_hardware, shb_os, shb_userappl (draft-ietf-opsawg-pcapng 4.1). */
  hardware?: string;
  os?: string;
  userApplication?: string;
  /** opt_comment; several are joined by a newline. */
  comment?: string;
}

/** One capture interface: a pcapng Interface Description Block, or the pcap file header. */
export interface InterfaceInfo {
  /** Section the interface belongs to; records name it by `(section, interfaceId)`. */
  section: number;
  /** Interface index within its section. */
  id: number;
  /** LINKTYPE number: the low 16 bits (pcap) or the IDB's 16-bit field. */
  linkType: number;
  /** Display name of the link type (`ethernet`, `linktype_147`, ...). */
  linkTypeName: string;
  /** Snapshot length as written; 0 means no limit (pcapng). */
  snaplen: number;
  /** if_tsresol byte: 6 for microseconds, 9 for nanoseconds, 0x80 | n for 2^-n seconds. */
  tsresol: number;
  /** if_tsoffset: seconds added to every timestamp. */
  tsoffset: bigint;
  /** FCS bytes at the end of each packet when the file says (pcap P bit, pcapng if_fcslen). */
  fcsLength?: number;
  name?: string;
  description?: string;
  filter?: string;
  os?: string;
  hardware?: string;
  /** if_speed in bits per second. */
  speed?: bigint;
  /** if_IPv4addr as `address/netmask`, if_IPv6addr as `address/prefix`. */
  addresses?: string[];
  /** if_MACaddr or if_EUIaddr as colon-separated hex. */
  linkAddress?: string;
  comment?: string;
}

/** An address-to-names entry of a Name Resolution Block (draft-ietf-opsawg-pcapng 4.5). */
export interface NameResolutionEntry {
  section: number;
  kind: 'ipv4' | 'ipv6' | 'eui48' | 'eui64';
  /** The address as text: dotted IPv4, RFC 5952 IPv6, colon-separated hex for EUI. */
  address: string;
  names: string[];
}

/** Counters of an Interface Statistics Block (draft-ietf-opsawg-pcapng 4.6); absent ones are undefined. */
export interface InterfaceStatistics {
  section: number;
  interfaceId: number;
  /** When the counters were taken, nanoseconds since the epoch. */
  timestamp: bigint;
  startTime?: bigint;
  endTime?: bigint;
  /** isb_ifrecv: packets received by the interface. */
  received?: bigint;
  /** isb_ifdrop: packets dropped by the interface for lack of resources. */
  interfaceDropped?: bigint;
  /** isb_filteraccept: packets accepted by the capture filter. */
  filterAccepted?: bigint;
  /** isb_osdrop: packets dropped by the operating system. */
  osDropped?: bigint;
  /** isb_usrdeliv: packets delivered to the user. */
  delivered?: bigint;
  comment?: string;
}

/** Secrets types of the Decryption Secrets Block registry (draft-ietf-opsawg-pcapng 4.7). */
export const SECRETS_TYPES: Readonly<Record<number, string>> = Object.freeze({
  0x544c534b: 'tls-key-log',
  0x5353484b: 'ssh-key-log',
  0x57474b4c: 'wireguard-key-log',
  0x5a4e574b: 'zigbee-nwk-key',
  0x5a415053: 'zigbee-aps-key',
  0x55414b4c: 'opcua-key-log',
});

/** A Decryption Secrets Block: TLS key logs and the like, to decrypt the packets that follow. */
export interface DecryptionSecrets {
  section: number;
  /** File offset of the block. */
  offset: number;
  /** Secrets type number: 0x544c534b for a TLS key log (NSS SSLKEYLOGFILE format). */
  type: number;
  /** `tls-key-log`, `ssh-key-log`, `wireguard-key-log`, ... or `secrets_0x<hex>`. */
  typeName: string;
  /** The secrets, a copy (the reader's buffers are not kept). */
  data: Uint8Array;
  /** The secrets as UTF-8 text, for the key-log types (which are text files). */
  text?: string;
  comment?: string;
}

/** One block (pcapng) or unit (pcap file header, record) as met, for tools and tests. */
export interface BlockInfo {
  /** Block type number (pcapng), or 0 for pcap units. */
  type: number;
  /** SHB, IDB, EPB, SPB, PB, NRB, ISB, DSB, CB, DCB, or `unknown` (pcapng); `header`, `record` (pcap). */
  name: string;
  /** File offset of the block. */
  offset: number;
  /** Block total length in bytes. */
  length: number;
  section: number;
}
