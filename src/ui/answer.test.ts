import { describe, expect, it } from 'vitest';
import type { DefendedRecommendation, RunResults } from '../shared/protocol';
import { allocationRows, largestMoves, moneyRows, responseGroups } from './answer';

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
