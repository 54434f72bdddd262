// A minimal classic-pcap reader for tests (little- and big-endian, micro- and nanosecond magic).
// The library's own capture readers are tested separately; this one only feeds fixtures.
import { readFileSync } from 'node:fs';

export interface TestRecord {
  linkType: number;
  data: Uint8Array;
  originalLength: number;
}

export function readPcapFile(path: string): TestRecord[] {
  const file = new Uint8Array(readFileSync(path));
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = view.getUint32(0, true);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!little && view.getUint32(0, false) !== 0xa1b2c3d4 && view.getUint32(0, false) !== 0xa1b23c4d) {
    throw new Error(`${path}: not a classic pcap file`);
  }
  const linkType = view.getUint32(20, little) & 0x0fffffff;
  const records: TestRecord[] = [];
  for (let at = 24; at + 16 <= file.length; ) {
    const capLen = view.getUint32(at + 8, little);
    const origLen = view.getUint32(at + 12, little);
    records.push({ linkType, data: file.slice(at + 16, at + 16 + capLen), originalLength: origLen });
    at += 16 + capLen;
  }
  return records;
}
