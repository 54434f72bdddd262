// The built package as users get it: the ESM and CommonJS entries, the bundled types, the CLI.
// `npm test` builds dist/ before running this.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (args: string[], input?: Uint8Array) =>
  spawnSync(process.execPath, [`${root}bin/wirekit.js`, ...args], { input, encoding: 'utf8' });

describe('package entries', () => {
  it('the ESM entry loads and computes with WebAssembly', async () => {
    const lib = await import(`${root}dist/index.js`);
    expect(lib.crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(lib.getBackend()).toBe('wasm');
  });

  it('the CommonJS entry loads through require', () => {
    const require = createRequire(import.meta.url);
    const lib = require(`${root}dist/index.cjs`);
    expect(lib.crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(lib.backendInfo().active).toBe('wasm');
  });

  it('a plain node process can import the package by name (exports map, self-reference)', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', "import {crc32} from 'wirekit'; console.log(crc32(new Uint8Array([1,2,3])))"], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(Number(out.trim())).toBe(0x55bc801d);
    const cjs = execFileSync(process.execPath, ['-e', "console.log(require('wirekit').crc32(new Uint8Array([1,2,3])))"], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(Number(cjs.trim())).toBe(0x55bc801d);
  });

  it('ships one bundled declaration file naming the public API', () => {
    const dts = readFileSync(`${root}dist/index.d.ts`, 'utf8');
    for (const name of ['crc32', 'crc32c', 'internetChecksum', 'onesComplementSum', 'pseudoHeaderSum', 'checksumUpdate', 'setBackend', 'getBackend', 'init', 'allocBuffer', 'WireError']) {
      expect(dts).toMatch(new RegExp(`\\b${name}\\b`));
    }
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js', require: './dist/index.cjs' });
    expect(existsSync(`${root}${pkg.bin.wirekit}`)).toBe(true);
  });

  it('the library bundle has no fs, no fetch and no top-level await', () => {
    // Code only: TSDoc examples in comments may well show Node or fetch usage.
    const js = readFileSync(`${root}dist/index.js`, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    expect(js.length).toBeGreaterThan(10_000);
    expect(js).not.toMatch(/from ['"](node:)?fs['"]|require\(['"](node:)?fs['"]\)|\bfetch\(|^await /m);
  });
});

describe('wirekit checksum', () => {
  it('checksums the embedded sample with no file', () => {
    const inet = cli(['checksum', '--algo', 'inet']);
    expect(inet.status).toBe(0);
    expect(inet.stdout).toMatch(/^0 20 \(embedded sample: IPv4 header/);
    const crc = cli(['checksum', '--hex']);
    const header = Uint8Array.from(Buffer.from('45000073000040004011b861c0a80001c0a800c7', 'hex'));
    const zlib = (process as unknown as { getBuiltinModule(id: string): { crc32(d: Uint8Array): number } }).getBuiltinModule('node:zlib');
    expect(crc.stdout.split(' ')[0]).toBe(zlib.crc32(header).toString(16).padStart(8, '0'));
  });

  it('reads standard input and files, like cksum prints them', () => {
    const stdin = cli(['checksum', '--hex', '-'], new TextEncoder().encode('123456789'));
    expect(stdin.stdout).toBe('cbf43926 9 -\n');
    const c = cli(['checksum', '--algo', 'crc32c', '--hex', '-'], new TextEncoder().encode('123456789'));
    expect(c.stdout).toBe('e3069283 9 -\n');
    const file = cli(['checksum', `${root}package.json`]);
    const bytes = readFileSync(`${root}package.json`);
    const zlib = (process as unknown as { getBuiltinModule(id: string): { crc32(d: Uint8Array): number } }).getBuiltinModule('node:zlib');
    expect(file.stdout).toBe(`${zlib.crc32(bytes)} ${bytes.length} ${root}package.json\n`);
  });

  it('an odd-sized file streamed in chunks gives the one-shot Internet checksum', async () => {
    const { internetChecksum } = await import(`${root}dist/index.js`);
    const data = new Uint8Array(3 * 1024 * 1024 + 1).map((_, i) => (i * 131) ^ (i >>> 9));
    const r = cli(['checksum', '--algo', 'inet', '-'], data);
    expect(r.stdout).toBe(`${internetChecksum(data)} ${data.length} -\n`);
  });

  it('bad usage and missing files: one line on stderr, non-zero exit', () => {
    const bad = cli(['checksum', '--algo', 'md5']);
    expect(bad.status).toBe(64);
    expect(bad.stderr.split('\n')[0]).toBe("wirekit: unknown --algo 'md5' (expected crc32, crc32c, inet)");
    const missing = cli(['checksum', '/nonexistent/file']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^wirekit: ENOENT: no such file or directory/);
    expect(cli(['checksum', '--help']).stdout).toMatch(/^Usage: wirekit checksum/);
    expect(cli(['frobnicate']).status).toBe(64);
  });
});
