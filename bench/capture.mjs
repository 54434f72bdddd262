// Capture benchmark: a synthetic capture of N packets (default 1,000,000; Ethernet/IPv4 TCP and
// UDP, frame sizes 60-1514) read and decoded in process (indexCapture + decodeBatch in WASM, and
// readCaptureSync + decodePacket), against the npm pcap-parser + pcap decoders; and the CLI's
// NDJSON output against tshark on the same file. Wall-clock medians over a few runs.
//
//   node bench/capture.mjs [--packets N] [--runs N]
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize } from './stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const N = opt('--packets', 1_000_000);
const RUNS = opt('--runs', 3);

const lib = await import(join(root, 'dist', 'index.js'));
const { compileFrame, writePcap, readCaptureSync, indexCapture, decodeBatch, decodeCaptureBatches, decodePacket, setBackend, TcpFlag } = lib;

// Synthetic traffic: two templates, sizes spread over 60..1514 like a real mix (many small, many
// full-sized), distinct ports/seq per packet so nothing is constant.
function synthesize(count) {
  const eth = { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } };
  const tcp = compileFrame([eth, { ip: { src: '10.0.0.1', dst: '10.0.0.2' } }, { tcp: { srcport: 40000, dstport: 443, flags: TcpFlag.ACK } }]);
  // Port 9 (discard): nothing decodes past UDP there (port 53 would be DNS to decodePacket and tshark).
  const udp = compileFrame([eth, { ip: { src: '10.0.0.3', dst: '10.0.0.4' } }, { udp: { srcport: 5000, dstport: 9 } }]);
  const payload = new Uint8Array(1500).map((_, i) => i * 31);
  let x = 0x1234567;
  const rnd = (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const records = [];
  const scratch = new Uint8Array(2048);
  let bytes = 0;
  const t0 = 1_795_000_000_000_000_000n;
  for (let i = 0; i < count; i++) {
    const isTcp = rnd(4) !== 0;
    const t = isTcp ? tcp : udp;
    const size = [60, 66, 120, 576, 1514][rnd(5)];
    const len = Math.max(0, size - t.headerLength);
    const n = t.emit(scratch, 0, payload.subarray(0, len), isTcp ? { seq: i * 1448, ack: i, id: i & 0xffff } : { id: i & 0xffff });
    records.push({ timestamp: t0 + BigInt(i) * 1000n, capturedLength: n, originalLength: n, linkType: 1, interfaceId: 0, data: scratch.slice(0, n) });
    bytes += n;
  }
  // Microsecond pcap: the classic magic every reader (pcap-parser, tshark) knows.
  return { file: writePcap(records, { precision: 'micro' }), bytes };
}

const dir = join(tmpdir(), 'wirekit-bench');
mkdirSync(dir, { recursive: true });
const path = join(dir, `synthetic-udp9-${N}.pcap`);
if (!existsSync(path)) {
  process.stderr.write(`writing ${N} packets to ${path}\n`);
  writeFileSync(path, synthesize(N).file);
}
const file = new Uint8Array(readFileSync(path));
process.stderr.write(`${path}: ${(file.length / 1e6).toFixed(0)} MB\n`);

const results = {};
const time = (name, fn) => {
  const samples = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    const count = fn();
    const ms = performance.now() - t;
    if (count !== N) throw new Error(`${name}: counted ${count}, expected ${N}`);
    samples.push(N / (ms / 1000));
  }
  results[name] = summarize(samples).median;
  process.stderr.write(`${name}: ${(results[name] / 1e6).toFixed(2)} M packets/s\n`);
};

/** decodeBatch over an index in 64k-record batches, one table reused: the number of rows decoded. */
function decodeInBatches(index) {
  let table;
  let n = 0;
  for (let at = 0; at < index.count; at += 65536) {
    const end = Math.min(index.count, at + 65536);
    table = decodeBatch({ data: index.data, offsets: index.offsets.subarray(at, end), lengths: index.lengths.subarray(at, end), linkTypes: index.linkTypes.subarray(at, end) }, { reuse: table });
    n += table.count;
  }
  return n;
}

// The capture placed in WebAssembly memory once (allocBuffer; a reader can fill it directly), then
// indexed and decoded where it lies: no copy of the packets into WASM memory is counted.
const { allocBuffer } = lib;
const inWasm = allocBuffer(file.length);
inWasm.set(file);
time('wirekit indexCapture + decodeBatch (wasm, capture in WASM memory), 64k-packet batches', () => {
  setBackend('auto');
  return decodeInBatches(indexCapture(inWasm));
});
time('wirekit decodeCaptureBatches (wasm, one pass: index + decode, capture in WASM memory), default 8k-record batches', () => {
  setBackend('auto');
  let n = 0;
  for (const { table } of decodeCaptureBatches(inWasm, { reuse: true })) n += table.count;
  return n;
});
// The same from the file: read (page cache -> WASM memory, readSync in 16 MiB pieces) and decoded,
// both counted.
time('wirekit decodeCaptureBatches (wasm, the file read into WASM memory first, read counted)', () => {
  const fd = openSync(path, 'r');
  for (let at = 0; at < inWasm.length; ) at += readSync(fd, inWasm, at, Math.min(1 << 24, inWasm.length - at), at);
  closeSync(fd);
  let n = 0;
  for (const { table } of decodeCaptureBatches(inWasm, { reuse: true })) n += table.count;
  return n;
});
time('wirekit decodeCaptureBatches (wasm, one pass, capture copied in span by span), default batches', () => {
  let n = 0;
  for (const { table } of decodeCaptureBatches(file, { reuse: true })) n += table.count;
  return n;
});
time('  of which indexCapture alone', () => indexCapture(inWasm).count);
{
  const index = indexCapture(inWasm);
  time('  of which decodeBatch alone (wasm)', () => decodeInBatches(index));
}
time('wirekit indexCapture + decodeBatch (js twin)', () => {
  setBackend('js');
  const n = decodeInBatches(indexCapture(file));
  setBackend('auto');
  return n;
});
time('wirekit readCaptureSync + decodePacket (checksums off)', () => {
  let n = 0;
  for (const r of readCaptureSync(file)) {
    decodePacket(r.data, { linkType: r.linkType, checksums: false });
    n++;
  }
  return n;
});

// The file streamed in 8 MiB pieces (FileHandle reads straight into WebAssembly memory) and decoded
// as it comes: bounded memory, any file size. Last of the in-process rows: its buffer is the
// allocBuffer region the rows above used.
{
  const { decodeCaptureStream } = lib;
  const { open } = await import('node:fs/promises');
  const buffer = allocBuffer(4 * (8 << 20) + 48);
  const samples = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    const fh = await open(path);
    const source = { read: async (into) => (await fh.read(into, 0, into.length, null)).bytesRead };
    let n = 0;
    for await (const { table } of decodeCaptureStream(source, { buffer, reuse: true })) n += table.count;
    await fh.close();
    if (n !== N) throw new Error(`decodeCaptureStream counted ${n}`);
    samples.push(N / ((performance.now() - t) / 1000));
  }
  const name = 'wirekit decodeCaptureStream (wasm, the file read in 8 MiB pieces into WASM memory, read counted)';
  results[name] = summarize(samples).median;
  process.stderr.write(`${name}: ${(results[name] / 1e6).toFixed(2)} M packets/s\n`);
}

const require = createRequire(join(here, 'peers-npm', 'package.json'));
let peer = null;
try {
  peer = { pcapp: require('pcap-parser'), Eth: require('pcap/decode/ethernet_packet') };
} catch {
  process.stderr.write('bench/peers-npm not installed (npm run bench:peers): skipping pcap-parser\n');
}
if (peer) {
  const samples = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    const count = await new Promise((resolve, reject) => {
      let n = 0;
      const parser = peer.pcapp.parse(createReadStream(path, { highWaterMark: 1 << 20 }));
      parser.on('packet', (p) => {
        new peer.Eth(null).decode(p.data, 0);
        n++;
      });
      parser.on('end', () => resolve(n));
      parser.on('error', reject);
    });
    if (count !== N) throw new Error(`pcap-parser counted ${count}`);
    samples.push(N / ((performance.now() - t) / 1000));
  }
  results['pcap-parser + pcap decoders'] = summarize(samples).median;
  process.stderr.write(`pcap-parser + pcap decoders: ${(results['pcap-parser + pcap decoders'] / 1e6).toFixed(2)} M packets/s\n`);
}

// Whole programs, output thrown away; wall clock includes start-up (small next to N packets).
const command = (name, cmd, argv) => {
  const samples = [];
  for (let r = 0; r < Math.min(RUNS, 2); r++) {
    const t = performance.now();
    const p = spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
    if (p.status !== 0) throw new Error(`${name} failed: ${p.stderr}`);
    samples.push(N / ((performance.now() - t) / 1000));
  }
  results[name] = summarize(samples).median;
  process.stderr.write(`${name}: ${(results[name] / 1e3).toFixed(0)} k packets/s\n`);
};
command('wirekit decode --json (CLI, NDJSON)', process.execPath, [join(root, 'bin', 'wirekit.js'), 'decode', '--json', path]);
let fieldCount = 0;
const tsharkFields = ['-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ip.proto', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.seq_raw', '-e', 'tcp.flags', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'frame.len'];
if (existsSync('/usr/bin/tshark')) {
  command('tshark -T fields (12 fields)', '/usr/bin/tshark', ['-r', path, '-n', '-T', 'fields', ...tsharkFields]);
  // The equivalent output: every field wirekit's NDJSON holds for this file (taken from its first
  // 2,000 lines), with the checksum checks on that its checksum statuses need.
  const sample = spawnSync(process.execPath, [join(root, 'bin', 'wirekit.js'), 'decode', '--json', '-c', '2000', path], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const names = new Set();
  for (const line of sample.stdout.split('\n')) if (line) for (const k of Object.keys(JSON.parse(line))) if (!k.startsWith('_')) names.add(k);
  fieldCount = names.size;
  command(`tshark -T fields (the same ${names.size} fields, checksums checked)`, '/usr/bin/tshark', [
    '-r', path, '-n', '-T', 'fields', '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE',
    ...[...names].flatMap((n) => ['-e', n]),
  ]);
} else {
  process.stderr.write('tshark not installed: skipping it\n');
}

const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);
let md = `### Captures: ${N.toLocaleString('en')} packets (${(file.length / 1e6).toFixed(0)} MB, Ethernet/IPv4 TCP+UDP, 60-1514 B), packets/s, median of ${RUNS} runs\n\n| what | packets/s |\n|---|--:|\n`;
for (const [k, v] of Object.entries(results)) md += `| ${k} | ${fmt(v)} |\n`;
const cli = results['wirekit decode --json (CLI, NDJSON)'];
const ts = results['tshark -T fields (12 fields)'];
const same = results[`tshark -T fields (the same ${fieldCount} fields, checksums checked)`];
if (cli && same) md += `| *CLI NDJSON ÷ tshark -T fields, same fields* | ${(cli / same).toFixed(1)}× |\n`;
if (cli && ts) md += `| *CLI NDJSON ÷ tshark -T fields, 12 fields* | ${(cli / ts).toFixed(1)}× |\n`;
process.stdout.write(md + '\n');
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'capture.json'), JSON.stringify({ date: new Date().toISOString(), packets: N, bytes: file.length, results }, null, 1));
if (args.includes('--clean')) rmSync(path);
