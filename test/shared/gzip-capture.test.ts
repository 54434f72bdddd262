// gzip-compressed captures through the async readers, as tshark reads a .pcap.gz: the platform's
// DecompressionStream on the way in. Runs in Node (sources) and in Chromium (the built package).
import { describe, expect, it } from 'vitest';
import { captureByteSource, decodeCaptureStream, encodeFrame, readCapture, readCaptureSync, WireError, writePcap, writePcapng, type CaptureRecord } from 'wirekit';

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** `bytes` as a web stream of chunks of `size` bytes. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) controller.close();
      else controller.enqueue(bytes.slice(at, (at += size)));
    },
  });
}

const frames = Array.from({ length: 300 }, (_, i) =>
  encodeFrame(
    [{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, { ip: { src: '192.0.2.1', dst: '192.0.2.2', id: i } }, { udp: { srcport: 1000 + i, dstport: 53 } }],
    new Uint8Array(i % 200).fill(i & 255),
  ),
);
const records = frames.map((data, i) => ({ data, timestamp: 1_700_000_000_000_000_000n + BigInt(i) * 1000n, linkType: 1, capturedLength: data.length, originalLength: data.length, interfaceId: 0 }));
const plain = (r: CaptureRecord) => ({ t: r.timestamp, n: r.originalLength, hex: Array.from(r.data, (b) => b.toString(16).padStart(2, '0')).join('') });
const want = records.map(plain);

async function all(source: Parameters<typeof readCapture>[0]): Promise<ReturnType<typeof plain>[]> {
  const out: ReturnType<typeof plain>[] = [];
  for await (const r of readCapture(source)) out.push(plain(r));
  return out;
}

describe('gzip-compressed captures', () => {
  it('readCapture decompresses pcap and pcapng, from bytes and from a stream in small chunks', async () => {
    for (const file of [writePcap(records, { precision: 'micro' }), writePcapng(records)]) {
      const gz = await gzip(file);
      expect(gz[0]).toBe(0x1f);
      expect(await all(gz)).toEqual(want);
      expect(await all(chunked(gz, 1))).toEqual(want);
      expect(await all(chunked(gz, 777))).toEqual(want);
    }
  });

  it('decodeCaptureStream reads it too', async () => {
    const gz = await gzip(writePcap(records, { precision: 'micro' }));
    let count = 0;
    for await (const b of decodeCaptureStream(captureByteSource(gz))) count += b.table.count;
    expect(count).toBe(records.length);
  });

  it('a damaged one: the records before the damage, then a WireError', async () => {
    const gz = await gzip(writePcap(records, { precision: 'micro' }));
    const got: CaptureRecord[] = [];
    let error: unknown;
    try {
      for await (const r of readCapture(gz.subarray(0, gz.length >> 1))) got.push(r);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WireError);
    expect(got.length).toBeGreaterThan(0);
    expect(got.map(plain)).toEqual(want.slice(0, got.length));
  });

  it('readCaptureSync names it and says what reads it', async () => {
    const gz = await gzip(writePcap(records, { precision: 'micro' }));
    expect(() => [...readCaptureSync(gz)]).toThrow(/gzip-compressed.*readCapture/);
  });
});
