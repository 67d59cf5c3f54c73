import { describe, expect, it } from 'vitest';
import { buildPrepared, functionScorer, randomJourneys, type JourneySpec } from '../counterfactual/test-fixtures';
import type { JourneyScorer } from '../models/scorer';
import { currentAllocation, replayInput } from '../simulate';
import { AllocationJudge } from './judge';
import { responseCurves, RESPONSE_MULTIPLES } from './response';

const CAMPAIGNS = 4;
/** Planted effects on the log-odds: c0 works, c1 does nothing, c2 works a little, c3 does nothing. */
const EFFECT = [1.2, 0, 0.5, 0];

const journeys = (count: number, seed: number): JourneySpec[] => randomJourneys(count, seed, CAMPAIGNS);

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const BASE = sigmoid(-2);

/**
 * The distinct campaigns received set the log-odds; a journey left with no
 * touchpoint scores the baseline ("this user, no ads"), so a campaign with no
 * effect changes nothing at all.
 */
function planted(): JourneyScorer {
  const inner = functionScorer('planted', (j) => sigmoid(-2 + [...new Set(j.campaigns)].reduce((s, c) => s + EFFECT[c], 0)));
  return {
    name: 'planted',
    scoresEmptyJourneys: true,
    async score(batch) {
      const out = await inner.score(batch);
      for (let j = 0; j < batch.count; j++) {
        let any = false;
        for (let s = 0; s < batch.steps; s++) any ||= batch.mask[j * batch.steps + s] === 1;
        if (!any) out[j] = BASE;
      }
      return out;
    },
  };
}

describe('responseCurves', () => {
  const prepared = buildPrepared(journeys(400, 5), { campaigns: CAMPAIGNS });
  const all = Uint32Array.from({ length: prepared.journeys.count }, (_, j) => j);
  const today = currentAllocation(replayInput(prepared), 1, 'impressions');
  // Today buys about 60% of each campaign's impressions: twice today's buys them all, so the curves flatten.
  const budget = 0.6 * prepared.events.count;
  const judgeOf = () => new AllocationJudge(prepared, planted(), all, { budget, unit: 'impressions', reweight: false, noAds: 'model' });
  const groups = [
    { key: 'c0', label: 'works', campaigns: [0] },
    { key: 'c1', label: 'does nothing', campaigns: [1] },
    { key: 'both', label: 'a channel of c0 and c2', campaigns: [0, 2] },
  ];

  it('gives a flat curve for a campaign with no effect and a rising one with diminishing returns for one that works', async () => {
    const curves = await responseCurves(judgeOf(), today, groups, { budget });
    expect(curves.map((c) => c.key)).toEqual(['c0', 'c1', 'both']);
    for (const curve of curves) {
      expect(curve.points.map((p) => p.multiple)).toEqual(RESPONSE_MULTIPLES);
      expect(curve.points[0]).toEqual({ multiple: 0, amount: 0, incremental: 0 });
    }
    const [works, nothing, channel] = curves;
    for (const p of nothing.points) expect(p.incremental).toBeCloseTo(0, 9);
    const y = works.points.map((p) => p.incremental);
    for (let i = 1; i < y.length; i++) expect(y[i]).toBeGreaterThanOrEqual(y[i - 1] - 1e-9);
    expect(y[4]).toBeGreaterThan(1);
    // Diminishing returns: today's budget again (1 -> 2) adds less than today's budget did (0 -> 1).
    expect(y[8] - y[4]).toBeLessThan(0.5 * y[4]);
    // Amounts: the multiple of today's budget of the group, a channel's being the sum of its campaigns'.
    expect(works.today).toBeCloseTo(today[0] * budget, 9);
    expect(channel.today).toBeCloseTo((today[0] + today[2]) * budget, 9);
    channel.points.forEach((p) => expect(p.amount).toBeCloseTo(p.multiple * channel.today, 9));
    expect(channel.points[4].incremental).toBeGreaterThan(works.points[4].incremental);
  });

  it("puts the point at today's budget at today's judged total minus the total with the group at zero", async () => {
    const judge = judgeOf();
    const [curve] = await responseCurves(judge, today, [groups[2]], { budget });
    const check = judgeOf();
    const todayTotal = (await check.judge(today)).total;
    const zero = Float64Array.from(today);
    zero[0] = 0;
    zero[2] = 0;
    const zeroTotal = (await check.judge(zero)).total;
    expect(curve.points[4].multiple).toBe(1);
    expect(curve.points[4].incremental).toBeCloseTo(todayTotal - zeroTotal, 9);
    // The judge is left at today's allocation.
    expect(judge.total).toBeCloseTo(todayTotal, 9);
  });

  it('judges zero even when the multiples leave it out, and reports progress per group', async () => {
    const seen: [number, number, string][] = [];
    const curves = await responseCurves(judgeOf(), today, groups, { budget, multiples: [2, 1], onProgress: (d, t, g) => seen.push([d, t, g]) });
    expect(curves[0].points.map((p) => p.multiple)).toEqual([0, 1, 2]);
    expect(seen).toEqual(groups.map((g, i) => [i + 1, groups.length, g.label]));
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    const run = responseCurves(judgeOf(), today, groups, { budget, signal: controller.signal, onProgress: () => controller.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });
});
