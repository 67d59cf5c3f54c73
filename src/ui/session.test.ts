import { describe, expect, it } from 'vitest';
import type { RunResults } from '../shared/protocol';
import { defaultRunSettings } from '../core/settings';
import { makeSession, parseSession } from './session';

const results: RunResults = {
  settings: defaultRunSettings(),
  backend: 'wasm',
  stats: {
    campaignsInData: 2,
    campaignsSampled: 2,
    journeysBeforeFilter: 3,
    journeysAfterFilter: 3,
    convertedJourneys: 1,
    unconvertedJourneys: 2,
    convertedEvents: 2,
    unconvertedEvents: 4,
  },
  campaignIds: ['a', 'b'],
  impressions: [3, 3],
  weights: { lta: { a: 0.5, b: 0 } },
  metrics: {},
  sweep: { budget: 1, unit: 'impressions', events: 6, models: [] },
  notes: [],
};

describe('sessions', () => {
  it('round-trips settings and results', () => {
    const saved = makeSession(results, { name: 'log.tsv', rows: 6 });
    const parsed = parseSession(JSON.stringify(saved));
    expect(parsed).toEqual({ ok: true, session: saved });
  });

  it.each([
    ['not JSON', '{oops', 'not JSON'],
    ['another app', '{"app":"x"}', 'not an Attribution Lab session'],
    ['another version', '{"app":"attribution-lab","version":9}', 'another version'],
    ['no results', '{"app":"attribution-lab","version":1}', 'incomplete'],
  ])('refuses %s', (_name, text, message) => {
    const parsed = parseSession(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});
