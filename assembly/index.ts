// The module's export list and nothing else. Every export takes and returns plain numbers:
// pointers and lengths into linear memory, never managed objects.
export { heapBase } from "./arena";
export { crc32, crc32c } from "./checksum/crc32";
export { inetSum } from "./checksum/internet";
export { decodeBatch } from "./wire/batch";
export { walkPcap, walkIpv6Rows } from "./wire/capture";
export { segmentFrames } from "./wire/segment";
export { reasmInsert, reasmAdvance } from "./reassembly/assembler";
export { reasmPlan } from "./reassembly/plan";
export { wsMask } from "./app/websocket";
export { varintDecode } from "./app/varint";
