/** The recommendation panel opens on the run's defended recommendation, with today's split beside it. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { DefendedRecommendation } from '../../core/recommend';
import type { Recommendation, Sweep } from '../../core/simulate';
import type { JobResult } from '../../shared/protocol';
import { RecommendationView } from './RecommendationView';

const sweep: Sweep = {
  budget: 100,
  unit: 'impressions',
  events: 1000,
  models: [
    {
      model: 'attention',
      missingCampaigns: 0,
      clippedCampaigns: 0,
      results: [{ pitch: 1, conversions: 5, spent: 100, conversionsPerBudget: 0.05 }],
      best: { pitch: 1, conversions: 5 },
      allocation: [],
    },
  ],
};

function defended(method: string, low: number): DefendedRecommendation {
  return {
    method,
    label: method === 'today' ? "today's split" : 'allocation searched against the model',
    why: method === 'today' ? "Keep today's split: no allocation beats it by more than its 90% interval." : 'It ranks best.',
    unit: 'impressions',
    budget: 100,
    allocation: method === 'today' ? { a: 60, b: 40 } : { a: 100, b: 0 },
    today: { a: 60, b: 40 },
    expected: { recommended: method === 'today' ? 10 : 14, today: 10, interval90: [low, method === 'today' ? 0 : 7] },
    candidates: [],
    journeys: { fit: 50, test: 50 },
    scored: 0,
    optimiserMoves: 0,
  };
}

const render = (d?: DefendedRecommendation) => renderToStaticMarkup(createElement(RecommendationView, { sweep, defended: d, onRecommend: () => new Promise<JobResult<Recommendation>>(() => {}) }));

describe('RecommendationView', () => {
  it('opens on the defended allocation, names it and shows today beside it with the gain and its interval', () => {
    const html = render(defended('optimised', 1.5));
    expect(html).toContain('data-testid="rec-defended"');
    expect(html).toContain('data-method="optimised"');
    expect(html).toContain('Recommended: allocation searched against the model');
    expect(html).toMatch(/gain \+4\.0, 90% interval \+1\.5 to \+7\.0/);
    expect(html).toMatch(/data-testid="recommendation" data-model="optimised"/);
    expect(html).toMatch(/data-campaign="a" data-recommended="100"/);
    expect(html).not.toContain('data-testid="rec-outcome"');
  });

  it("says to keep today's split when nothing beats it", () => {
    const html = render(defended('today', -2));
    expect(html).toContain("Keep today&#x27;s split");
    expect(html).toMatch(/data-campaign="b" data-recommended="40"/);
  });

  it('says when the defended recommendation was made for another budget, and opens on the article replay instead', () => {
    const html = render({ ...defended('optimised', 1.5), budget: 200 });
    expect(html).toContain('data-testid="rec-defended-stale"');
    expect(html).not.toContain('data-testid="rec-defended"');
  });

  it('without a defended recommendation, waits for the article replay of the preferred method', () => {
    const html = render(undefined);
    expect(html).not.toContain('rec-defended');
    expect(html).toContain('value="attention"');
  });
});
