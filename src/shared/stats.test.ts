import { describe, expect, it } from 'vitest';
import { asShares, pearson } from './stats';

describe('pearson', () => {
  it.each([
    [[1, 2, 3], [2, 4, 6], 1],
    [[1, 2, 3], [3, 2, 1], -1],
    [[1, 2, 3, 4], [1, 3, 2, 4], 0.8],
  ])('%j vs %j = %s', (x, y, r) => expect(pearson(x, y)).toBeCloseTo(r, 10));

  it.each([
    [[1], [1]],
    [[2, 2, 2], [1, 2, 3]],
  ])('is NaN without spread: %j vs %j', (x, y) => expect(pearson(x, y)).toBeNaN());
});

describe('asShares', () => {
  it.each([
    [{ a: 2, b: 1, c: 1 }, [0.5, 0.25, 0.25]],
    [{ a: -1, b: 1 }, [0, 1, 0]],
    [{}, [0, 0, 0]],
  ])('%j -> %j', (weights, expected) => expect(asShares(['a', 'b', 'c'], weights)).toEqual(expected));
});
