// Protobuf packed varints: decoding a packed repeated field's payload into values, wirekit's WASM
// kernel (on a copy, and on bytes already in WebAssembly memory) and its JS twin, against
// protobufjs's Reader (the protobuf library JS users reach for) reading the same values one call
// per value, as its generated decoders do for packed fields.
//
//   npm run build && node bench/protobuf.mjs [--quick] [--processes N]
//
// tinybench, p50 latency of each task per round; rounds rotate the task order and run in several
// fresh processes; the table shows medians over all rounds (values decoded per second) and half
// the interquartile range. Every implementation's values are checked before timing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import protobuf from 'protobufjs';
import { spreadPct, summarize } from './stats.mjs';
import { mergeSamples, runChildren } from './children.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const processes = Number(args[args.indexOf('--processes') + 1]) || (quick ? 1 : 3);
const COUNT = 100_000;

async function child() {
  const lib = await import(join(here, '..', 'dist', 'index.js'));
  const { decodePackedVarints, encodePackedVarints, setBackend, allocBuffer } = lib;
  let seed = 0x2545f491;
  const rnd = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const workloads = {
    // Small numbers (enums, counts): one byte each.
    'uint32, values < 128 (1 byte)': { type: 'uint32', values: Array.from({ length: COUNT }, () => rnd() & 127) },
    // Any 32-bit value: 1 to 5 bytes.
    'uint32, random widths (1-5 bytes)': { type: 'uint32', values: Array.from({ length: COUNT }, () => rnd() >>> (rnd() & 31)) },
    // Signed 64-bit deltas within 2^52 (timestamps, ids): zigzag, up to 8 bytes.
    'sint64, within ±2^52 (1-8 bytes)': { type: 'sint64', values: Array.from({ length: COUNT }, () => (rnd() & 1 ? -1 : 1) * Math.floor((rnd() * 2 ** 20 + rnd()) / 2 ** (rnd() & 31))) },
  };
  const region = allocBuffer(Object.values(workloads).reduce((n, w) => n + encodePackedVarints(w.values, w.type).length, 0));
  let regionAt = 0;
  const tasks = {};
  for (const [label, { type, values }] of Object.entries(workloads)) {
    const bytes = encodePackedVarints(values, type);
    const inWasm = region.subarray(regionAt, regionAt + bytes.length);
    regionAt += bytes.length;
    inWasm.set(bytes);
    const want = values.map((v) => (type === 'sint64' ? BigInt(v) : v));
    const same = (name, got) => {
      if (got.length !== want.length) throw new Error(`${name} ${label}: ${got.length} values`);
      for (let i = 0; i < want.length; i++) if ((typeof want[i] === 'bigint' ? BigInt(got[i]) : got[i]) !== want[i]) throw new Error(`${name} ${label}: value ${i} differs`);
    };
    const pbjs = () => {
      const r = protobuf.Reader.create(bytes);
      const out = new Array(COUNT);
      let i = 0;
      if (type === 'uint32') while (r.pos < r.len) out[i++] = r.uint32();
      else while (r.pos < r.len) out[i++] = r.sint64();
      out.length = i;
      return out;
    };
    const impls = {
      'wirekit decodePackedVarints (wasm)': ['wasm', () => decodePackedVarints(bytes, type)],
      'wirekit decodePackedVarints (auto)': ['auto', () => decodePackedVarints(bytes, type)],
      'wirekit, bytes in WASM memory (wasm)': ['wasm', () => decodePackedVarints(inWasm, type)],
      'wirekit JS twin': ['js', () => decodePackedVarints(bytes, type)],
      'protobufjs Reader': ['auto', pbjs],
    };
    for (const [name, [backend, run]] of Object.entries(impls)) {
      setBackend(backend);
      same(name, name === 'protobufjs Reader' && type === 'sint64' ? run().map((v) => BigInt(typeof v === 'number' ? v : v.toNumber())) : Array.from(run()));
      setBackend('auto');
      tasks[`${name} | ${label}`] = { backend, run };
    }
  }
  const rounds = quick ? 2 : 5;
  const samples = {};
  for (let r = 0; r < rounds; r++) {
    const names = Object.keys(tasks);
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      const { backend, run } = tasks[name];
      setBackend(backend);
      const bench = new Bench({ time: quick ? 80 : 200, warmup: true, warmupTime: 40 });
      bench.add(name, run);
      await bench.run();
      setBackend('auto');
      (samples[name] ??= []).push(COUNT / (bench.tasks[0].result.latency.p50 / 1000));
    }
  }
  process.stdout.write(JSON.stringify(samples));
}

async function parent() {
  const outputs = runChildren(import.meta.url, processes, quick ? ['--quick'] : [], 'protobuf');
  const all = mergeSamples(outputs);
  const n = all[Object.keys(all)[0]].length;
  const loads = [...new Set(Object.keys(all).map((k) => k.split(' | ')[1]))];
  const impls = [...new Set(Object.keys(all).map((k) => k.split(' | ')[0]))];
  const med = (k) => summarize(all[k]).median;
  const fmt = (x) => `${(x / 1e6).toFixed(1)} M`;
  let md = `### Protobuf packed varints (values/s, median of ${n} rounds over ${processes} processes, Node ${process.version})\n\n`;
  md += `| implementation | ${loads.join(' | ')} |\n|---|${loads.map(() => '--:').join('|')}|\n`;
  for (const impl of impls) md += `| ${impl} | ${loads.map((l) => `${fmt(med(`${impl} | ${l}`))} ±${spreadPct(summarize(all[`${impl} | ${l}`])).toFixed(0)}%`).join(' | ')} |\n`;
  const ratio = (a, b) => loads.map((l) => `${(med(`${a} | ${l}`) / med(`${b} | ${l}`)).toFixed(2)}x`).join(' | ');
  md += `| *decodePackedVarints (auto) ÷ JS twin* | ${ratio('wirekit decodePackedVarints (auto)', 'wirekit JS twin')} |\n`;
  md += `| *decodePackedVarints (auto) ÷ protobufjs* | ${ratio('wirekit decodePackedVarints (auto)', 'protobufjs Reader')} |\n`;
  md += `| *in WASM memory ÷ protobufjs* | ${ratio('wirekit, bytes in WASM memory (wasm)', 'protobufjs Reader')} |\n`;
  md += `\n${COUNT.toLocaleString('en-US')} values per call, into a typed array (Uint32Array, BigInt64Array); protobufjs into an Array (its sint64 gives numbers, exact below 2^53). Command: \`npm run build && node bench/protobuf.mjs\`.\n`;
  process.stdout.write(`${md}\n`);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'protobuf.md'), md);
}

if (args.includes('--child')) await child();
else await parent();
