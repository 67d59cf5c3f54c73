/**
 * Issue 14, ROAS: an own log that maps a conversion value (revenue) and a cost
 * gets a ROAS column in the answer's money table, equal to the incremental
 * value over the spend on the judged journeys; without a value column the
 * page says there is no ROAS (answer.spec, on the demo).
 */
import { writeFile } from 'node:fs/promises';
import { createRng } from '../src/core/random';
import { expect, test } from './fixtures';

test('an own log with a mapped value column gets ROAS per channel in the money table', async ({ app, page }, testInfo) => {
  test.setTimeout(300_000);
  const rng = createRng(5);
  const channels = ['search', 'social', 'email', 'display'];
  const lines = ['user_id,event_time,channel,converted,spend,revenue'];
  const start = Date.UTC(2024, 2, 1);
  for (let u = 0; u < 900; u++) {
    const touches = 2 + Math.floor(rng.next() * 3);
    const seen = Array.from({ length: touches }, () => channels[Math.floor(rng.next() * channels.length)]);
    // Search and email raise the odds of converting; the others do nothing.
    const p = 0.08 + 0.12 * seen.filter((c) => c === 'search' || c === 'email').length;
    const converted = rng.next() < p ? 1 : 0;
    const revenue = converted ? (20 + Math.floor(rng.next() * 80)).toString() : '';
    seen.forEach((c, k) => {
      const time = new Date(start + (u * 5 + k) * 3_600_000).toISOString();
      lines.push(`user-${u},${time},${c},${converted},${(0.2 + rng.next()).toFixed(2)},${revenue}`);
    });
  }
  const log = testInfo.outputPath('own-revenue.csv');
  await writeFile(log, lines.join('\n') + '\n');

  await app.pickFile(log);
  await expect(app.mapping).toBeVisible();
  await page.getByTestId('mapping-user').selectOption('user_id');
  await page.getByTestId('mapping-timestamp').selectOption('event_time');
  await page.getByTestId('mapping-timestamp-unit').selectOption('iso');
  await page.getByTestId('mapping-campaign').selectOption('channel');
  await page.getByTestId('mapping-conversion-kind').selectOption('flag');
  await page.getByTestId('mapping-conversion').selectOption('converted');
  await page.getByTestId('mapping-cost').selectOption('spend');
  await page.getByTestId('mapping-value').selectOption('revenue');
  await page.getByTestId('mapping-submit').click();
  await expect(app.summary).toBeVisible({ timeout: 60_000 });

  await page.getByTestId('setting-model-lstm').uncheck();
  await page.getByTestId('setting-epochs-logreg').fill('1');
  await page.getByTestId('setting-epochs').fill('2');
  await page.getByTestId('setting-backend').selectOption('wasm');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done', { timeout: 240_000 });

  await expect(page.getByTestId('roas-note')).toHaveAttribute('data-roas', 'yes');
  await expect(page.getByTestId('roas-note')).toContainText('ROAS is incremental value over spend');
  const rows = page.getByTestId('money').locator('tbody tr');
  expect(await rows.count()).toBe(4);
  let finite = 0;
  for (let i = 0; i < 4; i++) {
    const roas = Number(await rows.nth(i).getAttribute('data-roas'));
    const conversions = Number(await rows.nth(i).getAttribute('data-conversions'));
    const judged = Number(await rows.nth(i).getAttribute('data-judged-spend'));
    if (!Number.isFinite(roas)) continue;
    finite++;
    // Incremental value per incremental conversion lies within the log's revenues (20 to 99) when conversions are positive.
    if (conversions > 0.01) {
      const perConversion = (roas * judged) / conversions;
      expect(perConversion).toBeGreaterThanOrEqual(20);
      expect(perConversion).toBeLessThanOrEqual(99);
    }
  }
  expect(finite).toBe(4);
  await expect(page.getByTestId('money').locator('thead')).toContainText('ROAS');
});
