// decodeBatch throughput: WASM (SIMD and scalar builds) vs the JS twin vs a hand-written DataView
// parser of the same columns, on 10,000-packet batches of Ethernet/IPv4/TCP (small segments, and a
// bulk-transfer mix with MTU-sized frames), Ethernet/IPv6/UDP and VLAN-tagged frames.
//
// What one timed call counts: decoding the whole batch into a fresh table (the columns copied out of
// WASM memory into the table's own ArrayBuffer), from a capture buffer and record table, unless the
// row says otherwise:
//   in memory  the capture was made by allocBuffer: no copy into WASM memory
//   copy       the capture is an ordinary Uint8Array: copied into WASM memory once per call
//   array      an array of per-packet Uint8Arrays: each copied in
//   reuse      `reuse: previousTable`: no new table memory (fresh memory costs page faults)
//   resident   `resident: true`: the table's columns live in WASM memory, written there by the kernel
//              (nothing copied out); at most 4096 rows, so the 10,000 packets go as batches of
//              4096, 4096 and 1808 (the "4k batches" rows), each read before the next overwrites it.
//
// Rounds re-create every task's closure and rotate their order, so drift on a shared machine spreads
// over all implementations alike; reported figures are medians over all rounds. The default clock is
// process CPU time (other processes on the machine do not inflate it); wall-clock medians are
// printed too. Results go to bench/results/batch-latest.json.
//
// Usage: node bench/batch.bench.mjs [--rounds 5] [--time 300] [--filter SUBSTRING] [--clock cpu|wall]
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { decodeWithDataView, COMPARABLE_COLUMNS } from './peers/batch-dataview.mjs';
import { quantile } from './stats.mjs';

const args = parseArgs(process.argv.slice(2));
const ROUNDS = Number(args.rounds ?? 5);
const TIME_MS = Number(args.time ?? 300);
const FILTER = args.filter ?? '';
const CLOCK = args.clock ?? 'cpu';
const PACKETS = 10_000;

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${argv[i]}`);
    out[m[1]] = argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The library: the built package when it exports decodeBatch, else a bundle of the sources.

const root = new URL('../', import.meta.url);

async function bundleSources() {
  const { rollup } = await import('rollup');
  const { default: typescript } = await import('@rollup/plugin-typescript');
  const entry = '\0batch-bench-entry';
  const bundle = await rollup({
    input: entry,
    plugins: [
      {
        name: 'entry',
        resolveId: (id) => (id === entry ? id : null),
        load: (id) =>
          id === entry
            ? `export { decodeBatch } from ${JSON.stringify(fileURLToPath(new URL('src/batch.ts', root)))};\n` +
              `export { setBackend, allocBuffer } from ${JSON.stringify(fileURLToPath(new URL('src/wasm/backend.ts', root)))};\n`
            : null,
      },
      typescript({
        tsconfig: fileURLToPath(new URL('tsconfig.build.json', root)),
        noEmitOnError: true,
        sourceMap: false,
        declaration: false,
        outDir: fileURLToPath(new URL('node_modules/.cache/wirekit-bench/', root)),
      }),
    ],
    onwarn: () => {},
  });
  const dir = new URL('node_modules/.cache/wirekit-bench/', root);
  mkdirSync(dir, { recursive: true });
  const file = new URL('batch.mjs', dir);
  await bundle.write({ file: fileURLToPath(file), format: 'esm' });
  return file.href;
}

async function loadLibrary() {
  const dist = await import('../dist/index.js');
  if (typeof dist.decodeBatch === 'function') {
    // The scalar build runs from a second, independent copy: switching builds re-instantiates the
    // module, which no real caller does between calls.
    return { lib: dist, scalar: await import('../dist/index.js?build=scalar'), source: 'dist/index.js' };
  }
  const file = await bundleSources();
  return { lib: await import(file), scalar: await import(`${file}?build=scalar`), source: 'src/batch.ts (bundled: dist does not export decodeBatch yet)' };
}

// ---------------------------------------------------------------------------------------------
// Inputs: deterministic captures of PACKETS frames each, back to back as a pcap reader would hold them.

function put16(b, at, v) {
  b[at] = v >>> 8;
  b[at + 1] = v;
}
function put32(b, at, v) {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}
function checksum(b, from, to, initial = 0) {
  let s = initial;
  for (let i = from; i + 1 < to; i += 2) s += (b[i] << 8) | b[i + 1];
  if ((to - from) & 1) s += b[to - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/** Ethernet (+ tags) / IPv4 or IPv6 / TCP (timestamps) or UDP, checksums right. */
function frame({ tags = [], v6 = false, udp = false, payload = 0, i }) {
  const l2 = 14 + 4 * tags.length;
  const l3 = v6 ? 40 : 20;
  const l4 = udp ? 8 : 32;
  const b = new Uint8Array(Math.max(60, l2 + l3 + l4 + payload));
  b.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]);
  let at = 12;
  for (const [tpid, tci] of tags) {
    put16(b, at, tpid);
    put16(b, at + 2, tci);
    at += 4;
  }
  put16(b, at, v6 ? 0x86dd : 0x0800);
  const ip = l2;
  const seg = ip + l3;
  const segLength = l4 + payload;
  for (let k = 0; k < payload; k++) b[seg + l4 + k] = (i * 31 + k) & 255;
  if (v6) {
    b[ip] = 0x60;
    put16(b, ip + 4, segLength);
    b[ip + 6] = udp ? 17 : 6;
    b[ip + 7] = 64;
    put32(b, ip + 8, 0x20010db8);
    put32(b, ip + 20, 1 + (i & 255));
    put32(b, ip + 24, 0x20010db8);
    put32(b, ip + 36, 2);
  } else {
    b[ip] = 0x45;
    put16(b, ip + 2, l3 + segLength);
    put16(b, ip + 4, i & 0xffff);
    put16(b, ip + 6, 0x4000);
    b[ip + 8] = 64;
    b[ip + 9] = udp ? 17 : 6;
    put32(b, ip + 12, 0x0a000000 + (i & 0xffff));
    put32(b, ip + 16, 0xc0a80001);
    put16(b, ip + 10, checksum(b, ip, ip + 20));
  }
  put16(b, seg, 40000 + (i & 1023));
  put16(b, seg + 2, udp ? 53 : 443);
  if (udp) {
    put16(b, seg + 4, segLength);
  } else {
    put32(b, seg + 4, i * 1448);
    put32(b, seg + 8, 777);
    put16(b, seg + 12, (8 << 12) | 0x010);
    put16(b, seg + 14, 501);
    b.set([1, 1, 8, 10], seg + 20);
    put32(b, seg + 24, i);
    put32(b, seg + 28, i - 1);
  }
  const pseudo = v6
    ? 0x20010db8 / 0x10000 + 0xdb8 + 1 + (i & 255) + 0x2001 + 0xdb8 + 2 + (udp ? 17 : 6) + segLength
    : (0x0a00 + ((i & 0xffff) >>> 16)) + (i & 0xffff) + 0xc0a8 + 1 + (udp ? 17 : 6) + segLength;
  put16(b, seg + (udp ? 6 : 16), checksum(b, seg, seg + segLength, Math.round(pseudo)));
  return b;
}

const WORKLOADS = {
  'eth-ipv4-tcp': { label: 'Ethernet/IPv4/TCP, 66-byte segments (ACKs, timestamps option)', make: (i) => frame({ i }) },
  'eth-ipv4-tcp-mtu': {
    label: 'Ethernet/IPv4/TCP, bulk mix: every other frame 1514 bytes',
    make: (i) => frame({ i, payload: i & 1 ? 1448 : 0 }),
  },
  'eth-ipv6-udp': { label: 'Ethernet/IPv6/UDP, 62-560 bytes', make: (i) => frame({ i, v6: true, udp: true, payload: (i * 37) % 500 }) },
  vlan: {
    label: 'VLAN: 802.1Q and QinQ (802.1ad + 802.1Q), IPv4/TCP and IPv4/UDP',
    make: (i) => frame({ i, udp: (i & 3) === 3, tags: i & 1 ? [[0x88a8, 100], [0x8100, 200 + (i & 7)]] : [[0x8100, 10 + (i & 7)]] }),
  },
};

function capture(make) {
  const frames = Array.from({ length: PACKETS }, (_, i) => make(i));
  const total = frames.reduce((n, f) => n + f.length + 16, 0);
  // 16 bytes between frames, where a pcap record header would be.
  const data = new Uint8Array(total);
  const offsets = new Uint32Array(PACKETS);
  const lengths = new Uint32Array(PACKETS);
  let at = 0;
  frames.forEach((f, i) => {
    at += 16;
    data.set(f, at);
    offsets[i] = at;
    lengths[i] = f.length;
    at += f.length;
  });
  return { frames, data, offsets, lengths, bytes: total };
}

// ---------------------------------------------------------------------------------------------

function now() {
  if (CLOCK === 'wall') return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function same(a, b, columns, what) {
  for (const name of columns) {
    const x = a[name];
    const y = b[name];
    if (x.length !== y.length) throw new Error(`${what}: ${name} has ${x.length} rows, expected ${y.length}`);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) throw new Error(`${what}: ${name}[${i}] = ${x[i]}, expected ${y[i]}`);
  }
}

/**
 * Every task is made by a factory called anew each round, from its own source text, so V8 cannot
 * specialise a closure on the buffers one instance captured (see DESIGN.md, benchmarks).
 */
function factory(name, body) {
  return new Function('decode', 'input', 'use', 'state', `return function ${name.replace(/\W/g, '_')}() { use(); ${body} };`);
}

async function main() {
  const { lib, scalar, source } = await loadLibrary();
  scalar.setBackend('wasm', { simd: false });
  const useSimd = () => lib.setBackend('wasm', { simd: true });
  const useJs = () => lib.setBackend('js');
  const noop = () => {};
  useSimd();

  const results = [];
  for (const [id, workload] of Object.entries(WORKLOADS)) {
    if (FILTER && !id.includes(FILTER)) continue;
    const cap = capture(workload.make);
    const records = { data: cap.data, offsets: cap.offsets, lengths: cap.lengths };
    // Decode once at full size before taking the allocBuffer view: the first batch of a new largest
    // size grows WASM memory, which would detach it.
    useSimd();
    lib.decodeBatch(records);
    const inside = lib.allocBuffer(cap.data.length);
    inside.set(cap.data);
    const inMemory = { ...records, data: inside };
    // The same records as three batches of at most 4096 (a resident table's most).
    const split = [0, 4096, 8192].map((s) => ({ data: inside, offsets: cap.offsets.subarray(s, s + 4096), lengths: cap.lengths.subarray(s, s + 4096) }));

    const impls = [
      ['wasm SIMD, in memory', lib.decodeBatch, inMemory, useSimd, 'state.t = decode(input);'],
      ['wasm SIMD, in memory, reuse', lib.decodeBatch, inMemory, useSimd, 'state.t = decode(input, { reuse: state.t });'],
      ['wasm SIMD, in memory, 4k batches, reuse', lib.decodeBatch, split, useSimd, 'for (let k = 0; k < input.length; k++) state[k] = decode(input[k], { reuse: state[k] });'],
      ['wasm SIMD, in memory, 4k batches, resident', lib.decodeBatch, split, useSimd, 'for (let k = 0; k < input.length; k++) state.n += decode(input[k], { resident: true }).count;'],
      ['wasm SIMD, in memory, +L4 checksums', lib.decodeBatch, inMemory, useSimd, 'state.t = decode(input, { checksums: true });'],
      ['wasm SIMD, copy', lib.decodeBatch, records, useSimd, 'state.t = decode(input);'],
      ['wasm SIMD, array', lib.decodeBatch, cap.frames, useSimd, 'state.t = decode(input);'],
      ['wasm scalar, copy', scalar.decodeBatch, records, noop, 'state.t = decode(input);'],
      ['js twin', lib.decodeBatch, records, useJs, 'state.t = decode(input);'],
      ['js twin, reuse', lib.decodeBatch, records, useJs, 'state.t = decode(input, { reuse: state.t });'],
      ['js twin, +L4 checksums', lib.decodeBatch, records, useJs, 'state.t = decode(input, { checksums: true });'],
      ['DataView parser', (r) => decodeWithDataView(r.data, r.offsets, r.lengths, PACKETS), records, noop, 'state.t = decode(input);'],
    ];

    // Every implementation decodes the same packets to the same columns before anything is timed.
    useJs();
    const reference = lib.decodeBatch(records);
    const checked = ['layers', 'payloadLength', 'srcPort', 'tcpSeq', 'ipv6Index', 'vlanInner', 'status'];
    for (const [name, decode, input, use, body] of impls) {
      use();
      if (input === split) {
        for (let k = 0, first = 0; k < split.length; first += split[k].offsets.length, k++) {
          const got = decode(split[k], body.includes('resident') ? { resident: true } : {});
          if (body.includes('resident') !== got.resident) throw new Error(`${id} / ${name}: resident is ${got.resident}`);
          const part = Object.fromEntries(checked.map((c) => [c, reference[c].subarray(first, first + got.count)]));
          part.ipv6Index = part.ipv6Index.map((v) => (v < 0 ? v : v - reference.ipv6Index.subarray(0, first).filter((x) => x >= 0).length));
          same(got, part, checked, `${id} / ${name} batch ${k}`);
        }
        continue;
      }
      const got = name === 'DataView parser' ? decode(input) : decode(input, body.includes('checksums') ? { checksums: true } : {});
      same(got, reference, name === 'DataView parser' ? COMPARABLE_COLUMNS : checked, `${id} / ${name}`);
    }
    useSimd();

    const samples = new Map(impls.map(([name]) => [name, { cpu: [], wall: [] }]));
    for (let round = 0; round < ROUNDS; round++) {
      const bench = new Bench({ time: TIME_MS, warmup: true, warmupTime: 50, now, retainSamples: true });
      const order = impls.map((_, k) => impls[(k + round) % impls.length]);
      for (const [name, decode, input, use, body] of order) {
        const state = { t: undefined, n: 0 };
        bench.add(name, factory(name, body)(decode, input, use, state));
      }
      await bench.run();
      for (const task of bench.tasks) {
        const s = samples.get(task.name);
        s.cpu.push(task.result.latency.p50);
        s.wall.push(task.result.latency.mean);
      }
      process.stderr.write(`\r${id}: round ${round + 1}/${ROUNDS}`);
    }
    process.stderr.write('\n');
    useSimd();
    for (const [name] of impls) {
      const s = samples.get(name);
      const ms = quantile(s.cpu, 0.5);
      results.push({ workload: id, label: workload.label, impl: name, msPerBatch: ms, packetsPerSecond: PACKETS / (ms / 1000), rounds: s.cpu });
    }
  }

  // Report: packets/s per implementation, and ratios to the JS twin and the DataView parser.
  const lines = [`decodeBatch, ${PACKETS}-packet batches; ${source}; clock: ${CLOCK === 'wall' ? 'wall time' : 'process CPU time'}; medians of ${ROUNDS} rounds`, ''];
  for (const id of new Set(results.map((r) => r.workload))) {
    const rows = results.filter((r) => r.workload === id);
    const js = rows.find((r) => r.impl === 'js twin').packetsPerSecond;
    const dv = rows.find((r) => r.impl === 'DataView parser').packetsPerSecond;
    lines.push(`${id}: ${rows[0].label}`);
    lines.push('| implementation | Mpackets/s | ms per batch | vs JS twin | vs DataView |', '|---|---:|---:|---:|---:|');
    for (const r of rows) {
      lines.push(`| ${r.impl} | ${(r.packetsPerSecond / 1e6).toFixed(2)} | ${r.msPerBatch.toFixed(3)} | ${(r.packetsPerSecond / js).toFixed(2)}x | ${(r.packetsPerSecond / dv).toFixed(2)}x |`);
    }
    lines.push('');
  }
  console.log(lines.join('\n'));
  const out = new URL('results/batch-latest.json', import.meta.url);
  mkdirSync(new URL('results/', import.meta.url), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, clock: CLOCK, rounds: ROUNDS, packets: PACKETS, source, results }, null, 2));
}

await main();
