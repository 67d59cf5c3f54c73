/**
 * Stable ordering of row indexes by a time key (float64 or uint32), for putting events in time
 * order. Logs come sorted by time (the Criteo file is), so this is a natural
 * merge sort: one linear pass when the input is already in order, a few merge
 * passes when it is made of a few sorted runs, O(n log n) at worst. It works on
 * typed arrays only; `Array.prototype.sort` with a comparator over 16.5 M
 * indexes takes many seconds.
 */
import type { TimeColumn } from '../table';

/**
 * Sorts `index` (in place) so that key[index[i]] never decreases; indexes with
 * equal keys keep their relative order. Returns `index`.
 */
export function sortIndexByKey(index: Uint32Array, key: TimeColumn): Uint32Array {
  const n = index.length;
  if (n < 2) return index;

  // Run boundaries: starts of maximal non-decreasing stretches.
  let runs = 1;
  for (let i = 1; i < n; i++) if (key[index[i]] < key[index[i - 1]]) runs++;
  if (runs === 1) return index;
  let bounds = new Uint32Array(runs + 1);
  let r = 1;
  for (let i = 1; i < n; i++) if (key[index[i]] < key[index[i - 1]]) bounds[r++] = i;
  bounds[runs] = n;

  let from: Uint32Array = index;
  let to: Uint32Array = new Uint32Array(n);
  while (runs > 1) {
    const merged = Math.ceil(runs / 2);
    const next = new Uint32Array(merged + 1);
    for (let m = 0; m < merged; m++) {
      const lo = bounds[2 * m];
      const mid = bounds[Math.min(2 * m + 1, runs)];
      const hi = bounds[Math.min(2 * m + 2, runs)];
      mergeRuns(from, to, key, lo, mid, hi);
      next[m] = lo;
    }
    next[merged] = n;
    bounds = next;
    runs = merged;
    const t = from;
    from = to;
    to = t;
  }
  if (from !== index) index.set(from);
  return index;
}

function mergeRuns(from: Uint32Array, to: Uint32Array, key: TimeColumn, lo: number, mid: number, hi: number): void {
  let i = lo;
  let j = mid;
  let k = lo;
  while (i < mid && j < hi) {
    // `<=` takes the left run on ties: that is what keeps the sort stable.
    if (key[from[i]] <= key[from[j]]) to[k++] = from[i++];
    else to[k++] = from[j++];
  }
  while (i < mid) to[k++] = from[i++];
  while (j < hi) to[k++] = from[j++];
}
