// The shapes shared by every capture reader and writer.

/** One captured packet, whatever the file format. */
export interface CaptureRecord {
  /** Capture time in nanoseconds since the Unix epoch: exact (a float would lose ~24 ns today). */
  timestamp: bigint;
  /** Bytes captured (`data.length`); below `originalLength` when the snaplen cut the packet. */
  capturedLength: number;
  /** Length of the packet on the wire. */
  originalLength: number;
  /** pcap LINKTYPE_* of the interface it was captured on (1 Ethernet, 101 raw IP, 113 SLL, 276 SLL2, ...). */
  linkType: number;
  /** pcapng interface index within its section (0 for pcap). */
  interfaceId: number;
  /** The packet bytes. Readers may hand out views into their buffers: copy to keep them. */
  data: Uint8Array;
  /** The packet's comment (pcapng opt_comment), if any; several are joined by a newline. */
  comment?: string;
  /**
   * pcapng `epb_flags` (draft-ietf-opsawg-pcapng 4.3.1): bits 0-1 direction (1 in, 2 out),
   * 2-4 reception type, 5-8 FCS length in bytes, 16-31 link-layer errors. Absent when not given.
   */
  flags?: number;
  /** pcapng section (0-based) the record belongs to, so `interfaceId` can be looked up; absent for pcap. */
  section?: number;
  /** Set when the record has no capture time (a pcapng simple packet block): `timestamp` is then 0n. */
  untimed?: true;
  /**
   * Set on a pcapng Custom Block read as a record (ReadOptions.customBlocks): its Private
   * Enterprise Number, and whether tools may copy it into another file (type 0x00000BAD) or not
   * (0x40000BAD). Such a record holds no packet: its `linkType` is -1.
   */
  custom?: { pen: number; copy: boolean };
  /** An HP-UX nettl record's own header fields (tshark's nettl.subsys, .devid, .kind, .pid, .uid). */
  nettl?: { subsystem: number; deviceId: number; kind: number; pid: number; uid: number };
}

/** What `readCapture` accepts: bytes, a Node readable stream, a web ReadableStream, or (async) chunks. */
export type CaptureSource =
  | Uint8Array
  | ArrayBuffer
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>;

/** Formats a nanosecond timestamp as tshark prints frame.time_epoch: seconds with 9 decimals. */
export function formatEpoch(timestamp: bigint): string {
  const negative = timestamp < 0n;
  const abs = negative ? -timestamp : timestamp;
  const seconds = abs / 1_000_000_000n;
  const nanos = abs % 1_000_000_000n;
  return `${negative ? '-' : ''}${seconds}.${nanos.toString().padStart(9, '0')}`;
}
