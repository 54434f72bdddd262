// bench/results/checksum.svg, drawn by hand: one panel per kernel, one group of bars per size, a
// log-scale axis (throughput spans three decades from 64 B to 1 MiB), whiskers for the interquartile
// range across rounds. Plain SVG text so the chart needs no dependency and diffs as text.
import { KERNEL_TITLES, KERNELS, MAIN_SIZES } from './config.mjs';
import { formatSize } from './report-markdown.mjs';

/** One colour per implementation, the same in every panel: blues are our WASM, orange our JS. */
const COLOURS = {
  auto: '#1b2f5e',
  wasm: '#2f6fd6',
  'wasm-mem': '#8db6ef',
  'wasm-scalar': '#2aa198',
  js: '#e08a1e',
  sheetjs: '#a0a0a0',
  'hash-wasm': '#8e44ad',
  'node-rs': '#c0392b',
  zlib: '#27ae60',
  'peer-dataview': '#a0a0a0',
  'peer-uint32': '#6d4c41',
};

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (x) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toFixed(3));

export function renderSvg(agg) {
  const W = 1000;
  const left = 70;
  const right = 20;
  const plotH = 250;
  const kernels = KERNELS.filter((k) => (agg.impls[k] ?? []).length > 0);
  const all = Object.values(agg.cells)
    .filter((c) => MAIN_SIZES.includes(c.size))
    .flatMap((c) => [c.summary.q1, c.summary.q3, c.summary.median])
    .filter((x) => x > 0);
  if (all.length === 0) return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>';
  // One shared scale across panels, so a bar's height means the same thing everywhere.
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all))));
  const y = (v) => plotH - (plotH * (Math.log10(v) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));

  const out = [];
  let top = 90;
  for (const kernel of kernels) {
    const impls = agg.impls[kernel];
    const sizes = MAIN_SIZES.filter((s) => impls.some((e) => agg.cells[`${kernel}|${e.id}|${s}`]));
    const groupW = (W - left - right) / sizes.length;
    const barW = Math.min(18, (groupW - 24) / impls.length);
    const g = [];
    g.push(`<g transform="translate(0,${top})">`);
    g.push(`<text x="${left}" y="-12" class="title">${esc(KERNEL_TITLES[kernel])}</text>`);
    for (let d = lo; d <= hi * 1.0001; d *= 10) {
      for (const m of [1, 2, 5]) {
        const v = d * m;
        if (v > hi * 1.0001) break;
        const yy = y(v).toFixed(1);
        g.push(`<line x1="${left}" x2="${W - right}" y1="${yy}" y2="${yy}" class="${m === 1 ? 'grid' : 'minor'}"/>`);
        if (m === 1 || v / lo < 1000) g.push(`<text x="${left - 6}" y="${yy}" class="tick" dy="3">${fmt(v)}</text>`);
      }
    }
    g.push(`<text transform="translate(18,${plotH / 2}) rotate(-90)" class="axis">GB/s (log)</text>`);
    sizes.forEach((size, si) => {
      const x0 = left + si * groupW + (groupW - barW * impls.length) / 2;
      impls.forEach((impl, i) => {
        const c = agg.cells[`${kernel}|${impl.id}|${size}`];
        if (!c) return;
        const x = x0 + i * barW;
        const yy = y(Math.max(c.summary.median, lo));
        const cx = (x + (barW - 2) / 2).toFixed(1);
        g.push(
          `<rect x="${x.toFixed(1)}" y="${yy.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(plotH - yy).toFixed(1)}" fill="${COLOURS[impl.id] ?? '#555'}"><title>${esc(`${impl.label}, ${formatSize(size)}: ${c.summary.median.toFixed(3)} GB/s (IQR ${c.summary.q1.toFixed(3)}–${c.summary.q3.toFixed(3)})`)}</title></rect>`,
        );
        g.push(`<line x1="${cx}" x2="${cx}" y1="${y(Math.max(c.summary.q3, lo)).toFixed(1)}" y2="${y(Math.max(c.summary.q1, lo)).toFixed(1)}" class="whisker"/>`);
        // Above the whisker, so the label never sits on top of it.
        const labelY = Math.min(yy, y(Math.max(c.summary.q3, lo))) - 4;
        g.push(`<text transform="translate(${(x + barW / 2 + 3).toFixed(1)},${labelY.toFixed(1)}) rotate(-90)" class="value">${fmt(c.summary.median)}</text>`);
      });
      g.push(`<text x="${(left + si * groupW + groupW / 2).toFixed(1)}" y="${plotH + 16}" class="size">${formatSize(size)}</text>`);
    });
    g.push(`<line x1="${left}" x2="${W - right}" y1="${plotH}" y2="${plotH}" class="axisline"/>`);
    // Legend in three columns under the panel; labels carry what each bar counts.
    const colW = (W - left - right) / 3;
    impls.forEach((impl, i) => {
      const lx = left + (i % 3) * colW;
      const ly = plotH + 34 + Math.floor(i / 3) * 16;
      g.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${COLOURS[impl.id] ?? '#555'}"/>`);
      g.push(`<text x="${lx + 14}" y="${ly}" class="legend">${esc(impl.label)}</text>`);
    });
    g.push('</g>');
    out.push(...g);
    top += plotH + 34 + Math.ceil(impls.length / 3) * 16 + 50;
  }
  const H = top;
  const subtitle1 = `Median of ${agg.config.rounds} rounds × ${agg.config.processes} processes; whiskers: interquartile range across rounds. ${agg.machine.cpu}, Node ${agg.machine.node}, ${agg.date.slice(0, 10)}.`;
  const subtitle2 = '"(copy)" includes copying the input into WASM memory; "(in memory)" reads a view from allocBuffer in place. Small sizes: many buffers per timed call.';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">`,
    '<style>',
    '.title{font-size:15px;font-weight:600;fill:#222}.tick{font-size:10px;fill:#555;text-anchor:end}',
    '.axis{font-size:11px;fill:#444;text-anchor:middle}.size{font-size:12px;fill:#222;text-anchor:middle;font-weight:600}',
    '.value{font-size:9px;fill:#333}.legend{font-size:11px;fill:#222}.grid{stroke:#ccc;stroke-width:1}',
    '.minor{stroke:#eee;stroke-width:1}.axisline{stroke:#444;stroke-width:1}.whisker{stroke:#000;stroke-width:1;opacity:.55}',
    '.head{font-size:17px;font-weight:700;fill:#111}.sub{font-size:11px;fill:#555}',
    '</style>',
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${left}" y="20" class="head">wirekit checksums: throughput by implementation and input size</text>`,
    `<text x="${left}" y="38" class="sub">${esc(subtitle1)}</text>`,
    `<text x="${left}" y="53" class="sub">${esc(subtitle2)}</text>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
