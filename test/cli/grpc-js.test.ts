// gRPC from a real stack (@grpc/grpc-js over cleartext HTTP/2, test/fixtures/cli/make-grpc-js.sh):
// unary calls with metadata, a failing status and a 40,000-byte message (DATA frames across TCP
// segments, the message across DATA frames), the three kinds of stream, gzip-compressed messages.
// Every summary line, frame.protocols value (http:http2 named again for the frames after one TCP
// put together) and the io,phs tree (http2.body.fragments, grpc before each message) as tshark 4.0's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, cliFixture, lines } from './cli-util.js';

const file = cliFixture('grpc-js.pcap');
const want = (suffix: string) => lines(readFileSync(`${file}.${suffix}`, 'utf8'));

describe('wirekit on a real gRPC capture (grpc-js)', () => {
  it('decode: every summary line as tshark\'s', () => {
    const r = cli(['decode', file]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(want('summary.txt'));
    expect(r.stdout).toMatch(/GRPC \d+ HEADERS\[\d+\]: 200 OK, DATA\[\d+\] \(GRPC\) \(PROTOBUF\)/);
  });

  it('decode --json: frame.protocols as tshark\'s', () => {
    const ours = lines(cli(['decode', file, '--json']).stdout).map((l) => (JSON.parse(l) as Record<string, string>)['frame.protocols']!);
    expect(ours).toEqual(want('protocols.txt'));
    expect(ours.some((p) => p.includes(':http:http2:http:http2:grpc:protobuf'))).toBe(true);
  });

  it('stats: the io,phs tree as tshark\'s', () => {
    const tree = lines(cli(['stats', file]).stdout).filter((l) => / frames:\d+ bytes:\d+$/.test(l));
    expect(tree).toEqual(want('phs.txt'));
    expect(tree.some((l) => l.trim().startsWith('http2.body.fragments'))).toBe(true);
  });
});
