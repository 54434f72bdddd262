// `wirekit convert`: pcap <-> pcapng round trips, precision, comments, and refusing bad requests.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureReader, CaptureWriter, readCaptureSync } from 'wirekit';
import { cli, cliBytes, lines, realCapture } from './cli-util.js';

const dir = mkdtempSync(join(tmpdir(), 'wirekit-convert-'));
const tmp = (name: string) => join(dir, name);

describe('wirekit convert', () => {
  it.each(['lo-eth.pcap', 'lo-eth-nsec.pcap', 'sll2.pcap', 'lo-eth-be.pcap'])('%s -> pcapng -> pcap keeps every record', (capture) => {
    const original = readFileSync(realCapture(capture));
    expect(cli(['convert', realCapture(capture), tmp(`${capture}.pcapng`)]).status).toBe(0);
    expect(cli(['convert', tmp(`${capture}.pcapng`), tmp(`${capture}.back.pcap`)]).status).toBe(0);
    const ng = new CaptureReader();
    const viaNg = [...ng.readSync(readFileSync(tmp(`${capture}.pcapng`)))];
    expect(ng.format).toBe('pcapng');
    const back = [...readCaptureSync(readFileSync(tmp(`${capture}.back.pcap`)))];
    const before = [...readCaptureSync(original)];
    for (const records of [viaNg, back]) {
      expect(records.map((r) => [r.timestamp, r.originalLength, r.linkType, Buffer.from(r.data).toString('hex')])).toEqual(
        before.map((r) => [r.timestamp, r.originalLength, r.linkType, Buffer.from(r.data).toString('hex')]),
      );
    }
    // A little-endian pcap of the input's precision comes back byte for byte.
    if (capture !== 'lo-eth-be.pcap') expect(Buffer.compare(readFileSync(tmp(`${capture}.back.pcap`)), original)).toBe(0);
    // And decodes as the original does.
    expect(cli(['decode', tmp(`${capture}.back.pcap`)]).stdout).toBe(cli(['decode', realCapture(capture)]).stdout);
  });

  it('--precision sets the timestamp resolution; us truncates', () => {
    expect(cli(['convert', '--precision', 'us', realCapture('lo-eth-nsec.pcap'), tmp('us.pcap')]).status).toBe(0);
    const reader = new CaptureReader();
    const records = [...reader.readSync(readFileSync(tmp('us.pcap')))];
    expect(reader.precision).toBe('micro');
    const before = [...readCaptureSync(readFileSync(realCapture('lo-eth-nsec.pcap')))];
    expect(records.map((r) => r.timestamp)).toEqual(before.map((r) => (r.timestamp / 1000n) * 1000n));
    expect(cli(['convert', '--precision', 'ns', realCapture('lo-eth.pcap'), tmp('ns.pcapng')]).status).toBe(0);
    const ng = new CaptureReader();
    [...ng.readSync(readFileSync(tmp('ns.pcapng')))];
    expect(ng.interfaces[0]!.tsresol).toBe(9);
  });

  it('keeps comments pcapng to pcapng and says what pcap drops', async () => {
    const writer = new CaptureWriter({ format: 'pcapng', comment: 'section note', interfaces: [{ linkType: 1, name: 'lo', description: 'loopback' }] });
    const records = [...readCaptureSync(readFileSync(realCapture('http-sample.pcap')))].slice(0, 3);
    records.forEach((r, i) => writer.write({ ...r, comment: i === 1 ? 'the SYN-ACK' : undefined }));
    writeFileSync(tmp('commented.pcapng'), writer.toBytes());

    expect(cli(['convert', tmp('commented.pcapng'), tmp('copy.pcapng')]).stderr).toBe('');
    const reader = new CaptureReader();
    const copy = [...reader.readSync(readFileSync(tmp('copy.pcapng')))];
    expect(copy.map((r) => r.comment)).toEqual([undefined, 'the SYN-ACK', undefined]);
    expect(reader.sections[0]!.comment).toBe('section note');
    expect(reader.interfaces[0]).toMatchObject({ name: 'lo', description: 'loopback' });

    const toPcap = cli(['convert', tmp('commented.pcapng'), tmp('plain.pcap')]);
    expect(toPcap.status).toBe(0);
    expect(toPcap.stderr).toBe('wirekit: note: 1 packet comment and the file comment dropped: pcap has no comments\n');
    expect([...readCaptureSync(readFileSync(tmp('plain.pcap')))]).toHaveLength(3);
  });

  it('reads standard input and writes standard output with --format', () => {
    const r = cliBytes(['convert', '-', '-', '--format', 'pcapng'], readFileSync(realCapture('lo-eth.pcap')));
    expect(r.status).toBe(0);
    const records = [...readCaptureSync(r.stdout)];
    expect(records).toHaveLength([...readCaptureSync(readFileSync(realCapture('lo-eth.pcap')))].length);
  });

  it('refuses what it cannot do with one line and a non-zero exit', () => {
    const noFormat = cli(['convert', realCapture('lo-eth.pcap'), tmp('out.txt')]);
    expect(noFormat.status).toBe(64);
    expect(lines(noFormat.stderr)[0]).toBe("wirekit: cannot tell the format of '" + tmp('out.txt') + "' from its name: give --format pcap or --format pcapng");
    expect(cli(['convert', realCapture('lo-eth.pcap'), realCapture('lo-eth.pcap'), '--format', 'pcap']).status).toBe(64);
    expect(cli(['convert', realCapture('lo-eth.pcap')]).status).toBe(64);
    expect(cli(['convert', realCapture('lo-eth.pcap'), tmp('x.pcap'), '--precision', 'ms']).status).toBe(64);
    const missing = cli(['convert', tmp('missing.pcap'), tmp('y.pcap')]);
    expect(missing.status).toBe(1);
    expect(lines(missing.stderr)).toHaveLength(1);
    // Two link types cannot share a pcap: the error names OUT, and no half-written file is left.
    const mixed = new CaptureWriter({ format: 'pcapng' });
    const eth = [...readCaptureSync(readFileSync(realCapture('http-sample.pcap')))][0]!;
    const raw = [...readCaptureSync(readFileSync(realCapture('raw.pcap')))][0]!;
    mixed.write(eth);
    mixed.write(raw);
    writeFileSync(tmp('mixed.pcapng'), mixed.toBytes());
    const r = cli(['convert', tmp('mixed.pcapng'), tmp('mixed.pcap')]);
    expect(r.status).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^wirekit: .*mixed\.pcap: /);
    expect(existsSync(tmp('mixed.pcap'))).toBe(false);
  });
});
