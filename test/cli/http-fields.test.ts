// HTTP/1.1 fields in `decode --json` and `-Y` against tshark's (test/fixtures/cli/make-http-fields.sh):
// http.request / http.response, the headers tshark names (http.host, http.cookie_pair, ...), and
// the pairing of responses with requests in a connection (http.request_number, http.request_in,
// http.time, http.response_for.uri, http.prev_request_in), frame by frame.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, lines, root } from './cli-util.js';

const dir = `${root}test/fixtures/cli/`;
const capture = `${dir}http-fields.pcap`;

describe('wirekit decode: HTTP fields as tshark gives them', () => {
  const rows = readFileSync(`${capture}.fields.tsv`, 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
  const names = rows[0]!;
  const want = new Map(rows.slice(1).map((r) => [r[0]!, r]));
  const packets = lines(cli(['decode', '--json', capture]).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);

  it('every field of every HTTP frame', () => {
    expect(want.size).toBe(10);
    let compared = 0;
    for (const p of packets) {
      const row = want.get(String(p['frame.number']));
      if (row === undefined) {
        expect(Object.keys(p).filter((k) => k.startsWith('http'))).toEqual([]);
        continue;
      }
      names.slice(1).forEach((name, i) => {
        const v = p[name];
        const text = v === undefined ? '' : Array.isArray(v) ? v.join('|') : String(v);
        expect(`${p['frame.number']} ${name}=${text}`).toBe(`${p['frame.number']} ${name}=${row[i + 1]}`);
        compared++;
      });
    }
    expect(compared).toBe(10 * (names.length - 1));
  });

  it('header lines with their line endings; -Y selects requests, responses and header fields', () => {
    const request = packets.find((p) => p['frame.number'] === 4)!;
    expect(request['http.request.line']).toEqual(['Host: www.example.com\r\n', 'User-Agent: curl/8.0\r\n', 'Accept: */*\r\n']);
    const numbers = (filter: string) => lines(cli(['decode', capture, '-Y', filter]).stdout).map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(numbers('http.request')).toEqual([4, 7, 11, 17, 20]);
    expect(numbers('http.response && http.response.code.desc == "Not Found"')).toEqual([8]);
    expect(numbers('http.cookie_pair == "b=2"')).toEqual([7]);
    expect(numbers('http.request_in == 17')).toEqual([18]);
  });
});

describe('wirekit decode: HTTP after bytes where no message starts (test/fixtures/cli/make-http-extra.sh)', () => {
  it('a continuation, then the next exchange, as tshark shows them', () => {
    const got = lines(cli(['decode', `${dir}http-extra.pcap`]).stdout);
    const want = lines(readFileSync(`${dir}http-extra.pcap.summary.txt`, 'utf8'));
    expect(got).toEqual(want);
    expect(want.filter((l) => / HTTP \d+ Continuation$/.test(l))).toHaveLength(2);
    expect(want.some((l) => l.includes('GET /b HTTP/1.1'))).toBe(true);
  });
});

describe('wirekit decode: HTTP cut by a snaplen (http-fields.pcap through editcap -s 120)', () => {
  it('a message cut in its headers shows its start line and [Packet size limited during capture]; what follows a cut is continuation', () => {
    const got = lines(cli(['decode', `${dir}http-fields-snap120.pcap`]).stdout);
    const want = lines(readFileSync(`${dir}http-fields-snap120.pcap.summary.txt`, 'utf8'));
    expect(got).toHaveLength(want.length);
    // Frame 11, the POST's body after its cut headers: tshark takes it for a segment of the PDU
    // it could not finish, wirekit for continuation (a known difference).
    expect(got.map((l, i) => (l === want[i] ? 0 : i + 1)).filter((n) => n > 0)).toEqual([11]);
    expect(want.filter((l) => l.endsWith('[Packet size limited during capture]')).length).toBeGreaterThan(5);
  });
});
