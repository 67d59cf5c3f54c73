import { describe, expect, it } from 'vitest';
import {
  bestAllocation,
  deliveredConversions,
  expectedConversions,
  noAdsConversions,
  pitchAllocation,
  servedImpressions,
  trueRemovalEffects,
  WorldRecorder,
  type PlantedWorld,
} from './oracle';
import { plantedModel } from './planted';
import { DEMO_WORLD } from './generate';
import type { WorldParams } from './types';

const s = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Three campaigns x (effect 1), y (0.5), z (0), two journeys:
 *   A (base -1): t1 x, t3 y, t5 x      B (base -2): t2 y, t4 z
 * Costs: x 2 each, y 1, z 1.
 */
function threeCampaigns(params: Partial<WorldParams> = {}, trigger = -1, dependent = -1): PlantedWorld {
  const recorder = new WorldRecorder();
  recorder.start(plantedModel(Float64Array.of(1, 0.5, 0), { ...DEMO_WORLD, ...params }, trigger, dependent), ['x', 'y', 'z']);
  recorder.journey(11, -1, [1, 3, 5], [0, 1, 0], [0, 1, 0], [2, 1, 2], 3);
  recorder.journey(12, -2, [2, 4], [1, 2], [0, 0], [1, 1], 2);
  return recorder.finish();
}

describe('the oracle on a three-campaign world, by hand', () => {
  const world = threeCampaigns();

  it('serves impressions in time order until each budget is spent', () => {
    // x 1: t1 A x; y 1: t2 B y, not t3 A y; z 5: t4 B z; t5 A x is not served.
    const served = servedImpressions(world.log, { unit: 'impressions', budgets: Float64Array.of(1, 1, 5) });
    expect([...served]).toEqual([1, 0, 0, 1, 1]);
  });

  it('gives E[conversions] of an allocation from the planted model (log2 dose)', () => {
    // A: x once -> -1 + 1 x log2(2) = 0. B: y once -> -2 + 0.5 = -1.5; z adds 0.
    expect(expectedConversions(world, { unit: 'impressions', budgets: Float64Array.of(1, 1, 5) })).toBeCloseTo(s(0) + s(-1.5), 12);
    // Money: x costs 2, so a budget of 3 buys one x (t1) and not the second; y 1 buys t2 B y only.
    expect(expectedConversions(world, { unit: 'money', budgets: Float64Array.of(3, 1, 0) })).toBeCloseTo(s(0) + s(-1.5), 12);
  });

  it('gives no ads, today\'s delivery and the removal effects', () => {
    expect(noAdsConversions(world)).toBeCloseTo(s(-1) + s(-2), 12);
    const a = -1 + Math.log2(3) + 0.5;
    expect(deliveredConversions(world)).toBeCloseTo(s(a) + s(-1.5), 12);
    const effects = trueRemovalEffects(world);
    expect(effects.removal[0]).toBeCloseTo(s(a) - s(-0.5), 12);
    expect(effects.removal[1]).toBeCloseTo(s(a) - s(a - 0.5) + s(-1.5) - s(-2), 12);
    expect(effects.removal[2]).toBe(0);
    expect([...effects.impressions]).toEqual([2, 2, 1]);
    expect(effects.perImpression[0]).toBeCloseTo(effects.removal[0] / 2, 12);
  });

  it('counts a campaign once per journey, per impression, or saturating, as the dose rule says', () => {
    const all = Float64Array.of(9, 9, 9);
    const full = (p: Partial<WorldParams>) => expectedConversions(threeCampaigns(p), { unit: 'impressions', budgets: all });
    expect(full({ dose: 'once' })).toBeCloseTo(s(-1 + 1 + 0.5) + s(-1.5), 12);
    expect(full({ dose: 'linear' })).toBeCloseTo(s(-1 + 2 + 0.5) + s(-1.5), 12);
    expect(full({ dose: 'saturating', saturation: 2 })).toBeCloseTo(
      s(-1 + 2 * (1 - Math.exp(-1)) + 0.5 * 2 * (1 - Math.exp(-0.5))) + s(-2 + 0.5 * 2 * (1 - Math.exp(-0.5))),
      12,
    );
  });

  it('decays an impression by the time to the journey\'s end, and lifts a clicked one', () => {
    const day = 86_400;
    const recorder = new WorldRecorder();
    recorder.start(plantedModel(Float64Array.of(1, 0, 0), { ...DEMO_WORLD, dose: 'linear', decayHalfLifeDays: 1, clickLift: 3 }), ['x', 'y', 'z']);
    // x two days before the end (weight 1/4), then x clicked at the end (weight 3).
    recorder.journey(1, -1, [0, 2 * day], [0, 0], [0, 1], [1, 1], 2);
    const world2 = recorder.finish();
    expect(deliveredConversions(world2)).toBeCloseTo(s(-1 + 0.25 + 3), 12);
  });

  it('lets the dependent campaign work only after the trigger', () => {
    // y depends on z: in B, y (t2) comes before z (t4), so it counts for nothing; in A there is no z.
    const world3 = threeCampaigns({}, 2, 1);
    const a = -1 + Math.log2(2 + 1);
    expect(deliveredConversions(world3)).toBeCloseTo(s(a) + s(-2), 12);
    expect(trueRemovalEffects(world3).removal[1]).toBeCloseTo(0, 12);
  });

  it('finds a best allocation at least as good as any pitch on the true effects', () => {
    const best = bestAllocation(world, 2, 'impressions');
    const effects = trueRemovalEffects(world);
    for (const pitch of [0.5, 1, 2]) {
      expect(best.expected).toBeGreaterThanOrEqual(expectedConversions(world, pitchAllocation(effects.perImpression, 2, pitch, 'impressions')) - 1e-12);
    }
    // Every way to spend exactly 2 impressions: none beats the search (pitch budgets round up, so they may spend 3).
    let bruteForce = -Infinity;
    for (let x = 0; x <= 2; x++) {
      for (let y = 0; x + y <= 2; y++) {
        const v = expectedConversions(world, { unit: 'impressions', budgets: Float64Array.of(x, y, 2 - x - y) });
        bruteForce = Math.max(bruteForce, v);
      }
    }
    // By hand: both to x (t1, t5 of A) gives s(-1 + log2 3) + s(-2), more than x 1 + y 1 (s(0) + s(-1.5)).
    expect(bruteForce).toBeCloseTo(s(-1 + Math.log2(3)) + s(-2), 12);
    expect(best.greedyExpected).toBeCloseTo(bruteForce, 12);
    expect(best.expected).toBeGreaterThanOrEqual(bruteForce);
  });
});
