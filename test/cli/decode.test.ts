// `wirekit decode` against tshark 4.0 on real loopback captures: summary lines as `tshark -r`
// prints them, NDJSON fields as `tshark -T json` gives them, and display filters selecting the
// same packets as `tshark -Y`. Needs the build (npm test builds first).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compareFields, readTsharkJson } from '../util/tshark.js';
import { cli, cliFixture, lines, REAL_CAPTURES, realCapture, root, tsharkSummary } from './cli-util.js';

interface TsharkFrame {
  'frame.number': string;
  'frame.time_epoch': string;
  'frame.len': string;
  'frame.cap_len': string;
  'frame.interface_id'?: string;
  'frame.protocols': string;
}

function tsharkFrames(capture: string): TsharkFrame[] {
  const packets = JSON.parse(readFileSync(realCapture(`${capture}.json`), 'utf8')) as { _source: { layers: { frame: TsharkFrame } } }[];
  return packets.map((p) => p._source.layers.frame);
}


describe('wirekit decode: summary lines', () => {
  it.each(REAL_CAPTURES)('%s: one line per packet, as tshark -r prints it', (capture) => {
    const r = cli(['decode', realCapture(capture)]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(tsharkSummary(`${capture}.summary.txt`));
  });

  it('with no command and no file decodes the embedded HTTP sample (npm start)', () => {
    const r = cli([]);
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(tsharkSummary('http-sample.pcap.summary.txt'));
    expect(r.stdout).toMatch(/ 127\.0\.0\.1 → 127\.0\.0\.1 +TCP 74 \d+ → 8000 \[SYN\] Seq=0 Win=65495 Len=0 MSS=65495/);
    expect(cli(['decode']).stdout).toBe(r.stdout);
  });

  it('reads standard input for -, and a file given without the command name', () => {
    const bytes = readFileSync(realCapture('lo-eth.pcapng'));
    expect(lines(cli(['decode', '-'], bytes).stdout)).toEqual(tsharkSummary('lo-eth.pcapng.summary.txt'));
    expect(lines(cli([realCapture('lo-eth.pcapng')]).stdout)).toEqual(tsharkSummary('lo-eth.pcapng.summary.txt'));
  });

  it('reads a gzip-compressed capture as tshark does (file and standard input); a damaged one up to the damage, then one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirekit-gz-'));
    try {
      for (const capture of ['lo-eth.pcap', 'lo-eth.pcapng']) {
        const gz = gzipSync(readFileSync(realCapture(capture)));
        const path = join(dir, `${capture}.gz`);
        writeFileSync(path, gz);
        const want = tsharkSummary(`${capture}.summary.txt`);
        const r = cli(['decode', path]);
        expect(r.stderr).toBe('');
        expect(lines(r.stdout)).toEqual(want);
        expect(lines(cli(['decode', '-'], gz).stdout)).toEqual(want);
        expect(cli(['decode', '--json', path]).stdout).toBe(cli(['decode', '--json', realCapture(capture)]).stdout);
        // Cut in the middle: the packets before the cut, then the damage named, exit 1.
        const cut = join(dir, `cut-${capture}.gz`);
        writeFileSync(cut, gz.subarray(0, gz.length >> 1));
        for (const d of [cli(['decode', cut]), cli(['decode', '-'], gz.subarray(0, gz.length >> 1))]) {
          expect(d.status).toBe(1);
          expect(d.stderr).toMatch(/gzip-compressed capture is damaged/);
          const got = lines(d.stdout);
          expect(got.length).toBeGreaterThan(0);
          expect(got).toEqual(want.slice(0, got.length));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('point-to-point link types (PPP 9 and 50, Cisco HDLC 104): N/A for addresses, as tshark; LCP and SLARP are not decoded', () => {
    for (const name of ['linktype-chdlc', 'linktype-ppphdlc', 'ppp-linktype9']) {
      const want = lines(readFileSync(`${root}test/fixtures/wire/${name}.summary.txt`, 'utf8'));
      const got = lines(cli(['decode', `${root}test/fixtures/wire/${name}.pcap`]).stdout);
      expect(got).toHaveLength(want.length);
      want.forEach((line, i) => {
        if (/ (PPP LCP|SLARP) /.test(line)) expect(got[i]!.slice(0, 45), name).toBe(line.slice(0, 45));
        else expect(got[i], name).toBe(line);
      });
    }
  });

  it('802.11 management frames: the beacon interval and SSID tshark appends (test/fixtures/cli/make-wlan-mgmt.sh)', () => {
    const dir = `${root}test/fixtures/cli/`;
    const want = lines(readFileSync(`${dir}wlan-mgmt.pcap.summary.txt`, 'utf8'));
    expect(lines(cli(['decode', `${dir}wlan-mgmt.pcap`]).stdout)).toEqual(want);
    expect(want.join('\n')).toContain('SSID=Wildcard (Broadcast)');
  });

  it('802.11 (radiotap and plain), 802.3/LLC, NFLOG and pflog frames: addresses, frame names, LLC formats and pf\'s prefix as tshark shows them', () => {
    for (const name of ['linktype-radiotap', 'linktype-ieee80211', 'linktype-ppi', 'eth-llc', 'linktype-nflog', 'linktype-pflog', 'dns']) {
      const want = lines(readFileSync(`${root}test/fixtures/wire/${name}.summary.txt`, 'utf8'));
      const got = lines(cli(['decode', `${root}test/fixtures/wire/${name}.pcap`]).stdout);
      expect(got).toHaveLength(want.length);
      want.forEach((line, i) => {
        // What wirekit does not decode (application protocols, NetBIOS, IPX): the columns up to
        // the protocol's. (A beacon's interval and SSID are read: its line is whole.)
        if (/ IPX /.test(line)) expect(got[i]!.slice(0, 16), `${name} ${i + 1}`).toBe(line.slice(0, 16));
        // NFLOG TLVs that run past the record: tshark shows no error (or hands the bytes to IP), wirekit a malformed NFLOG.
        else if (/ (HTTP|DNS|NetBIOS|NFLOG) |Bogus IP version/.test(line)) expect(got[i]!.slice(0, 45), `${name} ${i + 1}`).toBe(line.slice(0, 45));
        else if (/ LLC \d+ U, func=UI\[Malformed/.test(line)) expect(got[i], name).toBe(line.replace('U, func=UI', ''));
        else expect(got[i], `${name} ${i + 1}`).toBe(line);
      });
    }
  });

  it('-c N reads only the first N packets', () => {
    expect(lines(cli(['decode', '-c', '3', realCapture('lo-eth.pcap')]).stdout)).toEqual(tsharkSummary('lo-eth.pcap.summary.txt').slice(0, 3));
    expect(lines(cli(['decode', '--json', '-c', '2', realCapture('lo-eth.pcap')]).stdout)).toHaveLength(2);
  });
});

describe('wirekit decode -Y', () => {
  const filters = lines(readFileSync(cliFixture('filters.tsv'), 'utf8')).map((l) => l.split('\t') as [string, string]);
  const cases = ['lo-eth.pcap', 'sll2.pcap', 'lo-eth-be.pcap', 'lo-eth-nsec.pcap'].flatMap((capture) => filters.map(([name, filter]) => [capture, name, filter] as const));

  it.each(cases)('%s %s: the packets tshark -Y selects', (capture, name, filter) => {
    const r = cli(['decode', '-Y', filter, realCapture(capture)]);
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual(tsharkSummary(`${capture}.${name}.filtered.txt`));
  });

  it('filters NDJSON too, and -c counts packets read, not shown (as tshark does)', () => {
    const json = lines(cli(['decode', '--json', '-Y', 'tcp.flags.syn == 1', realCapture('lo-eth.pcap')]).stdout).map((l) => JSON.parse(l));
    expect(json.map((p) => p['frame.number'])).toEqual([1, 2]);
    expect(lines(cli(['decode', '-c', '1', '-Y', 'tcp.flags.ack == 1', realCapture('lo-eth.pcap')]).stdout)).toEqual([]);
    expect(lines(cli(['decode', '-Y', 'frame.number <= 2', realCapture('lo-eth.pcap')]).stdout)).toHaveLength(2);
  });

  it('a bad filter is one line on stderr naming the column, and exit status 64', () => {
    const r = cli(['decode', '-Y', 'ip.src == 127.0.0.1)', realCapture('lo-eth.pcap')]);
    expect(r.status).toBe(64);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)[0]).toBe("wirekit: filter: unexpected ')' at column 20");
  });
});

const CONVERSATION_FIELDS = new Set(['tcp.stream', 'tcp.seq', 'tcp.nxtseq', 'tcp.ack', 'tcp.window_size', 'tcp.window_size_scalefactor', 'frame.time_delta', 'frame.time_relative', 'udp.stream']);

describe('wirekit decode --json', () => {
  it.each(REAL_CAPTURES)('%s: every field tshark also shows has tshark\'s value', (capture) => {
    const r = cli(['decode', '--json', realCapture(capture)]);
    expect(r.stderr).toBe('');
    const ours = lines(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    const theirs = readTsharkJson(realCapture(`${capture}.json`));
    const frames = tsharkFrames(capture);
    expect(ours).toHaveLength(theirs.length);
    ours.forEach((packet, i) => {
      const { _errors, ...all } = packet;
      expect(_errors).toEqual([]);
      // These JSON files were made with tshark's sequence analysis off (tcp.seq raw); the
      // conversation fields, as tshark gives them by default, are compared in tcp-state.test.ts.
      const fields = Object.fromEntries(Object.entries(all).filter(([k]) => !CONVERSATION_FIELDS.has(k)));
      const frame = frames[i]!;
      expect(fields['frame.number']).toBe(Number(frame['frame.number']));
      expect(fields['frame.time_epoch']).toBe(frame['frame.time_epoch']);
      expect(fields['frame.len']).toBe(Number(frame['frame.len']));
      expect(fields['frame.cap_len']).toBe(Number(frame['frame.cap_len']));
      expect(fields['frame.interface_id']).toBe(Number(frame['frame.interface_id'] ?? 0));
      // tshark's protocol path, pseudo-protocols (ethertype, raw) and its data dissector included.
      // These files were made with TCP checksums checked, so tshark did not reassemble the
      // (offloaded, bad) segments: compared up to HTTP here, and whole with tshark's default
      // preferences in frame-protocols.test.ts.
      const upToHttp = (p: string) => p.replace(/:http(:.*)?$/, '');
      expect(upToHttp(fields['frame.protocols'] as string), `packet ${i + 1}`).toBe(upToHttp(frame['frame.protocols']));
      const mismatches = compareFields(fields as never, theirs[i]!, ['ip.src', 'ipv6.src', 'tcp.srcport', 'udp.srcport', 'icmp.type', 'icmpv6.type']);
      expect(mismatches, `packet ${i + 1}`).toEqual([]);
    });
  });

  it('writes integers as numbers, addresses and bytes as tshark strings, statuses as words', () => {
    const [syn] = lines(cli(['decode', '--json', '-c', '1', realCapture('http-sample.pcap')]).stdout).map((l) => JSON.parse(l));
    expect(syn).toMatchObject({
      'frame.number': 1,
      'frame.protocols': 'eth:ethertype:ip:tcp',
      'eth.type': 0x0800,
      'ip.src': '127.0.0.1',
      'ip.addr': ['127.0.0.1', '127.0.0.1'],
      'ip.checksum.status': 'good',
      'tcp.dstport': 8000,
      'tcp.flags.syn': 1,
      'tcp.flags.str': '··········S·',
      'tcp.checksum.status': 'bad', // loopback checksums are offloaded: tshark says bad too
      'tcp.options.mss_val': 65495,
      _errors: [],
    });
    expect(syn['frame.time_epoch']).toMatch(/^\d+\.\d{9}$/);
  });
});

describe('time column precision', () => {
  it("shows an interface's if_tsresol as tshark 4.0 does: decimal resolutions between its steps at the coarser one", async () => {
    const { tsresolDigits } = await import('../../src/cli/capture-input.js');
    // Checked with tshark -r on pcapng files with if_tsresol 1 to 10, 2^-10, 2^-20 and 2^-30.
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(tsresolDigits)).toEqual([1, 2, 3, 3, 3, 6, 6, 6, 9, 9]);
    expect([0x80 | 10, 0x80 | 20, 0x80 | 30].map(tsresolDigits)).toEqual([3, 6, 9]);
  });
});
