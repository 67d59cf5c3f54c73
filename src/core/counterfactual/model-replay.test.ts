import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { modelReplay } from './model-replay';
import { buildPrepared, functionScorer, type JourneySpec } from './test-fixtures';

/**
 * The label stand-in: numeric feature 0 holds the journey's label and feature 1
 * its touchpoint count, so the model can tell whether a journey received all of
 * its touchpoints; it returns the label then, 0 otherwise.
 */
const labelModel = functionScorer('label', (j) => (j.campaigns.length === j.numeric[0][1] ? j.numeric[0][0] : 0));

function labelled(list: { campaigns: number[]; times: number[]; converted: boolean; split?: number }[]): JourneySpec[] {
  return list.map(({ campaigns, times, converted, split }) => ({
    converted,
    split,
    touchpoints: campaigns.map((campaign, k) => ({ time: times[k], campaign, numeric: [converted ? 1 : 0, campaigns.length, 0, 0] })),
  }));
}

/** Seeded journeys of 1..longest touchpoints on `campaigns` campaigns, starting within `span`, up to `gap` apart; 40% converted. */
function randomList(seed: number, o: { journeys: number; longest: number; campaigns: number; span: number; gap: number }) {
  const rng = createRng(seed);
  return Array.from({ length: o.journeys }, () => {
    const length = 1 + rng.int(o.longest);
    const start = rng.int(o.span);
    return {
      campaigns: Array.from({ length }, () => rng.int(o.campaigns)),
      times: Array.from({ length }, (_, k) => start + k * (1 + rng.int(o.gap))),
      converted: rng.next() < 0.4,
    };
  });
}

describe('modelReplay', () => {
  it('the worked example: with the label model, only journey A receives every impression and converts', async () => {
    // Events (time, journey, campaign): 1 A x, 2 B y, 2 C x, 3 A y, 4 B x, 5 C y, 6 D y, 7 A x, 8 D x, 9 E y.
    // Budgets x 4, y 2. Without blacklisting: buy 1Ax 2By 2Cx 3Ay 4Bx, miss 5Cy 6Dy (y spent),
    // buy 7Ax (last x), miss 8Dx 9Ey. A (converted) got all; B got all but did not convert.
    const x = 0;
    const y = 1;
    const specs = labelled([
      { campaigns: [x, y, x], times: [1, 3, 7], converted: true },
      { campaigns: [y, x], times: [2, 4], converted: false },
      { campaigns: [x, y], times: [2, 5], converted: true },
      { campaigns: [y, x], times: [6, 8], converted: true },
      { campaigns: [y], times: [9], converted: false },
    ]);
    const data = buildPrepared(specs);
    const result = await modelReplay(data, labelModel, { lta: { c0: 2, c1: 1 } }, { budget: 6, pitches: [1] });
    if (!result.ok) throw new Error(result.error);
    expect(result.byModel.lta[0]).toMatchObject({ pitch: 1, expectedConversions: 1, bought: 6, spent: 6, completeJourneys: 2 });
    expect(result.baseline).toBe(3);
  });

  it.each([1, 2, 3])('seed %i: with the label model, expected conversions = converted journeys that received all their impressions', async (seed) => {
    const list = randomList(seed, { journeys: 120, longest: 5, campaigns: 5, span: 500, gap: 30 });
    const data = buildPrepared(labelled(list), { campaigns: 5 });
    const weights = { a: { c0: 1, c1: 3, c2: 0.5, c3: 2, c4: 1 }, b: { c0: 1, c1: 1, c2: 1, c3: 1, c4: 1 } };
    const pitches = [0.5, 1, 2];
    const result = await modelReplay(data, labelModel, weights, { pitches, budget: 150, batchSize: 16 });
    if (!result.ok) throw new Error(result.error);

    // Independently: sort every impression by time (ties in listed order), spend, count.
    const stream = list.flatMap((j, ji) => j.campaigns.map((c, k) => ({ t: j.times[k], j: ji, c, order: 0 })));
    stream.forEach((e, i) => (e.order = i));
    stream.sort((p, q) => p.t - q.t || p.order - q.order);
    for (const [model, w] of Object.entries(weights)) {
      pitches.forEach((pitch, k) => {
        const ws = [0, 1, 2, 3, 4].map((c) => w[`c${c}` as keyof typeof w]);
        const max = Math.max(...ws);
        const shares = ws.map((v) => (v / max) ** pitch);
        const sum = shares.reduce((a, b) => a + b, 0);
        const left = shares.map((s) => Math.ceil((150 * s) / sum));
        const missed = new Set<number>();
        for (const e of stream) {
          if (left[e.c] >= 1) left[e.c]--;
          else missed.add(e.j);
        }
        const count = list.filter((j, ji) => j.converted && !missed.has(ji)).length;
        expect(result.byModel[model][k].expectedConversions).toBe(count);
      });
    }
    expect(result.baseline).toBe(list.filter((j) => j.converted).length);
  });

  it.each([
    ['first', 0],
    ['last', 1],
  ] as const)('only touchpoints in the model’s window count (keep %s)', async (keep, expected) => {
    // Campaign 1 gets no budget, so the first touchpoint is never bought; with a window of the
    // last two touchpoints the model never sees it.
    const specs = labelled([{ campaigns: [1, 0, 0], times: [1, 2, 3], converted: true }]);
    for (const t of specs[0].touchpoints) t.numeric![1] = 2;
    const data = buildPrepared(specs, { steps: 2, keep, campaigns: 2 });
    const result = await modelReplay(data, labelModel, { m: { c0: 1 } }, { budget: 10, pitches: [1] });
    if (!result.ok) throw new Error(result.error);
    expect(result.byModel.m[0].expectedConversions).toBe(expected);
    expect(result.byModel.m[0].bought).toBe(2);
  });

  it('replays the test journeys or a time window when asked', async () => {
    const specs = labelled([
      { campaigns: [0, 1], times: [1, 2], converted: true, split: 2 },
      { campaigns: [1, 0], times: [3, 4], converted: true, split: 0 },
      { campaigns: [0, 0], times: [5, 6], converted: false, split: 2 },
    ]);
    const data = buildPrepared(specs);
    const test = await modelReplay(data, labelModel, { m: { c0: 1, c1: 1 } }, { subset: 'test', pitches: [1] });
    const window = await modelReplay(data, labelModel, { m: { c0: 1, c1: 1 } }, { from: 4, pitches: [1] });
    if (!test.ok || !window.ok) throw new Error('replay failed');
    expect([test.replayedEvents, test.journeys]).toEqual([4, 2]);
    expect([window.replayedEvents, window.journeys]).toEqual([3, 2]);
    // Default budget: 10% of 3 impressions, so c0 gets ceil(0.15) = 1: the 4 s impression of
    // journey 2 is bought and its 3 s impression, before the window, counts as received.
    expect(window.budget).toBeCloseTo(0.3, 12);
    expect(window.byModel.m[0].expectedConversions).toBe(1);
  });

  it('gives seeded, paired bootstrap intervals that hold the point estimates', async () => {
    const rng = createRng(5);
    const list = Array.from({ length: 60 }, (_, j) => ({
      campaigns: [rng.int(3), rng.int(3)],
      times: [j, j + 100],
      converted: rng.next() < 0.5,
    }));
    const data = buildPrepared(labelled(list), { campaigns: 3 });
    const run = () => modelReplay(data, labelModel, { m: { c0: 1, c1: 2, c2: 3 } }, { pitches: [1, 2], budget: 60, bootstrap: { seed: 9 } });
    const a = await run();
    const b = await run();
    if (!a.ok || !b.ok) throw new Error('replay failed');
    for (const p of a.byModel.m) {
      expect(p.interval![0]).toBeLessThanOrEqual(p.expectedConversions);
      expect(p.interval![1]).toBeGreaterThanOrEqual(p.expectedConversions);
    }
    expect(a.baselineInterval![0]).toBeLessThan(a.baseline);
    expect(a.byModel.m.map((p) => p.interval)).toEqual(b.byModel.m.map((p) => p.interval));
  });

  it('scores each distinct variant of a journey once across models and pitches, with the values a replay of each point alone gives', async () => {
    const list = randomList(7, { journeys: 150, longest: 4, campaigns: 4, span: 400, gap: 20 });
    const data = buildPrepared(labelled(list), { campaigns: 4 });
    // A model that gives every kept set its own value, so that a wrong variant would show.
    const scorer = () => functionScorer('sets', (j) => 0.05 + 0.01 * j.steps.reduce((a, s, k) => a + (s + 1) * (j.campaigns[k] + 1), 0) + 0.1 * j.numeric[0][0]);
    const weights = { a: { c0: 1, c1: 3, c2: 0.5, c3: 2 }, b: { c0: 1, c1: 1, c2: 1, c3: 1 } };
    const pitches = [0.5, 1, 2];
    const together = scorer();
    const all = await modelReplay(data, together, weights, { pitches, budget: 120, batchSize: 16 });
    if (!all.ok) throw new Error(all.error);
    let alone = 0;
    for (const [m, w] of Object.entries(weights)) {
      for (const [k, pitch] of pitches.entries()) {
        const one = scorer();
        const point = await modelReplay(data, one, { [m]: w }, { pitches: [pitch], budget: 120, batchSize: 16 });
        if (!point.ok) throw new Error(point.error);
        expect(all.byModel[m][k]).toEqual(point.byModel[m][0]);
        alone += point.scored;
      }
    }
    // Six points replayed alone score the unchanged journeys six times over, and any variant two points share twice.
    expect(all.scored).toBe(together.calls.reduce((a, b) => a + b, 0));
    expect(all.scored).toBeLessThan(alone - 5 * all.journeys);
  });

  it('clips negative weights to 0 and says so', async () => {
    const data = buildPrepared(labelled([{ campaigns: [0, 1], times: [1, 2], converted: true }]));
    const result = await modelReplay(data, labelModel, { m: { c0: 1, c1: -2 } }, { budget: 2, pitches: [1] });
    if (!result.ok) throw new Error(result.error);
    expect(result.notes.join(' ')).toContain('negative');
    // c1 gets no budget, so the journey misses a touchpoint and the label model gives 0.
    expect(result.byModel.m[0].expectedConversions).toBe(0);
  });

  it.each([
    [{ m: { c0: Number.NaN } }, {}, 'finite'],
    [{ m: { c0: 0 } }, {}, 'zero'],
    [{ m: { c0: 1 } }, { pitches: [0] }, 'pitch'],
    [{ m: { c0: 1 } }, { budget: -5 }, 'budget'],
    [{}, {}, 'No attribution'],
    [{ m: { c0: 1 } }, { from: 1e9 }, 'No event'],
  ])('refuses %o with %o', async (weights, options, word) => {
    const data = buildPrepared(labelled([{ campaigns: [0, 0], times: [1, 2], converted: true }]));
    const result = await modelReplay(data, labelModel, weights, options);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(word);
  });
});
