// `wirekit decode` naming HTTP, WebSocket and TLS as tshark 4.0 does by default: the protocol and
// info columns of the packet that completes each PDU, and "[TCP segment of a reassembled PDU]" on
// the packets that carry only part of one. Expected lines: test/fixtures/cli/make-app.sh. Lines
// known to differ are listed with the reason (src/cli/README.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, cliFixture, lines, root, tsharkSummary } from './cli-util.js';

const wire = (name: string) => `${root}test/fixtures/wire/${name}`;

/** Frame numbers where wirekit's line is not tshark's, per capture, and why. */
const KNOWN: Record<string, Record<number, string>> = {
  // A chunk-size line the library's parser rejects (junk after the size): tshark appends "Continuation".
  'http.pcap': { 187: 'bad chunk' },
  'http-midstream.pcap': { 47: 'bad chunk' },
};

describe('wirekit decode: HTTP, WebSocket and TLS as tshark shows them', () => {
  it.each(['http.pcap', 'http-midstream.pcap', 'websocket.pcap', 'tls.pcap'])('%s: the same lines as tshark -r', (capture) => {
    const r = cli(['decode', wire(capture)]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const ours = lines(r.stdout);
    const theirs = tsharkSummary(`${capture}.app-summary.txt`);
    expect(ours.length).toBe(theirs.length);
    const known = KNOWN[capture] ?? {};
    const differing = ours.map((l, i) => (l === theirs[i] ? 0 : i + 1)).filter((n) => n > 0);
    expect(differing).toEqual(Object.keys(known).map(Number));
  });

  it('--json adds the PDU fields and names the protocols in frame.protocols', () => {
    const r = cli(['decode', '--json', wire('websocket.pcap')]);
    expect(r.status).toBe(0);
    const packets = lines(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(packets[3]!['http.request.method']).toBe('GET');
    expect(packets[3]!['frame.protocols']).toBe('eth:ethertype:ip:tcp:http');
    expect(packets[5]!['http.response.code']).toBe(101);
    expect(packets[7]!['websocket.opcode']).toBe(1);
    // As tshark: HTTP hands the frames to WebSocket, which hands a text message to its lines dissector.
    expect(packets[7]!['frame.protocols']).toBe('eth:ethertype:ip:tcp:http:websocket:data-text-lines');
  });

  it('-Y selects packets by application protocol', () => {
    const r = cli(['decode', '-Y', 'tls', wire('tls.pcap')]);
    expect(r.status).toBe(0);
    // tshark -Y tls: the TLS lines, and the segments where a record starts (TLS's tree is there, empty).
    const frames = new Set(lines(readFileSync(cliFixture('tls.pcap.tls-frames.txt'), 'utf8')).map(Number));
    const all = tsharkSummary('tls.pcap.app-summary.txt').filter((l) => frames.has(Number(l.trim().split(/\s+/)[0])));
    expect(all.filter((l) => /\sTLSv/.test(l)).length).toBeLessThan(all.length);
    expect(lines(r.stdout)).toEqual(all);
  });

  it('a capture without TCP payload decodes as before (no application columns)', () => {
    const r = cli(['decode', `${root}test/fixtures/capture-real/lo-eth-be.pcap`]);
    expect(lines(r.stdout)).toEqual(tsharkSummary('lo-eth-be.pcap.summary.txt'));
  });
});
