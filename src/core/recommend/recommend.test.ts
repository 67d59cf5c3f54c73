import { describe, expect, it } from 'vitest';
import { buildPrepared, functionScorer, randomJourneys, type JourneySpec } from '../counterfactual/test-fixtures';
import { createRng } from '../random';
import { currentAllocation, replayInput } from '../simulate';
import { AllocationJudge, defendedRecommendation, fitToBounds, heldOutJudge, optimiseAllocation, PREFERRED_METHOD, shareBounds, simultaneousLevel, TODAY, type AllocationLimits } from '.';

const CAMPAIGNS = 6;
/** Planted effects on the log-odds per campaign: two work, the rest do nothing. */
const EFFECT = [1.2, 0, 0.8, 0, 0, 0];

const journeys = (count: number, seed: number): JourneySpec[] => randomJourneys(count, seed, CAMPAIGNS);

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** Probability from the distinct campaigns received: diminishing returns, as a real judge would give. */
const planted = () => functionScorer('planted', (j) => sigmoid(-2 + [...new Set(j.campaigns)].reduce((s, c) => s + EFFECT[c], 0)));
/**
 * Journeys of one touchpoint each, whose chance of converting is the user's
 * own (a category value), whatever the campaign: every allocation reaches as
 * many journeys, and which ones is luck. Only overfitting could "win".
 */
function noiseJourneys(count: number, seed: number): JourneySpec[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => ({
    touchpoints: [{ time: rng.int(1_000_000), campaign: rng.int(CAMPAIGNS), categories: [rng.int(100)] }],
    converted: rng.next() < 0.3,
    split: 2,
  }));
}
const indifferent = () => functionScorer('indifferent', (j) => 0.05 + 0.009 * j.categories[0][0]);

describe('optimiseAllocation', () => {
  const prepared = buildPrepared(journeys(300, 3), { campaigns: CAMPAIGNS });
  const all = Uint32Array.from({ length: prepared.journeys.count }, (_, j) => j);
  const today = currentAllocation(replayInput(prepared), 1, 'impressions');
  const budget = 0.1 * prepared.events.count;

  it.each<[string, AllocationLimits]>([
    ['no limits', {}],
    ['a cap on change', { maxChange: 0.3 }],
    ['floors and ceilings', { floor: { c1: 0.1 * budget, c3: 0.05 * budget }, ceiling: { c0: 0.25 * budget, c2: 0.2 * budget } }],
    ['all of them', { maxChange: 0.5, floor: { c4: 0.12 * budget }, ceiling: { c0: 0.2 * budget } }],
  ])('keeps to the limits and never does worse than today on the fit journeys (%s)', async (_name, limits) => {
    const bounds = shareBounds(prepared.campaignIds, today, budget, limits);
    expect(bounds.ok).toBe(true);
    if (!bounds.ok) return;
    const judge = new AllocationJudge(prepared, planted(), all, { budget, unit: 'impressions', reweight: true });
    const start = fitToBounds(today, bounds);
    const todayTotal = await judge.reset(today);
    const result = await optimiseAllocation(judge, start, bounds);
    const sum = result.shares.reduce((s, x) => s + x, 0);
    expect(sum).toBeCloseTo(1, 9);
    for (let c = 0; c < CAMPAIGNS; c++) {
      expect(result.shares[c]).toBeGreaterThanOrEqual(bounds.lower[c] - 1e-9);
      expect(result.shares[c]).toBeLessThanOrEqual(bounds.upper[c] + 1e-9);
    }
    // Judged again from scratch: the search's own bookkeeping is not trusted.
    const again = await judge.reset(result.shares);
    expect(again).toBeCloseTo(result.expected, 6);
    if (!limits.floor) expect(again).toBeGreaterThanOrEqual(todayTotal - 1e-9);
    expect(again).toBeGreaterThanOrEqual(result.start - 1e-9);
  });

  it('moves budget to the campaigns that work', async () => {
    const bounds = shareBounds(prepared.campaignIds, today, budget);
    if (!bounds.ok) throw new Error(bounds.error);
    const judge = new AllocationJudge(prepared, planted(), all, { budget, unit: 'impressions', reweight: false });
    const result = await optimiseAllocation(judge, fitToBounds(today, bounds), bounds);
    expect(result.expected).toBeGreaterThan(result.start);
    expect(result.shares[0] + result.shares[2]).toBeGreaterThan(today[0] + today[2]);
  });

  it('judges a set of changes as the whole allocation judged afresh', async () => {
    const judge = new AllocationJudge(prepared, planted(), all, { budget, unit: 'impressions', reweight: true });
    const base = await judge.reset(today);
    const changes = [[0, today[0] + 0.05], [1, today[1] - 0.05]] as const;
    const [delta] = await judge.deltas([changes]);
    const moved = Float64Array.from(today);
    moved[0] += 0.05;
    moved[1] -= 0.05;
    const fresh = await judge.judge(moved);
    expect(base + delta).toBeCloseTo(fresh.total, 9);
    expect(judge.total).toBeCloseTo(base, 12);
  });
});

describe('defendedRecommendation', () => {
  const prepared = buildPrepared(journeys(600, 11), { campaigns: CAMPAIGNS, negativeSamplingRate: 0.5 });
  const rng = createRng(4);
  /** Weights of pure noise. */
  const noise = (): Record<string, number> => Object.fromEntries(prepared.campaignIds.map((id) => [id, rng.next()]));
  const weights = { lta: noise(), linear: noise(), markov: noise(), attention: noise() };
  const base = { prepared, weights, pitches: [0.5, 1, 2], unit: 'impressions' as const, maxJourneys: 2000, seed: 7 };

  it.each([1, 2, 3, 4, 5])("keeps today's split when every method is noise and no campaign matters to the judge (seed %i)", async (seed) => {
    const noisy = buildPrepared(noiseJourneys(800, seed), { campaigns: CAMPAIGNS, negativeSamplingRate: 0.5 });
    const result = await defendedRecommendation({ ...base, prepared: noisy, seed, scorer: indifferent() });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const r = result.recommendation;
    expect(r.method).toBe(TODAY);
    expect(r.why).toMatch(/^Keep today's split/);
    expect(r.expected.recommended).toBeCloseTo(r.expected.today, 9);
    expect(r.allocation).toEqual(r.today);
  });

  it('recommends an allocation that beats today by more than its interval when one does, summing to the budget', async () => {
    const result = await defendedRecommendation({ ...base, scorer: planted(), budget: 500 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const r = result.recommendation;
    expect(r.method).not.toBe(TODAY);
    expect(r.expected.interval90[0]).toBeGreaterThan(0);
    expect(r.expected.recommended - r.expected.today).toBeGreaterThanOrEqual(r.expected.interval90[0]);
    expect(Object.values(r.allocation).reduce((s, x) => s + x, 0)).toBeCloseTo(500, 6);
    expect(r.journeys.fit + r.journeys.test).toBe(600);
    // Its interval is the simultaneous one: wider than a plain 90% interval on the same resamples.
    expect(r.why).toMatch(/simultaneous over the \d+ allocations compared/);
    // Same inputs, same seed: the same advice.
    const again = await defendedRecommendation({ ...base, scorer: planted(), budget: 500 });
    expect(again).toEqual(result);
  });

  it("judges an allocation on the recommendation's own held-out journeys (what-if): its allocation to its expected conversions, today's to today's", async () => {
    const result = await defendedRecommendation({ ...base, scorer: planted(), budget: 500 });
    if (!result.ok) throw new Error(result.error);
    const r = result.recommendation;
    const made = heldOutJudge({ ...base, scorer: planted(), budget: 500 });
    if (!made.ok) throw new Error(made.error);
    expect(made.judge.journeys.length).toBe(r.journeys.test);
    const shares = (a: Record<string, number>) => base.prepared.campaignIds.map((id) => a[id] / 500);
    expect(await made.judge.reset(shares(r.allocation))).toBeCloseTo(r.expected.recommended, 9);
    expect(await made.judge.reset(shares(r.today))).toBeCloseTo(r.expected.today, 9);
    // Less budget, fewer expected conversions.
    expect(await made.judge.reset(shares(r.allocation).map((x) => x / 2))).toBeLessThan(r.expected.recommended);
  });

  it('reports its progress and stops when cancelled', async () => {
    const seen: number[] = [];
    const controller = new AbortController();
    const run = defendedRecommendation({
      ...base,
      scorer: planted(),
      signal: controller.signal,
      onProgress: (done, total) => {
        seen.push(done / total);
        if (seen.length === 3) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.every((x) => x >= 0 && x <= 1)).toBe(true);
  });

  it("takes today's split from the log, not from the balanced sample: an unconverted journey counts 1 / negativeSamplingRate times", async () => {
    // c0 is seen only before conversions, c1 only in journeys that did not convert; half the unconverted were kept.
    const specs: JourneySpec[] = Array.from({ length: 80 }, (_, i) => ({
      touchpoints: [{ time: 1000 * i, campaign: i % 2 }],
      converted: i % 2 === 0,
      split: 2,
    }));
    const skewed = buildPrepared(specs, { campaigns: 2, negativeSamplingRate: 0.5 });
    const result = await defendedRecommendation({ ...base, prepared: skewed, weights: {}, scorer: indifferent(), budget: 90 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // 40 impressions of c0, 40 of c1 standing for 80: c0 gets a third of the budget today, not half.
    expect(result.recommendation.today.c0).toBeCloseTo(30, 9);
    expect(result.recommendation.today.c1).toBeCloseTo(60, 9);
    const unweighted = await defendedRecommendation({ ...base, prepared: skewed, weights: {}, scorer: indifferent(), budget: 90, reweight: false });
    expect(unweighted.ok && unweighted.recommendation.today.c0).toBeCloseTo(45, 9);
  });

  describe("the 'preferred' rule: the removal effect when it beats today's split, whatever the model ranks first", () => {
    const byCampaign = (xs: number[]) => Object.fromEntries(prepared.campaignIds.map((id, c) => [id, xs[c]]));
    /** The removal effects a good judge would give: the two campaigns that work. */
    const right = byCampaign([1.2, 0.01, 0.8, 0.01, 0.01, 0.01]);
    /** Removal effects that point at the campaigns that do nothing. */
    const wrong = byCampaign([0.001, 1, 0.001, 1, 1, 1]);
    /** The recommendation made, or the test fails with the reason none was. */
    const made = async (input: Parameters<typeof defendedRecommendation>[0]) => {
      const result = await defendedRecommendation(input);
      if (!result.ok) throw new Error(result.error);
      return result.recommendation;
    };

    it('recommends the removal effect when its interval beats today, and names the allocation the model ranks first', async () => {
      const input = { ...base, weights: { ...weights, removal: right }, scorer: planted(), budget: 500 };
      const r = await made(input);
      expect(r.method).toBe(PREFERRED_METHOD);
      expect(r.expected.interval90[0]).toBeGreaterThan(0);
      expect(r.why).toMatch(/^Removal effect.* at pitch [\d.]+: the method the app opens on/);
      expect(r.rule).toBe('preferred');
      // One planned comparison: a plain 90% interval, inside the simultaneous one the table shows for the same candidate.
      const listed = r.candidates.find((c) => c.method === PREFERRED_METHOD)!;
      expect(r.expected.interval90[0]).toBeGreaterThan(listed.interval90[0]);
      expect(r.expected.interval90[1]).toBeLessThan(listed.interval90[1]);
      const top = r.candidates.find((c) => c.method !== TODAY)!;
      if (top.method !== PREFERRED_METHOD) expect(r.why).toContain(`The model ranks ${top.label}`);
      else expect(r.why).not.toContain('The model ranks');
      // The earlier rule on the same inputs takes the model's best held-out allocation.
      expect((await made({ ...input, rule: 'held-out' })).method).toBe(top.method);
    });

    it('names the allocation the model ranks above the removal effect, and still recommends the removal effect', async () => {
      // Right direction, weakly: the campaigns that work get a little more than today, so other allocations judge higher.
      const modest = byCampaign([1.3, 1, 1.2, 1, 1, 1]);
      const r = await made({ ...base, weights: { ...weights, removal: modest }, scorer: planted(), budget: 500, pitches: [1] });
      const top = r.candidates.find((c) => c.method !== TODAY)!;
      expect(top.method).not.toBe(PREFERRED_METHOD);
      expect(r.method).toBe(PREFERRED_METHOD);
      expect(r.why).toContain(`The model ranks ${top.pitch !== undefined ? `${top.label} at pitch ${top.pitch}` : top.label} first`);
    });

    it("keeps today's split when the removal effect does not beat it, even where another allocation does", async () => {
      const input = { ...base, weights: { ...weights, removal: wrong }, scorer: planted(), budget: 500 };
      const r = await made(input);
      expect(r.method).toBe(TODAY);
      expect(r.allocation).toEqual(r.today);
      expect(r.why).toMatch(/^Keep today's split: removal effect.* does not beat it/);
      const removal = r.candidates.find((c) => c.method === PREFERRED_METHOD)!;
      expect(removal.interval90[0]).toBeLessThanOrEqual(0);
      // The model's ranking alone would have moved the budget.
      expect((await made({ ...input, rule: 'held-out' })).method).not.toBe(TODAY);
    });
  });

  it('refuses limits that cannot be met', async () => {
    const result = await defendedRecommendation({ ...base, scorer: planted(), budget: 100, limits: { floor: { c0: 80, c1: 80 } } });
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/lower limits/) });
  });
});

describe('simultaneous intervals', () => {
  it('splits the 10% left out over the allocations compared (Bonferroni)', () => {
    expect(simultaneousLevel(0.9, 1)).toBeCloseTo(0.9, 12);
    expect(simultaneousLevel(0.9, 8)).toBeCloseTo(0.9875, 12);
    expect(simultaneousLevel(0.9, 0)).toBeCloseTo(0.9, 12);
  });
});
