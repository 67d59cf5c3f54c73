/** The optimiser's choice of transfers to judge: the few best of every pair, without listing every pair. */
import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { bestTransfers, topIndexes } from './optimise';

/** Every pair a != b with its estimate, sorted as the optimiser sorted them before. */
function everyPair(gain: Float64Array, loss: Float64Array, count: number, tolerance: number): [number, number, number][] {
  const pairs: [number, number, number][] = [];
  for (let a = 0; a < loss.length; a++) {
    if (loss[a] === -Infinity) continue;
    for (let b = 0; b < gain.length; b++) {
      if (a === b || gain[b] === -Infinity) continue;
      const estimate = gain[b] + loss[a];
      if (estimate > tolerance) pairs.push([estimate, a, b]);
    }
  }
  pairs.sort((p, q) => q[0] - p[0] || p[1] - q[1] || p[2] - q[2]);
  return pairs.slice(0, count);
}

describe('bestTransfers', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: the same transfers as listing and sorting every pair, ties and barred moves included', (seed) => {
    const rng = createRng(seed);
    const n = 1 + rng.int(60);
    // Few distinct values, so that ties are common; some campaigns cannot give or take (-Infinity).
    const value = () => (rng.next() < 0.15 ? -Infinity : (rng.int(9) - 4) / 8);
    const gain = Float64Array.from({ length: n }, value);
    const loss = Float64Array.from({ length: n }, value);
    for (const count of [1, 3, 6, 20]) {
      for (const tolerance of [0, 0.2, -1]) expect(bestTransfers(gain, loss, count, tolerance)).toEqual(everyPair(gain, loss, count, tolerance));
    }
  });

  it('lets a campaign give to the best taker but itself', () => {
    // Campaign 0 is both the best giver and the best taker: its best transfers go to and from the next best.
    const gain = Float64Array.from([5, 4, 1]);
    const loss = Float64Array.from([3, -1, 2]);
    expect(bestTransfers(gain, loss, 2, 0)).toEqual([
      [7, 0, 1],
      [7, 2, 0],
    ]);
  });
});

describe('topIndexes', () => {
  it('keeps the k largest, largest first, equal values in index order, without -Infinity or NaN', () => {
    const values = [2, -Infinity, 5, 2, NaN, 5, 7, 2];
    expect(topIndexes(values, 4)).toEqual([6, 2, 5, 0]);
    expect(topIndexes(values, 10)).toEqual([6, 2, 5, 0, 3, 7]);
    expect(topIndexes([-Infinity, NaN], 3)).toEqual([]);
  });
});
