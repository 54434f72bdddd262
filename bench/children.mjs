// Running a benchmark script again in fresh processes (`--child`), so each round starts from a cold
// JIT and heap, and gathering what every child printed: one JSON object of sample arrays.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs `scriptUrl` (an import.meta.url) with `--child` and `args` in `processes` processes, one
 * after the other, and returns each child's standard output parsed as JSON.
 */
export function runChildren(scriptUrl, processes, args, label) {
  const outputs = [];
  for (let p = 0; p < processes; p++) {
    process.stderr.write(`${label} bench: process ${p + 1}/${processes}\n`);
    const r = spawnSync(process.execPath, [fileURLToPath(scriptUrl), '--child', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0) throw new Error(`bench child failed with ${r.status}`);
    outputs.push(JSON.parse(r.stdout));
  }
  return outputs;
}

/** Sample arrays of several children, joined key by key. */
export function mergeSamples(outputs) {
  const all = {};
  for (const out of outputs) for (const [k, v] of Object.entries(out)) (all[k] ??= []).push(...v);
  return all;
}
