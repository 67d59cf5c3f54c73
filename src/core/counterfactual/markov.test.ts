import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { markovAttribution } from './markov';
import { buildPrepared, type JourneySpec } from './test-fixtures';

const A = 0;
const B = 1;
const C = 2;

/** Journeys as campaign lists; touchpoints one second apart, journeys one after another. */
function journeys(list: [number[], boolean][]): JourneySpec[] {
  let t = 0;
  return list.map(([campaigns, converted]) => ({
    converted,
    touchpoints: campaigns.map((campaign) => ({ time: t++, campaign })),
  }));
}

// Five journeys over a, b, c:
//   a b -> conversion   a c -> null   b -> conversion   c b -> null   a c -> conversion
// Transitions (counts / out of the state):
//   start: a 3/5, b 1/5, c 1/5
//   a:     b 1/3, c 2/3
//   b:     conversion 2/3, null 1/3
//   c:     b 1/3, conversion 1/3, null 1/3
// Absorption into conversion, x = P(convert | state):
//   x_b = 2/3
//   x_c = 1/3 + 1/3 x_b = 5/9
//   x_a = 1/3 x_b + 2/3 x_c = 2/9 + 10/27 = 16/27
//   P = 3/5 * 16/27 + 1/5 * 2/3 + 1/5 * 5/9 = (48 + 18 + 15) / 135 = 3/5
// Remove a (x_a = 0):  P = 1/5 * 2/3 + 1/5 * 5/9 = 33/135 = 11/45;  effect 1 - (11/45)/(3/5) = 16/27
// Remove b (x_b = 0):  x_c = 1/3, x_a = 2/3 * 1/3 = 2/9;  P = 3/5 * 2/9 + 1/5 * 1/3 = 1/5;  effect 2/3
// Remove c (x_c = 0):  x_a = 1/3 * 2/3 = 2/9;  P = 3/5 * 2/9 + 1/5 * 2/3 = 4/15;  effect 1 - 4/9 = 5/9
// Effects sum to 16/27 + 18/27 + 15/27 = 49/27, so the weights are 16/49, 18/49, 15/49.
const handExample = journeys([
  [[A, B], true],
  [[A, C], false],
  [[B], true],
  [[C, B], false],
  [[A, C], true],
]);

describe('markovAttribution', () => {
  it.each(['dense', 'iterative'] as const)('matches the hand-computed three-campaign chain (%s solver)', (solver) => {
    const result = markovAttribution(buildPrepared(handExample), { solver });
    if (!result.ok) throw new Error(result.error);
    expect(result.states).toBe(3);
    expect(result.converged).toBe(true);
    expect(result.baseConversion).toBeCloseTo(3 / 5, 12);
    expect(Array.from(result.conversionWithout)).toEqual([11 / 45, 1 / 5, 4 / 15].map((v) => expect.closeTo(v, 12)));
    expect(Array.from(result.removalEffects)).toEqual([16 / 27, 2 / 3, 5 / 9].map((v) => expect.closeTo(v, 12)));
    expect(result.weights.c0).toBeCloseTo(16 / 49, 12);
    expect(result.weights.c1).toBeCloseTo(18 / 49, 12);
    expect(result.weights.c2).toBeCloseTo(15 / 49, 12);
  });

  it('leaves first-order removal effects alone when a campaign repeats (self-loops only delay the walk)', () => {
    const repeated = journeys([
      [[A, A, B], true],
      [[A, C, C, C], false],
      [[B, B], true],
      [[C, B], false],
      [[A, A, A, C], true],
    ]);
    const plain = markovAttribution(buildPrepared(handExample));
    const looped = markovAttribution(buildPrepared(repeated));
    if (!plain.ok || !looped.ok) throw new Error('chain failed');
    for (let c = 0; c < 3; c++) expect(looped.removalEffects[c]).toBeCloseTo(plain.removalEffects[c], 11);
  });

  it('dense and iterative solvers agree on a larger first-order chain', () => {
    const rng = createRng(31);
    const list: [number[], boolean][] = [];
    for (let j = 0; j < 400; j++) {
      const length = 1 + rng.int(8);
      list.push([Array.from({ length }, () => rng.int(12)), rng.next() < 0.3]);
    }
    const data = buildPrepared(journeys(list), { campaigns: 12 });
    const dense = markovAttribution(data, { solver: 'dense' });
    const iterative = markovAttribution(data, { solver: 'iterative' });
    if (!dense.ok || !iterative.ok) throw new Error('chain failed');
    expect(iterative.sweeps).toBeGreaterThan(1);
    expect(dense.baseConversion).toBeCloseTo(iterative.baseConversion, 10);
    for (let c = 0; c < 12; c++) expect(dense.conversionWithout[c]).toBeCloseTo(iterative.conversionWithout[c], 10);
    expect(new Set(Array.from(dense.removalEffects)).size).toBeGreaterThan(6);
  });

  it.each([1, 2, 3])('order %i: P(conversion) from start equals the share of converted journeys, prior correction included', (order) => {
    const rng = createRng(7 + order);
    const list: [number[], boolean][] = [];
    for (let j = 0; j < 80; j++) {
      const length = 1 + rng.int(5);
      list.push([Array.from({ length }, () => rng.int(4)), rng.next() < 0.4]);
    }
    const rate = 0.25;
    const data = buildPrepared(journeys(list), { campaigns: 4, negativeSamplingRate: rate });
    const converted = list.filter(([, y]) => y).length;
    const unconverted = list.length - converted;
    // Flow conservation: every journey walks from start into exactly one absorbing state.
    const corrected = markovAttribution(data, { order });
    const raw = markovAttribution(data, { order, priorCorrection: false });
    if (!corrected.ok || !raw.ok) throw new Error('chain failed');
    expect(corrected.baseConversion).toBeCloseTo(converted / (converted + unconverted / rate), 10);
    expect(raw.baseConversion).toBeCloseTo(converted / list.length, 10);
  });

  it.each([1, 2])('order %i: the campaign every conversion comes from has removal effect 1', (order) => {
    // Only b ever leads to conversion, so in any chain every converting walk passes through b.
    const data = buildPrepared(
      journeys([
        [[A, C, B], true],
        [[C, B], true],
        [[B, A, B], true],
        [[A, C], false],
        [[C, A, C], false],
      ]),
    );
    const result = markovAttribution(data, { order });
    if (!result.ok) throw new Error(result.error);
    expect(result.removalEffects[B]).toBeCloseTo(1, 12);
    expect(result.removalEffects[A]).toBeLessThan(1);
    expect(result.removalEffects[C]).toBeLessThan(1);
  });

  it('second order tells apart paths that first order merges', () => {
    // After "a b" people convert, after "c b" they do not: only a second-order chain sees that.
    const data = buildPrepared(
      journeys([
        [[A, B], true],
        [[A, B], true],
        [[C, B], false],
        [[C, B], false],
      ]),
    );
    const first = markovAttribution(data, { order: 1 });
    const second = markovAttribution(data, { order: 2 });
    if (!first.ok || !second.ok) throw new Error('chain failed');
    // First order: every path reaches b, which converts half the time, so a and c look alike.
    expect(first.removalEffects[A]).toBeCloseTo(first.removalEffects[C], 12);
    // Second order: states (a), (c), (a,b), (c,b); (a,b) converts always, (c,b) never.
    expect(second.removalEffects[A]).toBeCloseTo(1, 12);
    expect(second.removalEffects[C]).toBeCloseTo(0, 12);
    expect(second.states).toBe(4);
  });

  it.each([
    [{ order: 0 }, 'order'],
    [{ order: 1.5 }, 'order'],
  ])('refuses %o', (options, word) => {
    const result = markovAttribution(buildPrepared(handExample), options);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(word);
  });

  it('refuses a log without conversions', () => {
    const result = markovAttribution(buildPrepared(journeys([[[A, B], false]])));
    expect(result.ok).toBe(false);
  });

  it('looks at the test journeys only when asked', () => {
    const specs = handExample.map((j, i) => ({ ...j, split: i < 2 ? 2 : 0 }));
    const result = markovAttribution(buildPrepared(specs), { subset: 'test' });
    if (!result.ok) throw new Error(result.error);
    expect(result.journeys).toBe(2);
    // Test journeys: "a b" converts, "a c" does not.
    expect(result.baseConversion).toBeCloseTo(1 / 2, 12);
    expect(result.removalEffects[B]).toBeCloseTo(1, 12);
    expect(result.removalEffects[C]).toBeCloseTo(0, 12);
  });
});
