import { describe, expect, it } from 'vitest';
import { ingest } from '../ingest';
import { bytesOf, fileOf } from '../ingest/test-files';
import type { ColumnMapping } from '../ingest/types';
import type { PreparedData } from '../prepared';
import { DEFAULT_PREPARE, type PrepareSettings } from '../settings';
import { buildTable, type RowLiteral } from '../testing/table-builder';
import { prepareJourneys } from '.';
import { constantPerUser, userAttributeColumns } from './user-attributes';

const ALL: PrepareSettings = { ...DEFAULT_PREPARE, campaigns: { kind: 'all' }, minTouchpoints: 1, balance: 'none', minCategoryCount: 1 };

/** Three users of two touchpoints each: `segment` is one value per user, `site` changes within each user. */
const rows: RowLiteral[] = [0, 1, 2].flatMap((u) =>
  [0, 1].map((k) => ({
    t: u * 10 + k,
    user: `u${u}`,
    campaign: `c${(u + k) % 3}`,
    conversionId: u === 0 ? 'x' : undefined,
    categories: { segment: u === 2 ? 'A' : `S${u}`, site: `w${k}` },
  })),
);

function prepare(r: RowLiteral[], mapped?: string[]): PreparedData {
  const table = buildTable(r);
  if (mapped) table.userAttributeNames = mapped;
  return prepareJourneys(table, ALL);
}

describe('user attributes', () => {
  it('takes only the column that never changes within a user', () => {
    const table = buildTable(rows);
    expect(constantPerUser(table.user, table.userCount, table.categories[0])).toBe(true);
    expect(constantPerUser(table.user, table.userCount, table.categories[1])).toBe(false);
    expect(userAttributeColumns(table, ['segment', 'site'])).toEqual(['segment']);

    const p = prepare(rows);
    expect(p.userAttributes).toEqual(['segment']);
    expect(p.stats.userAttributes).toEqual(['segment']);
    // The varying column stays per touchpoint; the constant one leaves the touchpoints.
    expect(p.categoryNames).toEqual(['site']);
    expect(p.sequences.categoryColumns).toBe(1);
    expect(p.sequences.userColumns).toBe(1);
    // One row per journey, read at its first touchpoint: S0, S1, A as user vocabulary 1, 2, 3 (0 is "other").
    const byUser = new Map<number, number>();
    for (let j = 0; j < p.journeys.count; j++) byUser.set(p.journeys.user[j], p.sequences.user![j]);
    expect([0, 1, 2].map((u) => byUser.get(u))).toEqual([1, 2, 3]);
    expect(Array.from(p.sequences.userOffsets!)).toEqual([0, 4]);
  });

  it('finds none when every category changes within a user', () => {
    const varying = rows.map((r) => ({ ...r, categories: { site: `w${r.t}` } }));
    const p = prepare(varying);
    expect(p.userAttributes).toBeUndefined();
    expect(p.sequences.user).toBeUndefined();
    expect(p.categoryNames).toEqual(['site']);
  });

  it('takes a column the mapping names as a user attribute even where it changes', () => {
    const p = prepare(rows, ['site']);
    expect(p.userAttributes).toEqual(['segment', 'site']);
    expect(p.categoryNames).toEqual([]);
    expect(p.sequences.userColumns).toBe(2);
  });

  it('takes nothing from a log where no user has two rows (constancy is then unknown)', () => {
    const single = rows.filter((r) => r.t % 10 === 0);
    expect(userAttributeColumns(buildTable(single), ['segment', 'site'])).toEqual([]);
  });

  it('gives rare values the column\'s "other" index', () => {
    const p = prepareJourneys(buildTable(rows), { ...ALL, minCategoryCount: 2 });
    // Each segment value is one journey's: all rare.
    expect(Array.from(p.sequences.user!)).toEqual([0, 0, 0]);
    expect(Array.from(p.sequences.userOffsets!)).toEqual([0, 1]);
  });
});

describe('user attributes from an own log', () => {
  it('reads mapped user attribute columns as category columns marked for the journeys', async () => {
    const text = 'user,time,channel,converted,country,site\nu1,1,email,0,fr,a\nu1,2,search,1,fr,b\nu2,3,email,0,de,a\n';
    const mapping: ColumnMapping = { user: 'user', timestamp: 'time', timestampUnit: 'auto', campaign: 'channel', conversion: 'converted', categories: ['site'], userAttributes: ['country'] };
    const result = await ingest(fileOf(bytesOf(text), 'log.csv'), { mapping });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.table.categoryNames).toEqual(['site', 'country']);
    expect(result.table.userAttributeNames).toEqual(['country']);
    const p = prepareJourneys(result.table, ALL);
    expect(p.userAttributes).toEqual(['country']);
    expect(p.categoryNames).toEqual(['site']);
  });
});
