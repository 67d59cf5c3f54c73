import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { quantile } from './bootstrap';
import { modelRemovalEffects } from './removal';
import { buildPrepared, functionScorer, type JourneySpec, type JourneyView } from './test-fixtures';

/** A nonlinear, order-sensitive stand-in: later touchpoints count more, campaigns interact. */
const campaignLift = [0.3, -0.2, 0.8, 0.1, 0.5, -0.4];
function orderedModel(j: JourneyView): number {
  let z = -2;
  j.campaigns.forEach((c, k) => (z += campaignLift[c] * (1 + 0.3 * k)));
  if (j.campaigns.includes(2) && j.campaigns.includes(4)) z += 0.7;
  z += 0.5 * (j.categories[0]?.[0] ?? 0) + 0.2 * (j.numeric.at(-1)?.[0] ?? 0);
  return 1 / (1 + Math.exp(-z));
}

function randomJourneys(seed: number, count: number, campaigns = 6, maxLength = 6): JourneySpec[] {
  const rng = createRng(seed);
  const out: JourneySpec[] = [];
  for (let j = 0; j < count; j++) {
    const length = 1 + rng.int(maxLength);
    const segment = rng.int(2);
    const t0 = rng.int(1000);
    out.push({
      converted: rng.next() < 0.3,
      split: rng.int(3),
      touchpoints: Array.from({ length }, (_, k) => ({
        time: t0 + k * 10,
        campaign: rng.int(campaigns),
        categories: [segment],
        numeric: [rng.int(2), 0, 0, 0],
      })),
    });
  }
  return out;
}

/** Scores one journey, written out by hand from the spec (not through the batcher). */
function scoreSpec(spec: JourneySpec, keep: (campaign: number) => boolean, model: (j: JourneyView) => number): number {
  const tps = spec.touchpoints.filter((t) => keep(t.campaign));
  if (tps.length === 0) return 0;
  // The scorer returns float32, so round as it does.
  return Math.fround(
    model({
      campaigns: tps.map((t) => t.campaign),
      categories: tps.map((t) => t.categories ?? [0]),
      numeric: tps.map((t) => t.numeric ?? [0, 0, 0, 0]),
      steps: tps.map((_, k) => k),
    }),
  );
}

describe('modelRemovalEffects', () => {
  it.each([
    [1, 2048],
    [2, 3],
    [3, 1],
  ])('seed %i, batches of %i: equals the drop computed journey by journey', async (seed, batchSize) => {
    const specs = randomJourneys(seed, 40);
    const data = buildPrepared(specs, { campaigns: 6 });
    const scorer = functionScorer('ordered', orderedModel);
    const result = await modelRemovalEffects(data, scorer, { batchSize });
    for (let c = 0; c < 6; c++) {
      let drop = 0;
      let touchpoints = 0;
      let journeys = 0;
      for (const spec of specs) {
        const n = spec.touchpoints.filter((t) => t.campaign === c).length;
        if (n === 0) continue;
        touchpoints += n;
        journeys++;
        drop += scoreSpec(spec, () => true, orderedModel) - scoreSpec(spec, (x) => x !== c, orderedModel);
      }
      expect(result.campaigns[c].drop).toBeCloseTo(drop, 10);
      expect(result.weights[`c${c}`]).toBe(result.campaigns[c].drop);
      expect(result.campaigns[c].touchpoints).toBe(touchpoints);
      expect(result.campaigns[c].journeys).toBe(journeys);
      expect(result.campaigns[c].perImpression).toBeCloseTo(touchpoints ? drop / touchpoints : 0, 10);
    }
    const expected = specs.reduce((sum, s) => sum + scoreSpec(s, () => true, orderedModel), 0);
    expect(result.expectedConversions).toBeCloseTo(expected, 10);
    expect(Math.max(...scorer.calls)).toBeLessThanOrEqual(batchSize);
  });

  it('hands the model compacted journeys: remaining touchpoints in order at the front, padding after', async () => {
    const specs: JourneySpec[] = [
      { converted: true, touchpoints: [0, 1, 0, 2, 1].map((campaign, k) => ({ time: k, campaign, numeric: [k, 0, 0, 0] })) },
    ];
    const seenWithout1: JourneyView[] = [];
    const scorer = functionScorer('spy', (j) => {
      if (!j.campaigns.includes(1) && j.campaigns.length === 3) seenWithout1.push(j);
      return 0.5;
    });
    await modelRemovalEffects(buildPrepared(specs, { steps: 8 }), scorer);
    expect(seenWithout1).toHaveLength(1);
    expect(seenWithout1[0].campaigns).toEqual([0, 0, 2]);
    expect(seenWithout1[0].steps).toEqual([0, 1, 2]);
    // The numeric feature remembers each touchpoint's original position: 0, 2, 3.
    expect(seenWithout1[0].numeric.map((f) => f[0])).toEqual([0, 2, 3]);
  });

  it('scores identical journeys once and counts them as many times as they occur', async () => {
    const one: JourneySpec = { converted: true, touchpoints: [{ time: 1, campaign: 0 }, { time: 2, campaign: 1 }] };
    const specs = Array.from({ length: 5 }, () => structuredClone(one));
    const scorer = functionScorer('ordered', orderedModel);
    const result = await modelRemovalEffects(buildPrepared(specs), scorer);
    expect(result.distinctJourneys).toBe(1);
    // One full journey and one without each of its two campaigns.
    expect(result.scored).toBe(3);
    const single = scoreSpec(one, () => true, orderedModel) - scoreSpec(one, (c) => c !== 0, orderedModel);
    expect(result.campaigns[0].drop).toBeCloseTo(5 * single, 10);
    expect(result.campaigns[0].journeys).toBe(5);
  });

  it('gives no credit to a campaign shown only to people who convert anyway, where last touch gives it the most', async () => {
    // Campaigns 0-2 reach everyone; campaign 3 (retargeting) is shown just before the
    // conversion, and only to the segment (category 1) that converts regardless.
    const rng = createRng(99);
    const retargeting = 3;
    const specs: JourneySpec[] = [];
    for (let j = 0; j < 300; j++) {
      const segment = rng.next() < 0.3 ? 1 : 0;
      const converted = rng.next() < (segment ? 0.7 : 0.05);
      const length = 2 + rng.int(4);
      const t0 = rng.int(10_000);
      const touchpoints = Array.from({ length }, (_, k) => ({ time: t0 + k, campaign: rng.int(3), categories: [segment] }));
      if (segment && converted) touchpoints.push({ time: t0 + length, campaign: retargeting, categories: [segment] });
      specs.push({ converted, touchpoints });
    }
    const data = buildPrepared(specs, { steps: 15 });
    // The stand-in knows only the segment: the campaign has no causal effect.
    const segmentOnly = functionScorer('segment', (j) => (j.categories[0][0] === 1 ? 0.7 : 0.05));
    const removal = await modelRemovalEffects(data, segmentOnly);

    // Last touch, computed simply: credits per impression.
    const credits = [0, 0, 0, 0];
    const impressions = [0, 0, 0, 0];
    for (const s of specs) {
      for (const t of s.touchpoints) impressions[t.campaign]++;
      if (s.converted) credits[s.touchpoints[s.touchpoints.length - 1].campaign]++;
    }
    const lastTouch = credits.map((c, k) => c / impressions[k]);
    expect(lastTouch.indexOf(Math.max(...lastTouch))).toBe(retargeting);

    expect(removal.campaigns[retargeting].journeys).toBeGreaterThan(20);
    expect(Math.abs(removal.campaigns[retargeting].drop)).toBeLessThan(1e-9);
    expect(Math.abs(removal.campaigns[retargeting].drop)).toBeLessThan(0.01 * removal.expectedConversions);
  });

  it('reports progress up to the total and stops when aborted', async () => {
    const data = buildPrepared(randomJourneys(5, 1200), { campaigns: 6 });
    const seen: [number, number][] = [];
    await modelRemovalEffects(data, functionScorer('ordered', orderedModel), { batchSize: 128, onProgress: (d, t) => seen.push([d, t]) });
    const last = seen[seen.length - 1];
    expect(last[0]).toBe(last[1]);
    expect(seen.length).toBeGreaterThan(2);

    const controller = new AbortController();
    const stopping = functionScorer('stops', (j) => {
      controller.abort();
      return orderedModel(j);
    });
    await expect(modelRemovalEffects(data, stopping, { batchSize: 64, signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(stopping.calls).toHaveLength(1);
  });

  it.each([true, false])('reweight %s: unconverted journeys count 1 / negativeSamplingRate times when on', async (reweight) => {
    const specs = randomJourneys(21, 50);
    const rate = 0.25;
    const data = buildPrepared(specs, { campaigns: 6, negativeSamplingRate: rate });
    const result = await modelRemovalEffects(data, functionScorer('ordered', orderedModel), { reweight, bootstrap: { seed: 1, replicates: 50 } });
    const weight = (s: JourneySpec): number => (s.converted || !reweight ? 1 : 1 / rate);
    const c = 2;
    let drop = 0;
    let expected = 0;
    for (const s of specs) {
      expected += weight(s) * scoreSpec(s, () => true, orderedModel);
      if (s.touchpoints.some((t) => t.campaign === c)) {
        drop += weight(s) * (scoreSpec(s, () => true, orderedModel) - scoreSpec(s, (x) => x !== c, orderedModel));
      }
    }
    expect(result.campaigns[c].drop).toBeCloseTo(drop, 10);
    expect(result.expectedConversions).toBeCloseTo(expected, 10);
    expect(result.campaigns[c].interval![0]).toBeLessThanOrEqual(drop + 1e-12);
    expect(result.campaigns[c].interval![1]).toBeGreaterThanOrEqual(drop - 1e-12);
  });

  it('looks at the test journeys only when asked', async () => {
    const specs = randomJourneys(8, 60);
    const result = await modelRemovalEffects(buildPrepared(specs, { campaigns: 6 }), functionScorer('ordered', orderedModel), { subset: 'test' });
    const test = specs.filter((s) => s.split === 2);
    expect(result.journeys).toBe(test.length);
    expect(result.expectedConversions).toBeCloseTo(
      test.reduce((sum, s) => sum + scoreSpec(s, () => true, orderedModel), 0),
      10,
    );
  });

  it('gives seeded bootstrap intervals around each drop', async () => {
    const data = buildPrepared(randomJourneys(11, 80), { campaigns: 6 });
    const run = () => modelRemovalEffects(data, functionScorer('ordered', orderedModel), { bootstrap: { seed: 3, replicates: 100 } });
    const a = await run();
    const b = await run();
    for (const c of a.campaigns) {
      const [lo, hi] = c.interval!;
      expect(lo).toBeLessThanOrEqual(c.drop + 1e-12);
      expect(hi).toBeGreaterThanOrEqual(c.drop - 1e-12);
    }
    expect(a.campaigns.map((c) => c.interval)).toEqual(b.campaigns.map((c) => c.interval));
    expect(a.campaigns.some((c) => c.interval![1] > c.interval![0])).toBe(true);
  });

  it('hands back the resamples its intervals are percentiles of, so sums of campaigns get intervals from the same resamples', async () => {
    const data = buildPrepared(randomJourneys(11, 80), { campaigns: 6 });
    const result = await modelRemovalEffects(data, functionScorer('ordered', orderedModel), { bootstrap: { seed: 3, replicates: 100, level: 0.9 } });
    expect(result.resamples).toHaveLength(100);
    for (const [c, campaign] of result.campaigns.entries()) {
      const column = Float64Array.from(result.resamples!, (r) => r[c]).sort();
      expect(quantile(column, 0.05)).toBeCloseTo(campaign.interval![0], 12);
      expect(quantile(column, 0.95)).toBeCloseTo(campaign.interval![1], 12);
    }
    // Without a bootstrap there are none.
    expect((await modelRemovalEffects(data, functionScorer('ordered', orderedModel))).resamples).toBeUndefined();
  });
});
