// Running the built CLI (`node bin/wirekit.js`, as `npm start` and users do) and finding fixtures.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `wirekit ARGS` with optional standard input; output as UTF-8 text. */
export function cli(args: readonly string[], input?: Uint8Array): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [`${root}bin/wirekit.js`, ...args], { input, encoding: 'utf8', maxBuffer: 256 << 20 });
}

/** Runs `wirekit ARGS`; standard output as bytes (for binary output). */
export function cliBytes(args: readonly string[], input?: Uint8Array): SpawnSyncReturns<Buffer> {
  return spawnSync(process.execPath, [`${root}bin/wirekit.js`, ...args], { input, maxBuffer: 256 << 20 });
}

/** A real capture of test/fixtures/capture-real/. */
export const realCapture = (name: string) => `${root}test/fixtures/capture-real/${name}`;

/** A tshark output of test/fixtures/cli/ (made by make-cli.sh). */
export const cliFixture = (name: string) => `${root}test/fixtures/cli/${name}`;

/** Every real capture file. */
export const REAL_CAPTURES = readdirSync(`${root}test/fixtures/capture-real`).filter((f) => /\.pcap(ng)?$/.test(f));

/** Lines of a text file or output, without the final newline. */
export const lines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

/** tshark's summary lines (TCP analysis flags included: `[TCP Retransmission] `, `[TCP Dup ACK 3#1] `, ...). */
export function tsharkSummary(name: string): string[] {
  return lines(readFileSync(cliFixture(name), 'utf8'));
}

/**
 * `file`'s summary lines, frame.protocols and protocol hierarchy equal tshark's (its
 * .summary.txt, .protocols.txt and phs/cli_*.phs.txt); the summary lines, for further checks.
 */
export function expectAsTshark(file: string): string[] {
  const dir = `${root}test/fixtures/cli/`;
  const r = cli(['decode', `${dir}${file}`]);
  expect(r.stderr).toBe('');
  const want = lines(readFileSync(`${dir}${file}.summary.txt`, 'utf8'));
  expect(lines(r.stdout)).toEqual(want);
  const protocols = lines(cli(['decode', `${dir}${file}`, '--json']).stdout).map((l) => JSON.parse(l)['frame.protocols'] as string);
  expect(protocols).toEqual(lines(readFileSync(`${dir}${file}.protocols.txt`, 'utf8')));
  const tree = (text: string) => lines(text).filter((l) => l.includes('frames:')).map((l) => l.trimEnd().replace(/ +frames/, ' frames'));
  expect(tree(cli(['stats', `${dir}${file}`]).stdout)).toEqual(tree(readFileSync(`${dir}phs/cli_${file}.phs.txt`, 'utf8')));
  return want;
}

/**
 * `file`'s summary lines, frame.protocols values and `fields` (in `.fields.tsv`, tshark's
 * `-T fields -E occurrence=a` output in that order) equal tshark's. `same(name, ours, theirs)`
 * makes a field's two texts comparable where tshark's fields output differs from its JSON (hex
 * numbers, bytes without colons); by default they are compared as they are.
 */
export function expectFieldsAsTshark(file: string, fields: readonly string[], same: (name: string, ours: string, theirs: string) => [string, string] = (_n, o, t) => [o, t]): void {
  const path = cliFixture(file);
  const r = cli(['decode', path]);
  expect(r.stderr).toBe('');
  expect(lines(r.stdout)).toEqual(lines(readFileSync(`${path}.summary.txt`, 'utf8')));
  const json = lines(cli(['decode', path, '--json']).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(json.map((p) => p['frame.protocols'])).toEqual(lines(readFileSync(`${path}.protocols.txt`, 'utf8')));
  const tsv = lines(readFileSync(`${path}.fields.tsv`, 'utf8')).map((l) => l.split('\t'));
  expect(json).toHaveLength(tsv.length);
  json.forEach((p, i) => fields.forEach((n, k) => {
    const v = p[n];
    const ours = (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String).join(',');
    const [a, b] = same(n, ours, tsv[i]![k] ?? '');
    expect(a, `frame ${i + 1} ${n}`).toBe(b);
  }));
}
