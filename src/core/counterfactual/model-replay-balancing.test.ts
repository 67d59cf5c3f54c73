/** Issue 13, part 5: the model-judged replay undoes the balancing, as removal effects and Shapley values do. */
import { describe, expect, it } from 'vitest';
import { modelReplay } from './model-replay';
import { buildPrepared, functionScorer, type JourneySpec } from './test-fixtures';

/** Every journey converts with probability 0.25, whatever it received. */
const quarter = functionScorer('quarter', () => 0.25);

const specs: JourneySpec[] = [
  { converted: true, touchpoints: [{ time: 1, campaign: 0 }] },
  { converted: false, touchpoints: [{ time: 2, campaign: 1 }] },
  { converted: false, touchpoints: [{ time: 3, campaign: 0 }] },
];

describe('modelReplay and balancing', () => {
  it('counts an unconverted journey 1 / negativeSamplingRate times unless told not to', async () => {
    // Balancing kept a quarter of the unconverted journeys: each stands for 4.
    const data = buildPrepared(specs, { negativeSamplingRate: 0.25 });
    const weights = { m: { c0: 1, c1: 1 } };
    const options = { budget: 100, pitches: [1], bootstrap: { seed: 3, replicates: 50 } };
    const weighted = await modelReplay(data, quarter, weights, options);
    const plain = await modelReplay(data, quarter, weights, { ...options, reweight: false });
    if (!weighted.ok || !plain.ok) throw new Error('replay failed');
    // A budget above the impressions buys everything: 1 + 4 + 4 journeys at 0.25, against 3 at 0.25.
    expect(weighted.baseline).toBeCloseTo(0.25 * 9, 6);
    expect(weighted.byModel.m[0].expectedConversions).toBeCloseTo(0.25 * 9, 6);
    expect(plain.baseline).toBeCloseTo(0.25 * 3, 6);
    // The interval resamples journeys with their weights: it holds the weighted total.
    const [lo, hi] = weighted.byModel.m[0].interval!;
    expect(lo).toBeLessThanOrEqual(0.25 * 9 + 1e-9);
    expect(hi).toBeGreaterThanOrEqual(0.25 * 9 - 1e-9);
    expect(hi).toBeGreaterThan(0.25 * 3);
  });

  it('prices an impression at what its journey stands for, so a budget buys what it would buy in the log', async () => {
    // Six journeys of one impression each: c0 only before conversions, c1 only in journeys that did not convert (a quarter kept).
    const six: JourneySpec[] = Array.from({ length: 6 }, (_, i) => ({ converted: i % 2 === 0, touchpoints: [{ time: i + 1, campaign: i % 2 }] }));
    const data = buildPrepared(six, { negativeSamplingRate: 0.25 });
    // Six replayed impressions standing for 3 + 12 = 15: a budget of 2.4 (0.4 of 6) is 6 in the log.
    // Equal weights give each campaign 3: c0 buys its three impressions (price 1), c1 none of its (price 4 each).
    const replay = await modelReplay(data, quarter, { m: { c0: 1, c1: 1 } }, { budget: 2.4, pitches: [1], reweight: true });
    if (!replay.ok) throw new Error(replay.error);
    expect(replay.byModel.m[0].bought).toBe(3);
    expect(replay.byModel.m[0].spent).toBeCloseTo(3 / 2.5, 9);
    // Without the reweighting each campaign's 1.2 (bought whole: 2) buys two impressions.
    const plain = await modelReplay(data, quarter, { m: { c0: 1, c1: 1 } }, { budget: 2.4, pitches: [1], reweight: false });
    if (!plain.ok) throw new Error(plain.error);
    expect(plain.byModel.m[0].bought).toBe(4);
  });
});
