/**
 * The BigQuery and Spark scripts, which no engine runs here, through a
 * dialect-aware SQL parser (node-sql-parser: its `bigquery` grammar, and its
 * `hive` grammar for Spark SQL, which shares Hive's syntax for queries). The
 * DuckDB script runs for real in sql-duckdb.test.ts.
 */
import { Parser } from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PREPARE, type PrepareSettings } from '../settings';
import { CRITEO_SQL_COLUMNS, parseSettingsLine, PREPARED_COLUMNS, preparationSql, type SqlColumns, type SqlDialect, type SqlExportOptions } from './sql';

const parser = new Parser();
const GRAMMAR: Record<Exclude<SqlDialect, 'duckdb'>, string> = { bigquery: 'bigquery', spark: 'hive' };

const MAPPED: SqlColumns = {
  timestamp: 'event_time',
  timestampUnit: 'iso',
  user: 'customer',
  campaign: 'channel_id',
  conversionId: 'order_id',
  noConversion: 'zero-or-minus-one',
  categories: ['device', 'region'],
};

function script(options: Partial<SqlExportOptions> & { dialect: SqlDialect }): string {
  const exported = preparationSql({ settings: DEFAULT_PREPARE, source: { kind: 'table', name: 'analytics.criteo_log' }, ...options });
  if (!exported.ok) throw new Error(exported.error);
  return exported.sql;
}

/** The output column names of the script's last SELECT, as the parser reads them. */
function outputColumns(sql: string, dialect: 'bigquery' | 'spark'): string[] {
  const ast = parser.astify(sql, { database: GRAMMAR[dialect] });
  const statement = (Array.isArray(ast) ? ast[0] : ast) as unknown as { type: string; columns: { as: string | { value: string } }[] };
  expect(statement.type).toBe('select');
  return statement.columns.map((c) => (typeof c.as === 'string' ? c.as : c.as.value));
}

const expected = (categories: string[]) => [...PREPARED_COLUMNS.head, ...categories.map((c) => `cat_${c}`), ...PREPARED_COLUMNS.tail];

describe.each(['bigquery', 'spark'] as const)('the %s script', (dialect) => {
  it.each<[string, Partial<PrepareSettings>]>([
    ['the defaults', {}],
    ['a share of campaigns, balanced by journeys', { campaigns: { kind: 'fraction', fraction: 0.6 }, balance: 'journeys', seed: 99 }],
    ['every campaign, no balancing', { campaigns: { kind: 'all' }, balance: 'none', minTouchpoints: 1 }],
  ])('parses, with the prepared columns in order: %s', (_name, change) => {
    const sql = script({ dialect, settings: { ...DEFAULT_PREPARE, ...change } });
    expect(outputColumns(sql, dialect)).toEqual(expected(CRITEO_SQL_COLUMNS.categories));
    expect(parseSettingsLine(sql.split('\n')[0])).toEqual({ ...DEFAULT_PREPARE, ...change });
  });

  it('parses for a mapped log (ISO times, no click, cost or gap columns)', () => {
    const sql = script({ dialect, columns: MAPPED });
    expect(outputColumns(sql, dialect)).toEqual(expected(MAPPED.categories));
    expect(sql).toContain('CAST(`customer` AS');
  });

  it('changes only the hash constants with the seed', () => {
    const a = script({ dialect, settings: { ...DEFAULT_PREPARE, seed: 1 } });
    const b = script({ dialect, settings: { ...DEFAULT_PREPARE, seed: 2 } });
    expect(a).not.toEqual(b);
    const numbersOut = (s: string) => s.split('\n').slice(1).join('\n').replace(/\b\d{6,}\b/g, 'N');
    expect(numbersOut(a)).toEqual(numbersOut(b));
  });
});

describe('where each engine reads and writes', () => {
  it('BigQuery writes a table with --out and needs a table to read', () => {
    const sql = script({ dialect: 'bigquery', output: 'analytics.prepared' });
    expect(sql).toContain('CREATE OR REPLACE TABLE analytics.prepared AS');
    expect(() => parser.astify(sql, { database: 'bigquery' })).not.toThrow();
    const fromFile = preparationSql({ dialect: 'bigquery', settings: DEFAULT_PREPARE, source: { kind: 'file', path: 'log.csv', format: 'csv' } });
    expect(fromFile.ok).toBe(false);
  });

  it('Spark reads Parquet files by path, not CSV', () => {
    expect(script({ dialect: 'spark', source: { kind: 'file', path: '/data/log.parquet', format: 'parquet' } })).toContain('FROM parquet.`/data/log.parquet`');
    expect(preparationSql({ dialect: 'spark', settings: DEFAULT_PREPARE, source: { kind: 'file', path: 'log.csv', format: 'csv' } }).ok).toBe(false);
  });

  it('DuckDB reads TSV, CSV and Parquet files and writes CSV or Parquet', () => {
    expect(script({ dialect: 'duckdb', source: { kind: 'file', path: 'log.tsv', format: 'tsv' } })).toContain("read_csv('log.tsv', header = true, delim = '\\t')");
    expect(script({ dialect: 'duckdb', source: { kind: 'file', path: "it's.parquet", format: 'parquet' } })).toContain("read_parquet('it''s.parquet')");
    expect(script({ dialect: 'duckdb', output: 'out.parquet' })).toMatch(/TO 'out\.parquet' \(FORMAT parquet, KV_METADATA \{attribution_lab_settings: '-- attribution-lab prepare settings: \{[^']*\}'\}\);\n/);
    expect(script({ dialect: 'duckdb', output: 'out.csv' })).toContain("TO 'out.csv' (FORMAT csv, HEADER true);\n");
    expect(script({ dialect: 'duckdb', output: 'out.csv' })).toContain("TO 'out.csv.settings' (FORMAT csv, HEADER false, QUOTE '', DELIMITER '\t');\n");
  });
});
