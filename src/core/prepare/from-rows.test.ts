/**
 * The prepared-file reader's user attributes on a hand-made file: the columns
 * `user_attributes` names leave the touchpoints and become journey-level
 * inputs (values seen in fewer journeys than the minimum count are "other");
 * a file without the column (exported before it) has none; a name without
 * its cat_ column is refused.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PREPARE } from '../settings';
import { parsePreparedRows, preparedFromRows } from './from-rows';
import { PREPARED_COLUMNS } from './sql';

const HEADER = [...PREPARED_COLUMNS.head, 'cat_site', 'cat_segment', ...PREPARED_COLUMNS.tail];

/** One row: journey, user, step, campaign, site, segment. */
function row(journey: string, step: number, campaign: string, site: string, segment: string, names: string): string[] {
  const [user, conversion] = journey.split('_');
  return [journey, user, conversion, String(step), String(100 + step), campaign, '0', '1', '-1', '0.5', '0', '0.1', site, segment, '0', 'train', '1', names];
}

const ROWS = (names: string) => [
  row('1_-1', 0, '7', 'a', 'gold', names),
  row('1_-1', 1, '8', 'b', 'gold', names),
  row('2_-1', 0, '7', 'a', 'gold', names),
  row('3_-1', 0, '8', 'b', 'silver', names),
];

describe('preparedFromRows: user attributes', () => {
  it('takes the named columns once per journey, out of the touchpoint categories', () => {
    const parsed = parsePreparedRows(HEADER, ROWS('segment'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const p = preparedFromRows(parsed.rows, { ...DEFAULT_PREPARE, minCategoryCount: 2 });
    expect(p.userAttributes).toEqual(['segment']);
    expect(p.stats.userAttributes).toEqual(['segment']);
    expect(p.categoryNames).toEqual(['site']);
    expect(p.sequences.categoryColumns).toBe(1);
    // gold: two journeys (index 1); silver: one, fewer than 2: "other" (0).
    expect(p.sequences.userColumns).toBe(1);
    expect(Array.from(p.sequences.userOffsets!)).toEqual([0, 2]);
    expect(Array.from(p.sequences.user!)).toEqual([1, 1, 0]);
  });

  it('has none without the column, and refuses a name the file has no cat_ column for', () => {
    const without = HEADER.slice(0, -1);
    const parsed = parsePreparedRows(without, ROWS('').map((r) => r.slice(0, -1)));
    expect(parsed.ok && preparedFromRows(parsed.rows, DEFAULT_PREPARE).userAttributes).toBeUndefined();
    expect(parsed.ok && preparedFromRows(parsed.rows, DEFAULT_PREPARE).categoryNames).toEqual(['site', 'segment']);
    const bad = parsePreparedRows(HEADER, ROWS('segment,country'));
    expect(bad).toEqual({ ok: false, error: 'Column user_attributes names country, but the file has no column cat_country.' });
  });
});
