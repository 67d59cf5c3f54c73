import { describe, expect, it } from 'vitest';
import { groupJourneys, type JourneyIndex } from './journeys';
import { createRng } from './random';
import { buildTable, type RowLiteral } from './testing/table-builder';

/** Journeys as lists of row indexes, with their user, conversion id and label in original ids. */
function describeJourneys(index: JourneyIndex) {
  return Array.from({ length: index.count }, (_, j) => ({
    rows: Array.from(index.rows.subarray(index.offsets[j], index.offsets[j + 1])),
    converted: index.converted[j],
    conversionId: index.conversionId[j],
    user: index.user[j],
  }));
}

describe('groupJourneys', () => {
  it('reassembles two journeys whose rows interleave in time (the notebook scrambled these)', () => {
    const table = buildTable([
      { t: 1, user: 'u1', campaign: 'a', conversionId: 'c1' },
      { t: 2, user: 'u2', campaign: 'b' },
      { t: 3, user: 'u1', campaign: 'b', conversionId: 'c1' },
      { t: 4, user: 'u2', campaign: 'a' },
      { t: 5, user: 'u1', campaign: 'c', conversionId: 'c1' },
    ]);
    const journeys = describeJourneys(groupJourneys(table));
    expect(journeys.map((j) => j.rows)).toEqual([
      [0, 2, 4],
      [1, 3],
    ]);
    expect(journeys.map((j) => j.converted)).toEqual([1, 0]);
  });

  it('orders touchpoints by time, not by file order or campaign', () => {
    const table = buildTable([
      { t: 30, user: 1, campaign: 'a' },
      { t: 10, user: 1, campaign: 'z' },
      { t: 20, user: 1, campaign: 'b' },
    ]);
    expect(describeJourneys(groupJourneys(table))[0].rows).toEqual([1, 2, 0]);
  });

  it('keeps file order for equal timestamps', () => {
    const table = buildTable([
      { t: 5, user: 1, campaign: 'b' },
      { t: 5, user: 1, campaign: 'a' },
      { t: 1, user: 1, campaign: 'c' },
      { t: 5, user: 1, campaign: 'd' },
    ]);
    expect(describeJourneys(groupJourneys(table))[0].rows).toEqual([2, 0, 1, 3]);
  });

  it('splits one user into a journey per conversion id plus the unconverted rest', () => {
    const table = buildTable([
      { t: 1, user: 1, campaign: 'a', conversionId: 'x' },
      { t: 2, user: 1, campaign: 'a' },
      { t: 3, user: 1, campaign: 'b', conversionId: 'y' },
      { t: 4, user: 1, campaign: 'b', conversionId: 'x' },
      { t: 5, user: 1, campaign: 'c' },
    ]);
    const journeys = describeJourneys(groupJourneys(table));
    // Order by dense conversion index: -1 (unconverted) first, then x (0), then y (1).
    expect(journeys).toEqual([
      { rows: [1, 4], converted: 0, conversionId: -1, user: 0 },
      { rows: [0, 3], converted: 1, conversionId: 0, user: 0 },
      { rows: [2], converted: 1, conversionId: 1, user: 0 },
    ]);
  });

  it('splits a conversion id shared by two users into two journeys', () => {
    const table = buildTable([
      { t: 1, user: 1, campaign: 'a', conversionId: 'x' },
      { t: 2, user: 2, campaign: 'a', conversionId: 'x' },
    ]);
    expect(groupJourneys(table).count).toBe(2);
  });

  it('sorts long journeys (past the insertion-sort size) by time as well', () => {
    const rows: RowLiteral[] = [];
    const times = Array.from({ length: 200 }, (_, i) => (i * 7919) % 200);
    times.forEach((t) => rows.push({ t, user: 'u', campaign: `c${t % 5}`, conversionId: t % 2 ? 'odd' : undefined }));
    const table = buildTable(rows);
    const index = groupJourneys(table);
    expect(index.count).toBe(2);
    for (let j = 0; j < index.count; j++) {
      const ts = Array.from(index.rows.subarray(index.offsets[j], index.offsets[j + 1]), (r) => table.timestamp[r]);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
      expect(ts).toHaveLength(100);
    }
  });

  it('takes the conversion flag as the max over the journey', () => {
    const table = buildTable([
      { t: 1, user: 1, campaign: 'a', conversionId: 'x', conversion: 0 },
      { t: 2, user: 1, campaign: 'a', conversionId: 'x', conversion: 1 },
      { t: 3, user: 2, campaign: 'a', conversion: 0 },
    ]);
    expect(Array.from(groupJourneys(table).converted)).toEqual([1, 0]);
  });

  it('gives the same journeys whatever the sort batch, users bigger than a batch included', () => {
    const rng = createRng(16);
    const rows: RowLiteral[] = [];
    for (let i = 0; i < 600; i++) {
      // User 0 has about a third of the rows (past every batch size below and the insertion-sort size).
      const user = rng.next() < 0.33 ? 0 : Math.floor(rng.next() * 40);
      const conversion = rng.next() < 0.3 ? `x${Math.floor(rng.next() * 4)}` : undefined;
      rows.push({ t: Math.floor(rng.next() * 50), user, campaign: `c${i % 3}`, conversionId: conversion, conversion: conversion && rng.next() < 0.5 ? 1 : 0 });
    }
    const table = buildTable(rows);
    const reference = describeJourneys(groupJourneys(table));
    expect(reference.length).toBeGreaterThan(40);
    // Every row once, each journey in (time, file) order.
    expect(reference.flatMap((j) => j.rows).sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
    for (const j of reference) {
      const keys = j.rows.map((r) => [table.timestamp[r], r]);
      expect(keys).toEqual([...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
    }
    for (const batch of [1, 2, 7, 64, 199]) expect(describeJourneys(groupJourneys(table, batch))).toEqual(reference);
  });

  it('handles an empty table', () => {
    const index = groupJourneys(buildTable([]));
    expect(index.count).toBe(0);
    expect(Array.from(index.offsets)).toEqual([0]);
  });
});
