// TLS whose records were lost or never seen (test/fixtures/cli/make-tls-resync.sh), against
// `tshark -r`: a capture that begins mid-connection shows bytes that are no record as SSL
// Continuation Data and reads the record the next segment starts; a connection whose first bytes
// on port 443 are no TLS stays TCP until a segment starts a record; after a lost segment, TLS
// picks up again. Also tshark's ", " between TCP's analysis flags and TLS's text.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, lines, root } from './cli-util.js';

const dir = `${root}test/fixtures/cli/`;

describe('wirekit decode: TLS picked up again', () => {
  it('tls-resync.pcap: every line as tshark (but the two after the hole, which wait for it)', () => {
    const got = lines(cli(['decode', `${dir}tls-resync.pcap`]).stdout);
    const want = lines(readFileSync(`${dir}tls-resync.pcap.summary.txt`, 'utf8'));
    expect(got).toHaveLength(want.length);
    // Frames 18 and 19 come after a lost segment: the reassembler holds them until the receiver's
    // ACK proves the hole, where tshark dissects them at once (a known difference).
    expect(got.map((l, i) => (l === want[i] ? 0 : i + 1)).filter((n) => n > 0)).toEqual([18, 19]);
    expect(got[0]).toMatch(/SSL 154 Continuation Data$/);
    expect(got[1]).toMatch(/TLSv1\.2 75 Application Data$/);
    expect(got[7]).toMatch(/TCP 70 42002 → 443 \[PSH, ACK\]/);
    expect(got[9]).toMatch(/TLSv1\.2 67 Application Data$/);
    expect(got[19]).toMatch(/TLSv1\.2 69 \[TCP ACKed unseen segment\] , Application Data$/);
  });
});
