// The capture API: pcap and pcapng readers and writers, streaming or in memory.
export type { CaptureRecord, CaptureSource } from './types.js';
export { formatEpoch } from './types.js';
export { CaptureReader, readCapture, readCaptureSync, DEFAULT_MAX_RECORD_LENGTH } from './reader.js';
export type { ReadOptions } from './reader.js';
export { indexCapture } from './index-capture.js';
export type { CaptureIndex, IndexOptions } from './index-capture.js';
export { CaptureWriter, writePcap, writePcapng } from './writer.js';
export type { CaptureWriterOptions, WriteOptions, InterfaceDeclaration } from './write-options.js';
export type { CaptureDestination, NodeWritableLike } from './output.js';
export { LINK_TYPE_NAMES, linkTypeName, linkTypeNumber } from './link-types.js';
export type { LinkTypeName } from './link-types.js';
export { SECRETS_TYPES } from './metadata.js';
export type { BlockInfo, DecryptionSecrets, InterfaceInfo, InterfaceStatistics, NameResolutionEntry, SectionInfo } from './metadata.js';
export { TimeResolution } from './timestamp.js';
