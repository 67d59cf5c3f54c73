/** Small statistics for the comparison views. */

/** Pearson correlation of paired values; NaN when either side has no spread or fewer than 2 pairs. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = Math.min(x.length, y.length);
  if (n < 2) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

/**
 * Weights of different models live on different scales (credits per
 * impression, mean attention, softmax): as shares of their own total they can
 * be drawn side by side. Negative weights count as 0, as in the replay.
 */
export function asShares(ids: readonly string[], weights: Record<string, number> | undefined): number[] {
  const values = ids.map((id) => Math.max(0, weights?.[id] ?? 0));
  const total = values.reduce((a, b) => a + b, 0);
  return total > 0 ? values.map((v) => v / total) : values;
}

/** Ranks 1..n, ties sharing the mean of the ranks they span (so Spearman stays exact with ties). */
export function ranks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const out = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    const mean = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) out[order[k]] = mean;
    start = end;
  }
  return out;
}

/**
 * Spearman rank correlation: Pearson on the ranks. Weights of different
 * models live on different scales, and a budget at a high pitch follows the
 * order of the weights, so agreement in order is the fair comparison.
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = Math.min(x.length, y.length);
  return pearson(ranks(Array.prototype.slice.call(x, 0, n) as number[]), ranks(Array.prototype.slice.call(y, 0, n) as number[]));
}
