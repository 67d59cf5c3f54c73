/**
 * Builds a small EventTable from row literals, for tests. Users, campaigns,
 * conversion ids and category values become dense indexes in order of first
 * appearance, exactly as the ingest does, and category columns are as narrow
 * as their dictionaries allow, as the ingest leaves them.
 */
import { fitCategoryColumn, type EventTable, type SkippedRow } from '../table';

export interface RowLiteral {
  /** Seconds. */
  t: number;
  user: string | number;
  campaign: string | number;
  /** Defaults to 1 when `conversionId` is given, else 0. */
  conversion?: 0 | 1;
  /** Original conversion id; omitted or -1 = none. */
  conversionId?: string | number;
  click?: 0 | 1;
  cost?: number;
  /** Seconds since the user's last click; -1 (the default) = none. */
  timeSinceLastClick?: number;
  /** Category values by column name. */
  categories?: Record<string, string | number>;
}

export interface TableBuilderOptions {
  /** Category columns, in order; defaults to the names found in the rows. */
  categoryNames?: string[];
  format?: 'criteo' | 'delimited';
  name?: string;
  notes?: string[];
  skipped?: { count: number; examples: SkippedRow[] };
  /** Marks the cost column as present even when every cost is 0. */
  hasCost?: boolean;
}

class Dictionary {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  get(value: string | number): number {
    const key = String(value);
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(key);
      this.index.set(key, i);
    }
    return i;
  }
}

export function buildTable(rows: readonly RowLiteral[], options: TableBuilderOptions = {}): EventTable {
  const n = rows.length;
  const users = new Dictionary();
  const campaigns = new Dictionary();
  const conversions = new Dictionary();
  const categoryNames =
    options.categoryNames ?? [...new Set(rows.flatMap((r) => Object.keys(r.categories ?? {})))];
  const categoryDicts = categoryNames.map(() => new Dictionary());

  const table: EventTable = {
    rowCount: n,
    timestamp: new Float64Array(n),
    user: new Uint32Array(n),
    userCount: 0,
    campaign: new Uint32Array(n),
    campaignIds: campaigns.ids,
    conversion: new Uint8Array(n),
    conversionId: new Int32Array(n),
    conversionCount: 0,
    click: new Uint8Array(n),
    cost: new Float32Array(n),
    hasCost: options.hasCost ?? rows.some((r) => r.cost !== undefined),
    timeSinceLastClick: new Float32Array(n),
    categoryNames,
    categories: categoryNames.map(() => new Uint32Array(n)),
    categoryIds: categoryDicts.map((d) => d.ids),
    skipped: options.skipped ?? { count: 0, examples: [] },
    source: {
      format: options.format ?? 'delimited',
      name: options.name ?? 'test.tsv',
      textBytes: 0,
      notes: options.notes ?? [],
    },
  };

  rows.forEach((r, i) => {
    table.timestamp[i] = r.t;
    table.user[i] = users.get(r.user);
    table.campaign[i] = campaigns.get(r.campaign);
    const hasConversion = r.conversionId !== undefined && String(r.conversionId) !== '-1';
    table.conversionId[i] = hasConversion ? conversions.get(r.conversionId!) : -1;
    table.conversion[i] = r.conversion ?? (hasConversion ? 1 : 0);
    table.click[i] = r.click ?? 0;
    table.cost[i] = r.cost ?? 0;
    table.timeSinceLastClick[i] = r.timeSinceLastClick ?? -1;
    categoryNames.forEach((name, c) => {
      table.categories[c][i] = categoryDicts[c].get(r.categories?.[name] ?? '');
    });
  });
  table.userCount = users.ids.length;
  table.conversionCount = conversions.ids.length;
  table.categories = table.categories.map((column, c) => fitCategoryColumn(column, categoryDicts[c].ids.length - 1));
  return table;
}
