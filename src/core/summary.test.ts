import { describe, expect, it } from 'vitest';
import { JOURNEY_LENGTH_BUCKETS, summarize } from './summary';
import { buildTable, type RowLiteral } from './testing/table-builder';

describe('summarize', () => {
  const rows: RowLiteral[] = [
    { t: 100, user: 'u1', campaign: '7', conversionId: 'c1', click: 1 },
    { t: 50, user: 'u2', campaign: '9' },
    { t: 120, user: 'u1', campaign: '9', conversionId: 'c1' },
    { t: 300, user: 'u1', campaign: '9' },
    { t: 90, user: 'u3', campaign: '9', click: 1 },
    { t: 95, user: 'u3', campaign: '8' },
  ];
  const table = buildTable(rows, {
    name: 'log.tsv',
    notes: ['a note'],
    skipped: { count: 3, examples: [{ line: 4, reason: 'bad timestamp' }] },
  });
  const summary = summarize(table);

  it.each([
    ['rows', 6],
    ['users', 3],
    ['campaigns', 3],
    ['journeys', 4],
    ['convertedJourneys', 1],
    ['conversionRate', 0.25],
    ['clicks', 2],
    ['skippedRows', 3],
    ['name', 'log.tsv'],
    ['format', 'delimited'],
  ] as const)('%s is %s', (key, value) => {
    expect(summary[key]).toBe(value);
  });

  it('spans the earliest to the latest timestamp, not the first and last row', () => {
    expect(summary.timeSpan).toEqual({ start: 50, end: 300 });
  });

  it('lists campaigns by events, most first, with original ids', () => {
    expect(summary.eventsPerCampaign).toEqual([
      { campaign: '9', events: 4 },
      { campaign: '7', events: 1 },
      { campaign: '8', events: 1 },
    ]);
  });

  it('counts journey lengths', () => {
    const h = summary.journeyLengthHistogram;
    expect(h).toHaveLength(JOURNEY_LENGTH_BUCKETS);
    expect(h.slice(0, 3).map((b) => b.journeys)).toEqual([2, 2, 0]);
    expect(h[h.length - 1].orLonger).toBe(true);
  });

  it('puts long journeys into the last bucket', () => {
    const long = Array.from({ length: JOURNEY_LENGTH_BUCKETS + 5 }, (_, i) => ({ t: i, user: 1, campaign: 'a' }));
    const h = summarize(buildTable(long)).journeyLengthHistogram;
    expect(h[h.length - 1]).toEqual({ length: JOURNEY_LENGTH_BUCKETS, journeys: 1, orLonger: true });
    expect(h.reduce((s, b) => s + b.journeys, 0)).toBe(1);
  });

  it('carries skipped examples and notes', () => {
    expect(summary.skippedExamples).toEqual([{ line: 4, reason: 'bad timestamp' }]);
    expect(summary.notes).toEqual(['a note']);
  });

  it('summarizes an empty table without NaN', () => {
    const empty = summarize(buildTable([]));
    expect(empty.timeSpan).toBeNull();
    expect(empty.conversionRate).toBe(0);
    expect(empty.journeys).toBe(0);
  });
});
