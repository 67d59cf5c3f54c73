import { describe, expect, it } from 'vitest';
import type { ResponseCurves, RunResults } from '../shared/protocol';
import { allocationSvg, escapeHtml, reportHtml } from './report';
import { defaultRunSettings } from '../core/settings';

const settings = defaultRunSettings();
const results = {
  settings,
  backend: 'wasm',
  stats: { campaignsInData: 3, campaignsSampled: 2, journeysBeforeFilter: 10, journeysAfterFilter: 9, convertedJourneys: 4, unconvertedJourneys: 5, convertedEvents: 6, unconvertedEvents: 7 },
  campaignIds: ['a', 'b'],
  impressions: [5, 5],
  money: { spend: [12.5, 7.5], judgedSpend: [1, 2] },
  weights: { shapley: { a: 2, b: 1 } },
  metrics: {},
  notes: [],
  timings: { prepare: 0.4 },
  recommendation: {
    method: 'optimised',
    label: 'allocation searched against the model',
    why: 'It <wins>.',
    unit: 'money',
    budget: 10,
    allocation: { a: 8, b: 2 },
    today: { a: 5, b: 5 },
    expected: { recommended: 12.34, today: 10.01, interval90: [0.5, 4] },
    candidates: [{ method: 'optimised', label: 'allocation searched against the model', fit: 1, test: 12.34, gain: 2.33, interval90: [0.5, 4] }],
    journeys: { fit: 50, test: 49 },
    scored: 99,
    optimiserMoves: 3,
    seconds: 1,
  },
} as unknown as RunResults;

describe('reportHtml', () => {
  const labels = { a: { name: 'Spring <sale>', channel: 'Search & co' }, b: { name: 'Brand', channel: 'Search & co' } };
  const html = reportHtml({ results, labels, level: 'campaign', source: { name: 'log.tsv', rows: 1234 }, made: '2026-12-02 14:00 UTC' });

  it('is one document with no scripts, links or fetched resources', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
  });

  it("carries the answer's numbers, the money, the seed and the settings", () => {
    expect(html).toContain('data-expected="12.34"');
    expect(html).toContain('<strong>12.3</strong> with this split against 10.0');
    expect(html).toContain('90% interval +0.5 to +4.0');
    expect(html).toContain('Largest increases: Spring &lt;sale&gt; +3.00');
    expect(html).toContain('data-total-spend="20"');
    expect(html).toContain(`<strong id="seed">${settings.prepare.seed}</strong>`);
    expect(html).toContain('prepare 0.4');
  });

  it("escapes the user's names and the sentences", () => {
    expect(html).not.toContain('<sale>');
    expect(html).toContain('It &lt;wins&gt;.');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('sums channels when the report is by channel', () => {
    const byChannel = reportHtml({ results, labels, level: 'channel', source: { name: 'log.tsv', rows: 1 }, made: 'now' });
    expect(byChannel).toContain('<th>Search &amp; co</th><td class="num">20.00</td>');
  });

  it('holds an edited what-if and the drawn response curves, as a table and an inline SVG', () => {
    const curves = {
      unit: 'money',
      journeys: 49,
      curves: [
        { key: 'a', label: 'Spring <sale>', today: 5, points: [0, 0.5, 1, 2].map((m) => ({ multiple: m, amount: 5 * m, incremental: Math.sqrt(m) })) },
        { key: 'b', label: 'Brand', today: 5, points: [0, 0.5, 1, 2].map((m) => ({ multiple: m, amount: 5 * m, incremental: m / 4 })) },
      ],
    } as unknown as ResponseCurves;
    const whatIf = { level: 'campaign' as const, rows: [{ label: 'Brand', today: 5, recommended: 2, whatIf: 4 }], expected: 11.5, total: 12 };
    const full = reportHtml({ results, labels, level: 'campaign', source: { name: 'log.tsv', rows: 1 }, made: 'now', whatIf, curves });
    expect(full).toContain('id="what-if" data-expected="11.5"');
    expect(full).toContain('<th>Brand</th><td class="num">5.00</td><td class="num">2.00</td><td class="num">4.00</td>');
    expect(full.match(/<svg /g)).toHaveLength(2);
    expect(full.match(/<polyline /g)).toHaveLength(2);
    expect(full).toContain('<th>Spring &lt;sale&gt;</th><td class="num">5.00</td><td class="num">0.00</td><td class="num">0.71</td><td class="num">1.00</td><td class="num">1.41</td>');
    expect(full).not.toMatch(/<script|<link|<img|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
    // Without them, neither section.
    expect(html).not.toContain('id="what-if"');
    expect(html).not.toContain('id="response-curves"');
  });

  it('says so when there is no cost column and no recommendation', () => {
    const bare = reportHtml({ results: { ...results, money: undefined, recommendation: undefined }, labels: null, level: 'campaign', source: { name: 'x', rows: 1 }, made: 'now' });
    expect(bare).toContain('no cost column');
    expect(bare).toContain('no recommendation');
  });
});

describe('allocationSvg', () => {
  it('draws one pair of bars per row, largest change first, at most the cap', () => {
    const rows = [
      { key: 'a', label: 'A', members: ['a'], today: 5, recommended: 5.5, change: 0.5 },
      { key: 'b', label: 'B', members: ['b'], today: 5, recommended: 1, change: -4 },
    ];
    const svg = allocationSvg(rows, 'impressions', 1);
    expect(svg.match(/<rect /g)).toHaveLength(2 + 2);
    expect(svg).toContain('>B</text>');
    expect(svg).not.toContain('>A</text>');
  });
});
