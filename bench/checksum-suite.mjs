// One benchmark process: builds inputs, checks every implementation against wirekit's JS twin, then
// times all of them in rounds, each round re-creating every task's closure and rotating the order,
// so drift and noise on a shared machine spread over all implementations alike. bench/run.mjs starts
// several of these (fresh V8 each) and takes medians over every round of every process.
//
// Usage (normally via run.mjs): node bench/checksum-suite.mjs --out FILE [--rounds N] [--time MS]
//   [--warmup MS] [--filter SUBSTRING] [--index I]
import { writeFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { BUFFERS_PER_SIZE, carve, fillRandom, planLayout } from './inputs.mjs';
import { CROSSOVER_IMPLS, CROSSOVER_SIZES, KERNELS, MAIN_SIZES } from './config.mjs';
import { loadImplementations, wasmCopy } from './implementations.mjs';

/**
 * Bytes one timed call processes at least. A single small checksum takes tens of nanoseconds, close
 * to the timer's own cost and resolution, so small sizes loop over many buffers per call and the
 * result is divided back; 256 KiB keeps even the fastest kernel above ~10 microseconds per sample.
 */
const BYTES_PER_CALL = 256 * 1024;

/** Extra correctness cases per implementation at random lengths and offsets, and the room they need. */
const RANDOM_CHECKS = 300;
const SCRATCH_BYTES = 4104;

const args = parseArgs(process.argv.slice(2));
const ROUNDS = Number(args.rounds ?? 10);
const TIME_MS = Number(args.time ?? 25);
const WARMUP_MS = Number(args.warmup ?? 5);
const INDEX = Number(args.index ?? 0);
const FILTER = args.filter ?? '';

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${argv[i]}`);
    out[m[1]] = argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
  }
  return out;
}

function repsFor(size) {
  return Math.max(1, Math.round(BYTES_PER_CALL / size));
}

/**
 * A loop factory per implementation, compiled from its own source text: each one's call to `one` then
 * has a single target (as in a caller's loop) rather than sharing one megamorphic call site. Calling a
 * factory again makes a fresh closure over fresh arguments. V8 specialises optimised code to the
 * values a closure captured (function context specialisation) only while its function literal has
 * made a single closure, which is how a closure made once can make a byte loop look faster than any
 * caller sees it; the verification pass below makes every factory's first closure, so none of the
 * timed ones is alone.
 */
function compileFactory(name) {
  return new Function(
    'one',
    'use',
    'inputs',
    'reps',
    'sink',
    `let next = 0;
    return function ${name}() {
      use();
      let acc = 0;
      let j = next;
      for (let r = 0; r < reps; r++) {
        acc ^= one(inputs[j]);
        j = (j + 1) & ${BUFFERS_PER_SIZE - 1};
      }
      next = j;
      sink[0] ^= acc;
    };`,
  );
}

function fail(message) {
  process.stderr.write(`\nbench: ${message}\n`);
  process.exit(2);
}

/** ns per call of `f`, to check that switching backends inside timed calls is as cheap as claimed. */
function nsPerCall(f, n) {
  for (let i = 0; i < Math.min(n, 1000); i++) f(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f(i);
  return ((performance.now() - t0) * 1e6) / n;
}

async function measureSetBackend() {
  // A separate copy of the package, so toggling its build cannot disturb the copies being timed.
  const probe = await import('../dist/index.js?probe=setBackend');
  probe.setBackend('wasm');
  probe.crc32(new Uint8Array(8));
  return {
    sameModeNs: nsPerCall(() => probe.setBackend('wasm'), 200000),
    switchModeNs: nsPerCall((i) => probe.setBackend(i & 1 ? 'js' : i & 2 ? 'auto' : 'wasm'), 200000),
    toggleSimdNs: nsPerCall((i) => {
      probe.setBackend('wasm', { simd: (i & 1) === 0 });
    }, 50),
  };
}

async function main() {
  const setBackendCost = await measureSetBackend();
  const { impls, reference } = await loadImplementations();

  // Cells to time: every implementation at the main sizes, plus the crossover candidates at the
  // small sizes the dispatch thresholds sit among.
  const cells = [];
  const seen = new Set();
  const addCell = (impl, size) => {
    const key = `${impl.kernel}|${impl.id}|${size}`;
    if (seen.has(key) || !key.includes(FILTER)) return;
    seen.add(key);
    cells.push({ key, impl, size });
  };
  for (const kernel of KERNELS) {
    for (const impl of impls[kernel]) for (const size of MAIN_SIZES) addCell(impl, size);
    for (const impl of impls[kernel].filter((e) => CROSSOVER_IMPLS[kernel].includes(e.id))) {
      for (const size of CROSSOVER_SIZES) addCell(impl, size);
    }
  }
  if (cells.length === 0) fail(`--filter '${FILTER}' matches no cell (cells are named kernel|implementation|size)`);

  // Same bytes, same layout, twice: in ordinary memory and inside WASM memory (allocBuffer).
  const seed = (0x5eed0000 + INDEX * 7919) >>> 0;
  const sizes = [...new Set([...MAIN_SIZES, ...CROSSOVER_SIZES])].sort((a, b) => a - b);
  const plan = planLayout(sizes);
  const heapBacking = new Uint8Array(plan.total);
  fillRandom(heapBacking, seed);
  const { allocBuffer, setBackend } = wasmCopy;
  setBackend('wasm');
  // One region (allocBuffer hands out a single one): the timed inputs, then scratch for the checks.
  const region = allocBuffer(plan.total + SCRATCH_BYTES);
  region.set(heapBacking);
  const scratch = region.subarray(plan.total);
  const inputs = { heap: carve(heapBacking, plan), wasm: carve(region, plan) };
  const regionIsLive = () => {
    setBackend('wasm');
    return region.byteLength === plan.total + SCRATCH_BYTES && allocBuffer(0).buffer === region.buffer;
  };

  // Correctness first: every implementation, every buffer of every size it is timed at, through the
  // very loop code that is timed (which also makes each factory's first, throwaway closure).
  const sink = new Int32Array(1);
  const factories = new Map();
  const expected = new Map();
  let checked = 0;
  for (const { key, impl, size } of cells) {
    const bufs = inputs[impl.inputs].get(size);
    const want = inputs.heap.get(size).map((b) => reference[impl.kernel](b));
    for (let j = 0; j < BUFFERS_PER_SIZE; j++) {
      impl.use();
      const got = impl.one(bufs[j]);
      if (got !== want[j]) {
        fail(`MISMATCH ${key} buffer ${j} (offset ${bufs[j].byteOffset}): got ${got}, wirekit js twin says ${want[j]}`);
      }
      checked++;
    }
    const factoryKey = `${impl.kernel}|${impl.id}`;
    if (!factories.has(factoryKey)) factories.set(factoryKey, compileFactory(`${impl.kernel}_${impl.id}`.replace(/\W/g, '_')));
    expected.set(key, want.reduce((x, y) => x ^ y, 0));
    sink[0] = 0;
    factories.get(factoryKey)(impl.one, impl.use, bufs, BUFFERS_PER_SIZE, sink)();
    if (sink[0] !== expected.get(key)) fail(`MISMATCH in timed loop ${key}: ${sink[0]} vs ${expected.get(key)}`);
  }
  // The timed sizes are all even and few; odd lengths, empty input and every alignment go through a
  // different code path in most implementations (and in the hand-written peers), so check those too.
  let x = seed;
  const random = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) / 0x1000000;
  for (let t = 0; t < RANDOM_CHECKS; t++) {
    const len = t < 40 ? t : Math.floor(random() * (SCRATCH_BYTES - 8));
    const off = Math.floor(random() * 8);
    const heapCase = heapBacking.subarray(off, off + len);
    scratch.set(heapCase, off);
    const wasmCase = scratch.subarray(off, off + len);
    for (const kernel of KERNELS) {
      const want = reference[kernel](heapCase);
      for (const impl of impls[kernel]) {
        impl.use();
        const got = impl.one(impl.inputs === 'wasm' ? wasmCase : heapCase);
        if (got !== want) fail(`MISMATCH ${kernel}|${impl.id} on ${len} random bytes at offset ${off}: got ${got}, wirekit js twin says ${want}`);
        checked++;
      }
    }
  }
  if (!regionIsLive()) fail('allocBuffer region was detached during setup: in-memory cells would measure copies');

  const results = {};
  for (const { key, impl, size } of cells) {
    results[key] = { kernel: impl.kernel, impl: impl.id, size, bytesPerCall: size * repsFor(size), rounds: [] };
  }

  // Groups of cells that belong side by side (same size and kernel) run back to back; the order of
  // implementations within a group rotates every round and every process, so none is always first.
  const groups = new Map();
  for (const cell of cells) {
    const g = `${cell.size}|${cell.impl.kernel}`;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(cell);
  }
  const orderedGroups = [...groups.values()].sort((a, b) => a[0].size - b[0].size);

  const t0 = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({
      time: TIME_MS,
      warmupTime: WARMUP_MS,
      iterations: 8,
      warmupIterations: 4,
      throws: true,
    });
    const order = [];
    for (const group of round & 1 ? [...orderedGroups].reverse() : orderedGroups) {
      const shift = (round + INDEX) % group.length;
      order.push(...group.slice(shift), ...group.slice(0, shift));
    }
    for (const { key, impl, size } of order) {
      const closure = factories.get(`${impl.kernel}|${impl.id}`)(
        impl.one,
        impl.use,
        inputs[impl.inputs].get(size),
        repsFor(size),
        sink,
      );
      bench.add(key, closure, { beforeAll: impl.use });
    }
    bench.runSync();
    for (const task of bench.tasks) {
      const r = task.result;
      if (r.state !== 'completed') fail(`${task.name} ${r.state}: ${r.error?.stack ?? ''}`);
      const lat = r.latency;
      const cell = results[task.name];
      cell.rounds.push({
        round,
        gbps: cell.bytesPerCall / (lat.p50 * 1e6),
        p50Ms: lat.p50,
        samples: lat.samplesCount,
        madPct: (100 * lat.mad) / lat.p50,
      });
    }
    // Growing or re-instantiating WASM memory would silently turn "in memory" cells into copies.
    if (!regionIsLive()) fail(`allocBuffer region detached during round ${round}: in-memory cells are invalid`);
    process.stderr.write(`  process ${INDEX}: round ${round + 1}/${ROUNDS} done (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  }

  writeFileSync(
    args.out,
    JSON.stringify({
      index: INDEX,
      seed,
      backend: wasmCopy.backendInfo(),
      setBackendCost,
      checkedResults: checked,
      rounds: ROUNDS,
      timeMs: TIME_MS,
      warmupMs: WARMUP_MS,
      bytesPerCall: BYTES_PER_CALL,
      seconds: (performance.now() - t0) / 1000,
      sink: sink[0],
      impls: Object.fromEntries(
        KERNELS.map((k) => [k, impls[k].map(({ id, label, counts, role, inputs, candidate }) => ({ id, label, counts, role, inputs, candidate }))]),
      ),
      results,
    }),
  );
}

await main();
