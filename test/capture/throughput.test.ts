// Read throughput over an in-memory 100 MB synthetic pcap (IMIX-like sizes: 64, 594, 1518 bytes in
// 7:4:1), for readCaptureSync (a record object per packet), indexCapture (typed arrays only) and
// readCapture over 64 KiB chunks. A measurement, not a check: run with CAPTURE_BENCH=1
// (`CAPTURE_BENCH=1 npx vitest run --project node test/capture/throughput`); medians of 5 rounds.
import { describe, expect, it } from 'vitest';
import { indexCapture } from '../../src/capture/index-capture.js';
import { readCapture, readCaptureSync } from '../../src/capture/reader.js';
import type { CaptureRecord } from '../../src/capture/types.js';
import { writePcap } from '../../src/capture/writer.js';
import { chunksOf, rng } from './helpers.js';

const enabled = process.env.CAPTURE_BENCH === '1';

function synthetic(totalBytes: number): Uint8Array {
  const random = rng(1);
  const sizes = [64, 64, 64, 64, 64, 64, 64, 594, 594, 594, 594, 1518];
  const payload = new Uint8Array(1518).map((_, i) => i & 0xff);
  const records: CaptureRecord[] = [];
  let total = 24;
  let t = 1_700_000_000_000_000_000n;
  while (total < totalBytes) {
    const size = sizes[Math.floor(random() * sizes.length)]!;
    t += BigInt(Math.floor(random() * 100_000));
    records.push({ timestamp: t, capturedLength: size, originalLength: size, linkType: 1, interfaceId: 0, data: payload.subarray(0, size) });
    total += 16 + size;
  }
  return writePcap(records, { precision: 'nano' });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe.skipIf(!enabled)(enabled ? 'throughput' : 'throughput (SKIPPED: set CAPTURE_BENCH=1 to measure)', () => {
  it('100 MB pcap in memory', async () => {
    const bytes = synthetic(100 * 1000 * 1000);
    const count = indexCapture(bytes).count;
    const rows: string[] = [];
    const measure = async (name: string, run: () => number | Promise<number>) => {
      const times: number[] = [];
      for (let round = 0; round < 5; round++) {
        const start = performance.now();
        const seen = await run();
        times.push(performance.now() - start);
        expect(seen).toBe(count);
      }
      const seconds = median(times) / 1000;
      rows.push(`${name.padEnd(34)} ${(count / seconds / 1e6).toFixed(2).padStart(6)} M records/s ${(bytes.length / seconds / 1e6).toFixed(0).padStart(6)} MB/s`);
    };
    await measure('readCaptureSync', () => {
      let n = 0;
      let sum = 0;
      for (const r of readCaptureSync(bytes)) {
        n++;
        sum += r.capturedLength;
      }
      return sum > 0 ? n : -1;
    });
    await measure('indexCapture', () => indexCapture(bytes).count);
    const chunks = chunksOf(bytes, 65536);
    await measure('readCapture (64 KiB chunks)', async () => {
      let n = 0;
      for await (const _r of readCapture(chunks)) n++;
      return n;
    });
    console.log(`${(bytes.length / 1e6).toFixed(0)} MB, ${count} records (node ${process.version})\n${rows.join('\n')}`);
  }, 600_000);
});
