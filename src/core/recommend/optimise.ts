/**
 * Allocations as shares of the budget, the limits a marketer sets on them,
 * and a search for the allocation with the most expected conversions.
 */
import { throwIfAborted } from '../counterfactual/journey-batch';
import type { AllocationLimits } from '../settings';
import type { AllocationJudge, ShareChange } from './judge';

export type { AllocationLimits } from '../settings';

/** Least and most share of the budget per campaign. */
export interface ShareBounds {
  lower: Float64Array;
  upper: Float64Array;
}

export type BoundsResult = ({ ok: true } & ShareBounds) | { ok: false; error: string };

/** The limits as shares of `budget`, checked: each lower under its upper, the lowers under the budget and the uppers over it. */
export function shareBounds(campaignIds: readonly string[], today: Float64Array, budget: number, limits: AllocationLimits = {}): BoundsResult {
  const n = campaignIds.length;
  const lower = new Float64Array(n);
  const upper = new Float64Array(n).fill(Infinity);
  if (limits.maxChange !== undefined && !(limits.maxChange >= 0)) return { ok: false, error: 'The largest change must be a share of 0 or more.' };
  for (let c = 0; c < n; c++) {
    if (limits.maxChange !== undefined) {
      lower[c] = today[c] * Math.max(0, 1 - limits.maxChange);
      upper[c] = today[c] * (1 + limits.maxChange);
    }
    const floor = limits.floor?.[campaignIds[c]];
    const ceiling = limits.ceiling?.[campaignIds[c]];
    if (floor !== undefined) lower[c] = Math.max(lower[c], floor / budget);
    if (ceiling !== undefined) upper[c] = Math.min(upper[c], ceiling / budget);
    if (lower[c] > upper[c] + 1e-12) return { ok: false, error: `Campaign ${campaignIds[c]}: its lower limit is above its upper limit.` };
  }
  let lowerSum = 0;
  let upperSum = 0;
  for (let c = 0; c < n; c++) {
    lowerSum += lower[c];
    upperSum += upper[c];
  }
  if (lowerSum > 1 + 1e-9) return { ok: false, error: "The campaigns' lower limits add up to more than the budget." };
  if (upperSum < 1 - 1e-9) return { ok: false, error: "The campaigns' upper limits add up to less than the budget." };
  return { ok: true, lower, upper };
}

/**
 * Shares in proportion to `wanted` that respect the bounds, by water-filling
 * (as the budget recommendation does): a campaign pushed past a bound is
 * fixed there and the rest is split again over the others, until none is
 * past. Without weight left among the free campaigns the rest goes evenly.
 */
export function fitToBounds(wanted: ArrayLike<number>, bounds: ShareBounds): Float64Array {
  const n = wanted.length;
  const share = new Float64Array(n);
  const fixed = new Uint8Array(n);
  for (let round = 0; round <= n; round++) {
    let remaining = 1;
    let freeWeight = 0;
    let free = 0;
    for (let c = 0; c < n; c++) {
      if (fixed[c]) remaining -= share[c];
      else {
        freeWeight += Math.max(0, wanted[c]);
        free++;
      }
    }
    if (free === 0) break;
    for (let c = 0; c < n; c++) {
      if (!fixed[c]) share[c] = freeWeight > 0 ? (remaining * Math.max(0, wanted[c])) / freeWeight : remaining / free;
    }
    let changed = false;
    for (let c = 0; c < n; c++) {
      if (fixed[c]) continue;
      if (share[c] < bounds.lower[c] - 1e-12) share[c] = bounds.lower[c];
      else if (share[c] > bounds.upper[c] + 1e-12) share[c] = bounds.upper[c];
      else continue;
      fixed[c] = 1;
      changed = true;
    }
    if (!changed) break;
  }
  return share;
}

export interface OptimiseOptions {
  /** Sizes of a move, as shares of the budget, largest first: coarse moves first, then finer ones. */
  steps?: readonly number[];
  /** Moves tried per round, best estimated first. */
  pairsPerRound?: number;
  /** At most this many moves in all (each move is one or a few passes of the model). */
  maxMoves?: number;
  signal?: AbortSignal;
  /** Moves made so far, of at most maxMoves. */
  onProgress?: (moves: number, maxMoves: number) => void;
}

export interface Optimised {
  shares: Float64Array;
  /** Weighted expected conversions on the judge's journeys: where the search started, and where it ended. */
  start: number;
  expected: number;
  moves: number;
}

export const DEFAULT_OPTIMISER_STEPS = [0.1, 0.05, 0.025, 0.0125] as const;

/**
 * Local search against the judge, from `start` (today's split fitted to the
 * bounds): for each campaign, the marginal gain of `step` more budget and
 * the loss of `step` less; then the most promising transfers from one
 * campaign to another are judged exactly and the first that gains is made.
 * Marginals are re-measured for the two campaigns a move touched (the
 * others' are re-measured only when no move is left, since a move changes
 * journeys they share); when no transfer gains, the step halves. Only gains
 * are taken, so the result never does worse than `start` on these journeys,
 * and every allocation it visits stays within the bounds.
 */
export async function optimiseAllocation(judge: AllocationJudge, start: Float64Array, bounds: ShareBounds, options: OptimiseOptions = {}): Promise<Optimised> {
  const steps = options.steps ?? DEFAULT_OPTIMISER_STEPS;
  const pairsPerRound = options.pairsPerRound ?? 6;
  const n = start.length;
  const maxMoves = options.maxMoves ?? 40 + 4 * n;
  const startTotal = await judge.reset(start);
  const s = judge.shares;
  const tolerance = 1e-9 * Math.max(1, Math.abs(startTotal));
  const gain = new Float64Array(n);
  const loss = new Float64Array(n);
  const up = new Float64Array(n);
  const down = new Float64Array(n);
  let moves = 0;
  options.onProgress?.(0, maxMoves);
  for (const step of steps) {
    let dirty: number[] = Array.from({ length: n }, (_, c) => c);
    let stale = false;
    while (moves < maxMoves) {
      throwIfAborted(options.signal);
      if (dirty.length > 0) {
        const trials: ShareChange[][] = [];
        for (const c of dirty) {
          up[c] = Math.max(0, Math.min(step, bounds.upper[c] - s[c]));
          down[c] = Math.max(0, Math.min(step, s[c] - bounds.lower[c]));
          trials.push([[c, s[c] + up[c]]], [[c, s[c] - down[c]]]);
        }
        const d = await judge.deltas(trials);
        dirty.forEach((c, k) => {
          gain[c] = up[c] > 1e-12 ? d[2 * k] : -Infinity;
          loss[c] = down[c] > 1e-12 ? d[2 * k + 1] : -Infinity;
        });
      }
      const pairs = bestTransfers(gain, loss, pairsPerRound, tolerance);
      const tried = pairs.map(([, a, b]) => {
        const amount = Math.min(up[b], down[a]);
        return [
          [a, s[a] - amount],
          [b, s[b] + amount],
        ] as ShareChange[];
      });
      const exact = tried.length > 0 ? await judge.deltas(tried) : new Float64Array(0);
      let best = -1;
      for (let t = 0; t < tried.length; t++) if (exact[t] > tolerance && (best < 0 || exact[t] > exact[best])) best = t;
      if (best >= 0) {
        await judge.commit(tried[best]);
        moves++;
        options.onProgress?.(moves, maxMoves);
        dirty = tried[best].map(([c]) => c);
        stale = true;
        continue;
      }
      if (!stale) break;
      dirty = Array.from({ length: n }, (_, c) => c);
      stale = false;
    }
  }
  return { shares: Float64Array.from(s), start: startTotal, expected: judge.total, moves };
}

/**
 * The `count` transfers (estimate, from a, to b) with the largest estimated
 * gain `gain[b] + loss[a]` above `tolerance`, best first, ties by a then b:
 * what listing every pair a != b and sorting would give. A pair whose giver
 * is not among the top count + 1 by `loss` has count better pairs ahead of it
 * (one of those givers at most is its taker), and likewise for the taker; so
 * (count + 1)^2 pairs are enough, not the n^2 (490 000 with 700 campaigns,
 * sorted at every move, 95% of a 700-campaign recommendation's time before).
 */
export function bestTransfers(gain: ArrayLike<number>, loss: ArrayLike<number>, count: number, tolerance: number): [number, number, number][] {
  const pairs: [number, number, number][] = [];
  const takers = topIndexes(gain, count + 1);
  for (const a of topIndexes(loss, count + 1)) {
    for (const b of takers) {
      if (a === b) continue;
      const estimate = gain[b] + loss[a];
      if (estimate > tolerance) pairs.push([estimate, a, b]);
    }
  }
  pairs.sort((p, q) => q[0] - p[0] || p[1] - q[1] || p[2] - q[2]);
  return pairs.slice(0, count);
}

/** The `k` indexes of the largest values, largest first, equal values in index order; -Infinity (not allowed) and NaN left out. */
export function topIndexes(values: ArrayLike<number>, k: number): number[] {
  const top: number[] = [];
  for (let c = 0; c < values.length; c++) {
    const v = values[c];
    if (!(v > -Infinity) || (top.length === k && !(v > values[top[k - 1]]))) continue;
    let i = top.length < k ? top.push(c) - 1 : k - 1;
    // Only strictly smaller values move down: an equal value met earlier has the lower index and stays ahead.
    while (i > 0 && values[top[i - 1]] < v) {
      top[i] = top[i - 1];
      i--;
    }
    top[i] = c;
  }
  return top;
}
