/**
 * Bootstrap intervals for sums over journeys (removal drops, Shapley credit,
 * expected conversions): resample the journeys with replacement, re-add
 * their per-journey contributions, take percentiles. The model is not
 * retrained and the replay is not rerun per replicate, so the interval
 * shows how much the figure rests on which journeys happened to be in the
 * log, given the fitted model.
 */
import { createRng } from '../random';

export interface BootstrapOptions {
  /** Resamples; 200 unless told. */
  replicates?: number;
  /** Coverage of the percentile interval; 0.95 unless told. */
  level?: number;
  seed: number;
}

/**
 * Contributions of journey groups to totals: group `group[k]` adds `value[k]`
 * to total `total[k]`, once per journey of that group drawn. `groupOf[i]` is
 * the group of the i-th journey of the sample being resampled, and
 * `journeyWeight[i]` (1 when absent) how many journeys of the log it stands for.
 * Returns [lower, upper] per total, and the resampled totals themselves
 * (`samples[b * totals + t]`: total t in resample b), so that sums of totals
 * (a channel's campaigns) get intervals from the same resamples.
 */
export function bootstrapIntervals(
  groupOf: Uint32Array,
  groups: number,
  contributions: { group: Uint32Array; total: Uint32Array; value: Float64Array },
  totals: number,
  options: BootstrapOptions,
  journeyWeight?: Float64Array,
): { lower: Float64Array; upper: Float64Array; samples: Float64Array; replicates: number } {
  const replicates = Math.max(2, Math.floor(options.replicates ?? 200));
  const level = options.level ?? 0.95;
  const rng = createRng(options.seed).fork('bootstrap');
  const n = groupOf.length;
  const draws = new Float64Array(groups);
  const samples = new Float64Array(replicates * totals);
  for (let b = 0; b < replicates; b++) {
    draws.fill(0);
    for (let i = 0; i < n; i++) {
      const k = rng.int(n);
      draws[groupOf[k]] += journeyWeight ? journeyWeight[k] : 1;
    }
    const row = b * totals;
    for (let k = 0; k < contributions.group.length; k++) {
      samples[row + contributions.total[k]] += draws[contributions.group[k]] * contributions.value[k];
    }
  }
  const lower = new Float64Array(totals);
  const upper = new Float64Array(totals);
  const column = new Float64Array(replicates);
  const alpha = (1 - level) / 2;
  for (let t = 0; t < totals; t++) {
    for (let b = 0; b < replicates; b++) column[b] = samples[b * totals + t];
    column.sort();
    lower[t] = quantile(column, alpha);
    upper[t] = quantile(column, 1 - alpha);
  }
  return { lower, upper, samples, replicates };
}

/** Linear interpolation between order statistics (type 7, R's and NumPy's default). */
export function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
