import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { countingShapley, shapleyAttribution, type ShapleyResult } from './shapley';
import { buildPrepared, functionScorer, type JourneySpec, type JourneyView } from './test-fixtures';

const lift = [0.4, -0.3, 0.9, 0.2, 0.6, -0.5, 0.1, 0.3, 0.7, -0.1];

/** Order-sensitive, with an interaction: nothing about it is additive. */
function ordered(j: JourneyView): number {
  let z = -1.5;
  j.campaigns.forEach((c, k) => (z += lift[c] * (1 + 0.25 * k)));
  if (j.campaigns.includes(2) && j.campaigns.includes(4)) z += 0.8;
  return 1 / (1 + Math.exp(-z));
}

function journeysWithDistinct(seed: number, sizes: number[]): JourneySpec[] {
  const rng = createRng(seed);
  return sizes.map((distinct, j) => {
    const campaigns = Array.from({ length: 10 }, (_, c) => c);
    rng.shuffle(campaigns);
    const chosen = campaigns.slice(0, distinct);
    // Each chosen campaign at least once, plus a few repeats, in random order.
    const sequence = [...chosen, ...Array.from({ length: rng.int(3) }, () => chosen[rng.int(distinct)])];
    rng.shuffle(sequence);
    return { converted: rng.next() < 0.5, touchpoints: sequence.map((campaign, k) => ({ time: j * 100 + k, campaign })) };
  });
}

function journeyRows(result: ShapleyResult): { campaigns: number[]; values: number[]; errors: number[]; full: number }[] {
  const pj = result.perJourney;
  return Array.from(pj.representative, (_, g) => ({
    campaigns: Array.from(pj.campaign.subarray(pj.offsets[g], pj.offsets[g + 1])),
    values: Array.from(pj.value.subarray(pj.offsets[g], pj.offsets[g + 1])),
    errors: Array.from(pj.standardError.subarray(pj.offsets[g], pj.offsets[g + 1])),
    full: pj.full[g],
  }));
}

describe('shapleyAttribution', () => {
  it.each([
    ['exact', [1, 2, 3, 4, 5, 6]],
    ['sampled', [7, 8, 10]],
  ])('efficiency (%s): each journey’s values add up to its probability with every touchpoint', async (_, sizes) => {
    const specs = journeysWithDistinct(1, sizes);
    const result = await shapleyAttribution(buildPrepared(specs, { campaigns: 10 }), functionScorer('ordered', ordered), {
      permutations: 50,
      batchSize: 100,
    });
    const rows = journeyRows(result);
    expect(rows).toHaveLength(specs.length);
    rows.forEach((row, g) => {
      const spec = specs[result.perJourney.representative[g]];
      const full = Math.fround(ordered({ campaigns: spec.touchpoints.map((t) => t.campaign), categories: [], numeric: [], steps: [] }));
      expect(row.full).toBeCloseTo(full, 12);
      expect(row.values.reduce((a, b) => a + b, 0)).toBeCloseTo(full, 12);
      expect(new Set(row.campaigns)).toEqual(new Set(spec.touchpoints.map((t) => t.campaign)));
    });
    const exact = sizes[0] === 1;
    expect(result.exactJourneys).toBe(exact ? sizes.length : 0);
    expect(result.sampledJourneys).toBe(exact ? 0 : sizes.length);
    const credit = result.campaigns.reduce((a, c) => a + c.credit, 0);
    expect(credit).toBeCloseTo(result.expectedConversions, 10);
  });

  it('symmetry: two campaigns the model treats alike get equal values', async () => {
    // Order-free value: 1 - prod(1 - q_c) over the distinct campaigns, plus a pairing bonus;
    // campaigns 1 and 2 have the same q and the same part in the bonus.
    const q = [0.1, 0.3, 0.3, 0.05, 0.2];
    const model = (j: JourneyView): number => {
      const set = new Set(j.campaigns);
      let none = 1;
      for (const c of set) none *= 1 - q[c];
      const bonus = (set.has(1) && set.has(0) ? 0.1 : 0) + (set.has(2) && set.has(0) ? 0.1 : 0);
      return 1 - none + bonus * 0.5;
    };
    const specs: JourneySpec[] = [
      [0, 1, 2],
      [2, 3, 1, 1, 4],
      [1, 4, 2, 0, 3],
      [2, 1],
    ].map((cs, j) => ({ converted: true, touchpoints: cs.map((campaign, k) => ({ time: j * 10 + k, campaign })) }));
    const result = await shapleyAttribution(buildPrepared(specs, { campaigns: 5 }), functionScorer('set', model));
    for (const row of journeyRows(result)) {
      const v1 = row.values[row.campaigns.indexOf(1)];
      const v2 = row.values[row.campaigns.indexOf(2)];
      expect(v1).toBeCloseTo(v2, 6);
      // Not trivially equal: both carry real credit.
      expect(v1).toBeGreaterThan(0);
    }
  });

  it.each([3, 9])('an additive model gives each campaign exactly its own term (%i distinct campaigns)', async (distinct) => {
    const additive = (j: JourneyView): number => [...new Set(j.campaigns)].reduce((a, c) => a + 0.05 * (c + 1), 0);
    const specs = journeysWithDistinct(4, [distinct]);
    const result = await shapleyAttribution(buildPrepared(specs, { campaigns: 10 }), functionScorer('additive', additive), {
      permutations: 30,
    });
    const [row] = journeyRows(result);
    row.campaigns.forEach((c, i) => {
      expect(row.values[i]).toBeCloseTo(0.05 * (c + 1), 6);
      expect(row.errors[i]).toBeCloseTo(0, 6);
    });
  });

  it('sampled values agree with exact ones within their standard errors, and repeat with the seed', async () => {
    const specs = journeysWithDistinct(9, [8]);
    const data = buildPrepared(specs, { campaigns: 10 });
    const exact = journeyRows(await shapleyAttribution(data, functionScorer('ordered', ordered), { exactUpTo: 8 }))[0];
    const run = (seed: number) => shapleyAttribution(data, functionScorer('ordered', ordered), { permutations: 400, seed });
    const sampled = journeyRows(await run(1))[0];
    expect(sampled.campaigns).toEqual(exact.campaigns);
    sampled.values.forEach((v, i) => {
      expect(sampled.errors[i]).toBeGreaterThan(0);
      expect(Math.abs(v - exact.values[i])).toBeLessThan(4.5 * sampled.errors[i] + 1e-9);
    });
    expect(journeyRows(await run(1))[0].values).toEqual(sampled.values);
    expect(journeyRows(await run(2))[0].values).not.toEqual(sampled.values);
  });

  it('computes identical journeys once and credits them once each', async () => {
    const one: JourneySpec = { converted: true, touchpoints: [0, 2, 4].map((campaign, k) => ({ time: k, campaign })) };
    const other: JourneySpec = { converted: false, touchpoints: [4, 2].map((campaign, k) => ({ time: k, campaign })) };
    const specs = [one, one, other, one].map((s) => structuredClone(s));
    const scorer = functionScorer('ordered', ordered);
    const result = await shapleyAttribution(buildPrepared(specs, { campaigns: 5 }), scorer);
    expect(result.distinctJourneys).toBe(2);
    // 2^3 - 1 coalitions for the first, 2^2 - 1 for the second.
    expect(result.scored).toBe(7 + 3);
    const rows = journeyRows(result);
    const credit4 = 3 * rows[0].values[rows[0].campaigns.indexOf(4)] + rows[1].values[rows[1].campaigns.indexOf(4)];
    expect(result.campaigns[4].credit).toBeCloseTo(credit4, 12);
    expect(result.campaigns[4].journeys).toBe(4);
    expect(result.campaigns[4].touchpoints).toBe(4);
  });

  it('counts unconverted journeys 1 / negativeSamplingRate times unless told not to', async () => {
    const specs = journeysWithDistinct(13, [2, 3, 2, 4, 1]);
    const data = buildPrepared(specs, { campaigns: 10, negativeSamplingRate: 0.5 });
    const on = await shapleyAttribution(data, functionScorer('ordered', ordered));
    const off = await shapleyAttribution(data, functionScorer('ordered', ordered), { reweight: false });
    const fullOf = (s: JourneySpec): number => Math.fround(ordered({ campaigns: s.touchpoints.map((t) => t.campaign), categories: [], numeric: [], steps: [] }));
    expect(off.expectedConversions).toBeCloseTo(specs.reduce((a, s) => a + fullOf(s), 0), 10);
    expect(on.expectedConversions).toBeCloseTo(specs.reduce((a, s) => a + (s.converted ? 1 : 2) * fullOf(s), 0), 10);
    expect(on.campaigns.reduce((a, c) => a + c.credit, 0)).toBeCloseTo(on.expectedConversions, 10);
  });

  it('gives seeded bootstrap intervals around each credit', async () => {
    const specs = journeysWithDistinct(12, Array.from({ length: 30 }, (_, i) => 1 + (i % 4)));
    const result = await shapleyAttribution(buildPrepared(specs, { campaigns: 10 }), functionScorer('ordered', ordered), {
      bootstrap: { seed: 1, replicates: 100 },
    });
    for (const c of result.campaigns) {
      if (c.journeys === 0) continue;
      expect(c.interval![0]).toBeLessThanOrEqual(c.credit + 1e-12);
      expect(c.interval![1]).toBeGreaterThanOrEqual(c.credit - 1e-12);
    }
  });
});

describe('countingShapley', () => {
  it.each<[string, [number[], boolean][], number[]]>([
    ['one converted journey splits evenly', [[[0, 1, 1, 2], true]], [1 / 3, 1 / 3, 1 / 3]],
    ['unconverted journeys give nothing', [[[0, 1], false], [[2], true]], [0, 0, 1]],
    ['credits add up over journeys', [[[0, 1], true], [[1], true], [[2, 1, 0, 2], true]], [1 / 2 + 1 / 3, 1 / 2 + 1 + 1 / 3, 1 / 3]],
  ])('%s', (_, list, expected) => {
    const specs = list.map(([cs, converted], j) => ({ converted, touchpoints: cs.map((campaign, k) => ({ time: j * 10 + k, campaign })) }));
    const result = countingShapley(buildPrepared(specs, { campaigns: 3 }));
    expect(result.campaigns.map((c) => c.credit)).toEqual(expected.map((v) => expect.closeTo(v, 12)));
    expect(result.campaigns.reduce((a, c) => a + c.credit, 0)).toBeCloseTo(result.convertedJourneys, 12);
    const impressions = [0, 0, 0];
    for (const [cs] of list) for (const c of cs) impressions[c]++;
    expect(result.campaigns.map((c) => c.impressions)).toEqual(impressions);
  });
});
