/** Response curves: nothing is judged while the fold is closed, and the CSV holds every point drawn. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import type { DefendedRecommendation, ResponseCurves } from '../../shared/protocol';
import { responseCsv, ResponseCurvesView } from './ResponseCurves';

const curves: ResponseCurves = {
  unit: 'money',
  journeys: 100,
  curves: [
    {
      key: 'a',
      label: '=Search',
      today: 40,
      points: [
        { multiple: 0, amount: 0, incremental: 0 },
        { multiple: 1, amount: 40, incremental: 3.5 },
        { multiple: 2, amount: 80, incremental: 5 },
      ],
    },
  ],
};

describe('ResponseCurvesView', () => {
  it('asks the worker for nothing while closed', () => {
    const onCurves = vi.fn();
    const rec = { budget: 100, unit: 'money', today: { a: 40, b: 60 }, allocation: { a: 50, b: 50 }, journeys: { fit: 50, test: 50 } } as unknown as DefendedRecommendation;
    const html = renderToStaticMarkup(createElement(ResponseCurvesView, { rec, labels: null, level: 'campaign', onCurves }));
    expect(html).toContain('Response curves');
    expect(html).not.toContain('response-chart');
    expect(onCurves).not.toHaveBeenCalled();
  });

  it('writes one CSV row per group and point, a formula-like name defused', () => {
    expect(responseCsv(curves)).toBe(
      "group,multiple of today,budget (money),incremental expected conversions\r\n'=Search,0,0,0\r\n'=Search,1,40,3.5\r\n'=Search,2,80,5\r\n",
    );
  });
});
