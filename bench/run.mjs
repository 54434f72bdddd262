// Checksum benchmark driver: runs bench/checksum-suite.mjs in several fresh Node processes one after
// another (in parallel they would fight over the two cores), then reports, per kernel, implementation
// and size, the median throughput over every round of every process.
//
//   node bench/run.mjs [--quick] [--filter SUBSTRING] [--processes N] [--rounds N] [--time MS]
//   node bench/run.mjs --report      re-render the report from bench/results/latest.json, no timing
//
// --filter keeps the cells whose key "kernel|implementation|size" contains SUBSTRING (e.g. "inet|",
// "|wasm", "|1500"). Prints markdown to stdout; progress goes to stderr. Writes
// bench/results/latest.json and bench/results/checksum.svg.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { autoChecks, formatSize, makeView, renderMarkdown } from './report-markdown.mjs';
import { renderSvg } from './report-svg.mjs';
import { spreadPct, summarize } from './stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const distEntry = join(root, 'dist', 'index.js');

function parseArgs(argv) {
  const opts = { quick: false, report: false, filter: '', processes: 3, rounds: undefined, time: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw Object.assign(new Error(`${a} needs a value`), { usage: true });
      return argv[++i];
    };
    if (a === '--quick') opts.quick = true;
    else if (a === '--report') opts.report = true;
    else if (a === '--filter') opts.filter = value();
    else if (a === '--processes') opts.processes = Number(value());
    else if (a === '--rounds') opts.rounds = Number(value());
    else if (a === '--time') opts.time = Number(value());
    else throw Object.assign(new Error(`unknown option ${a} (expected --quick, --filter S, --processes N, --rounds N, --time MS, --report)`), { usage: true });
  }
  if (!(Number.isInteger(opts.processes) && opts.processes >= 1)) throw Object.assign(new Error('--processes must be a positive integer'), { usage: true });
  // Default: about 70 s per process on a 2-core machine, so three processes take 3-5 minutes. Many
  // short rounds rather than a few long ones: ratios are taken round by round (see
  // report-markdown.mjs), and more pairs measured close together beat longer samples.
  opts.rounds ??= opts.quick ? 2 : 10;
  opts.time ??= opts.quick ? 8 : 25;
  opts.warmup = opts.quick ? 3 : 5;
  return opts;
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until dist/ loads and computes a checksum. Another agent may be rebuilding it (the WASM and
 * the bundle are written separately), so a broken dist is retried for a while before giving up.
 */
async function waitForDist() {
  if (!existsSync(distEntry)) throw new Error('dist/index.js is missing: run `npm run build` (or `npm run bench`, which builds first)');
  const probe = "import('./dist/index.js').then((m) => { if (m.crc32(new TextEncoder().encode('123456789')) !== 0xcbf43926) process.exit(3); })";
  for (let attempt = 1; ; attempt++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: root, encoding: 'utf8' });
    if (r.status === 0) return;
    if (attempt >= 6) throw new Error(`dist/index.js does not load or computes wrong CRCs:\n${r.stderr}`);
    process.stderr.write(`dist/ does not load yet (attempt ${attempt}); retrying in 20 s\n`);
    await sleep(20000);
  }
}

function runChild(index, opts, outFile) {
  const args = [join(here, 'checksum-suite.mjs'), '--out', outFile, '--index', String(index), '--rounds', String(opts.rounds), '--time', String(opts.time), '--warmup', String(opts.warmup)];
  if (opts.filter) args.push('--filter', opts.filter);
  return new Promise((resolve, reject) => {
    // The child's stdout joins our stderr so stdout carries the report only.
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 2, 2] });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(JSON.parse(readFileSync(outFile, 'utf8')));
      else reject(new Error(`benchmark process ${index} failed (${signal ?? `exit ${code}`}); see its output above`));
    });
  });
}

function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.versions.node,
    v8: process.versions.v8,
  };
}

function gitInfo() {
  const git = (...a) => spawnSync('git', a, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? '';
  return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--', 'src', 'assembly') !== '' };
}

function aggregate(runs, opts, extra) {
  const cells = {};
  for (const run of runs) {
    for (const [key, cell] of Object.entries(run.results)) {
      const c = (cells[key] ??= { kernel: cell.kernel, impl: cell.impl, size: cell.size, bytesPerCall: cell.bytesPerCall, samples: [], perProcess: [] });
      c.samples.push(...cell.rounds.map((r) => r.gbps));
      c.perProcess.push(summarize(cell.rounds.map((r) => r.gbps)).median);
      (c.rounds ??= []).push(...cell.rounds.map((r) => ({ process: run.index, ...r })));
    }
  }
  for (const c of Object.values(cells)) c.summary = summarize(c.samples);
  return {
    ...extra,
    config: { processes: runs.length, rounds: opts.rounds, timeMs: opts.time, warmupMs: opts.warmup, quick: opts.quick, filter: opts.filter, bytesPerCall: runs[0].bytesPerCall },
    impls: runs[0].impls,
    checkedResults: runs.reduce((n, r) => n + r.checkedResults, 0),
    setBackendCost: runs.map((r) => r.setBackendCost),
    cells,
  };
}

/** Things a reader of the tables should know: costs verified, noisy cells, processes that disagree. */
function collectNotes(agg) {
  const view = makeView(agg);
  const notes = [];
  if (agg.dist.changedDuringRun) notes.push('**dist/index.js changed during the run** (someone rebuilt it): processes may have timed different builds.');
  const cost = agg.setBackendCost;
  const avg = (k) => cost.reduce((s, c) => s + c[k], 0) / cost.length;
  notes.push(
    `setBackend cost, measured in each process: same mode ${avg('sameModeNs').toFixed(0)} ns, switching auto/wasm/js ${avg('switchModeNs').toFixed(0)} ns ` +
      `(against ≥ ${(agg.config.bytesPerCall / 1024).toFixed(0)} KiB of work per timed call: negligible); toggling simd ${(avg('toggleSimdNs') / 1000).toFixed(0)} µs, because it ` +
      're-instantiates the module and detaches allocBuffer views. Each backend runs from its own copy of the package, set once (see bench/implementations.mjs for why).',
  );
  notes.push(
    `Before timing, every implementation was checked against the wirekit js twin on every timed buffer and on random lengths (0 to 4 KiB, odd and even) at every alignment: ${agg.checkedResults} results, all equal.`,
  );
  // Same code path under two names: under auto, crc32c and inet inputs this large go to the WASM
  // kernel with a copy, exactly like 'wasm (copy)'. Their ratio shows the noise floor the ±10%
  // auto target is judged against.
  const aa = [];
  for (const kernel of ['crc32c', 'inet']) {
    for (const size of [1500, 65536, 1048576]) {
      const r = view.pairedQuartiles(kernel, 'auto', 'wasm', size);
      if (r) aa.push(`${kernel} ${formatSize(size)} ${r.median.toFixed(2)} (${r.q1.toFixed(2)}–${r.q3.toFixed(2)})`);
    }
  }
  if (aa.length) notes.push(`A/A check, auto ÷ wasm (copy) where both run the same code (ideal 1.00; in brackets the quartiles of the per-round ratios): ${aa.join(', ')}.`);
  const worst = (list, n) => (list.length > n ? `${list.slice(0, n).join(', ')} and ${list.length - n} more` : list.join(', '));
  const noisy = Object.entries(agg.cells)
    .map(([k, c]) => [k, spreadPct(c.summary)])
    .filter(([, p]) => p > 10)
    .sort((a, b) => b[1] - a[1])
    .map(([k, p]) => `${k} ±${p.toFixed(0)}%`);
  notes.push(
    noisy.length
      ? `${noisy.length} of ${Object.keys(agg.cells).length} cells have a half-IQR above 10% of the median; worst: ${worst(noisy, 8)}.`
      : 'Every cell has a half-IQR within 10% of its median.',
  );
  const split = Object.entries(agg.cells)
    .filter(([, c]) => c.perProcess.length > 1)
    .map(([k, c]) => [k, Math.max(...c.perProcess) / Math.min(...c.perProcess), c.perProcess])
    .filter(([, r]) => r > 1.25)
    .sort((a, b) => b[1] - a[1])
    .map(([k, , pp]) => `${k} (${pp.map((x) => x.toFixed(2)).join(' / ')})`);
  if (split.length) notes.push(`${split.length} cells have per-process medians more than 25% apart (GB/s per process); worst: ${worst(split, 6)}.`);
  const { before, after } = agg.loadavg;
  notes.push(`Load average (1, 5, 15 min) before / after: ${before.map((x) => x.toFixed(2)).join(' ')} / ${after.map((x) => x.toFixed(2)).join(' ')}; ${agg.machine.cores} means every core busy.`);
  notes.push(`Total ${agg.seconds.toFixed(0)} s; dist/index.js sha256 ${agg.dist.sha256}; git ${agg.git.commit.slice(0, 10)}${agg.git.dirty ? ' with uncommitted changes in src/ or assembly/' : ''}.`);
  return notes;
}

const ROUND_FIELDS = ['process', 'round', 'gbps', 'p50Ms', 'samples', 'madPct'];

/** JSON with each cell's per-round samples as rows of ROUND_FIELDS, one row a line, so it stays readable. */
function serialize(agg) {
  const compactCells = {};
  for (const [key, c] of Object.entries(agg.cells)) {
    const rows = c.rounds.map((r) => ROUND_FIELDS.map((f) => (f === 'gbps' || f === 'p50Ms' || f === 'madPct' ? +r[f].toPrecision(5) : r[f])));
    compactCells[key] = { ...c, samples: undefined, rounds: rows.map((r) => JSON.stringify(r)) };
  }
  const text = JSON.stringify({ ...agg, roundFields: ROUND_FIELDS, cells: compactCells }, null, 1);
  // Unquote the row strings so each round is a plain JSON array on its own line.
  return text.replace(/"(\[[^"\]]*\])"/g, '$1') + '\n';
}

/** The inverse of `serialize`: per-round rows back to objects, throughput samples and summaries rebuilt. */
function hydrate(saved) {
  const cells = {};
  for (const [key, c] of Object.entries(saved.cells)) {
    const rounds = c.rounds.map((row) => Object.fromEntries(saved.roundFields.map((f, i) => [f, row[i]])));
    cells[key] = { ...c, rounds, samples: rounds.map((r) => r.gbps) };
  }
  const { roundFields: _, ...agg } = saved;
  return { ...agg, cells };
}

function writeReport(agg) {
  agg.notes = collectNotes(agg);
  agg.autoChecks = autoChecks(agg, makeView(agg));
  const resultsDir = join(here, 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.json'), serialize(agg));
  writeFileSync(join(resultsDir, 'checksum.svg'), renderSvg(agg));
  process.stdout.write(renderMarkdown(agg, agg.notes));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.report) {
    writeReport(hydrate(JSON.parse(readFileSync(join(here, 'results', 'latest.json'), 'utf8'))));
    return;
  }
  await waitForDist();
  const distHash = sha256(distEntry);
  const tmp = mkdtempSync(join(os.tmpdir(), 'wirekit-bench-'));
  const loads = { before: os.loadavg() };
  const started = Date.now();
  const runs = [];
  try {
    for (let i = 0; i < opts.processes; i++) {
      process.stderr.write(`benchmark process ${i + 1}/${opts.processes}\n`);
      runs.push(await runChild(i, opts, join(tmp, `process-${i}.json`)));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  loads.after = os.loadavg();
  const distChanged = sha256(distEntry) !== distHash;

  const agg = aggregate(runs, opts, {
    date: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    machine: machineInfo(),
    git: gitInfo(),
    dist: { sha256: distHash, changedDuringRun: distChanged },
    backend: runs[0].backend,
    loadavg: loads,
  });
  writeReport(agg);
  process.stderr.write(`wrote bench/results/latest.json and bench/results/checksum.svg (${agg.seconds.toFixed(0)} s)\n`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.usage ? err.message : (err.stack ?? err)}\n`);
  process.exit(1);
});
