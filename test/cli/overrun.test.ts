// Frames whose IP length runs past their end (test/fixtures/cli/make-overrun.sh): captured whole,
// tshark notes the IP length and dissects what is there (TCP's Len is what is there, UDP's length
// is checked against it, no [Malformed Packet] for IP itself); cut by a snaplen, it takes IP's
// lengths. Transport headers cut at every length show as much as tshark shows of them. Every
// summary line equals `tshark -r`'s.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, lines, root } from './cli-util.js';

const dir = `${root}test/fixtures/cli/`;

describe('wirekit decode: IP lengths past the frame, transport headers cut short', () => {
  for (const file of ['overrun.pcap', 'overrun-snap.pcap']) {
    it(`${file}: every line as tshark's`, () => {
      const r = cli(['decode', dir + file]);
      expect(r.stderr).toBe('');
      expect(lines(r.stdout)).toEqual(lines(readFileSync(`${dir}${file}.summary.txt`, 'utf8')));
    });
  }

  it('the cases are there: a bad UDP length, a cut TCP header with its numbers, an empty IPv4 payload', () => {
    const want = lines(readFileSync(`${dir}overrun.pcap.summary.txt`, 'utf8')).join('\n');
    expect(want).toContain('[BAD UDP LENGTH 208 > IP PAYLOAD LENGTH] Len=200');
    expect(want).toMatch(/3000 → 4000 \[PSH, ACK\] Seq=1 Ack=1 Win=8192\[Malformed Packet\]/);
    expect(want).toMatch(/IPv4 34 $/m);
  });
});

describe('wirekit decode: ICMP names beyond the type (test/fixtures/cli/make-icmp-extra.sh)', () => {
  it('Mobile IP advertisements, extended echo codes and an unknown code as tshark names them', () => {
    const want = lines(readFileSync(`${dir}icmp-extra.pcap.summary.txt`, 'utf8'));
    expect(lines(cli(['decode', `${dir}icmp-extra.pcap`]).stdout)).toEqual(want);
    expect(want.join('\n')).toContain('(Unknown code: 7)');
  });
});

describe('wirekit decode: fragments (test/fixtures/cli/make-frag-extra.sh)', () => {
  it('a reply names the frame that completed its fragmented request; a first fragment cut inside DNS is not malformed', () => {
    const want = lines(readFileSync(`${dir}frag-extra.pcap.summary.txt`, 'utf8'));
    expect(lines(cli(['decode', `${dir}frag-extra.pcap`]).stdout)).toEqual(want);
    expect(want[3]).toMatch(/\(request in 3\)$/);
    expect(want[8]).toMatch(/Fragmented IP protocol \(proto=UDP 17, off=0, ID=0300\)$/);
  });
});
