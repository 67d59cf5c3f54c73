/**
 * Issue 14, response curves: after a run on the demo log, opening the section
 * draws one curve per campaign with the largest budgets today (one per channel
 * once a channel file groups them), each starting at 0, and the CSV holds the
 * points drawn. The section passes an axe check.
 */
import AxeBuilder from '@axe-core/playwright';
import { readFile, writeFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { AppPage, expect, test } from './fixtures';

test.describe.configure({ mode: 'serial' });

let page: Page;
const CAMPAIGNS = 10;
const MULTIPLES = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];

test.beforeAll(async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  const app = new AppPage(page);
  await app.open();
  await app.loadDemoButton.click();
  await expect(app.summary).toBeVisible({ timeout: 60_000 });
});

test.afterAll(async () => {
  await page.context().close();
});

/** Rows of the curves' table: key -> points, the first point, and the point at today's budget. */
async function curveRows(): Promise<{ key: string; points: number; first: number; today: number; double: number }[]> {
  const rows = page.getByTestId('response-table').locator('tbody tr');
  return Promise.all(
    (await rows.all()).map(async (r) => ({
      key: (await r.getAttribute('data-key'))!,
      points: Number(await r.getAttribute('data-points')),
      first: Number(await r.getAttribute('data-first')),
      today: Number(await r.getAttribute('data-today')),
      double: Number(await r.getAttribute('data-double')),
    })),
  );
}

test('after a run, the response curves start at 0, one per top campaign, and the CSV holds their points', async ({}, testInfo) => {
  test.setTimeout(400_000);
  await page.getByTestId('setting-campaigns').fill(String(CAMPAIGNS));
  await page.getByTestId('setting-epochs').fill('1');
  await page.getByTestId('setting-epochs-logreg').fill('1');
  await page.getByTestId('setting-seed').fill('42');
  await page.getByTestId('setting-backend').selectOption('wasm');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done', { timeout: 300_000 });
  await expect(page.getByTestId('answer-recommendation')).toBeVisible();

  const section = page.getByTestId('response-curves');
  await section.locator(':scope > summary').click();
  const chart = page.getByTestId('response-chart');
  await expect(chart).toBeVisible({ timeout: 120_000 });
  await expect(chart).toHaveAttribute('data-groups', '8');
  await expect(chart.locator('.recharts-line')).toHaveCount(8);
  const rows = await curveRows();
  expect(rows).toHaveLength(8);
  for (const r of rows) {
    expect(r.points).toBe(MULTIPLES.length);
    expect(r.first).toBe(0);
    expect(Number.isFinite(r.today) && Number.isFinite(r.double)).toBe(true);
  }
  const line = rows.map((r) => `${r.key}: ${r.today.toFixed(2)} at today's budget, ${r.double.toFixed(2)} at twice`).join('; ');
  console.log(`response curves on the demo: ${line}`);
  await testInfo.attach('curves', { body: await section.screenshot(), contentType: 'image/png' });

  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('response-csv').click()]);
  expect(file.suggestedFilename()).toBe('response-curves.csv');
  const lines = (await readFile(await file.path(), 'utf8')).trim().split(/\r?\n/);
  expect(lines[0]).toBe('group,multiple of today,budget (money),incremental expected conversions');
  expect(lines).toHaveLength(1 + 8 * MULTIPLES.length);
  const starts = lines.slice(1).filter((l) => l.split(',')[1] === '0');
  expect(starts).toHaveLength(8);
  for (const l of starts) expect(l.split(',').slice(2).map(Number)).toEqual([0, 0]);

  const { violations } = await new AxeBuilder({ page }).include('[data-testid="response-curves"]').analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
});

test('grouped into channels, there is one curve per channel', async ({}, testInfo) => {
  const ids = await Promise.all((await page.getByTestId('money').locator('tbody tr').all()).map(async (tr) => (await tr.getAttribute('data-key'))!));
  expect(ids).toHaveLength(CAMPAIGNS);
  const channels = ['Search', 'Social', 'Video'];
  const path = testInfo.outputPath('channels.csv');
  await writeFile(path, ['campaign id,name,channel', ...ids.map((id, i) => `${id},Campaign ${i},${channels[i % 3]}`)].join('\n'));
  await page.getByTestId('channel-file-input').setInputFiles(path);
  await page.getByTestId('level-channel').check();
  const chart = page.getByTestId('response-chart');
  await expect(chart).toHaveAttribute('data-groups', '3', { timeout: 120_000 });
  const rows = await curveRows();
  expect(rows.map((r) => r.key).sort()).toEqual([...channels].sort());
  for (const r of rows) expect(r.first).toBe(0);
});
