import { describe, expect, it } from 'vitest';
import { prepareJourneys } from '../prepare';
import { DEFAULT_PREPARE, type PrepareSettings } from '../settings';
import { buildTable, type RowLiteral } from '../testing/table-builder';
import { campaignBudgets, replay, replayInput, resolveWeights, sweepPitches, UNIFORM_MODEL, type ReplayInput } from '.';

/** Events as (time, journey, campaign[, cost]); journeys named by letters, converted ones listed. */
function replayOf(events: [number, string, string, number?][], converted: string[]): ReplayInput {
  const journeys = [...new Set(events.map((e) => e[1]))];
  const campaigns = [...new Set(events.map((e) => e[2]))];
  return {
    campaignIds: campaigns,
    events: {
      count: events.length,
      journey: Uint32Array.from(events, (e) => journeys.indexOf(e[1])),
      campaign: Uint32Array.from(events, (e) => campaigns.indexOf(e[2])),
      cost: Float32Array.from(events, (e) => e[3] ?? 0),
    },
    journeyLabel: Uint8Array.from(journeys, (j) => (converted.includes(j) ? 1 : 0)),
  };
}

// data-and-method.md, step 8, worked example.
const WORKED: [number, string, string][] = [
  [1, 'A', 'x'],
  [2, 'B', 'y'],
  [2, 'C', 'x'],
  [3, 'A', 'y'],
  [4, 'B', 'x'],
  [5, 'C', 'y'],
  [6, 'D', 'y'],
  [7, 'A', 'x'],
  [8, 'D', 'x'],
  [9, 'E', 'y'],
];
const WORKED_CONVERTED = ['A', 'C', 'D'];

function weightsVector(input: ReplayInput, w: Record<string, number>): Float64Array {
  const r = resolveWeights(input.campaignIds, w);
  if (!r.ok) throw new Error(r.error);
  return r.weights;
}

describe('budget replay: the worked example', () => {
  const input = replayOf(WORKED, WORKED_CONVERTED);

  it.each([
    { name: 'w = {x: 2, y: 1}, p = 1', w: { x: 2, y: 1 }, p: 1, budgets: [4, 2], conversions: 1, spent: 6 },
    { name: 'equal weights', w: { x: 1, y: 1 }, p: 1, budgets: [3, 3], conversions: 1, spent: 6 },
    { name: 'w = {x: 2, y: 1}, p = 2', w: { x: 2, y: 1 }, p: 2, budgets: [5, 2], conversions: 1, spent: 6 },
  ])('$name', ({ w, p, budgets, conversions, spent }) => {
    const b = campaignBudgets(weightsVector(input, w), 6, p, 'impressions');
    expect(Array.from(b)).toEqual(budgets);
    const r = replay(input, b, 'impressions');
    expect(r.conversions).toBe(conversions);
    expect(r.spent).toBe(spent);
  });

  it.each([
    { w: { x: 2, y: 1 }, p: 1, counted: 'A' },
    { w: { x: 1, y: 1 }, p: 1, counted: 'C' },
    { w: { x: 2, y: 1 }, p: 2, counted: 'A' },
  ])('counts journey $counted with $w at pitch $p', ({ w, p, counted }) => {
    const state = new Uint8Array(5);
    replay(input, campaignBudgets(weightsVector(input, w), 6, p, 'impressions'), 'impressions', state);
    // state: 1 = bought and never blacklisted, 2 = blacklisted.
    const clean = ['A', 'B', 'C', 'D', 'E'].filter((_, j) => state[j] === 1);
    expect(clean.filter((j) => WORKED_CONVERTED.includes(j))).toEqual([counted]);
  });

  it('gives the same answers through the preparation, where rows must be put in time order', () => {
    // Rows written out of time order; 2B and 2C share a timestamp and keep file order.
    const rows: RowLiteral[] = [...WORKED]
      .reverse()
      .sort((a, b) => (a[0] === 2 && b[0] === 2 ? (a[1] === 'B' ? -1 : 1) : 0))
      .map(([t, j, c]) => ({ t, user: j, campaign: c, conversionId: WORKED_CONVERTED.includes(j) ? `conv-${j}` : undefined }));
    const settings: PrepareSettings = { ...DEFAULT_PREPARE, campaigns: { kind: 'all' }, minTouchpoints: 1, balance: 'none' };
    const prepared = prepareJourneys(buildTable(rows), settings, undefined, { features: false });
    const order = Array.from({ length: prepared.events.count }, (_, e) => [
      prepared.events.timestamp[e],
      rows[prepared.events.row[e]].user,
      prepared.campaignIds[prepared.events.campaign[e]],
    ]);
    expect(order).toEqual(WORKED);
    const sweep = sweepPitches(replayInput(prepared), { skewed: { x: 2, y: 1 } }, { pitches: [1, 2], budget: 6, unit: 'impressions' });
    if (!sweep.ok) throw new Error(sweep.error);
    const skewed = sweep.models.find((m) => m.model === 'skewed')!;
    const uniform = sweep.models.find((m) => m.model === UNIFORM_MODEL)!;
    expect(skewed.results.map((r) => r.conversions)).toEqual([1, 1]);
    expect(uniform.results.map((r) => r.conversions)).toEqual([1, 1]);
    expect(Object.fromEntries(skewed.allocation.map((a) => [a.campaign, a.budget]))).toEqual({ x: 4, y: 2 });
  });
});

describe('budget replay rules', () => {
  it('rounds budgets up', () => {
    const b = campaignBudgets(Float64Array.from([1, 1, 1]), 10, 1, 'impressions');
    expect(Array.from(b)).toEqual([4, 4, 4]);
  });

  it('does not round a money budget', () => {
    const b = campaignBudgets(Float64Array.from([1, 1, 1]), 10, 1, 'money');
    expect(b[0]).toBeCloseTo(10 / 3, 12);
  });

  it.each([0.1, 1, 3])('gives a zero-weight campaign no budget at pitch %s', (p) => {
    const b = campaignBudgets(Float64Array.from([2, 0, 1]), 10, p, 'impressions');
    expect(b[1]).toBe(0);
    expect(b[0]).toBeGreaterThan(b[2]);
  });

  it('blacklists a journey that reaches its campaign after the budget ran out, even though it converted', () => {
    const input = replayOf(
      [
        [1, 'A', 'x'],
        [2, 'B', 'x'],
        [3, 'B', 'y'],
      ],
      ['B'],
    );
    const r = replay(input, Float64Array.from([1, 5]), 'impressions');
    expect(r.conversions).toBe(0);
    // B's later y impression is skipped and spends nothing.
    expect(Array.from(r.spentByCampaign)).toEqual([1, 0]);
  });

  it('skips every later event of a blacklisted journey', () => {
    const input = replayOf(
      [
        [1, 'A', 'y'],
        [2, 'A', 'x'],
        [3, 'A', 'x'],
        [4, 'B', 'x'],
      ],
      ['A', 'B'],
    );
    // Campaigns in order of appearance: y, x.
    const r = replay(input, Float64Array.from([0, 1]), 'impressions');
    // A is blacklisted at its first event (y has no budget), so x's single impression goes to B.
    expect(r.conversions).toBe(1);
    expect(r.bought).toBe(1);
  });

  it('buys in money when the campaign can afford the cost', () => {
    const input = replayOf(
      [
        [1, 'A', 'x', 0.5],
        [2, 'B', 'x', 0.75],
        [3, 'C', 'x', 0.25],
      ],
      ['A', 'B', 'C'],
    );
    const r = replay(input, Float64Array.from([0.8]), 'money');
    expect(r.conversions).toBe(2);
    expect(r.spent).toBeCloseTo(0.75, 6);
  });

  it('counts a journey once however many of its impressions were bought', () => {
    const input = replayOf(
      [
        [1, 'A', 'x'],
        [2, 'A', 'x'],
        [3, 'A', 'x'],
      ],
      ['A'],
    );
    expect(replay(input, Float64Array.from([3]), 'impressions').conversions).toBe(1);
  });
});

describe('weights checks', () => {
  const ids = ['a', 'b', 'c'];
  it('gives missing campaigns 0 and counts them', () => {
    const r = resolveWeights(ids, { a: 1, zz: 3 });
    expect(r).toMatchObject({ ok: true, missingCampaigns: 2, clippedCampaigns: 0 });
    if (r.ok) expect(Array.from(r.weights)).toEqual([1, 0, 0]);
  });
  it('clips negative weights to 0 and counts them', () => {
    const r = resolveWeights(ids, { a: 1, b: -2, c: 0.5 });
    expect(r).toMatchObject({ ok: true, clippedCampaigns: 1 });
    if (r.ok) expect(Array.from(r.weights)).toEqual([1, 0, 0.5]);
  });
  it.each([
    ['all zero', { a: 0, b: 0, c: 0 }, /zero/],
    ['all negative', { a: -1, b: -1, c: -1 }, /zero/],
    ['no campaign in common', { q: 1 }, /zero/],
    ['not finite', { a: 1, b: Number.NaN }, /finite/],
    ['infinite', { a: Number.POSITIVE_INFINITY }, /finite/],
  ])('rejects %s', (_name, w, message) => {
    const r = resolveWeights(ids, w);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});

describe('sweepPitches', () => {
  const input = replayOf(WORKED, WORKED_CONVERTED);

  it('adds the uniform baseline and reports each pitch', () => {
    const r = sweepPitches(input, { skewed: { x: 2, y: 1 } }, { pitches: [0.5, 1, 2], budget: 6, unit: 'impressions' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.models.map((m) => m.model)).toEqual(['skewed', UNIFORM_MODEL]);
    expect(r.models[0].results.map((x) => x.pitch)).toEqual([0.5, 1, 2]);
    expect(r.events).toBe(10);
    expect(r.models[0].results[1].conversionsPerBudget).toBeCloseTo(1 / 6, 12);
  });

  it('gives ties to the smaller pitch, whatever the order pitches are listed in', () => {
    const r = sweepPitches(input, { skewed: { x: 2, y: 1 } }, { pitches: [2, 1], budget: 6, unit: 'impressions' });
    if (!r.ok) throw new Error(r.error);
    // Both pitches give 1 conversion.
    expect(r.models[0].best).toEqual({ pitch: 1, conversions: 1 });
  });

  it('picks the pitch with most conversions and reports its allocation', () => {
    // x's journeys convert, y's do not: leaning harder on x pays.
    const events: [number, string, string][] = [];
    for (let i = 0; i < 6; i++) events.push([i, `x${i}`, 'x'], [i, `y${i}`, 'y']);
    const inp = replayOf(events, [0, 1, 2, 3, 4, 5].map((i) => `x${i}`));
    const r = sweepPitches(inp, { m: { x: 4, y: 1 } }, { pitches: [0, 1, 3], budget: 6, unit: 'impressions' });
    if (!r.ok) throw new Error(r.error);
    const m = r.models[0];
    expect(m.results.map((x) => x.conversions)).toEqual([3, 5, 6]);
    expect(m.best).toEqual({ pitch: 3, conversions: 6 });
    expect(m.allocation.find((a) => a.campaign === 'x')).toMatchObject({ budget: 6, spent: 6, weight: 4 });
  });

  it('defaults the budget to 10% of the replayed impressions', () => {
    const r = sweepPitches(input, {}, { pitches: [1], unit: 'impressions' });
    expect(r.ok && r.budget).toBe(1);
  });

  it('defaults a money budget to 10% of the replayed cost', () => {
    const costly = replayOf(
      WORKED.map(([t, j, c]) => [t, j, c, 2]),
      WORKED_CONVERTED,
    );
    const r = sweepPitches(costly, {}, { pitches: [1], unit: 'money' });
    expect(r.ok && r.budget).toBeCloseTo(2, 6);
  });

  it('fails with one line when a model has no usable weight', () => {
    const r = sweepPitches(input, { empty: { x: 0 } }, { pitches: [1], budget: 6, unit: 'impressions' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/"empty"/);
  });

  it('reports missing campaigns per model', () => {
    const r = sweepPitches(input, { partial: { x: 1 } }, { pitches: [1], budget: 6, unit: 'impressions' });
    if (!r.ok) throw new Error(r.error);
    expect(r.models[0].missingCampaigns).toBe(1);
    expect(r.models[1].missingCampaigns).toBe(0);
  });
});

describe('replayInput', () => {
  it('keeps only test journeys, in time order, when asked', () => {
    const rows: RowLiteral[] = [];
    for (let u = 0; u < 40; u++) rows.push({ t: u, user: u, campaign: 'a' }, { t: 100 + u, user: u, campaign: 'b' });
    const prepared = prepareJourneys(buildTable(rows), { ...DEFAULT_PREPARE, balance: 'none' }, undefined, { features: false });
    const test = replayInput(prepared, 'test');
    const testJourneys = prepared.journeys.split.filter((s) => s === 2).length;
    expect(test.events.count).toBe(2 * testJourneys);
    expect(testJourneys).toBeGreaterThan(0);
    // Journeys are renumbered in order of their first replayed event.
    expect(test.journeyLabel.length).toBe(testJourneys);
    expect(Array.from(test.events.journey.subarray(0, testJourneys))).toEqual([...Array(testJourneys).keys()]);
    const testConverted = prepared.journeys.label.filter((l, j) => l === 1 && prepared.journeys.split[j] === 2).length;
    expect(test.journeyLabel.reduce((a, b) => a + b, 0)).toBe(testConverted);
    // Each test journey's a (t < 100) comes before any b (t >= 100).
    const campaigns = Array.from(test.events.campaign, (c) => prepared.campaignIds[c]).join('');
    expect(campaigns).toBe('a'.repeat(testJourneys) + 'b'.repeat(testJourneys));
  });
});
