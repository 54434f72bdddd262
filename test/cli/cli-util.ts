// Running the built CLI (`node bin/wirekit.js`, as `npm start` and users do) and finding fixtures.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
