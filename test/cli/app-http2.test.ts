// `wirekit decode` naming HTTP/2 and gRPC as tshark 4.0 does: the protocol and info columns of
// the packets that complete frames, "[TCP segment of a reassembled PDU]" on the others, --json
// fields and -Y. Expected lines: test/fixtures/cli/make-app.sh (tshark -r, default preferences;
// for the real captures of ../fixtures/wire/http2.pcap, whose servers use ephemeral ports, also
// with tshark's Decode As, which wirekit takes in the same syntax). Lines known to differ are
// listed with the reason (src/cli/README.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, cliFixture, lines, root, tsharkSummary } from './cli-util.js';

const http2 = `${root}test/fixtures/wire/http2.pcap`;
const cases = cliFixture('http2-cases.pcap');
const decodeAs = lines(readFileSync(cliFixture('http2.pcap.decode-as.txt'), 'utf8')).flatMap((d) => ['-d', d]);

function compare(args: string[], expected: string): number[] {
  const r = cli(['decode', ...args]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const ours = lines(r.stdout);
  const theirs = tsharkSummary(expected);
  expect(ours.length).toBe(theirs.length);
  return ours.map((l, i) => (l === theirs[i] ? 0 : i + 1)).filter((n) => n > 0);
}

const json = (args: string[]) => {
  const r = cli(['decode', '--json', ...args]);
  expect(r.status).toBe(0);
  return lines(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
};

describe('wirekit decode: HTTP/2 and gRPC as tshark shows them', () => {
  it('http2.pcap with tshark default preferences: ephemeral ports, so TCP only, as tshark', () => {
    expect(compare([http2], 'http2.pcap.app-summary.txt')).toEqual([]);
  });

  it('http2.pcap with -d tcp.port==N,http2 for its servers: every line as tshark -d', () => {
    expect(decodeAs.length).toBe(6);
    expect(compare([...decodeAs, http2], 'http2.pcap.decode-as.app-summary.txt')).toEqual([]);
  });

  it('http2-cases.pcap (h2c upgrades, the preface on HTTP ports, gRPC framing cases): every line but one as tshark', () => {
    // Frame 72 ends with a HEADERS frame whose header block goes on in a CONTINUATION in frame 73:
    // tshark decodes the fragment at once (HEADERS on 72, CONTINUATION on 73); the library's
    // parser decodes a block when it is whole, so both frames show on 73.
    expect(compare([cases], 'http2-cases.pcap.app-summary.txt')).toEqual([72, 73]);
  });

  it('--json: http2.* fields of the frames a packet completes, grpc.* of its messages', () => {
    const packets = json([...decodeAs, http2]);
    const unary = packets[134]!;
    // Named by Decode As (not found through HTTP): no http in front; gRPC hands messages to protobuf.
    expect(unary['frame.protocols']).toMatch(/:tcp:http2:grpc:protobuf$/);
    expect(unary['http2.magic']).toBe('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    expect(unary['http2.type']).toEqual([4, 4, 1, 8, 0, 8]);
    expect(unary['http2.streamid']).toEqual([0, 0, 1, 1, 1, 0]);
    expect(unary['http2.flags']).toEqual([0, 1, 4, 0, 1, 0]);
    expect((unary['http2.header.value'] as string[])[0]).toBe('/wirekit.test.Echo/Unary');
    expect(unary['grpc.message_length']).toBe(60);
    expect(unary['grpc.compressed_flag']).toBe(0);
    // A packet with only part of a frame has no http2 fields.
    const ack = packets[4]!;
    expect(ack['frame.protocols']).toMatch(/:tcp$/);
    expect(Object.keys(ack).some((k) => k.startsWith('http2.'))).toBe(false);
  });

  it('-Y http2, -Y grpc and http2/grpc fields select the packets tshark names so', () => {
    const theirs = tsharkSummary('http2.pcap.decode-as.app-summary.txt');
    const select = (filter: string) => lines(cli(['decode', ...decodeAs, '-Y', filter, http2]).stdout);
    expect(select('http2')).toEqual(theirs.filter((l) => /\s(HTTP2|GRPC)/.test(l)));
    expect(select('grpc')).toEqual(theirs.filter((l) => /\sGRPC/.test(l)));
    expect(select('http2.type == 5').map((l) => l.trim().split(/\s+/)[0])).toEqual(['113']);
    expect(select('grpc.message_length > 1000').map((l) => l.trim().split(/\s+/)[0])).toEqual(['173']);
    expect(select('http2.header.value == "/wirekit.test.Echo/Bidi"').map((l) => l.trim().split(/\s+/)[0])).toEqual(['163']);
  });

  it('-d takes tshark syntax, ranges included, and rejects what it cannot do', () => {
    const ranged = cli(['decode', '-d', 'tcp.port==34000-34900,http2', '-d', 'tcp.port==53967,http2', http2]);
    expect(lines(ranged.stdout)).toEqual(tsharkSummary('http2.pcap.decode-as.app-summary.txt'));
    for (const bad of ['udp.port==53,dns', 'tcp.port==80,ssh', 'tcp.port==70000,http2', 'tcp.port==9-8,http']) {
      const r = cli(['decode', '-d', bad, http2]);
      expect(r.status, bad).toBe(64);
      expect(r.stderr, bad).toMatch(/-d:/);
    }
  });
});
