import { describe, expect, it } from 'vitest';
import { prepareJourneys } from '../prepare';
import { DEFAULT_PREPARE, POSITION_MODELS, type PositionModelName } from '../settings';
import { buildTable, type RowLiteral } from '../testing/table-builder';
import { attributePosition, attributePositions, type PositionInput } from './position';

const DAY = 86_400;

/**
 * J1 converted: a (day 0), b (day 7), c (day 14)
 * J2 converted: b (day 20), a (day 27)
 * J3 unconverted: a, c
 * J4 converted: c alone
 * Impressions: a 3, b 2, c 3.
 */
const ROWS: RowLiteral[] = [
  { t: 0, user: 'j1', campaign: 'a', conversionId: 1 },
  { t: 7 * DAY, user: 'j1', campaign: 'b', conversionId: 1 },
  { t: 14 * DAY, user: 'j1', campaign: 'c', conversionId: 1 },
  { t: 20 * DAY, user: 'j2', campaign: 'b', conversionId: 2 },
  { t: 27 * DAY, user: 'j2', campaign: 'a', conversionId: 2 },
  { t: 1, user: 'j3', campaign: 'a' },
  { t: 2, user: 'j3', campaign: 'c' },
  { t: 3, user: 'j4', campaign: 'c', conversionId: 4 },
];

function prepare(rows: RowLiteral[]) {
  return prepareJourneys(
    buildTable(rows),
    { ...DEFAULT_PREPARE, campaigns: { kind: 'all' }, minTouchpoints: 1, balance: 'none' },
    undefined,
    { features: false },
  );
}

// Credits worked out by hand from the journeys above, then divided by impressions.
const EXPECTED: Record<PositionModelName, { a: number; b: number; c: number }> = {
  lta: { a: 1 / 3, b: 0, c: 2 / 3 },
  first: { a: 1 / 3, b: 1 / 2, c: 1 / 3 },
  linear: { a: (1 / 3 + 1 / 2) / 3, b: (1 / 3 + 1 / 2) / 2, c: (1 / 3 + 1) / 3 },
  ushape: { a: (0.4 + 0.5) / 3, b: (0.2 + 0.5) / 2, c: (0.4 + 1) / 3 },
  // Half-life 7 days: J1 gives 1/4 : 1/2 : 1 (over 7/4), J2 gives 1/2 : 1 (over 3/2).
  timedecay: { a: (1 / 7 + 2 / 3) / 3, b: (2 / 7 + 1 / 3) / 2, c: (4 / 7 + 1) / 3 },
};

describe('position models on a hand-computed log', () => {
  const prepared = prepare(ROWS);

  it.each(POSITION_MODELS.map((m) => [m]))('%s', (model) => {
    const r = attributePosition(prepared, model, { halfLifeDays: 7 });
    for (const [campaign, w] of Object.entries(EXPECTED[model])) expect(r.weights[campaign]).toBeCloseTo(w, 12);
    // One credit per converted journey, whatever the model.
    expect(r.details.reduce((s, d) => s + d.credits, 0)).toBeCloseTo(3, 12);
    expect(r.details.map((d) => [d.campaign, d.impressions])).toEqual([
      ['a', 3],
      ['b', 2],
      ['c', 3],
    ]);
  });

  it('returns the models in the order asked', () => {
    expect(attributePositions(prepared, ['ushape', 'lta']).map((r) => r.model)).toEqual(['ushape', 'lta']);
  });

  it('shifts time-decay credit to the last touchpoint as the half-life shrinks', () => {
    const short = attributePosition(prepared, 'timedecay', { halfLifeDays: 0.01 });
    const lta = attributePosition(prepared, 'lta');
    for (const c of ['a', 'b', 'c']) expect(short.weights[c]).toBeCloseTo(lta.weights[c], 6);
  });
});

describe('last touch, precisely', () => {
  it('credits the latest timestamp, not the last row in the file', () => {
    const prepared = prepare([
      { t: 50, user: 'u', campaign: 'late', conversionId: 1 },
      { t: 10, user: 'u', campaign: 'early', conversionId: 1 },
    ]);
    const r = attributePosition(prepared, 'lta');
    expect(r.weights).toEqual({ late: 1, early: 0 });
  });

  it('credits the latest in the file among equal timestamps', () => {
    const prepared = prepare([
      { t: 10, user: 'u', campaign: 'first-in-file', conversionId: 1 },
      { t: 10, user: 'u', campaign: 'second-in-file', conversionId: 1 },
    ]);
    expect(attributePosition(prepared, 'lta').weights).toEqual({ 'first-in-file': 0, 'second-in-file': 1 });
  });

  it('gives a campaign without impressions 0, not NaN', () => {
    const input: PositionInput = {
      campaignIds: ['a', 'silent'],
      events: { count: 1, campaign: Uint32Array.of(0), timestamp: Float64Array.of(0) },
      journeys: { count: 1, label: Uint8Array.of(1), eventOffsets: Uint32Array.of(0, 1), eventsByJourney: Uint32Array.of(0) },
    };
    for (const model of POSITION_MODELS) {
      const r = attributePosition(input, model);
      expect(r.weights).toEqual({ a: 1, silent: 0 });
    }
  });

  it('gives no credit when nothing converted', () => {
    const prepared = prepare([
      { t: 1, user: 'u', campaign: 'a' },
      { t: 2, user: 'u', campaign: 'b' },
    ]);
    for (const model of POSITION_MODELS) {
      expect(Object.values(attributePosition(prepared, model).weights)).toEqual([0, 0]);
    }
  });
});
