// The markdown report printed by run.mjs: one table per kernel at the DESIGN.md sizes with the ratio
// lines the targets are judged by, then the crossover table around the dispatch thresholds.
//
// Throughput cells are medians across rounds. Ratios are not quotients of those medians: each is the
// median, over (process, round), of the quotient of two cells timed back to back in that round. Load
// from other processes drifts over seconds and moves both cells of a pair alike, so pairing cancels
// most of it. On this busy 2-core machine a ratio of medians of two names for one code path wandered
// by up to ±11%; the paired ratio stayed within 1-8% (the report's A/A note shows it for each run).
import { AUTO_TARGET, CROSSOVER_IMPLS, CROSSOVER_SIZES, KERNEL_TITLES, KERNELS, MAIN_SIZES } from './config.mjs';
import { quantile, spreadPct } from './stats.mjs';

export function formatSize(size) {
  if (size >= 1024 * 1024 && size % (1024 * 1024) === 0) return `${size / (1024 * 1024)} MiB`;
  if (size > 2048 && size % 1024 === 0) return `${size / 1024} KiB`;
  return `${size} B`;
}

function formatGbps(x) {
  if (!Number.isFinite(x)) return '–';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

const ratio = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '–');

/** ✗: even the upper quartile of the per-round ratios misses the target; ?: only the median does. */
const MARK = { ok: '✓', miss: '✗', unclear: '?' };

/** Lookups over the aggregated results (see run.mjs `aggregate`). */
export function makeView(agg) {
  const cell = (kernel, id, size) => agg.cells[`${kernel}|${id}|${size}`];
  const median = (kernel, id, size) => cell(kernel, id, size)?.summary.median ?? NaN;
  const implsOf = (kernel) => agg.impls[kernel] ?? [];
  const labelOf = (kernel, id) => implsOf(kernel).find((e) => e.id === id)?.label ?? id;
  /** Quartiles over (process, round) of a's throughput divided by b's in the same round, or null. */
  const pairedQuartiles = (kernel, a, b, size) => {
    const ca = cell(kernel, a, size);
    const cb = cell(kernel, b, size);
    if (!ca || !cb) return null;
    const byRound = new Map(cb.rounds.map((r) => [`${r.process}/${r.round}`, r.gbps]));
    const q = ca.rounds.filter((r) => byRound.has(`${r.process}/${r.round}`)).map((r) => r.gbps / byRound.get(`${r.process}/${r.round}`));
    return q.length ? { q1: quantile(q, 0.25), median: quantile(q, 0.5), q3: quantile(q, 0.75) } : null;
  };
  const paired = (kernel, a, b, size) => pairedQuartiles(kernel, a, b, size)?.median ?? NaN;
  /** The fastest implementation satisfying `pick` at `size`, by median throughput. */
  const best = (kernel, size, pick) => {
    let top = { id: null, gbps: NaN };
    for (const impl of implsOf(kernel).filter(pick)) {
      const g = median(kernel, impl.id, size);
      if (Number.isFinite(g) && !(g <= top.gbps)) top = { id: impl.id, gbps: g };
    }
    return top;
  };
  /**
   * auto against every implementation it could have dispatched to (ours on ordinary input, and
   * zlib for crc32), pair by pair; the worst of those ratios is what the target is about.
   */
  const autoCheck = (kernel, size) => {
    let worst = { ratio: NaN, q3: NaN, bestId: null };
    for (const impl of implsOf(kernel).filter((e) => e.candidate)) {
      const r = pairedQuartiles(kernel, 'auto', impl.id, size);
      if (r && !(r.median >= worst.ratio)) worst = { ratio: r.median, q3: r.q3, bestId: impl.id };
    }
    // A miss is clear when even the upper quartile of the per-round ratios is below the target.
    const verdict = worst.ratio >= AUTO_TARGET ? 'ok' : worst.q3 < AUTO_TARGET ? 'miss' : 'unclear';
    return { ...worst, ok: verdict === 'ok', verdict };
  };
  return { cell, median, paired, pairedQuartiles, implsOf, labelOf, best, autoCheck };
}

function row(cells) {
  return `| ${cells.join(' | ')} |`;
}

function kernelTable(agg, view, kernel) {
  const { paired, implsOf, best, autoCheck } = view;
  const sizes = MAIN_SIZES.filter((s) => implsOf(kernel).some((e) => agg.cells[`${kernel}|${e.id}|${s}`]));
  if (sizes.length === 0) return '';
  const out = [];
  out.push(`### ${KERNEL_TITLES[kernel]}: GB/s (1e9 bytes/s), higher is better`);
  out.push('');
  out.push(
    `Median over ${agg.config.rounds} rounds × ${agg.config.processes} processes; ± is half the interquartile range across those rounds. ` +
      'Every timed call starts with the task\'s `setBackend(...)` (peers: none) and checksums several rotating buffers, half at unaligned offsets. ' +
      '"(copy)" counts copying the input into WASM memory; "(in memory)" reads a view from `allocBuffer` in place and counts no copy. ' +
      'Ratio lines are medians of per-round ratios (both sides timed back to back in the same round and process); ' +
      'in the auto line ✗ means even the upper quartile of those ratios misses the target, ? that only the median does.',
  );
  out.push('');
  out.push(row(['implementation', 'what a call counts', ...sizes.map(formatSize)]));
  out.push(row(['---', '---', ...sizes.map(() => '--:')]));
  for (const impl of implsOf(kernel)) {
    const vals = sizes.map((s) => {
      const c = agg.cells[`${kernel}|${impl.id}|${s}`];
      return c ? `${formatGbps(c.summary.median)} ±${spreadPct(c.summary).toFixed(0)}%` : '–';
    });
    out.push(row([impl.role === 'ours' ? `**${impl.label}**` : impl.label, impl.counts, ...vals]));
  }
  const ratioRow = (title, note, f) => out.push(row([`*${title}*`, note, ...sizes.map(f)]));
  ratioRow('wasm SIMD (copy) ÷ js twin', 'WASM speed-up for ordinary input', (s) => ratio(paired(kernel, 'wasm', 'js', s)));
  ratioRow('wasm in memory ÷ wasm (copy)', 'what skipping the copy buys', (s) => ratio(paired(kernel, 'wasm-mem', 'wasm', s)));
  ratioRow('wasm SIMD ÷ wasm scalar', 'both with the copy', (s) => ratio(paired(kernel, 'wasm', 'wasm-scalar', s)));
  ratioRow('auto ÷ fastest peer', 'peer with the highest median', (s) => {
    const b = best(kernel, s, (e) => e.role === 'peer');
    return b.id ? `${ratio(paired(kernel, 'auto', b.id, s))} (${b.id})` : '–';
  });
  ratioRow(
    `auto ÷ each of ours${kernel === 'crc32' ? ' + zlib' : ''}, worst`,
    `target ≥ ${AUTO_TARGET.toFixed(2)}; the one auto trails most`,
    (s) => {
      const c = autoCheck(kernel, s);
      return c.bestId ? `${ratio(c.ratio)} ${MARK[c.verdict]} (${c.bestId})` : '–';
    },
  );
  out.push('');
  return out.join('\n');
}

/** Smallest size from which `f(size) >= 1` holds at every larger measured size too, or null. */
function winsFrom(sizes, f) {
  let from = null;
  for (let i = sizes.length - 1; i >= 0; i--) {
    if (f(sizes[i]) >= 1) from = sizes[i];
    else break;
  }
  return from;
}

function crossoverTable(agg, view) {
  const { median, paired, labelOf, autoCheck } = view;
  const sizes = CROSSOVER_SIZES;
  const out = [];
  out.push('### Crossover: GB/s around the dispatch thresholds (ordinary Uint8Array input, copy counted)');
  out.push('');
  out.push(row(['kernel', 'implementation', ...sizes.map(formatSize)]));
  out.push(row(['---', '---', ...sizes.map(() => '--:')]));
  const summary = [];
  for (const kernel of KERNELS) {
    const ids = CROSSOVER_IMPLS[kernel].filter((id) => sizes.some((s) => agg.cells[`${kernel}|${id}|${s}`]));
    if (ids.length === 0) continue;
    for (const id of ids) {
      out.push(row([kernel, labelOf(kernel, id), ...sizes.map((s) => formatGbps(median(kernel, id, s)))]));
    }
    const wasmOverJs = (s) => paired(kernel, 'wasm', 'js', s);
    if (ids.includes('wasm') && ids.includes('js')) {
      out.push(row([kernel, '*wasm (copy) ÷ js*', ...sizes.map((s) => ratio(wasmOverJs(s)))]));
      const from = winsFrom(sizes, wasmOverJs);
      summary.push(`- ${kernel}: wasm (copy) is at least as fast as the js twin ${from === null ? 'only below 2048 B or nowhere (not at 2048 B)' : `from ${formatSize(from)} up`}.`);
    }
    if (kernel === 'crc32' && ids.includes('zlib') && ids.includes('wasm')) {
      const zlibOverWasm = (s) => paired(kernel, 'zlib', 'wasm', s);
      out.push(row([kernel, '*zlib ÷ wasm (copy)*', ...sizes.map((s) => ratio(zlibOverWasm(s)))]));
      const z = winsFrom(sizes, zlibOverWasm);
      summary.push(`- crc32: zlib.crc32 is at least as fast as wasm (copy) ${z === null ? 'nowhere from 2048 B down' : `from ${formatSize(z)} up`}.`);
    }
    if (ids.includes('auto')) {
      out.push(
        row([
          kernel,
          `*auto ÷ each, worst (target ≥ ${AUTO_TARGET.toFixed(2)})*`,
          ...sizes.map((s) => {
            const c = autoCheck(kernel, s);
            return c.bestId ? `${ratio(c.ratio)}${c.ok ? '' : ` ${MARK[c.verdict]} ${c.bestId}`}` : '–';
          }),
        ]),
      );
    }
  }
  out.push('');
  out.push(...summary);
  out.push('');
  return out.join('\n');
}

/** auto against each candidate, for every (kernel, size) measured, main and crossover sizes. */
export function autoChecks(agg, view) {
  const checks = [];
  for (const kernel of KERNELS) {
    for (const size of [...new Set([...CROSSOVER_SIZES, ...MAIN_SIZES])].sort((a, b) => a - b)) {
      if (!agg.cells[`${kernel}|auto|${size}`]) continue;
      const c = view.autoCheck(kernel, size);
      if (c.bestId) checks.push({ kernel, size, worstRatio: c.ratio, upperQuartile: c.q3, against: c.bestId, verdict: c.verdict });
    }
  }
  return checks;
}

export function renderMarkdown(agg, notes) {
  const view = makeView(agg);
  const parts = [];
  parts.push(`## wirekit checksum benchmarks`);
  parts.push('');
  parts.push(
    `${agg.machine.cpu} (${agg.machine.cores} logical CPUs), Node ${agg.machine.node}, ${agg.date}. ` +
      `${agg.config.processes} processes × ${agg.config.rounds} rounds, ${agg.config.timeMs} ms per task per round${agg.config.quick ? ' (--quick: smoke run, numbers are rough)' : ''}.`,
  );
  parts.push('');
  for (const kernel of KERNELS) {
    const t = kernelTable(agg, view, kernel);
    if (t) parts.push(t);
  }
  parts.push(crossoverTable(agg, view));
  const checks = autoChecks(agg, view);
  const list = (verdict) =>
    checks
      .filter((c) => c.verdict === verdict)
      .map((m) => `${m.kernel} ${formatSize(m.size)} (${ratio(m.worstRatio)} of ${m.against})`)
      .join(', ');
  const misses = list('miss');
  const unclear = list('unclear');
  parts.push(
    !misses && !unclear
      ? `**auto check:** within ${Math.round((1 - AUTO_TARGET) * 100)}% of every single implementation it could use, at every measured size.`
      : `**auto check** (target: auto ≥ ${AUTO_TARGET.toFixed(2)}× each implementation it could use, per-round ratios): ` +
          `${misses ? `clear misses (upper quartile below target too) at ${misses}. ` : ''}` +
          `${unclear ? `Median below target but within this run's noise at ${unclear}.` : ''}`,
  );
  parts.push('');
  if (notes.length > 0) {
    parts.push('### Notes');
    parts.push('');
    parts.push(...notes.map((n) => `- ${n}`));
    parts.push('');
  }
  return parts.join('\n');
}
