// The output layout of decodeBatch, shared with src/kernels/batch.ts (BATCH_LAYOUT there must
// match these numbers; test/batch-differential.test.ts checks every column on every path).
//
// Rows are written in chunks of CHUNK rows. Inside a chunk every column is a contiguous array,
// widest columns first so each stays naturally aligned:
//
//   [u32 column 0 | u32 column 1 | ... | u16 column 0 | ... | u8 column 0 | ...]   CHUNK rows each
//
// Because CHUNK is a compile-time constant, a column's distance from the row's pointer is a constant
// too, and every store is one instruction with the column folded into its immediate offset. With a
// runtime stride each of the ~40 stores per row would need its own base register (spilled: x64 has
// 16) and an add. The TS side copies each column out chunk by chunk.
//
// Each column is followed by PAD bytes. Without them every column would start a multiple of 4 KiB
// from the others, so row i of all ~44 columns would fall into one L1 cache set (8-12 ways) and
// evict each other on every row: skewing column g by g cache lines spreads them over 44 sets
// (measured: roughly 10% off the kernel's time per Ethernet/IPv4/TCP packet).

export const CHUNK: usize = 4096;
export const PAD: usize = 64;
const S32: usize = 4 * CHUNK + PAD;
const S16: usize = 2 * CHUNK + PAD;
const S8: usize = CHUNK + PAD;

// u32 columns (index k lives at k * S32 from the u32 row pointer)
export const U32_PAYLOAD_LENGTH: usize = 0 * S32;
export const U32_IP_SRC: usize = 1 * S32;
export const U32_IP_DST: usize = 2 * S32;
export const U32_IPV6_INDEX: usize = 3 * S32;
export const U32_IP_ID: usize = 4 * S32;
export const U32_TCP_SEQ: usize = 5 * S32;
export const U32_TCP_ACK: usize = 6 * S32;
export const U32_TCP_TSVAL: usize = 7 * S32;
export const U32_TCP_TSECR: usize = 8 * S32;
export const U32_COLUMNS: usize = 9;

// u16 columns. Offsets fit 16 bits: the deepest header the walk reaches starts at most
// 14 + 8 * 4 (tags) + 40 + 16 * 2048 (extension headers) + 60 bytes in; payloadLength, which can
// be a whole record, is u32.
export const U16_ERROR_OFFSET: usize = 0 * S16;
export const U16_LAYERS: usize = 1 * S16;
export const U16_LINK_TYPE: usize = 2 * S16;
export const U16_L3_OFFSET: usize = 3 * S16;
export const U16_L4_OFFSET: usize = 4 * S16;
export const U16_PAYLOAD_OFFSET: usize = 5 * S16;
export const U16_ETHERTYPE: usize = 6 * S16;
export const U16_VLAN_OUTER: usize = 7 * S16;
export const U16_VLAN_INNER: usize = 8 * S16;
export const U16_IP_LENGTH: usize = 9 * S16;
export const U16_FRAG_OFFSET: usize = 10 * S16;
export const U16_SRC_PORT: usize = 11 * S16;
export const U16_DST_PORT: usize = 12 * S16;
export const U16_TCP_FLAGS: usize = 13 * S16;
export const U16_TCP_WINDOW: usize = 14 * S16;
export const U16_TCP_MSS: usize = 15 * S16;
export const U16_UDP_LENGTH: usize = 16 * S16;
export const U16_ARP_OPCODE: usize = 17 * S16;
export const U16_IP_CHECKSUM_VALUE: usize = 18 * S16;
export const U16_L4_CHECKSUM_VALUE: usize = 19 * S16;
export const U16_COLUMNS: usize = 20;

// u8 columns
export const U8_STATUS: usize = 0 * S8;
export const U8_ERROR_LAYER: usize = 1 * S8;
export const U8_VLAN_COUNT: usize = 2 * S8;
export const U8_VLAN_TPIDS: usize = 3 * S8;
export const U8_IP_VERSION: usize = 4 * S8;
export const U8_PROTOCOL: usize = 5 * S8;
export const U8_IP_NEXT_HEADER: usize = 6 * S8;
export const U8_TTL: usize = 7 * S8;
export const U8_IP_FLAGS: usize = 8 * S8;
export const U8_TCP_HEADER_LENGTH: usize = 9 * S8;
export const U8_TCP_OPTIONS: usize = 10 * S8;
export const U8_TCP_WINDOW_SCALE: usize = 11 * S8;
export const U8_TCP_SACK_BLOCKS: usize = 12 * S8;
export const U8_ICMP_TYPE: usize = 13 * S8;
export const U8_ICMP_CODE: usize = 14 * S8;
export const U8_IP_CHECKSUM: usize = 15 * S8;
export const U8_L4_CHECKSUM: usize = 16 * S8;
export const U8_COLUMNS: usize = 17;

export const U16_BASE: usize = U32_COLUMNS * S32;
export const U8_BASE: usize = U16_BASE + U16_COLUMNS * S16;
export const CHUNK_BYTES: usize = U8_BASE + U8_COLUMNS * S8;

// status codes (mirroring WireErrorCode; 'bad-checksum' is not a status: see the checksum columns)
export const OK: u8 = 0;
export const TRUNCATED: u8 = 1;
export const BAD_LENGTH: u8 = 2;
export const BAD_VERSION: u8 = 3;
export const BAD_VALUE: u8 = 4;
export const UNSUPPORTED: u8 = 5;
export const LIMIT_EXCEEDED: u8 = 6;

// error layers
export const AT_FRAME: u8 = 0;
export const AT_ETH: u8 = 1;
export const AT_VLAN: u8 = 2;
export const AT_ARP: u8 = 3;
export const AT_IP: u8 = 4;
export const AT_IPV6: u8 = 5;
export const AT_IPV6_EXT: u8 = 6;
export const AT_TCP: u8 = 7;
export const AT_UDP: u8 = 8;
export const AT_ICMP: u8 = 9;
export const AT_ICMPV6: u8 = 10;

// layers bitmask
export const HAS_ETH: u16 = 1;
export const HAS_VLAN: u16 = 2;
export const HAS_ARP: u16 = 4;
export const HAS_IPV4: u16 = 8;
export const HAS_IPV6: u16 = 16;
export const HAS_IPV6_EXT: u16 = 32;
export const HAS_FRAGMENT: u16 = 64;
export const HAS_TCP: u16 = 128;
export const HAS_UDP: u16 = 256;
export const HAS_ICMP: u16 = 512;
export const HAS_ICMPV6: u16 = 1024;
/** A length field promised more bytes than were captured (snap length): the payload is cut short. */
export const PAYLOAD_CUT: u16 = 2048;
/** The ARP message carries IPv4 protocol addresses (in the IPv4 address columns). */
export const ARP_IPV4: u16 = 4096;
/** An IPv6 fragment header was present (an atomic one too; its fields are in ipId, fragOffset, ipFlags). */
export const HAS_IPV6_FRAGMENT_HEADER: u16 = 8192;

// tcpOptions bits
export const OPT_MSS: u8 = 1;
export const OPT_WINDOW_SCALE: u8 = 2;
export const OPT_SACK_PERMITTED: u8 = 4;
export const OPT_TIMESTAMPS: u8 = 8;
export const OPT_SACK: u8 = 16;
export const OPT_MALFORMED: u8 = 128;

// flags argument
export const VERIFY_L4: u32 = 1;

export const MAX_VLAN_TAGS: u32 = 8;
export const MAX_IPV6_EXTENSIONS: u32 = 16;
