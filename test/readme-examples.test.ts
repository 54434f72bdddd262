// The README's examples, run as written (through the package entry), so the docs cannot rot.
import { describe, expect, it } from 'vitest';
import {
  decodeBatch,
  decodePacket,
  encodeFrame,
  Ipv4View,
  IpAddress,
  MacAddress,
  registerProtocol,
  TcpFlag,
  WireError,
  allocBuffer,
  decodeCaptureBatches,
  decodeCaptureStream,
  captureByteSource,
  writePcap,
  segmentTcp,
  compileSegmenter,
  readCaptureSync,
  reassembleTcp,
  followTcpStream,
  tcpStreamReadable,
  TcpReassembler,
  Http1Conversation,
  TlsConnectionDecoder,
  tlsServerName,
  WebSocketParser,
} from 'wirekit';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('README examples', () => {
  it('tunnels: MPLS, GRE and PPPoE encode and decode as the README says', () => {
    const labelled = encodeFrame(
      [
        { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
        { mpls: { entries: [{ label: 16000, exp: 5 }, { label: 24001 }] } },
        { ip: { src: '192.0.2.1', dst: '198.51.100.2' } },
        { udp: { srcport: 40000, dstport: 53 } },
      ],
      new TextEncoder().encode('hello'),
    );
    expect(decodePacket(labelled).fields()['mpls.label']).toEqual([16000, 24001]);
    expect(decodePacket(labelled).fields()['mpls.bottom']).toEqual([0, 1]);

    const tunnel = encodeFrame([
      { ip: { src: '203.0.113.1', dst: '203.0.113.2' } },
      { gre: { checksumPresent: true, key: 42 } },
      { eth: { src: '02:00:00:00:00:0a', dst: '02:00:00:00:00:0b', pad: false } },
      { ipv6: { src: '2001:db8::1', dst: '2001:db8::2' } },
      { udp: { srcport: 1, dstport: 2 } },
    ]);
    const t = decodePacket(tunnel, { linkType: 'raw' });
    expect(t.protocols).toBe('ip:gre:eth:ipv6:udp');
    expect(t.fields()['gre.checksum.status']).toBe('good');
    expect(t.fields()['gre.key']).toBe(42);
    expect(decodePacket(tunnel, { linkType: 'raw', checksums: { gre: false } }).fields()['gre.checksum.status']).toBe('unverified');

    const session = encodeFrame([
      { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
      { pppoes: { sessionId: 0x1234 } },
      { ppp: {} },
      { ip: { src: '100.64.0.2', dst: '192.0.2.1' } },
      { icmp: { type: 8, ident: 1, seq: 1 } },
    ]);
    expect(decodePacket(session).protocols).toBe('eth:pppoes:ppp:ip:icmp');
    expect(decodePacket(session).fields()['pppoe.session_id']).toBe(0x1234);
  });

  it('decode a frame and read fields by Wireshark name', () => {
    const frame = encodeFrame(
      [
        { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
        { ip: { src: '10.0.0.1', dst: '10.0.0.2', ttl: 64 } },
        { tcp: { srcport: 40000, dstport: 80, seq: 1, flags: TcpFlag.SYN, options: [{ kind: 'mss', value: 1460 }] } },
      ],
    );
    const packet = decodePacket(frame);
    expect(packet.protocols).toBe('eth:ip:tcp');
    const f = packet.fields();
    expect(f['ip.src']).toBe('10.0.0.1');
    expect(f['tcp.flags.syn']).toBe(1);
    expect(f['tcp.options.mss_val']).toBe(1460);
    expect(f['ip.checksum.status']).toBe('good');
    expect(f['tcp.checksum.status']).toBe('good');
    expect(frame.length).toBe(60); // padded runt: 14 + 20 + 24 = 58 -> 60
    expect(packet.payload.length).toBe(0);
  });

  it('VLAN, IPv6 and UDP with a payload, then the TTL edited in place', () => {
    const frame = encodeFrame(
      [
        { eth: { src: '02:00:00:00:00:01', dst: '33:33:00:00:00:fb' } },
        { vlan: { id: 100, priority: 5 } },
        { ipv6: { src: 'fe80::1', dst: 'ff02::fb', hopLimit: 255 } },
        { udp: { srcport: 5000, dstport: 5001 } },
      ],
      new TextEncoder().encode('hello'),
    );
    const p = decodePacket(frame);
    expect(p.protocols).toBe('eth:vlan:ipv6:udp');
    expect(p.fields()['vlan.id']).toBe(100);
    expect(new TextDecoder().decode(p.payload)).toBe('hello');

    const v4 = encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, { ip: { src: '192.0.2.1', dst: '198.51.100.7', ttl: 64 } }, { udp: { srcport: 1, dstport: 2 } }]);
    const ip = new Ipv4View(v4, 14).check();
    ip.decrementTtl(); // RFC 1624 incremental checksum update
    const again = decodePacket(v4).fields();
    expect(again['ip.ttl']).toBe(63);
    expect(again['ip.checksum.status']).toBe('good');
  });

  it('lenient and strict decoding of a truncated packet', () => {
    const frame = encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', pad: false } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { srcport: 1, dstport: 2 } }]);
    const cut = frame.subarray(0, 40); // the IP header whole, the UDP header cut
    const p = decodePacket(cut);
    expect(p.layers.map((l) => l.name)).toEqual(['eth', 'ip']);
    expect(p.errors.map((e) => `${e.layer} ${e.code} @${e.offset}`)).toEqual(['ip truncated @14', 'udp truncated @34']);
    // The cut UDP header: not a layer, but its captured fields show, as in tshark.
    expect(p.partial).toEqual({ name: 'udp', offset: 34, captured: 6 });
    expect(p.protocols).toBe('eth:ip:udp');
    expect(p.fields()['udp.srcport']).toBe(1);
    expect(p.fields()['udp.length']).toBe(8);
    expect(p.fields()['udp.checksum']).toBeUndefined();
    expect(() => decodePacket(cut, { strict: true })).toThrow(WireError);
  });

  it('link and network encode examples from the README', () => {
    const src = '02:00:00:00:00:01';
    const qinq = encodeFrame([{ eth: { src, dst: '02:00:00:00:00:02' } }, { ieee8021ad: { id: 10 } }, { vlan: { id: 100, priority: 5 } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { srcport: 1, dstport: 2 } }]);
    expect(decodePacket(qinq).protocols).toBe('eth:ieee8021ad:vlan:ip:udp');
    expect(decodePacket(qinq).fields()['vlan.id']).toBe(100);
    const arp = encodeFrame([{ eth: { src, dst: 'ff:ff:ff:ff:ff:ff' } }, { arp: { srcHw: src, srcProto: '10.0.0.1', dstProto: '10.0.0.2' } }]);
    expect(decodePacket(arp).fields()['arp.dst.proto_ipv4']).toBe('10.0.0.2');
    const ip = encodeFrame([{ eth: { src, dst: src } }, { ip: { src: '192.0.2.1', dst: '198.51.100.7', protocol: 17, dontFragment: true, options: [{ type: 148 }] } }]);
    expect(decodePacket(ip).fields()['ip.flags.df']).toBe(1);
    expect(decodePacket(ip).fields()['ip.hdr_len']).toBe(24);
    const echo = encodeFrame([{ eth: { src, dst: src } }, { ipv6: { src: 'fe80::1', dst: 'ff02::1', extensions: [{ type: 0, options: [] }] } }, { icmpv6: { type: 128, ident: 1, seq: 1 } }], new Uint8Array(4));
    const e = decodePacket(echo).fields();
    expect(e['icmpv6.checksum.status']).toBe('good');
    expect(e['ipv6.nxt']).toBe(0);
  });

  it('addresses: parse, format, classify', () => {
    expect(IpAddress.parse('2001:0db8:0000:0000:0000:0000:0000:0001').toString()).toBe('2001:db8::1');
    expect(IpAddress.parse('10.1.2.3').isPrivate()).toBe(true);
    expect(IpAddress.parse('100.64.0.1').classify()).toBe('cgnat');
    expect(IpAddress.parse('8.8.8.8').isPublic()).toBe(true);
    const mac = MacAddress.parse('01-00-5E-00-00-FB');
    expect(mac.toString()).toBe('01:00:5e:00:00:fb');
    expect(mac.kind).toBe('multicast');
  });

  it('a user protocol on a UDP port shows up in layers and fields', () => {
    registerProtocol(
      {
        name: 'hello',
        decode: ({ bytes, offset, end }) => {
          if (end - offset < 1) throw new WireError('truncated', 'needs 1 byte', { layer: 'hello', offset });
          return { header: { version: bytes[offset]! }, headerLength: 1 };
        },
        fields: (h: { version: number }, out) => out.add('hello.version', h.version),
      },
      [{ table: 'udp.port', value: 9999 }],
    );
    const frame = encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { udp: { srcport: 40000, dstport: 9999 } }], new Uint8Array([7, 1, 2]));
    const p = decodePacket(frame);
    expect(p.protocols).toBe('eth:ip:udp:hello');
    expect(p.fields()['hello.version']).toBe(7);
  });
  it('a resident table: columns left in WASM memory, overwritten by the next resident decode, kept by copy()', () => {
    const batchOf4096 = Array.from({ length: 4096 }, (_, i) =>
      encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { tcp: { srcport: 40000, dstport: 443, seq: i, flags: TcpFlag.ACK } }]),
    );
    const r = decodeBatch(batchOf4096, { resident: true });
    expect(r.resident).toBe(true);
    const kept = r.copy();
    expect(kept.resident).toBe(false);
    decodeBatch(batchOf4096.slice(5), { resident: true });
    expect(r.tcpSeq[0]).toBe(5); // the one resident table now holds the later batch
    expect(kept.tcpSeq[0]).toBe(0);
    expect(kept.tcpSeq[4095]).toBe(4095);
  });
  it('a whole capture in one pass: decodeCaptureBatches over a capture in WASM memory', () => {
    const frames = [443, 80, 443].map((dstport, i) =>
      encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { tcp: { srcport: 40000 + i, dstport, flags: TcpFlag.ACK } }]),
    );
    const file = writePcap(frames.map((data, i) => ({ timestamp: 1_700_000_000_000_000_000n + BigInt(i), capturedLength: data.length, originalLength: data.length, linkType: 1, interfaceId: 0, data })));
    const bytes = allocBuffer(file.length);
    bytes.set(file);
    const hits: number[] = [];
    let firstTime: bigint | undefined;
    for (const { index, table, first } of decodeCaptureBatches(bytes, { batchSize: 2, reuse: true })) {
      for (let i = 0; i < table.count; i++) if (table.dstPort[i] === 443) hits.push(first + i);
      firstTime ??= index.timestamps[0];
    }
    expect(hits).toEqual([0, 2]);
    expect(firstTime).toBe(1_700_000_000_000_000_000n);
  });
  it('a capture streamed: decodeCaptureStream from a file handle into WASM memory, and from a web stream', async () => {
    const frames = Array.from({ length: 40 }, (_, i) =>
      encodeFrame([{ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } }, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { tcp: { srcport: 40000 + i, dstport: 443, flags: TcpFlag.ACK } }], new Uint8Array(i * 10)),
    );
    const file = writePcap(frames.map((data, i) => ({ timestamp: BigInt(i), capturedLength: data.length, originalLength: data.length, linkType: 1, interfaceId: 0, data })));
    const path = join(mkdtempSync(join(tmpdir(), 'wirekit-readme-')), 'big.pcap');
    writeFileSync(path, file);
    const fh = await fs.promises.open(path);
    const source = { read: async (into: Uint8Array) => (await fh.read(into, 0, into.length, null)).bytesRead };
    const buffer = allocBuffer(4 * 512 + 48); // 512-byte pieces here, to cut records
    const ports: number[] = [];
    for await (const { table, first } of decodeCaptureStream(source, { buffer, reuse: true })) {
      for (let i = 0; i < table.count; i++) ports[first + i] = table.srcPort[i]!;
    }
    await fh.close();
    expect(ports).toEqual(frames.map((_, i) => 40000 + i));
    let n = 0;
    for await (const batch of decodeCaptureStream(captureByteSource(new Blob([file.slice().buffer]).stream()))) n += batch.table.count;
    expect(n).toBe(40);
  });
  it('TCP segmentation: segments, frames in batches, and everything into one allocBuffer region', () => {
    const body = new TextEncoder().encode('x'.repeat(100_000));
    const segments = segmentTcp(body, {
      srcport: 8080, dstport: 51000, seq: 1001, ack: 2002, mss: 1460,
      options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamp', tsval: 500, tsecr: 400 }],
      addresses: { src: '192.0.2.1', dst: '198.51.100.2' },
    });
    expect(segments.length).toBe(70);
    expect(segments[0]!.payload.length).toBe(1448);
    expect(segments[69]!.payload.length).toBe(100_000 - 69 * 1448);
    expect(segments[0]!.header.seq).toBe(1001);
    const seg = compileSegmenter([
      { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
      { ip: { src: '192.0.2.1', dst: '198.51.100.2', dontFragment: true, id: 1 } },
      { tcp: { srcport: 8080, dstport: 51000, seq: 1001, ack: 2002 } },
    ], { mss: 1460 });
    const records = [];
    for (const batch of seg.batches(body)) {
      for (const frame of batch) records.push({ timestamp: 0n, capturedLength: frame.length, originalLength: frame.length, linkType: 1, interfaceId: 0, data: frame.slice() });
    }
    const back = [...readCaptureSync(writePcap(records))];
    expect(back.length).toBe(69); // 1460 bytes each without options
    expect(decodePacket(back[0]!.data).fields()['tcp.checksum.status']).toBe('good');
    const joined = back.map((r) => decodePacket(r.data).payload).reduce((n, p) => n + p.length, 0);
    expect(joined).toBe(100_000);
    const region = allocBuffer(body.length + seg.outputLength(body.length));
    region.set(body);
    const offsets = seg.segmentInto(region.subarray(0, body.length), region.subarray(body.length));
    expect(offsets.length).toBe(70);
    const last = region.subarray(body.length + offsets[68]!, body.length + offsets[69]!);
    expect(decodePacket(last).fields()['tcp.flags.push']).toBe(1);
  });
  it('TCP streams: reassembleTcp, TcpReassembler, followTcpStream and a web ReadableStream agree', async () => {
    const file = readFileSync('test/fixtures/reassembly/real-lo.pcap');
    const viaTable = new Map<string, number>();
    const closed: string[] = [];
    reassembleTcp(file, {
      onData(conn, direction, data) {
        const k = `${conn.stream}/${direction}`;
        viaTable.set(k, (viaTable.get(k) ?? 0) + data.length);
      },
      onClose(conn) {
        closed.push(`${conn.stream} ${conn.state}`);
      },
    });
    expect(closed.length).toBe(6);
    const r = new TcpReassembler({}, { maxFlows: 10_000, maxBufferedPerFlow: 1 << 20, idleTimeout: 300, overlap: 'first' });
    for (const record of readCaptureSync(file)) r.pushRecord(record);
    r.end();
    expect(r.stats().streams).toBe(6);
    let followed = 0;
    for await (const chunk of followTcpStream(file, 0)) if ('data' in chunk && chunk.direction === 1) followed += chunk.data.length;
    expect(followed).toBe(viaTable.get('0/1'));
    expect(followed).toBeGreaterThan(220_000); // the 220,032-byte GET body plus its headers
    const body = await new Response(tcpStreamReadable(file, 0, 1)).arrayBuffer();
    expect(body.byteLength).toBe(followed);
  });
  it('Application layer over TCP streams: HTTP, the WebSocket after its upgrade, TLS hellos', () => {
    const run = (capture: Uint8Array) => {
      const seen: string[] = [];
      const decoders = new Map<unknown, TlsConnectionDecoder | Http1Conversation>();
      reassembleTcp(capture, {
        onData(conn, dir, data) {
          let d = decoders.get(conn);
          if (d === undefined) {
            // A TLS handshake record starts with 22 (0x16); anything else is taken for HTTP.
            const ws: WebSocketParser[] = [];
            d =
              data[0] === 0x16
                ? new TlsConnectionDecoder()
                : new Http1Conversation(
                    {
                      onMessage: (dir, m) => seen.push(m.type === 'request' ? `${m.method} ${m.target}` : `${m.status}`),
                      onTunnel: (dir, bytes, offset) =>
                        (ws[dir] ??= new WebSocketParser({ onMessage: (m) => seen.push(m.text ?? `${m.data.length} bytes`) }, { offset })).push(bytes),
                    },
                    { client: 0 },
                  );
            decoders.set(conn, d);
          }
          if (d instanceof TlsConnectionDecoder) {
            for (const r of d.push(dir, data)) for (const m of r.messages ?? []) if (m.clientHello) seen.push(`TLS to ${tlsServerName(m.clientHello)}`);
          } else {
            d.push(dir, data);
          }
        },
      });
      return seen;
    };
    const ws = run(readFileSync('test/fixtures/wire/websocket.pcap'));
    expect(ws.slice(0, 6)).toEqual(['GET /chat', '101', 'Hello', 'Hello', '300 bytes', '70000 bytes']);
    expect(ws).toContain('frag-mented');
    const tls = run(readFileSync('test/fixtures/wire/tls.pcap'));
    expect(tls).toContain('TLS to wirekit.test');
  });
});
