/** Issue 15: the settings form shows and downloads the preparation as SQL for the settings it holds. */
import { readFile } from 'node:fs/promises';
import { preparationSql } from '../src/core/prepare/sql';
import { DEFAULT_PREPARE } from '../src/core/settings';
import { expect, syntheticLog, test } from './fixtures';

test('the SQL export follows the settings form and downloads the script the CLI would print', async ({ app }, testInfo) => {
  const { text } = syntheticLog({ seed: 3, users: 300, campaigns: 8 });
  await app.dropFile('small.tsv', text);
  await expect(app.summary).toBeVisible();
  await app.page.getByTestId('setting-campaigns').fill('4');
  await app.page.getByTestId('setting-seed').fill('11');

  await app.page.getByTestId('sql-show').click();
  const shown = app.page.getByTestId('sql-text');
  await expect(shown).toContainText('"campaigns":{"kind":"count","count":4}');
  await expect(shown).toContainText('"seed":11');
  await expect(shown).toContainText("read_csv('criteo_attribution_dataset.tsv.gz'");

  await app.page.getByTestId('sql-dialect').selectOption('bigquery');
  await app.page.getByTestId('sql-table').fill('ds.criteo');
  const download = app.page.waitForEvent('download');
  await app.page.getByTestId('sql-download').click();
  const saved = await download;
  expect(saved.suggestedFilename()).toBe('prepare-bigquery.sql');
  const file = testInfo.outputPath('prepare-bigquery.sql');
  await saved.saveAs(file);
  const expected = preparationSql({
    dialect: 'bigquery',
    settings: { ...DEFAULT_PREPARE, campaigns: { kind: 'count', count: 4 }, seed: 11 },
    source: { kind: 'table', name: 'ds.criteo' },
  });
  expect(expected.ok).toBe(true);
  expect(await readFile(file, 'utf8')).toBe(expected.ok ? expected.sql : '');
});
