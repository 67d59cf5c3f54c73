import { describe, expect, it } from 'vitest';
import { asShares, pearson, ranks, spearman } from './stats';

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

describe('ranks', () => {
  it.each([
    [[30, 10, 20], [3, 1, 2]],
    [[1, 2, 2, 3], [1, 2.5, 2.5, 4]],
    [[5, 5, 5], [2, 2, 2]],
  ])('%j -> %j', (values, expected) => expect([...ranks(values)]).toEqual(expected));
});

describe('spearman', () => {
  it.each([
    // Any increasing transform keeps the order: 1, where Pearson is below 1.
    [[1, 2, 3, 4], [1, 8, 27, 1000], 1],
    [[1, 2, 3, 4], [4, 3, 2, 1], -1],
    [[1, 2, 3, 4], [1, 3, 2, 4], 0.8],
    [[1, 2, 2, 3], [1, 2, 3, 4], 0.9486832980505138],
  ])('%j vs %j = %s', (x, y, r) => expect(spearman(x, y)).toBeCloseTo(r, 10));

  it('is NaN when one side has no spread', () => expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN());
});
