import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { preparationSql } from '../../core/prepare/sql';
import { DEFAULT_PREPARE } from '../../core/settings';
import { CRITEO_COLUMNS } from '../../core/table';
import { exportSqlCommand } from './export-sql';

// Made at once, not in beforeAll: the it.each table below names the file.
const dir = mkdtempSync(join(tmpdir(), 'export-sql-'));
const log = join(dir, 'log.tsv');

beforeAll(() => {
  writeFileSync(log, `${CRITEO_COLUMNS.join('\t')}\n${CRITEO_COLUMNS.map(() => '1').join('\t')}\n`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string[] }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await exportSqlCommand.run(args);
    return { code, out: stdout, err: stderr.trim().split('\n').filter((l) => l !== '') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('export-sql', () => {
  it('prints the script for the flags\' settings and nothing else', async () => {
    const r = await run(['--dialect', 'duckdb', log, '--campaigns', '0.5', '--balance', 'journeys', '--seed', '9']);
    expect(r.code).toBe(0);
    const settings = { ...DEFAULT_PREPARE, campaigns: { kind: 'fraction' as const, fraction: 0.5 }, balance: 'journeys' as const, seed: 9 };
    const expected = preparationSql({ dialect: 'duckdb', settings, source: { kind: 'file', path: log, format: 'tsv' } });
    expect(expected.ok && r.out).toBe(expected.ok && expected.sql);
  });

  it('reads a named table for BigQuery', async () => {
    const r = await run(['--dialect', 'bigquery', '--table', 'ds.log', '--out', 'ds.prepared']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('FROM ds.log');
    expect(r.out).toContain('CREATE OR REPLACE TABLE ds.prepared AS');
  });

  it.each([
    ['no --dialect', 2, [log], /^usage: /],
    ['an unknown dialect', 2, ['--dialect', 'postgres', log], /^--dialect takes duckdb, bigquery, spark; got "postgres"/],
    ['neither a table nor a file', 2, ['--dialect', 'duckdb'], /^Give the log as --table NAME or as one FILE/],
    ['both a table and a file', 2, ['--dialect', 'duckdb', '--table', 't', log], /^Give the log as --table NAME or as one FILE/],
    ['a file for BigQuery', 2, ['--dialect', 'bigquery', log], /^BigQuery reads a table/],
    ['a CSV file for Spark', 2, ['--dialect', 'spark', log], /^Spark reads Parquet files directly/],
    ['a bad preparation flag', 2, ['--dialect', 'duckdb', log, '--balance', 'both'], /^--balance takes/],
    ['a mapped column the header lacks', 1, ['--dialect', 'duckdb', log, '--map', 'user=uid,time=timestamp,campaign=channel,conversion-id=conversion_id', '--time-unit', 's'], /^--map: .*has no column "channel"/],
    ['a mapping without a conversion id', 1, ['--dialect', 'duckdb', log, '--map', 'user=uid,time=timestamp,campaign=campaign,conversion=conversion', '--time-unit', 's'], /needs a conversion id column/],
    ['a mapping without a time unit', 1, ['--dialect', 'duckdb', log, '--map', 'user=uid,time=timestamp,campaign=campaign,conversion-id=conversion_id'], /cannot detect the time unit/],
    ['a file that is not there', 1, ['--dialect', 'duckdb', join(dir, 'missing.tsv')], /^Cannot read /],
  ])('%s: exit %i, one line on stderr, nothing on stdout', async (_name, code, args, message) => {
    const r = await run(args as string[]);
    expect(r.code).toBe(code);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message as RegExp);
    expect(r.out).toBe('');
  });
});
