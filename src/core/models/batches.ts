/**
 * Length bucketing. Journeys average ~3.5 touchpoints of 15 steps, and a batch
 * runs as many steps as its longest journey, so a random batch of 64 (which
 * nearly always holds one long journey) runs ~15 steps. Batches of journeys of
 * similar length run 2-4. Training keeps its randomness: journeys are shuffled,
 * sorted by length only within large windows, and the batches then shuffled.
 */
import type { Rng } from '../random';

/** Journeys per sorting window, in batches: large enough that most batches hold one length. */
export const BUCKET_WINDOW_BATCHES = 32;

/**
 * For each of `count` journeys laid out [journey, steps] in `mask` (or only
 * journeys `rows` of it): 1 + its last step holding a touchpoint, 0 when it has none.
 */
export function activeLengths(mask: Float32Array, steps: number, count: number, rows?: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const base = (rows ? rows[r] : r) * steps;
    let t = steps;
    while (t > 0 && mask[base + t - 1] === 0) t--;
    out[r] = t;
  }
  return out;
}

/** Positions 0..lengths.length-1 ordered by length, ties kept in order (counting sort: stable, linear). */
export function lengthOrder(lengths: Uint8Array, from = 0, to = lengths.length): Int32Array {
  const counts = new Int32Array(257);
  for (let p = from; p < to; p++) counts[lengths[p] + 1]++;
  for (let l = 1; l < counts.length; l++) counts[l] += counts[l - 1];
  const out = new Int32Array(to - from);
  for (let p = from; p < to; p++) out[counts[lengths[p]]++] = p;
  return out;
}

/**
 * One epoch's batches of journeys `rows` (shuffled in place first), each a
 * subarray of one new array. `lengthOf` gives a journey's active length.
 * Without bucketing: consecutive slices of the shuffled rows, as before.
 */
export function epochBatches(rows: Int32Array, lengthOf: Uint8Array, batchSize: number, rng: Rng, bucketing: boolean): Int32Array[] {
  rng.shuffle(rows);
  let ordered = rows;
  if (bucketing) {
    ordered = new Int32Array(rows.length);
    const window = batchSize * BUCKET_WINDOW_BATCHES;
    const lengths = new Uint8Array(rows.length);
    for (let p = 0; p < rows.length; p++) lengths[p] = lengthOf[rows[p]];
    for (let start = 0; start < rows.length; start += window) {
      const order = lengthOrder(lengths, start, Math.min(rows.length, start + window));
      for (let q = 0; q < order.length; q++) ordered[start + q] = rows[order[q]];
    }
  }
  const batches: Int32Array[] = [];
  for (let start = 0; start < ordered.length; start += batchSize) batches.push(ordered.subarray(start, Math.min(ordered.length, start + batchSize)));
  // Sorted windows would otherwise run short journeys first and long ones last in each window.
  if (bucketing) rng.shuffle(batches);
  return batches;
}
