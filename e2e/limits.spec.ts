/**
 * Issue 13, the recommendation's limits in the app: a cap on change keeps
 * every campaign's recommended amount within that share of today's, and a bad
 * limits file gets its one message and changes nothing.
 */
import { writeFile } from 'node:fs/promises';
import { configureSmallRun, expect, test } from './fixtures';

test('a bad limits file is refused with its message; a cap on change bounds every campaign of the answer', async ({ app, page }, testInfo) => {
  test.setTimeout(300_000);
  await app.loadDemoButton.click();
  await expect(app.summary).toBeVisible({ timeout: 60_000 });

  const bad = testInfo.outputPath('limits.csv');
  await writeFile(bad, 'campaign id,floor,ceiling\nnot-a-campaign,1,2\n');
  await page.getByTestId('limits-file-input').setInputFiles(bad);
  await expect(page.getByTestId('limits-message')).toContainText('names campaign "not-a-campaign", which is not in the loaded log. Nothing was changed.');
  await expect(page.getByTestId('limits-status')).toHaveCount(0);

  await configureSmallRun(page);
  await page.getByTestId('setting-max-change').fill('10');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done', { timeout: 240_000 });

  // The advice says which limits it kept.
  await expect(page.getByTestId('answer-why')).toContainText('within the limits set (at most ±10% per campaign)');
  const rows = page.getByTestId('answer').locator('tr[data-today]');
  const n = await rows.count();
  expect(n).toBeGreaterThan(1);
  for (let i = 0; i < n; i++) {
    const today = Number(await rows.nth(i).getAttribute('data-today'));
    const recommended = Number(await rows.nth(i).getAttribute('data-recommended'));
    expect(recommended, `row ${i}`).toBeGreaterThanOrEqual(today * 0.9 - 1e-6);
    expect(recommended, `row ${i}`).toBeLessThanOrEqual(today * 1.1 + 1e-6);
  }
});
