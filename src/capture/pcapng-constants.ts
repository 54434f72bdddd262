// pcapng block types and option codes (draft-ietf-opsawg-pcapng, sections 3-4 and 10).

export const BLOCK = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  /** Obsolete Packet Block (appendix A): still written by old tools. */
  PB: 0x00000002,
  SPB: 0x00000003,
  NRB: 0x00000004,
  ISB: 0x00000005,
  EPB: 0x00000006,
  DSB: 0x0000000a,
  /** Custom Block that may be copied to new files. */
  CB: 0x00000bad,
  /** Custom Block that must not be copied ("do not copy"). */
  DCB: 0x40000bad,
} as const;

const NAMES = new Map<number, string>(Object.entries(BLOCK).map(([name, type]) => [type, name]));

/** SHB, IDB, ... for the known types, `unknown` for the rest. */
export function blockName(type: number): string {
  return NAMES.get(type) ?? 'unknown';
}

/** The byte-order magic of a Section Header Block, written in the section's byte order (4.1). */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Block header (type, length) plus the trailing length: the smallest possible block (3.1). */
export const BLOCK_OVERHEAD = 12;

/** Smallest total length of each block type: overhead plus its fixed fields. */
export const MIN_BLOCK_LENGTH: Readonly<Record<number, number>> = {
  [BLOCK.SHB]: 28,
  [BLOCK.IDB]: 20,
  [BLOCK.PB]: 32,
  [BLOCK.SPB]: 16,
  [BLOCK.NRB]: 12,
  [BLOCK.ISB]: 24,
  [BLOCK.EPB]: 32,
  [BLOCK.DSB]: 20,
  [BLOCK.CB]: 16,
  [BLOCK.DCB]: 16,
};

/** Option codes common to every block (3.5). */
export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;

export const SHB_OPT = { hardware: 2, os: 3, userappl: 4 } as const;

export const IDB_OPT = {
  name: 2,
  description: 3,
  ipv4addr: 4,
  ipv6addr: 5,
  macaddr: 6,
  euiaddr: 7,
  speed: 8,
  tsresol: 9,
  filter: 11,
  os: 12,
  fcslen: 13,
  tsoffset: 14,
  hardware: 15,
} as const;

/** epb_flags; the obsolete Packet Block's pack_flags has the same code and layout (appendix A). */
export const EPB_OPT = { flags: 2 } as const;

export const ISB_OPT = {
  starttime: 2,
  endtime: 3,
  ifrecv: 4,
  ifdrop: 5,
  filteraccept: 6,
  osdrop: 7,
  usrdeliv: 8,
} as const;

/** Name Resolution Block record types (4.5). */
export const NRB_RECORD = { end: 0, ipv4: 1, ipv6: 2, eui48: 3, eui64: 4 } as const;
