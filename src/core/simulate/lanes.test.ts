import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../random';
import { campaignBudgets, journeysWithEvents, replay, replayLanes, resolveWeights, sweepPitches, REPLAY_LANES, type ReplayInput } from '.';

/** Random events in time order: some journeys long, some campaigns rare, a share of journeys converted. */
function randomInput(rng: Rng, events: number, journeys: number, campaigns: number): ReplayInput {
  const journey = new Uint32Array(events);
  const campaign = new Uint32Array(events);
  const cost = new Float32Array(events);
  // Journeys drawn with skew so that a few are long; campaigns with skew so that a few are popular.
  for (let e = 0; e < events; e++) {
    journey[e] = Math.floor(journeys * Math.pow(rng.next(), 2));
    campaign[e] = Math.floor(campaigns * Math.pow(rng.next(), 1.5));
    cost[e] = rng.next();
  }
  // Journeys numbered by first event, as replayInput does; some numbers may have no event at all.
  const label = Uint8Array.from({ length: journeys }, () => (rng.next() < 0.3 ? 1 : 0));
  return { campaignIds: Array.from({ length: campaigns }, (_, c) => `c${c}`), events: { count: events, journey, campaign, cost }, journeyLabel: label };
}

function randomWeights(rng: Rng, campaigns: number): Record<string, number> {
  const w: Record<string, number> = {};
  for (let c = 0; c < campaigns; c++) {
    const u = rng.next();
    // Some zero, some negative (clipped), some missing, the rest spread over orders of magnitude.
    if (u < 0.1) w[`c${c}`] = 0;
    else if (u < 0.15) w[`c${c}`] = -1;
    else if (u < 0.2) continue;
    else w[`c${c}`] = Math.exp(4 * rng.normal());
  }
  w.c0 = 1;
  return w;
}

describe('replays side by side', () => {
  it.each([
    [1, 'impressions'],
    [2, 'impressions'],
    [3, 'impressions'],
    [4, 'impressions'],
    [5, 'money'],
    [6, 'money'],
    [7, 'impressions'],
    [8, 'money'],
  ] as const)('equal the event-by-event replay on random events and budgets (seed %i, %s)', (seed, unit) => {
    const rng = createRng(seed);
    const campaigns = 1 + rng.int(40);
    // Seeds 7 and 8: a few journeys of hundreds of events.
    const input = randomInput(rng, seed > 6 ? 4000 : 1 + rng.int(3000), seed > 6 ? 2 + rng.int(8) : 1 + rng.int(800), campaigns);
    const seen = journeysWithEvents(input);
    for (let trial = 0; trial < 10; trial++) {
      const lanes = 1 + rng.int(REPLAY_LANES);
      const budgets = Array.from({ length: lanes }, () => {
        const b = new Float64Array(campaigns);
        const scale = Math.exp(6 * rng.next());
        for (let c = 0; c < campaigns; c++) {
          const u = rng.next();
          // Whole, fractional, zero, below one and larger than the campaign's events.
          b[c] = u < 0.1 ? 0 : u < 0.15 ? rng.next() : u < 0.5 ? Math.floor(scale * rng.next()) : scale * rng.next() * 3;
        }
        return b;
      });
      const got = replayLanes(input, budgets, unit, seen);
      budgets.forEach((b, k) => {
        const expected = replay(input, b, unit);
        expect(got[k].conversions).toBe(expected.conversions);
        expect(got[k].bought).toBe(expected.bought);
        expect(got[k].spent).toBe(expected.spent);
        expect(Array.from(got[k].spentByCampaign)).toEqual(Array.from(expected.spentByCampaign));
      });
    }
  });

  it.each([
    [11, 'impressions'],
    [12, 'impressions'],
    [13, 'money'],
    [14, 'money'],
  ] as const)('a sweep equals the per-pitch replay of every model and pitch (seed %i, %s)', (seed, unit) => {
    const rng = createRng(seed);
    const campaigns = 2 + rng.int(30);
    const input = randomInput(rng, 500 + rng.int(4000), 50 + rng.int(1000), campaigns);
    const models = { a: randomWeights(rng, campaigns), b: randomWeights(rng, campaigns) };
    const pitches = [0, 0.1, 0.5, 1, 1.5, 2, 3, 8];
    const budget = rng.next() < 0.5 ? undefined : 1 + rng.int(unit === 'money' ? input.events.count / 2 : input.events.count);
    const sweep = sweepPitches(input, models, { pitches, unit, budget });
    if (!sweep.ok) throw new Error(sweep.error);
    expect(sweep.models.map((m) => m.model)).toEqual(['a', 'b', 'uniform']);
    const uniform = Object.fromEntries(input.campaignIds.map((id) => [id, 1]));
    for (const m of sweep.models) {
      const w = resolveWeights(input.campaignIds, m.model === 'uniform' ? uniform : models[m.model as 'a' | 'b']);
      if (!w.ok) throw new Error(w.error);
      let best = -1;
      let bestSpent: Float64Array | null = null;
      pitches.forEach((pitch, i) => {
        const r = replay(input, campaignBudgets(w.weights, sweep.budget, pitch, unit), unit);
        expect(m.results[i]).toEqual({ pitch, conversions: r.conversions, spent: r.spent, conversionsPerBudget: r.conversions / sweep.budget });
        if (best < 0 || r.conversions > m.results[best].conversions) {
          best = i;
          bestSpent = r.spentByCampaign;
        }
      });
      expect(m.best).toEqual({ pitch: pitches[best], conversions: m.results[best].conversions });
      expect(m.allocation.map((a) => a.spent)).toEqual(Array.from(bestSpent!));
    }
  });

  it('counts no conversion for a converted journey without events, and reports progress per pass', () => {
    const input: ReplayInput = {
      campaignIds: ['x', 'y', 'z'],
      events: { count: 3, journey: Uint32Array.from([0, 2, 0]), campaign: Uint32Array.from([0, 0, 1]), cost: new Float32Array(3) },
      journeyLabel: Uint8Array.from([1, 1, 1]),
    };
    const budgets = [[0, 0, 0], [1, 0, 5], [2, 1, 0], [5, 5, 5]].map((b) => Float64Array.from(b));
    const got = replayLanes(input, budgets, 'impressions', journeysWithEvents(input));
    budgets.forEach((b, k) => expect(got[k]).toEqual(replay(input, b, 'impressions')));
    const progress: [number, number][] = [];
    const pitches = Array.from({ length: 10 }, (_, i) => i + 1);
    const sweep = sweepPitches(input, { m: { x: 3, y: 1, z: 2 } }, { pitches, unit: 'impressions', budget: 3 }, (done, total) => progress.push([done, total]));
    expect(sweep.ok).toBe(true);
    expect(progress[progress.length - 1]).toEqual([20, 20]);
  });
});
