import { describe, expect, it } from 'vitest';
import { DEFAULT_PREPARE } from '../core/settings';
import { parseCampaignSampling, prepareSettingsFromFlags } from './flags';

describe('preparation flags', () => {
  it.each([
    ['all', { kind: 'all' }],
    ['ALL', { kind: 'all' }],
    ['400', { kind: 'count', count: 400 }],
    ['1', { kind: 'count', count: 1 }],
    ['0.5', { kind: 'fraction', fraction: 0.5 }],
    ['0', null],
    ['1.5', null],
    ['-3', null],
    ['many', null],
    ['', null],
  ])('--campaigns %j', (text, expected) => {
    expect(parseCampaignSampling(text)).toEqual(expected);
  });

  it('reads every flag over the defaults', () => {
    const r = prepareSettingsFromFlags({
      campaigns: '0.25',
      'min-touchpoints': '3',
      'max-touchpoints': '20',
      keep: 'last',
      balance: 'journeys',
      'test-share': '0.1',
      'validation-share': '0.3',
      'min-category-count': '2',
      seed: '7',
    });
    expect(r).toEqual({
      ok: true,
      settings: {
        campaigns: { kind: 'fraction', fraction: 0.25 },
        minTouchpoints: 3,
        maxTouchpoints: 20,
        keep: 'last',
        balance: 'journeys',
        testShare: 0.1,
        validationShare: 0.3,
        minCategoryCount: 2,
        seed: 7,
      },
    });
  });

  it('keeps the defaults without flags', () => {
    expect(prepareSettingsFromFlags({})).toEqual({ ok: true, settings: DEFAULT_PREPARE });
  });

  it.each([
    [{ campaigns: 'some' }, /--campaigns/],
    [{ 'min-touchpoints': 'two' }, /--min-touchpoints must be a number/],
    [{ 'min-touchpoints': '0' }, /Minimum touchpoints/],
    [{ keep: 'middle' }, /--keep/],
    [{ balance: 'both' }, /--balance/],
    [{ seed: '' }, /--seed must be a number/],
  ])('rejects %j', (flags, message) => {
    const r = prepareSettingsFromFlags(flags);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});
