import { describe, expect, it } from 'vitest';
import { createRng } from './random';

function draws(seed: number, n = 8): number[] {
  const r = createRng(seed);
  return Array.from({ length: n }, () => r.next());
}

describe('createRng', () => {
  it.each([0, 1, 42, 2 ** 31 - 1, -7, 1e12])('repeats its stream for seed %s', (seed) => {
    expect(draws(seed)).toEqual(draws(seed));
  });

  it.each([
    [0, 1],
    [1, 2],
    [42, 43],
  ])('gives different streams for seeds %s and %s', (a, b) => {
    expect(draws(a)).not.toEqual(draws(b));
  });

  it('next() stays in [0, 1) with a mean near 1/2', () => {
    const r = createRng(3);
    let sum = 0;
    let lo = 1;
    let hi = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      sum += x;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.01);
  });

  it.each([1, 2, 7, 100])('int(%i) covers 0..n-1 evenly', (n) => {
    const r = createRng(n);
    const counts = new Array<number>(n).fill(0);
    const draws = 2000 * n;
    let nonIntegers = 0;
    for (let i = 0; i < draws; i++) {
      const k = r.int(n);
      if (!Number.isInteger(k)) nonIntegers++;
      counts[k]++;
    }
    expect(nonIntegers).toBe(0);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(draws);
    for (const c of counts) expect(Math.abs(c / 2000 - 1)).toBeLessThan(0.15);
  });

  it('normal() has mean 0 and variance 1', () => {
    const r = createRng(11);
    const n = 40000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.04);
  });

  it.each([
    ['array', () => Array.from({ length: 50 }, (_, i) => i)],
    ['Uint32Array', () => Uint32Array.from({ length: 50 }, (_, i) => i)],
    ['Float64Array', () => Float64Array.from({ length: 50 }, (_, i) => i)],
  ])('shuffle permutes a %s in place, reproducibly', (_name, make) => {
    const a = make();
    const b = make();
    createRng(5).shuffle(a);
    createRng(5).shuffle(b);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(make()));
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from(make()));
  });

  it('shuffle puts each element in each place about equally often', () => {
    const r = createRng(9);
    const hits = [0, 0, 0];
    for (let i = 0; i < 6000; i++) {
      const a = [0, 1, 2];
      r.shuffle(a);
      hits[a.indexOf(0)]++;
    }
    for (const h of hits) expect(Math.abs(h / 2000 - 1)).toBeLessThan(0.1);
  });

  it('fork gives labelled streams that are reproducible, distinct, and leave the parent alone', () => {
    const parent = createRng(1);
    const a1 = parent.fork('balance').next();
    const untouched = createRng(1).next();
    expect(parent.next()).toBe(untouched);
    expect(createRng(1).fork('balance').next()).toBe(a1);
    expect(createRng(1).fork('split').next()).not.toBe(a1);
    expect(createRng(2).fork('balance').next()).not.toBe(a1);
    expect(createRng(1).fork(3).next()).not.toBe(createRng(1).fork('3').next());
    expect(createRng(1).fork('a').fork('b').next()).not.toBe(createRng(1).fork('b').fork('a').next());
  });
});
