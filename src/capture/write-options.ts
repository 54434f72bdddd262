// Options shared by the capture writers.
import type { LinkTypeName } from './link-types.js';
import type { CaptureDestination } from './output.js';

/** An interface to declare in a pcapng file (a reader's `interfaces` entries fit). */
export interface InterfaceDeclaration {
  linkType: number | LinkTypeName;
  /** Default: the writer's snaplen. */
  snaplen?: number;
  name?: string;
  description?: string;
}

export interface WriteOptions {
  /**
   * Timestamp precision: `nano` (default: nothing is lost) or `micro` (the classic pcap magic
   * that every tool reads; pcapng without if_tsresol). Finer digits are truncated.
   */
  precision?: 'micro' | 'nano';
  /**
   * pcap: the file's one link type (default: the first record's). pcapng: ignored; each record's
   * link type selects or creates an interface.
   */
  linkType?: number | LinkTypeName;
  /**
   * Snapshot length written to the pcap header or to IDBs made for records (default 262144). It
   * is a declaration only: records are written whole, as Wireshark writes them when it saves a file.
   */
  snaplen?: number;
  /** Byte order to write (default little-endian). */
  byteOrder?: 'little' | 'big';
  /** pcapng: the section's opt_comment. */
  comment?: string;
  /** pcapng: shb_userappl (default `wirekit`). */
  application?: string;
  /**
   * pcapng: interfaces to describe up front, in order; a record whose `interfaceId` names one
   * with its link type is written on it. Other records get an IDB per (link type, snaplen).
   */
  interfaces?: readonly InterfaceDeclaration[];
}

export interface CaptureWriterOptions extends WriteOptions {
  /** File format (default `pcapng`). */
  format?: 'pcap' | 'pcapng';
  /** Where bytes go: a Node writable or a web WritableStream; without one, `toBytes()` returns them. */
  destination?: CaptureDestination;
}

/** The snaplen writers use when none is given: Wireshark's largest for most link types. */
export const DEFAULT_WRITE_SNAPLEN = 262144;
