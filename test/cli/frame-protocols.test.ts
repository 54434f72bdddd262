// frame.protocols in `wirekit decode --json` (and for -Y) is tshark's: every dissector a packet went
// through, its pseudo-protocols (ethertype, raw, wlan_radio, ipv6.* extension headers) and the data
// dissector for payload nothing decodes, application layers and their body media types included.
// Expected values: tshark 4.0 with default preferences (test/fixtures/cli/make-phs.sh).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, cliFixture, lines, root } from './cli-util.js';

const CAPTURES = [
  'cli/http-keepalive-loss.pcap', 'cli/tcp-loss.pcap', 'cli/dns-tcp.pcap', 'cli/tcp-analysis.pcap', 'cli/tls-loss.pcap', 'wire/tls.pcap',
  'wire/websocket.pcap', 'wire/http2.pcap', 'wire/dns.pcap', 'wire/icmp.pcap', 'wire/icmpv6.pcap', 'wire/ipctl.pcap',
  'wire/geneve.pcap', 'wire/linktype-radiotap.pcap', 'wire/linktype-ppi.pcap', 'wire/linktype-sll2.pcap',
  'wire/linktype-raw101.pcap', 'wire/linktype-loop.pcap', 'wire/linktype-pflog.pcap', 'wire/ip-raw229.pcap',
  'capture/pcap-variants/http-pcap.pcap', 'reassembly/real-lo.pcap', 'reassembly/crafted-order.pcap',
  'tcp-carried/tcp-tunnels.pcap', 'tcp-carried/tcp-wlan.pcap', 'defrag/defrag.pcap', 'audit/quoted-stream.pcap',
];

const protocolsOf = (args: string[]) => lines(cli(['decode', '--json', ...args]).stdout).map((l) => (JSON.parse(l) as Record<string, string>)['frame.protocols']!);

describe('frame.protocols', () => {
  it.each(CAPTURES)('%s: every packet as tshark names it', (capture) => {
    const theirs = lines(readFileSync(cliFixture(`protocols/${capture.replaceAll('/', '_')}.txt`), 'utf8'));
    expect(protocolsOf([`${root}test/fixtures/${capture}`])).toEqual(theirs);
  });

  it('TLS certificates: the dissectors tshark hands names, keys and extensions to (make-x509.sh)', () => {
    const ours = protocolsOf([cliFixture('x509-certs.pcap')]);
    expect(ours).toEqual(lines(readFileSync(cliFixture('x509-certs.pcap.protocols.txt'), 'utf8')));
    const joined = ours.join('\n');
    for (const name of ['x509sat', 'x509ce', 'pkcs-1', 'pkix1implicit', 'pkix1explicit', 'ns_cert_exts', ':tls:pkix1explicit']) expect(joined).toContain(name);
  });

  it('HTTP/2 and gRPC: found through HTTP, bodies under their media dissector, gRPC messages under protobuf', () => {
    const theirs = lines(readFileSync(cliFixture('protocols/cli_http2-cases.pcap.txt'), 'utf8'));
    const ours = protocolsOf([cliFixture('http2-cases.pcap')]);
    expect(ours.length).toBe(theirs.length);
    const differing = ours.map((p, i) => (p === theirs[i] ? 0 : i + 1)).filter((n) => n > 0);
    // 72: the HEADERS whose block goes on in frame 73, which the library decodes when whole (the
    // summary line differs there too). (54 and 88, where tshark names http:http2 again for the
    // frames that begin after one TCP put together, are as tshark's.)
    expect(differing).toEqual([72]);
    expect(ours[53]).toBe('eth:ethertype:ip:tcp:http:http2:http:http2');
    expect(ours.filter((p) => p.endsWith(':http2:json')).length).toBeGreaterThan(0);
    expect(ours.filter((p) => p.includes(':grpc:protobuf')).length).toBeGreaterThan(0);
  });

  it('the fast JSON path writes what the general path writes (a filter takes the general path)', () => {
    const capture = `${root}test/fixtures/cli/tcp-analysis.pcap`;
    // -Y frame gives every packet through the filter, so through the general writer.
    expect(protocolsOf(['-Y', 'frame', capture])).toEqual(protocolsOf([capture]));
  });

  it('-Y selects on the pseudo-protocols and media dissectors as tshark does', () => {
    const capture = `${root}test/fixtures/wire/websocket.pcap`;
    const numbers = (filter: string) => lines(cli(['decode', '-Y', filter, capture]).stdout).map((l) => Number(l.trim().split(/\s+/)[0]));
    // tshark -r websocket.pcap -Y data-text-lines / -Y 'frame.protocols contains "websocket:data"'
    expect(numbers('data-text-lines')).toEqual([8, 9, 26, 31, 33, 47, 48, 51]);
    expect(numbers('frame.protocols contains "websocket:data"')).toEqual([8, 9, 12, 18, 26, 31, 33, 47, 48, 51, 53]);
    // tshark has no ethertype field to filter on: nothing matches.
    expect(numbers('ethertype')).toEqual([]);
  });
});
