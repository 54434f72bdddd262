// Packets, batches and captures through the package entry: runs in Node (sources) and in Chromium
// (the built dist/index.js, as a web page loads it), so the browser build is held to the same
// answers: frames built and decoded, WASM batch tables equal to the JS twin's, captures written,
// streamed from a web ReadableStream, walked in one pass, and decoded in batches as they stream.
import { afterAll, describe, expect, it } from 'vitest';
import {
  allocBuffer,
  captureByteSource,
  decodeBatch,
  decodeCaptureStream,
  decodeCaptureBatches,
  decodePacket,
  encodeFrame,
  readCapture,
  readCaptureSync,
  setBackend,
  TcpFlag,
  writePcap,
  writePcapng,
  type CaptureRecord,
  type PacketTable,
} from 'wirekit';

afterAll(() => setBackend('auto'));

function frames(n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const eth = { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } };
    const payload = new Uint8Array(i % 300).fill(i & 0xff);
    if (i % 3 === 0) {
      out.push(encodeFrame([eth, { ip: { src: '10.0.0.1', dst: `10.0.${i >> 8}.${i & 255}` } }, { tcp: { srcport: 40000 + i, dstport: 443, seq: i * 1000, flags: TcpFlag.ACK | TcpFlag.PSH } }], payload));
    } else if (i % 3 === 1) {
      out.push(encodeFrame([eth, { vlan: { id: 1 + i, priority: i % 8 } }, { ip: { src: '192.0.2.1', dst: '198.51.100.7' } }, { udp: { srcport: 5000 + i, dstport: 9 } }], payload));
    } else {
      out.push(encodeFrame([eth, { ipv6: { src: `2001:db8::${i.toString(16)}`, dst: '2001:db8::2' } }, { udp: { srcport: 6000 + i, dstport: 123 } }], payload));
    }
  }
  return out;
}

function records(list: Uint8Array[]): CaptureRecord[] {
  return list.map((data, i) => ({ timestamp: 1_795_000_000_000_000_000n + BigInt(i) * 1_000_123n, capturedLength: data.length, originalLength: data.length, linkType: 1, interfaceId: 0, data }));
}

const COLUMNS = ['status', 'layers', 'ethertype', 'vlanOuter', 'ipVersion', 'ipSrc', 'ipDst', 'ipv6Index', 'protocol', 'srcPort', 'dstPort', 'tcpSeq', 'tcpFlags', 'payloadOffset', 'payloadLength', 'l4Checksum'] as const;

function columns(t: PacketTable) {
  const out: Record<string, number[]> = {};
  for (const c of COLUMNS) out[c] = Array.from(t[c]);
  out.ipv6Addresses = Array.from(t.ipv6Addresses);
  return out;
}

describe('packets, batches and captures', () => {
  it('decodePacket gives tshark-named fields with checksums verified', () => {
    const [tcp, udpVlan, udp6] = frames(3);
    const t = decodePacket(tcp!).fields();
    expect(t['tcp.dstport']).toBe(443);
    expect(t['tcp.flags.push']).toBe(1);
    expect(t['ip.checksum.status']).toBe('good');
    expect(t['tcp.checksum.status']).toBe('good');
    const v = decodePacket(udpVlan!);
    expect(v.protocols).toBe('eth:vlan:ip:udp');
    expect(v.fields()['vlan.id']).toBe(2);
    expect(v.fields()['udp.checksum.status']).toBe('good');
    expect(decodePacket(udp6!).fields()['ipv6.src']).toBe('2001:db8::2');
  });

  it('decodeBatch: the WASM table equals the JS twin, and rows equal decodePacket', () => {
    const list = frames(200);
    setBackend('js');
    const js = columns(decodeBatch(list, { checksums: true }));
    for (const simd of [true, false]) {
      setBackend('wasm', { simd });
      expect(columns(decodeBatch(list, { checksums: true }))).toEqual(js);
      // The resident table: columns left in WebAssembly memory where the kernel wrote them.
      const resident = decodeBatch(list, { checksums: true, resident: true });
      expect(resident.resident).toBe(true);
      expect(columns(resident)).toEqual(js);
      expect(columns(resident.copy())).toEqual(js);
    }
    setBackend('auto');
    const table = decodeBatch(list);
    for (const i of [0, 1, 2, 99, 199]) {
      const f = decodePacket(list[i]!).fields();
      const row = table.row(i);
      for (const name of ['ip.src', 'ip.dst', 'ipv6.src', 'udp.srcport', 'tcp.seq_raw', 'vlan.id']) expect(row[name]).toEqual(f[name]);
    }
  });

  it('pcap and pcapng written, read back (also streamed from a web ReadableStream), walked in one pass', async () => {
    const list = frames(120);
    const recs = records(list);
    for (const file of [writePcap(recs), writePcapng(recs)]) {
      const back = [...readCaptureSync(file)];
      expect(back.map((r) => r.timestamp)).toEqual(recs.map((r) => r.timestamp));
      expect(back.map((r) => Array.from(r.data))).toEqual(list.map((d) => Array.from(d)));
      // Chunks of 7 bytes: a record is cut anywhere.
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < file.length; at += 7) controller.enqueue(file.slice(at, at + 7));
          controller.close();
        },
      });
      let n = 0;
      for await (const r of readCapture(stream)) expect(Array.from(r.data)).toEqual(Array.from(list[n++]!));
      expect(n).toBe(list.length);
    }
    const file = writePcap(recs, { precision: 'micro' });
    setBackend('js');
    const twin = [...decodeCaptureBatches(file, { batchSize: 50 })].map((b) => ({ first: b.first, offsets: Array.from(b.index.offsets), table: columns(b.table) }));
    setBackend('auto');
    const inWasm = allocBuffer(file.length);
    inWasm.set(file);
    const walk = [...decodeCaptureBatches(inWasm, { batchSize: 50 })].map((b) => ({ first: b.first, offsets: Array.from(b.index.offsets), table: columns(b.table) }));
    expect(walk).toEqual(twin);
    expect(walk.map((b) => b.first)).toEqual([0, 50, 100]);
    // Streamed in 700-byte pieces from a web ReadableStream: the same packets' rows, in order.
    const rows = (t: PacketTable, n: number) => Array.from({ length: n }, (_, i) => t.row(i));
    const expected = [...decodeCaptureBatches(file)].flatMap((b) => rows(b.table, b.index.count));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < file.length; at += 1000) controller.enqueue(file.slice(at, at + 1000));
        controller.close();
      },
    });
    const streamed: unknown[] = [];
    for await (const b of decodeCaptureStream(captureByteSource(stream), { chunkSize: 700, buffer: allocBuffer(4 * 700 + 48) })) streamed.push(...rows(b.table, b.index.count));
    expect(streamed).toEqual(expected);
  });
});
