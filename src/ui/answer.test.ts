import { describe, expect, it } from 'vitest';
import type { DefendedRecommendation, RunResults } from '../shared/protocol';
import { allocationRows, incrementalSource, largestMoves, moneyRows, moneyTotal, responseGroups, roasNote, summedInterval, whatIfAmounts } from './answer';

const labels = { a: { name: 'Alpha', channel: 'Search' }, b: { name: 'Beta', channel: 'Search' }, c: { name: 'Gamma', channel: 'Social' } };

const rec = {
  budget: 100,
  unit: 'money',
  today: { a: 50, b: 30, c: 20 },
  allocation: { a: 20, b: 45, c: 35 },
} as unknown as DefendedRecommendation;

describe('allocationRows', () => {
  it('names campaigns, and sums a channel from its campaigns', () => {
    expect(allocationRows(rec, labels, 'campaign').map((r) => [r.label, r.change])).toEqual([
      ['Alpha', -30],
      ['Beta', 15],
      ['Gamma', 15],
    ]);
    const channels = allocationRows(rec, labels, 'channel');
    expect(channels).toEqual([
      { key: 'Search', label: 'Search', members: ['a', 'b'], today: 80, recommended: 65, change: -15 },
      { key: 'Social', label: 'Social', members: ['c'], today: 20, recommended: 35, change: 15 },
    ]);
    expect(channels.reduce((s, r) => s + r.recommended, 0)).toBe(100);
  });

  it('lists the largest increases and cuts, biggest first', () => {
    const moves = largestMoves(allocationRows(rec, labels, 'campaign'), 100, 1);
    expect(moves.increases.map((r) => r.key)).toEqual(['b']);
    expect(moves.cuts.map((r) => r.key)).toEqual(['a']);
    expect(largestMoves(allocationRows({ ...rec, allocation: rec.today }, null, 'campaign'), 100)).toEqual({ increases: [], cuts: [] });
  });
});

describe('responseGroups', () => {
  it('gives each channel at channel level, else the campaigns with the largest budgets today, leaving out those with none', () => {
    expect(responseGroups(rec, labels, 'channel')).toEqual([
      { key: 'Search', label: 'Search', members: ['a', 'b'] },
      { key: 'Social', label: 'Social', members: ['c'] },
    ]);
    const withIdle = { ...rec, today: { c: 20, a: 50, b: 30, d: 0 } } as DefendedRecommendation;
    expect(responseGroups(withIdle, labels, 'campaign', 2)).toEqual([
      { key: 'a', label: 'Alpha', members: ['a'] },
      { key: 'b', label: 'Beta', members: ['b'] },
    ]);
    expect(responseGroups(withIdle, null, 'campaign').map((g) => g.key)).toEqual(['a', 'b', 'c']);
  });
});

describe('moneyRows', () => {
  const results = {
    campaignIds: ['a', 'b', 'c'],
    money: { spend: [10, 20, 30], judgedSpend: [1, 2, 3] },
    weights: { shapley: { a: 2, b: 0, c: 1.5 } },
  } as unknown as RunResults;

  it('gives spend, conversions and cost per conversion, per campaign and per channel', () => {
    const rows = moneyRows(results, labels, 'campaign')!;
    expect(rows.map((r) => [r.key, r.spend, r.conversions, r.costPerConversion])).toEqual([
      ['a', 10, 2, 0.5],
      ['b', 20, 0, Number.NaN],
      ['c', 30, 1.5, 2],
    ]);
    const channels = moneyRows(results, labels, 'channel')!;
    expect(channels.map((r) => [r.key, r.spend, r.conversions, r.judgedSpend])).toEqual([
      ['Search', 30, 2, 3],
      ['Social', 30, 1.5, 3],
    ]);
  });

  it('has no rows without a cost column, and no conversions without Shapley values', () => {
    expect(moneyRows({ ...results, money: undefined }, null, 'campaign')).toBeNull();
    const rows = moneyRows({ ...results, weights: {} }, null, 'campaign')!;
    expect(rows[0].spend).toBe(10);
    expect(rows[0].conversions).toBeNaN();
  });
});

describe('incremental conversions with an interval from the removal bootstrap', () => {
  // Seeded, irregular resamples: each campaign's draws, and a channel's sums of them.
  const resamples = Array.from({ length: 101 }, (_, b) => [Math.sin(b * 1.7) + 3, Math.cos(b * 0.9) * 2 + 1, ((b * 37) % 101) / 50]);
  const drop = [3, 1, 1];
  const results = {
    campaignIds: ['a', 'b', 'c'],
    money: { spend: [10, 20, 30], judgedSpend: [1, 2, 3] },
    weights: { shapley: { a: 9, b: 9, c: 9 }, removal: { a: drop[0], b: drop[1], c: drop[2] } },
    counterfactual: { removalBootstrap: { level: 0.9, campaigns: ['a', 'b', 'c'], drop, resamples } },
  } as unknown as RunResults;
  const percentile = (values: number[], q: number) => {
    const s = [...values].sort((x, y) => x - y);
    const h = (s.length - 1) * q;
    return s[Math.floor(h)] + (h - Math.floor(h)) * (s[Math.ceil(h)] - s[Math.floor(h)]);
  };

  it('prefers the removal effect, and a campaign interval is the percentiles of its resamples', () => {
    expect(incrementalSource(results)).toBe('removal');
    const rows = moneyRows(results, labels, 'campaign')!;
    expect(rows.map((r) => r.conversions)).toEqual(drop);
    const b = resamples.map((r) => r[1]);
    expect(rows[1].low).toBeCloseTo(percentile(b, 0.05), 12);
    expect(rows[1].high).toBeCloseTo(percentile(b, 0.95), 12);
    expect(rows[0].costLow).toBeCloseTo(1 / rows[0].high, 12);
    expect(rows[0].costHigh).toBeCloseTo(1 / rows[0].low, 12);
  });

  it("takes a channel's interval from the same resamples' sums, which is narrower than adding its campaigns' intervals here", () => {
    const rows = moneyRows(results, labels, 'channel')!;
    const search = rows.find((r) => r.key === 'Search')!;
    const sums = resamples.map((r) => r[0] + r[1]);
    expect(search.conversions).toBe(4);
    expect(search.low).toBeCloseTo(percentile(sums, 0.05), 12);
    expect(search.high).toBeCloseTo(percentile(sums, 0.95), 12);
    const [a, bb] = [summedInterval(results, ['a']), summedInterval(results, ['b'])];
    expect(search.high - search.low).toBeLessThan(a[1] - a[0] + bb[1] - bb[0]);
    const total = moneyTotal(results, rows);
    expect(total.conversions).toBe(5);
    expect(total.spend).toBe(60);
    expect(total.low).toBeCloseTo(percentile(resamples.map((r) => r[0] + r[1] + r[2]), 0.05), 12);
  });

  it('gives ROAS from the mean conversion value per campaign, its interval from the value-weighted resamples, and none without a value column', () => {
    expect(moneyRows(results, labels, 'campaign')!.every((r) => Number.isNaN(r.roas))).toBe(true);
    expect(roasNote(results)).toMatch(/^No ROAS/);
    const valued = { ...results, money: { ...results.money!, valuePerConversion: [10, Number.NaN, 4] } } as RunResults;
    expect(roasNote(valued)).toMatch(/^ROAS is incremental value over spend/);
    const rows = moneyRows(valued, labels, 'campaign')!;
    // a: 3 conversions x 10 over a judged spend of 1; b: no conversion touched it, so its value counts 0; c: 1 x 4 / 3.
    expect(rows.map((r) => r.roas)).toEqual([30, 0, 4 / 3]);
    expect(rows[0].roasLow).toBeCloseTo((percentile(resamples.map((r) => r[0]), 0.05) * 10) / 1, 9);
    const search = moneyRows(valued, labels, 'channel')!.find((r) => r.key === 'Search')!;
    expect(search.roas).toBeCloseTo(30 / 3, 12);
    expect(search.roasHigh).toBeCloseTo(percentile(resamples.map((r) => r[0] * 10), 0.95) / 3, 9);
    const total = moneyTotal(valued, moneyRows(valued, labels, 'campaign')!);
    expect(total.roas).toBeCloseTo((30 + 0 + 4) / 6, 12);
    expect(total.roasLow).toBeCloseTo(percentile(resamples.map((r) => r[0] * 10 + r[2] * 4), 0.05) / 6, 9);
  });

  it('falls back to Shapley values, without an interval, when the run has no removal bootstrap', () => {
    const shapley = { ...results, counterfactual: undefined, weights: { shapley: results.weights.shapley } } as RunResults;
    expect(incrementalSource(shapley)).toBe('shapley');
    const rows = moneyRows(shapley, null, 'campaign')!;
    expect(rows[0].conversions).toBe(9);
    expect(rows[0].low).toBeNaN();
  });
});

describe('whatIfAmounts', () => {
  it("puts an edited campaign's amount in place and keeps the others", () => {
    const rows = allocationRows(rec, labels, 'campaign');
    expect(whatIfAmounts(rec, rows, { b: 10 })).toEqual({ a: 20, b: 10, c: 35 });
    expect(whatIfAmounts(rec, rows, {})).toEqual(rec.allocation);
  });

  it("splits an edited channel total as the recommendation splits the channel", () => {
    const rows = allocationRows(rec, labels, 'channel');
    const amounts = whatIfAmounts(rec, rows, { Search: 130 });
    expect(amounts.a).toBeCloseTo(40, 12);
    expect(amounts.b).toBeCloseTo(90, 12);
    expect(amounts.c).toBe(35);
    // A channel the recommendation gives nothing is split as today's delivery.
    const none = { ...rec, allocation: { a: 0, b: 0, c: 100 } } as unknown as DefendedRecommendation;
    const split = whatIfAmounts(none, allocationRows(none, labels, 'channel'), { Search: 16 });
    expect(split.a).toBeCloseTo(10, 12);
    expect(split.b).toBeCloseTo(6, 12);
  });
});
