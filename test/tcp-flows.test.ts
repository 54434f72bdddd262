// The flow table and connection state on the captures of test/fixtures/reassembly/, held to
// tshark: stream numbers packet by packet (tcp.stream), keep-alives and zero-window probes
// (tcp.analysis.*), node order; and the states, RTT, port reuse and pickup of running flows.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readCaptureSync } from '../src/capture/reader.js';
import { setBackend } from '../src/wasm/backend.js';
import { TcpReassembler, type TcpCloseReason, type TcpConnection } from '../src/transport/tcp-flows.js';
import { reassembleTcp } from '../src/transport/tcp-follow.js';

const dir = fileURLToPath(new URL('./fixtures/reassembly/', import.meta.url));
const captures = readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f) && readdirSync(dir).includes(`${f}.fields.tsv`));

interface Row {
  stream: number;
  srcport: number;
  keepAlive: boolean;
  zeroWindowProbe: boolean;
}

function tsv(capture: string): Row[] {
  const [head, ...rows] = readFileSync(`${dir}${capture}.fields.tsv`, 'utf8').trimEnd().split('\n');
  const h = head!.split('\t');
  const col = (n: string) => h.indexOf(n);
  return rows.map((line) => {
    const c = line.split('\t');
    return {
      stream: Number(c[col('tcp.stream')]),
      srcport: Number(c[col('tcp.srcport')]),
      keepAlive: (c[col('tcp.analysis.keep_alive')] ?? '') !== '',
      zeroWindowProbe: (c[col('tcp.analysis.zero_window_probe')] ?? '') !== '',
    };
  });
}

function replay(capture: string, options = {}) {
  const r = new TcpReassembler({}, { maxFlows: 1e9, ...options });
  const streams: (number | undefined)[] = [];
  const conns = new Map<number, TcpConnection>();
  for (const record of readCaptureSync(readFileSync(dir + capture))) {
    r.pushRecord(record);
    const c = r.lastConnection;
    streams.push(c?.stream);
    if (c !== undefined) conns.set(c.stream, c);
  }
  return { r, streams, conns };
}

afterEach(() => setBackend('auto'));

describe('the flow table against tshark', () => {
  it('has captures to compare with', () => expect(captures.length).toBeGreaterThanOrEqual(5));

  it.each(captures)("%s: every packet's connection is tshark's tcp.stream", (capture) => {
    const rows = tsv(capture);
    const { streams, conns } = replay(capture);
    expect(streams.filter((s) => s !== undefined)).toEqual(rows.map((r) => r.stream));
    // Node 0 is the source of the connection's first packet.
    for (const [stream, conn] of conns) expect(conn.ports[0]).toBe(rows.find((r) => r.stream === stream)!.srcport);
  });

  it.each(captures)('%s: keep-alives and zero-window probes as tshark flags them', (capture) => {
    const rows = tsv(capture);
    const { conns } = replay(capture);
    for (const [stream, conn] of conns) {
      const mine = rows.filter((r) => r.stream === stream);
      const stats = conn.directions.map((d) => d.stats);
      expect(stats[0]!.keepAlives + stats[1]!.keepAlives, `stream ${stream} keep-alives`).toBe(mine.filter((r) => r.keepAlive).length);
      expect(stats[0]!.zeroWindowProbes + stats[1]!.zeroWindowProbes, `stream ${stream} probes`).toBe(mine.filter((r) => r.zeroWindowProbe).length);
    }
  });

  it.each(['wasm', 'js'] as const)('the batch path (%s) numbers and counts as the packet path', (backend) => {
    setBackend(backend);
    for (const capture of captures) {
      const { r, conns } = replay(capture);
      r.end();
      const closed: TcpConnection[] = [];
      reassembleTcp(readFileSync(dir + capture), { onClose: (c) => closed.push(c) }, { maxFlows: 1e9 });
      expect(closed.map((c) => c.stream).sort((a, b) => a - b)).toEqual([...conns.keys()]);
      for (const c of closed) {
        const p = conns.get(c.stream)!;
        expect([c.frames, c.frameBytes, c.state, c.addresses, c.ports]).toEqual([p.frames, p.frameBytes, p.state, p.addresses, p.ports]);
        expect(c.directions.map((d) => d.stats.bytes)).toEqual(p.directions.map((d) => d.stats.bytes));
      }
    }
  });
});

describe('connection state', () => {
  it('port reuse starts a new connection and closes the old one as replaced', () => {
    const reasons: [number, TcpCloseReason][] = [];
    const r = new TcpReassembler({ onClose: (c, reason) => reasons.push([c.stream, reason]) });
    for (const record of readCaptureSync(readFileSync(`${dir}crafted-reuse.pcap`))) r.pushRecord(record);
    expect(reasons.filter(([, why]) => why === 'replaced').length).toBeGreaterThanOrEqual(1);
    r.end();
    expect(reasons.map(([s]) => s).sort()).toEqual([0, 1, 2]);
  });

  it('handshake RTT, client, timestamps', () => {
    const { conns } = replay('crafted-reuse.pcap');
    const c = conns.get(0)!;
    expect(c.client).toBe(0);
    expect(c.midstream).toBe(false);
    expect(c.rtt).toBe(Number(c.ackTimestamp! - c.synTimestamp!));
    expect(c.rtt).toBeGreaterThan(0);
    expect(c.synAckTimestamp! > c.synTimestamp!).toBe(true);
    expect(c.lastTimestamp > c.firstTimestamp).toBe(true);
  });

  it('flows already running when the capture starts are picked up', () => {
    const { conns } = replay('crafted-midstream.pcap');
    const c = conns.get(0)!;
    expect(c.midstream).toBe(true);
    expect(c.client).toBeUndefined();
    expect(c.rtt).toBeUndefined();
    expect(c.directions[0].stats.bytes + c.directions[1].stats.bytes).toBeGreaterThan(0);
  });

  it('IPv6 connections, both directions, real traffic', () => {
    const { conns } = replay('real-lo.pcap');
    const v6 = [...conns.values()].find((c) => c.ipVersion === 6)!;
    expect(v6.addresses).toEqual(['::1', '::1']);
    expect(v6.state).toBe('closed');
    expect(v6.directions[1].stats.bytes).toBeGreaterThan(40000);
    expect(v6.retransmissions).toBe(0);
  });

  it('retransmissions and out-of-order segments are counted', () => {
    const { conns } = replay('crafted-order.pcap');
    const all = [...conns.values()];
    expect(all.reduce((n, c) => n + c.retransmissions, 0)).toBeGreaterThan(0);
    expect(all.reduce((n, c) => n + c.directions[0].stats.outOfOrder + c.directions[1].stats.outOfOrder, 0)).toBeGreaterThan(0);
  });
});
