// Order statistics for benchmark samples: medians and quartiles resist the outliers a shared
// machine produces (another process, a GC pause), where means and standard deviations do not.

/** The q-quantile (0..1) of `values`, interpolating linearly between order statistics. */
export function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function summarize(values) {
  return {
    median: quantile(values, 0.5),
    q1: quantile(values, 0.25),
    q3: quantile(values, 0.75),
    min: Math.min(...values),
    max: Math.max(...values),
    n: values.length,
  };
}

/** Half the interquartile range as a percentage of the median: the "±" printed beside a median. */
export function spreadPct(summary) {
  return (100 * (summary.q3 - summary.q1)) / 2 / summary.median;
}
