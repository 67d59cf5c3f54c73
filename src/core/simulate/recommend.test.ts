import { describe, expect, it } from 'vitest';
import { buildPrepared, type JourneySpec } from '../counterfactual/test-fixtures';
import { recommendAllocation } from '.';

/** data-and-method.md step 8's worked example: campaign x is c0, y is c1; journeys A, C, D converted. */
function workedExample() {
  const x = 0;
  const y = 1;
  const journeys: JourneySpec[] = [
    { converted: true, touchpoints: [{ time: 1, campaign: x }, { time: 3, campaign: y }, { time: 7, campaign: x }] },
    { converted: false, touchpoints: [{ time: 2, campaign: y }, { time: 4, campaign: x }] },
    { converted: true, touchpoints: [{ time: 2, campaign: x }, { time: 5, campaign: y }] },
    { converted: true, touchpoints: [{ time: 6, campaign: y }, { time: 8, campaign: x }] },
    { converted: false, touchpoints: [{ time: 9, campaign: y }] },
  ];
  return buildPrepared(journeys, { campaigns: 2 });
}

const WEIGHTS = { m: { c0: 2, c1: 1 } };

describe('recommendAllocation on the worked example (B = 6)', () => {
  it.each([
    // [case, options, expected budgets x and y, expected conversions]
    ['no limits, pitch 1', {}, [4, 2], 1],
    ['no limits, pitch 2', { pitch: 2 }, [5, 2], 1],
    ['no change allowed keeps the current split', { maxChange: 0 }, [3, 3], 1],
    ['a ceiling on x moves the rest to y', { ceiling: { c0: 3 } }, [3, 3], 1],
    ['a floor on y takes from x', { floor: { c1: 5 } }, [1, 5], 0],
  ])('%s', (_name, extra, expected, conversions) => {
    const result = recommendAllocation(workedExample(), WEIGHTS, { model: 'm', pitch: 1, budget: 6, unit: 'impressions', ...extra });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const r = result.recommendation;
    expect(r.campaigns.map((c) => c.recommended)).toEqual(expected);
    expect(r.conversions).toBe(conversions);
    // Impressions of x and y are 5 and 5: today's split of 6 is 3 and 3, which keeps journey C only.
    expect(r.campaigns.map((c) => c.current)).toEqual([3, 3]);
    expect(r.currentConversions).toBe(1);
    expect(r.campaigns.map((c) => c.change)).toEqual(expected.map((b) => b - 3));
  });

  it.each([
    ['an unknown model', { model: 'nope' }, 'no weights'],
    ['floors above the budget', { floor: { c0: 4, c1: 4 } }, 'more than the budget'],
    ['ceilings below the budget', { ceiling: { c0: 2, c1: 2 } }, 'less than the budget'],
    ['a floor above a ceiling', { floor: { c0: 3 }, ceiling: { c0: 2 } }, 'lower limit is above'],
    ['a negative pitch', { pitch: -1 }, 'pitch'],
  ])('refuses %s', (_name, extra, message) => {
    const result = recommendAllocation(workedExample(), WEIGHTS, { model: 'm', pitch: 1, budget: 6, unit: 'impressions', ...extra });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });

  it('splits a money budget without rounding and spends no more than it', () => {
    const result = recommendAllocation(workedExample(), WEIGHTS, { model: 'm', pitch: 1, budget: 1, unit: 'money' });
    expect(result.ok && result.recommendation.campaigns.map((c) => c.recommended)).toEqual([2 / 3, 1 / 3]);
  });
});
