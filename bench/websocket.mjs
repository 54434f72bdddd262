// WebSocket benchmark: unmasking payloads (RFC 6455 section 5.3), the work every server does on
// every client frame, and whole-frame parsing. wirekit's WASM kernel (on a copy, and in place on
// bytes already in WebAssembly memory) and its JS twin, against what Node servers use: the `ws`
// package's mask (its own JS loop without bufferutil; the bufferutil C++ addon with it).
//
//   npm run build && npm run bench:peers && node bench/websocket.mjs [--quick] [--processes N]
//
// tinybench, p50 latency of each task per round; rounds rotate the task order and run in several
// fresh processes; the table shows medians over all rounds and half the interquartile range, in
// payload bytes per second. Every implementation is checked against plain XOR before timing.
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { spreadPct, summarize } from './stats.mjs';
import { mergeSamples, runChildren } from './children.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const processes = Number(args[args.indexOf('--processes') + 1]) || (quick ? 1 : 3);
const SIZES = [64, 1024, 16 * 1024, 1024 * 1024];

async function child() {
  const lib = await import(join(here, '..', 'dist', 'index.js'));
  const { websocketMask, websocketMaskCopy, setBackend, allocBuffer, encodeWebSocketFrame, WebSocketParser } = lib;
  const require = createRequire(join(here, 'peers-npm', 'package.json'));
  const peers = {};
  try {
    // ws's buffer-util reads WS_NO_BUFFER_UTIL when loaded: once with it (ws's JS loop), once without (bufferutil).
    const path = require.resolve('ws').replace(/index\.js$/, 'lib/buffer-util.js');
    process.env.WS_NO_BUFFER_UTIL = '1';
    peers['ws (JS, no bufferutil)'] = require(path).mask;
    delete require.cache[path];
    delete process.env.WS_NO_BUFFER_UTIL;
    peers['ws + bufferutil (C++ addon)'] = require(path).mask;
    if (peers['ws + bufferutil (C++ addon)'] === peers['ws (JS, no bufferutil)']) throw new Error('bufferutil did not load');
  } catch (e) {
    process.stderr.write(`bench/peers-npm lacks ws or bufferutil (${e.message}): run npm run bench:peers\n`);
  }

  const key = Uint8Array.from([0x37, 0xfa, 0x21, 0x3d]);
  const tasks = {};
  // One WebAssembly buffer for every size, made before anything else: a later allocBuffer that
  // grows memory would detach views made earlier.
  const region = allocBuffer(SIZES.reduce((n, s) => n + s, 0));
  let regionAt = 0;
  const check = (name, got, src) => {
    for (let i = 0; i < src.length; i++) if (got[i] !== (src[i] ^ key[i & 3])) throw new Error(`${name}: byte ${i} differs`);
  };
  for (const size of SIZES) {
    const src = new Uint8Array(size).map((_, i) => (i * 131) & 255);
    const out = new Uint8Array(size);
    const inWasm = region.subarray(regionAt, regionAt + size);
    regionAt += size;
    inWasm.set(src);
    // Enough calls per task call to be well above timer resolution.
    const reps = Math.max(1, Math.floor((256 * 1024) / size));
    const label = size >= 1024 * 1024 ? `${size / 1024 / 1024} MiB` : size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
    const impls = {
      'wirekit websocketMaskCopy (wasm)': () => { setBackend('wasm'); return () => { for (let r = 0; r < reps; r++) websocketMaskCopy(src, key, 0, out); }; },
      'wirekit websocketMaskCopy (auto)': () => { setBackend('auto'); return () => { for (let r = 0; r < reps; r++) websocketMaskCopy(src, key, 0, out); }; },
      'wirekit websocketMask in WASM memory (wasm)': () => {
        setBackend('wasm');
        return () => {
          if (inWasm.length !== size) throw new Error('the WebAssembly buffer was detached');
          for (let r = 0; r < reps; r++) websocketMask(inWasm, key);
        };
      },
      'wirekit JS twin': () => { setBackend('js'); return () => { for (let r = 0; r < reps; r++) websocketMaskCopy(src, key, 0, out); }; },
    };
    for (const [name, mask] of Object.entries(peers)) impls[name] = () => () => { for (let r = 0; r < reps; r++) mask(src, key, out, 0, size); };
    for (const [name, make] of Object.entries(impls)) {
      // Checked once before timing (the in-place task is checked on a fresh copy, then reset).
      out.fill(0);
      inWasm.set(src);
      const run = make();
      if (name.includes('WASM memory')) {
        const saved = inWasm.slice();
        websocketMask(inWasm, key);
        check(name, inWasm, saved);
        inWasm.set(src);
      } else {
        run();
        check(name, out, src);
      }
      setBackend('auto');
      tasks[`${name} | ${label}`] = { make, bytes: size * reps };
    }
  }

  // Whole frames: a client's masked 16 KiB binary frames, parsed (header, unmask into the payload).
  const frames = [];
  for (let i = 0; i < 64; i++) frames.push(encodeWebSocketFrame({ opcode: 2, payload: new Uint8Array(16384).fill(i), maskingKey: key }));
  const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  frames.reduce((at, f) => (stream.set(f, at), at + f.length), 0);
  for (const backend of ['wasm', 'js']) {
    tasks[`wirekit WebSocketParser (${backend}) | 64 frames of 16 KiB`] = {
      make: () => {
        setBackend(backend);
        return () => {
          let n = 0;
          const p = new WebSocketParser({ onMessage: (m) => { n += m.data.length; } });
          p.push(stream);
          if (n !== 64 * 16384) throw new Error('lost frames');
        };
      },
      bytes: 64 * 16384,
    };
  }

  const rounds = quick ? 2 : 5;
  const samples = {};
  for (let r = 0; r < rounds; r++) {
    const names = Object.keys(tasks);
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      const bench = new Bench({ time: quick ? 60 : 150, warmup: true, warmupTime: 30 });
      bench.add(name, tasks[name].make());
      await bench.run();
      setBackend('auto');
      const t = bench.tasks[0];
      (samples[name] ??= []).push(tasks[name].bytes / (t.result.latency.p50 / 1000));
    }
  }
  process.stdout.write(JSON.stringify(samples));
}

async function parent() {
  const outputs = runChildren(import.meta.url, processes, quick ? ['--quick'] : [], 'websocket');
  const all = mergeSamples(outputs);
  const fmt = (x) => (x >= 1e9 ? `${(x / 1e9).toFixed(2)} GB/s` : `${(x / 1e6).toFixed(0)} MB/s`);
  const n = all[Object.keys(all)[0]].length;
  const sizes = [...new Set(Object.keys(all).map((k) => k.split(' | ')[1]))];
  const impls = [...new Set(Object.keys(all).map((k) => k.split(' | ')[0]))];
  const med = (k) => (all[k] ? summarize(all[k]).median : undefined);
  let md = `### WebSocket unmasking (payload bytes/s, median of ${n} rounds over ${processes} processes, Node ${process.version})\n\n`;
  const maskSizes = sizes.filter((s) => !s.includes('frames'));
  md += `| implementation | ${maskSizes.join(' | ')} |\n|---|${maskSizes.map(() => '--:').join('|')}|\n`;
  for (const impl of impls) {
    if (!maskSizes.some((s) => all[`${impl} | ${s}`])) continue;
    md += `| ${impl} | ${maskSizes.map((s) => (all[`${impl} | ${s}`] ? `${fmt(med(`${impl} | ${s}`))} ±${spreadPct(summarize(all[`${impl} | ${s}`])).toFixed(0)}%` : '')).join(' | ')} |\n`;
  }
  const ratio = (a, b) => maskSizes.map((s) => (med(`${a} | ${s}`) && med(`${b} | ${s}`) ? `${(med(`${a} | ${s}`) / med(`${b} | ${s}`)).toFixed(2)}x` : '')).join(' | ');
  md += `| *websocketMaskCopy (auto) ÷ JS twin* | ${ratio('wirekit websocketMaskCopy (auto)', 'wirekit JS twin')} |\n`;
  md += `| *websocketMaskCopy (wasm) ÷ JS twin* | ${ratio('wirekit websocketMaskCopy (wasm)', 'wirekit JS twin')} |\n`;
  if (impls.includes('ws (JS, no bufferutil)')) {
    md += `| *websocketMaskCopy (auto) ÷ ws (JS)* | ${ratio('wirekit websocketMaskCopy (auto)', 'ws (JS, no bufferutil)')} |\n`;
    md += `| *websocketMaskCopy (auto) ÷ ws + bufferutil* | ${ratio('wirekit websocketMaskCopy (auto)', 'ws + bufferutil (C++ addon)')} |\n`;
    md += `| *in WASM memory ÷ ws + bufferutil* | ${ratio('wirekit websocketMask in WASM memory (wasm)', 'ws + bufferutil (C++ addon)')} |\n`;
  }
  md += '\n| frame parsing | rate | ± |\n|---|--:|--:|\n';
  for (const k of Object.keys(all).filter((k) => k.includes('frames'))) md += `| ${k.replace(' | ', ', ')} | ${fmt(med(k))} | ${spreadPct(summarize(all[k])).toFixed(0)}% |\n`;
  md += `\nUnmasking into a caller's buffer (\`websocketMaskCopy(src, key, 0, out)\`; ws: \`mask(src, key, out, 0, n)\`); "in WASM memory": in place on an \`allocBuffer\` view. Command: \`npm run build && npm run bench:peers && node bench/websocket.mjs\`.\n`;
  process.stdout.write(`${md}\n`);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'websocket.md'), md);
}

if (args.includes('--child')) await child();
else await parent();
