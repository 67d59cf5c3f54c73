/**
 * Issue 15: the app trains on a prepared file. DuckDB (in this Node process)
 * runs the SQL export on the demo log; the page opens its CSV and .settings
 * through "Open a prepared file", goes straight to the models and the answer,
 * and a bad prepared file afterwards gets one line and changes nothing.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { writeFile } from 'node:fs/promises';
import { preparationSql } from '../src/core/prepare/sql';
import { DEFAULT_PREPARE, type PrepareSettings } from '../src/core/settings';
import { DEMO_SYNTH_OPTIONS } from '../src/core/synth/generate';
import { configureSmallRun, expect, openFold, syntheticLog, test } from './fixtures';

const SETTINGS: PrepareSettings = { ...DEFAULT_PREPARE, campaigns: { kind: 'count', count: 6 }, seed: 7 };

test('a prepared CSV from the SQL export runs without preparing; a bad one is refused and changes nothing', async ({ app }, testInfo) => {
  test.setTimeout(240_000);
  const log = testInfo.outputPath('demo.tsv');
  await writeFile(log, syntheticLog(DEMO_SYNTH_OPTIONS).text);
  const csv = testInfo.outputPath('prepared.csv');
  const sql = preparationSql({ dialect: 'duckdb', settings: SETTINGS, source: { kind: 'file', path: log, format: 'tsv' }, output: csv });
  expect(sql.ok).toBe(true);
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  await duck.run(sql.ok ? sql.sql : '');
  duck.closeSync();

  const page = app.page;
  await page.getByTestId('prepared-input').setInputFiles([csv, `${csv}.settings`]);
  await expect(app.summary).toHaveAttribute('data-format', 'prepared');
  await expect(app.summary).toContainText('prepared by the SQL export');
  await expect(app.summary).toContainText('6 campaigns, journeys of at least 2 touchpoints, balanced by events');
  await expect(app.summary).toContainText('seed 7');
  expect(await app.summaryNumber('campaigns')).toBeLessThanOrEqual(6);
  const converted = await app.summaryNumber('converted-journeys');
  expect(converted).toBeGreaterThan(0);

  // The form's preparation settings (4 campaigns, seed 42) do not apply: the file's do.
  await configureSmallRun(page);
  await page.getByTestId('setting-backend').selectOption('wasm');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done', { timeout: 200_000 });
  await openFold(page, 'run-details');
  await expect(page.getByTestId('progress-prepare')).toContainText('prepared before the run');
  await expect(page.getByTestId('results')).toBeVisible();
  const exported = JSON.parse(
    await (async () => {
      const download = page.waitForEvent('download');
      await page.getByTestId('export-weights').click();
      const file = testInfo.outputPath('weights.json');
      await (await download).saveAs(file);
      return (await import('node:fs/promises')).readFile(file, 'utf8');
    })(),
  ) as Record<string, Record<string, number>>;
  expect(Object.keys(exported)).toEqual(expect.arrayContaining(['lta', 'logreg', 'attention']));
  expect(Object.keys(exported.lta).length).toBeLessThanOrEqual(6);

  // A prepared file without its split column: one line, and the summary and results stay.
  const bad = testInfo.outputPath('bad.csv');
  await writeFile(bad, 'journey_id,step,campaign\n1_2,0,3\n');
  await page.getByTestId('prepared-input').setInputFiles([bad, `${csv}.settings`]);
  await expect(app.error).toBeVisible();
  await expect(app.error).toContainText('bad.csv: This is not a prepared file: it has no column');
  await expect(app.summary).toHaveAttribute('data-format', 'prepared');
  expect(await app.summaryNumber('converted-journeys')).toBe(converted);
  await expect(page.getByTestId('results')).toBeVisible();
});
