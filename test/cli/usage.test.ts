// The CLI's manners: help for every command, one-line errors with an exit status, quiet ends
// of pipelines, damaged input decoded as far as it goes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureSync, writePcap } from 'wirekit';
import { cli, lines, realCapture, root, tsharkSummary } from './cli-util.js';

const dir = mkdtempSync(join(tmpdir(), 'wirekit-usage-'));

describe('wirekit help', () => {
  it.each(['decode', 'stats', 'convert', 'checksum'])('%s --help prints its usage and exits 0', (command) => {
    const r = cli([command, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: wirekit ${command} `));
    expect(cli(['help', command]).stdout).toBe(r.stdout);
  });

  it('wirekit --help lists the commands, decode first', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: wirekit \[command\]/);
    expect(r.stdout.indexOf('decode')).toBeLessThan(r.stdout.indexOf('stats'));
    expect(r.stdout).toContain('convert');
    expect(r.stdout).toContain('checksum');
  });
});

describe('wirekit errors', () => {
  it('a missing file: one line on stderr, exit 1', () => {
    for (const command of ['decode', 'stats']) {
      const r = cli([command, join(dir, 'missing.pcap')]);
      expect(r.status).toBe(1);
      expect(lines(r.stderr)).toEqual([expect.stringMatching(/^wirekit: ENOENT: no such file or directory/)]);
    }
  });

  it('a file that is no capture: one line naming it', () => {
    const r = cli(['decode', `${root}package.json`]);
    expect(r.status).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^wirekit: .*package\.json: /);
  });

  it('a capture cut short: the packets before the damage, then the error', () => {
    const bytes = readFileSync(realCapture('lo-eth.pcap'));
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const r = cli(['decode', cut]);
    expect(r.status).toBe(1);
    expect(lines(r.stdout)).toEqual(tsharkSummary('lo-eth.pcap.summary.txt').slice(0, -1));
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^wirekit: .*cut\.pcap: pcap: /);
    // Standard input too.
    const piped = cli(['decode', '-'], bytes.subarray(0, bytes.length - 10));
    expect(piped.status).toBe(1);
    expect(lines(piped.stdout)).toHaveLength(lines(r.stdout).length);
  });

  it('bad options: one line and the way to help, exit 64', () => {
    for (const args of [['decode', '--frobnicate'], ['decode', '-c', 'many'], ['decode', '-c'], ['stats', 'a', 'b'], ['decode', 'a.pcap', 'b.pcap']]) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(64);
      expect(lines(r.stderr)[0]).toMatch(/^wirekit: /);
    }
    expect(lines(cli(['decode', '-c', 'many']).stderr)[0]).toBe("wirekit: -c needs a positive packet count, got 'many'");
    expect(cli(['frobnicate']).status).toBe(64);
  });
});

describe('wirekit decode in pipelines', () => {
  it('stops quietly when the reader goes away (| head)', () => {
    const one = [...readCaptureSync(readFileSync(realCapture('http-sample.pcap')))];
    const many = Array.from({ length: 30_000 }, (_, i) => ({ ...one[i % one.length]!, timestamp: one[0]!.timestamp + BigInt(i) * 1000n }));
    const big = join(dir, 'big.pcap');
    writeFileSync(big, writePcap(many));
    for (const mode of ['--json', '']) {
      const r = spawnSync('bash', ['-c', `node "${root}bin/wirekit.js" decode ${mode} "${big}" | head -n 2; echo "status=\${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
      expect(lines(r.stdout)).toHaveLength(2);
      expect(r.stderr).toBe('status=0\n');
    }
    const convert = spawnSync('bash', ['-c', `node "${root}bin/wirekit.js" convert "${big}" - --format pcapng | head -c 100 > /dev/null; echo "status=\${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
    expect(convert.stderr).toBe('status=0\n');
  });

  it('shows no progress when stderr is not a terminal', () => {
    const r = cli(['decode', '--json', realCapture('lo-eth-big.pcap')]);
    expect(r.stderr).toBe('');
  });
});
