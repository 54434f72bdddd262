// indexCapture: the typed-array table agrees with the record reader on every file, damaged ones
// included (same records before the damage, same error), and its allocation-free pcap time
// arithmetic agrees with bigint arithmetic.
import { describe, expect, it } from 'vitest';
import { indexCapture } from '../../src/capture/index-capture.js';
import { readCaptureSync } from '../../src/capture/reader.js';
import type { CaptureRecord } from '../../src/capture/types.js';
import { writePcap } from '../../src/capture/writer.js';
import { WireError } from '../../src/errors.js';
import { FIXTURES, PEER, fixtureFiles, load, peerVectors, rng } from './helpers.js';

function readUntilError(bytes: Uint8Array): { records: CaptureRecord[]; error: WireError | undefined } {
  const records: CaptureRecord[] = [];
  try {
    for (const r of readCaptureSync(bytes)) records.push(r);
    return { records, error: undefined };
  } catch (e) {
    return { records, error: e as WireError };
  }
}

function expectSameAsReader(bytes: Uint8Array) {
  const { records, error } = readUntilError(bytes);
  const index = indexCapture(bytes, { partial: true });
  expect(index.count).toBe(records.length);
  expect(index.error?.message).toBe(error?.message);
  expect(index.error?.offset).toBe(error?.offset);
  records.forEach((r, i) => {
    expect(bytes.subarray(index.offsets[i]!, index.offsets[i]! + index.lengths[i]!)).toEqual(r.data);
    expect(index.data.byteOffset + index.offsets[i]!).toBe(r.data.byteOffset);
    expect(index.linkTypes[i]).toBe(r.linkType);
    // The table holds signed 64-bit nanoseconds (1678 to 2262): other times wrap, as documented.
    expect(index.timestamps[i]).toBe(BigInt.asIntN(64, r.timestamp));
    expect(index.originalLengths[i]).toBe(r.originalLength);
    expect(index.interfaceIds[i]).toBe(r.interfaceId);
  });
}

const files = [
  ...fixtureFiles('.pcap', '.pcapng').map((f) => FIXTURES + f),
  ...peerVectors().flatMap((n) => [`${PEER}output_le/${n}.pcapng`, `${PEER}output_be/${n}.pcapng`]),
];

describe('indexCapture', () => {
  it(`agrees with the reader on ${files.length} files`, () => {
    for (const path of files) expectSameAsReader(load(path));
  });

  it('agrees with the reader on damaged files (1,000 mutations), and throws without partial', () => {
    const random = rng(5);
    for (let i = 0; i < 1000; i++) {
      const original = load(files[i % files.length]!);
      const bytes = original.slice(0, Math.floor(original.length * (0.5 + random() / 2)));
      for (let flips = 0; flips < 2; flips++) bytes[Math.floor(random() * bytes.length)]! ^= 1 << Math.floor(random() * 8);
      expectSameAsReader(bytes);
    }
    const cut = load(`${FIXTURES}small-usec-be.pcap`).subarray(0, 700);
    expect(() => indexCapture(cut)).toThrow(expect.objectContaining({ code: 'truncated', layer: 'pcap' }));
  });

  it('works on a view inside a larger buffer', () => {
    const file = load(`${FIXTURES}small-nsec-be.pcap`);
    const padded = new Uint8Array(file.length + 100);
    padded.set(file, 37);
    expectSameAsReader(padded.subarray(37, 37 + file.length));
  });

  it('pcap times to the nanosecond over the whole 32-bit range, micro and nano', () => {
    const random = rng(11);
    const records: CaptureRecord[] = [];
    const edges = [0n, 1n, 999_999_999n, 4_294_967_295_999_999_999n, 4_294_967_295_000_000_000n, 2_147_483_648_000_000_001n];
    for (let i = 0; i < 2000; i++) {
      const timestamp = i < edges.length ? edges[i]! : BigInt(Math.floor(random() * 2 ** 32)) * 1_000_000_000n + BigInt(Math.floor(random() * 1e9));
      records.push({ timestamp, capturedLength: 1, originalLength: 1, linkType: 1, interfaceId: 0, data: new Uint8Array([i & 0xff]) });
    }
    for (const precision of ['micro', 'nano'] as const) {
      for (const byteOrder of ['little', 'big'] as const) {
        const index = indexCapture(writePcap(records, { precision, byteOrder }));
        expect([...index.timestamps]).toEqual(records.map((r) => (precision === 'nano' ? r.timestamp : r.timestamp - (r.timestamp % 1000n))));
      }
    }
  });

  it('a micro pcap whose fraction field is out of range still adds up exactly', () => {
    const bytes = writePcap([{ timestamp: 5n * 1_000_000_000n, capturedLength: 1, originalLength: 1, linkType: 1, interfaceId: 0, data: new Uint8Array(1) }], { precision: 'micro' });
    new DataView(bytes.buffer).setUint32(24 + 4, 0xffffffff, true);
    const want = 5n * 1_000_000_000n + 0xffffffffn * 1000n;
    expect(indexCapture(bytes).timestamps[0]).toBe(want);
    expect([...readCaptureSync(bytes)][0]!.timestamp).toBe(want);
  });
});
