// TCP segmentation throughput: an application stream (64 KiB and 1 MiB) cut at MSS 1460 into
// Ethernet/IPv4/TCP frames with both checksums, by the TSO-like WebAssembly batch kernel
// (compileSegmenter; SIMD and scalar builds), its JS twin, and the per-frame paths a caller has
// without it: a compileFrame template's emit() per segment, emitFrame per segment, and segmentTcp.
//
// What one timed call counts: every frame of the stream written, from an ordinary Uint8Array
// stream (copied into WASM memory by the batch rows), unless the row says otherwise:
//   batches            frames left in scratch memory as zero-copy views (a writer would take them there)
//   segmentInto        frames copied out into one caller-owned Uint8Array (plain memory)
//   in WASM memory     stream and frames both in one allocBuffer region: no copy in or out at all
//   emit loop          one compileFrame template, emit(out, at, payloadSlice, { seq, id, flags }) per frame
//   emitFrame loop     emitFrame(layers with this segment's seq/id/flags, payloadSlice, out, at) per frame
//   segmentTcp         segment objects with their own encoded TCP bytes (no link/IP headers)
// Every implementation's output is checked byte for byte against emitFrame's before timing.
//
// Rounds re-create every task's closure from source (DESIGN.md: V8 specialises closures on the
// buffers they capture) and rotate their order; the clock is process CPU time; figures are medians
// over all rounds of all processes. Writes bench/results/segment.md and segment.json.
//
// Usage: node bench/segment.mjs [--rounds 6] [--time 250] [--processes 3] [--quick]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { summarize, spreadPct } from './stats.mjs';
import { mergeSamples, runChildren } from './children.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const quick = argv.includes('--quick');
const ROUNDS = Number(arg('rounds', quick ? 2 : 6));
const TIME_MS = Number(arg('time', quick ? 100 : 250));
const PROCESSES = Number(arg('processes', quick ? 1 : 3));
const MSS = 1460;
const SIZES = { '64 KiB': 64 * 1024, '1 MiB': 1024 * 1024 };

function cpuNow() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function factory(name, body) {
  return new Function('impl', 'input', `return function ${name.replace(/\W/g, '_')}() { ${body} };`);
}

async function child() {
  const lib = await import('../dist/index.js');
  // The scalar build from a second, independent copy: switching builds re-instantiates the module,
  // which no real caller does between calls.
  const scalar = await import('../dist/index.js?build=scalar');
  scalar.setBackend('wasm', { simd: false });
  const { compileSegmenter, compileFrame, emitFrame, segmentTcp, TcpFlag } = lib;
  const layers = [
    { eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } },
    { ip: { src: '10.0.0.1', dst: '10.0.0.2', dontFragment: true, id: 0 } },
    { tcp: { srcport: 40000, dstport: 443, seq: 0, ack: 1, flags: TcpFlag.ACK } },
  ];
  const samples = {};
  for (const [sizeName, size] of Object.entries(SIZES)) {
    const stream = new Uint8Array(size);
    for (let i = 0; i < size; i++) stream[i] = (i * 2654435761) >>> 24;
    const seg = compileSegmenter(layers, { mss: MSS });
    const segScalar = scalar.compileSegmenter(layers, { mss: MSS });
    const total = seg.outputLength(size);
    const frames = seg.frameCount(size);
    const plain = new Uint8Array(total);
    // One allocBuffer region: the stream first, the frames after it. Taken after a first run at
    // full size, so nothing grows memory while it is held.
    lib.setBackend('wasm');
    seg.segmentInto(stream, plain);
    const region = lib.allocBuffer(size + total);
    region.set(stream);
    const inStream = region.subarray(0, size);
    const inOut = region.subarray(size);
    const template = compileFrame(layers);
    const room = seg.room;
    const reference = new Uint8Array(total);
    {
      let at = 0;
      for (let i = 0, off = 0; i < frames; i++, off += room) {
        const last = i === frames - 1;
        at += emitFrame([layers[0], { ip: { ...layers[1].ip, id: i & 0xffff } }, { tcp: { ...layers[2].tcp, seq: off, flags: last ? TcpFlag.ACK | TcpFlag.PSH : TcpFlag.ACK } }], stream.subarray(off, Math.min(size, off + room)), reference, at);
      }
    }
    const batchesInto = (s, src, out) => {
      let at = 0;
      for (const b of s.batches(src)) {
        out.set(b.data, at);
        at += b.data.length;
      }
    };
    const emitLoop = (out) => {
      let at = 0;
      for (let i = 0, off = 0; i < frames; i++, off += room) {
        at += template.emit(out, at, stream.subarray(off, Math.min(size, off + room)), { seq: off, id: i & 0xffff, flags: i === frames - 1 ? TcpFlag.ACK | TcpFlag.PSH : TcpFlag.ACK });
      }
    };
    const emitFrameLoop = (out) => {
      let at = 0;
      for (let i = 0, off = 0; i < frames; i++, off += room) {
        const last = i === frames - 1;
        at += emitFrame([layers[0], { ip: { ...layers[1].ip, id: i & 0xffff } }, { tcp: { ...layers[2].tcp, seq: off, flags: last ? TcpFlag.ACK | TcpFlag.PSH : TcpFlag.ACK } }], stream.subarray(off, Math.min(size, off + room)), out, at);
      }
    };
    const check = (name, bytes) => {
      if (bytes.length !== reference.length || Buffer.compare(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), Buffer.from(reference)) !== 0) {
        throw new Error(`${name} (${sizeName}) does not write emitFrame's frames`);
      }
    };
    const useSimd = () => lib.setBackend('wasm');
    const useJs = () => lib.setBackend('js');
    // name, setup, body (impl = helpers, input = per-size inputs)
    const impls = [
      ['wasm SIMD: batches (views in WASM memory)', useSimd, 'let n = 0; for (const b of input.seg.batches(input.stream)) n += b.count; return n;'],
      ['wasm SIMD: segmentInto a Uint8Array', useSimd, 'return input.seg.segmentInto(input.stream, input.plain);'],
      ['wasm SIMD: in WASM memory (allocBuffer)', useSimd, 'return input.seg.segmentInto(input.inStream, input.inOut);'],
      ['wasm scalar: segmentInto a Uint8Array', () => {}, 'return input.segScalar.segmentInto(input.stream, input.plain);'],
      ['js twin: segmentInto a Uint8Array', useJs, 'return input.seg.segmentInto(input.stream, input.plain);'],
      ['compileFrame emit() loop', useSimd, 'return impl.emitLoop(input.plain);'],
      ['emitFrame loop', useSimd, 'return impl.emitFrameLoop(input.plain);'],
      ['segmentTcp (TCP segments only)', useSimd, 'return impl.segmentTcp(input.stream, input.tcpOptions).length;'],
    ];
    const input = { seg, segScalar, stream, plain, inStream, inOut, tcpOptions: { ...layers[2].tcp, mss: MSS, addresses: { src: '10.0.0.1', dst: '10.0.0.2' } } };
    const helpers = { emitLoop, emitFrameLoop, segmentTcp };

    // Output checks before timing.
    useSimd();
    plain.fill(0);
    batchesInto(seg, stream, plain);
    check('wasm batches', plain);
    seg.segmentInto(stream, plain);
    check('wasm segmentInto', plain);
    seg.segmentInto(inStream, inOut);
    check('wasm in memory', inOut);
    segScalar.segmentInto(stream, plain);
    check('wasm scalar', plain);
    useJs();
    seg.segmentInto(stream, plain);
    check('js twin', plain);
    useSimd();
    emitLoop(plain);
    check('compileFrame emit loop', plain);

    for (let round = 0; round < ROUNDS; round++) {
      const bench = new Bench({ time: TIME_MS, warmup: true, warmupTime: 50, now: cpuNow });
      for (let k = 0; k < impls.length; k++) {
        const [name, use, body] = impls[(k + round) % impls.length];
        const fn = factory(name, body)(helpers, input);
        bench.add(name, fn, { beforeAll: use });
      }
      await bench.run();
      for (const task of bench.tasks) {
        const ms = task.result.latency.p50;
        (samples[`${sizeName}|${task.name}`] ??= []).push({ framesPerSecond: frames / (ms / 1000), bytesPerSecond: size / (ms / 1000) });
      }
      process.stderr.write(`\r${sizeName}: round ${round + 1}/${ROUNDS}`);
    }
    process.stderr.write('\n');
    lib.setBackend('auto');
  }
  process.stdout.write(JSON.stringify(samples));
}

async function parent() {
  const all = mergeSamples(runChildren(import.meta.url, PROCESSES, argv, 'segment'));
  const sizes = Object.keys(SIZES);
  const impls = [...new Set(Object.keys(all).map((k) => k.split('|')[1]))];
  const med = {};
  for (const [k, v] of Object.entries(all)) med[k] = { fps: summarize(v.map((x) => x.framesPerSecond)), bps: summarize(v.map((x) => x.bytesPerSecond)) };
  const fmtRate = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);
  const fmtGB = (x) => (x >= 1e9 ? (x / 1e9).toFixed(2) : (x / 1e9).toFixed(3));
  const n = all[Object.keys(all)[0]].length;
  let md = `### TCP segmentation: stream -> Ethernet/IPv4/TCP frames at MSS ${MSS} (median of ${n} rounds over ${PROCESSES} processes, process CPU time)\n\n`;
  md += `| implementation | ${sizes.map((s) => `${s}: frames/s`).join(' | ')} | ${sizes.map((s) => `${s}: GB/s of stream`).join(' | ')} |\n`;
  md += `|---|${sizes.map(() => '--:').join('|')}|${sizes.map(() => '--:').join('|')}|\n`;
  for (const impl of impls) {
    const cells = sizes.map((s) => {
      const m = med[`${s}|${impl}`];
      return m ? `${fmtRate(m.fps.median)} ±${spreadPct(m.fps).toFixed(0)}%` : '—';
    });
    const gb = sizes.map((s) => {
      const m = med[`${s}|${impl}`];
      return m ? fmtGB(m.bps.median) : '—';
    });
    md += `| ${impl} | ${cells.join(' | ')} | ${gb.join(' | ')} |\n`;
  }
  const ratio = (a, b) => sizes.map((s) => `${(med[`${s}|${a}`].fps.median / med[`${s}|${b}`].fps.median).toFixed(2)}×`).join(' | ');
  const base = 'wasm SIMD: segmentInto a Uint8Array';
  for (const other of ['js twin: segmentInto a Uint8Array', 'compileFrame emit() loop', 'emitFrame loop']) {
    if (med[`${sizes[0]}|${other}`]) md += `| *${base} ÷ ${other}* | ${ratio(base, other)} | ${sizes.map(() => '').join(' | ')} |\n`;
  }
  md += `\n${sizes.map((s) => `${s} is ${Math.ceil(SIZES[s] / MSS)} frames`).join(', ')}; GB/s counts stream (payload) bytes, 1e9 per second. Every row's frames are checked byte for byte against emitFrame's before timing.\n`;
  process.stdout.write(md + '\n');
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'segment.md'), `# TCP segmentation benchmark\n\n\`node bench/segment.mjs\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version})\n\n${md}`);
  writeFileSync(join(here, 'results', 'segment.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, samples: all }, null, 1));
}

if (argv.includes('--child')) await child();
else await parent();
