/** Issue 2: every way a log gets into the app reaches the summary, or a readable error. */
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { DEMO_SYNTH_OPTIONS, generateSynthetic } from '../src/core/synth/generate';
import { expect, syntheticLog, test } from './fixtures';

test('a Criteo log picked from disk reaches a summary with the generator\'s counts', async ({ app }, testInfo) => {
  const { text, truth } = syntheticLog({ seed: 11, users: 300, campaigns: 15 });
  const path = testInfo.outputPath('small-criteo.tsv');
  await writeFile(path, text);

  await app.pickFile(path);

  await app.expectSummaryMatches(truth.counts);
  expect(await app.summary.getAttribute('data-format')).toBe('criteo');
  expect(await app.summaryNumber('elapsed-ms')).toBeGreaterThanOrEqual(0);
  await expect(app.page.getByTestId('journey-length-chart').locator('.recharts-bar-rectangle').first()).toBeVisible();
});

test('a .tsv.gz is inflated in a worker of its own, ended with the load, and reaches the same summary', async ({ app }, testInfo) => {
  const { text, truth } = syntheticLog({ seed: 13, users: 400, campaigns: 12 });
  const path = testInfo.outputPath('small-criteo.tsv.gz');
  await writeFile(path, gzipSync(text));
  const inflaters: { closed: boolean }[] = [];
  app.page.on('worker', (worker) => {
    if (!/inflate/.test(worker.url())) return;
    const seen = { closed: false };
    inflaters.push(seen);
    worker.on('close', () => (seen.closed = true));
  });

  await app.pickFile(path);

  await app.expectSummaryMatches(truth.counts);
  expect(inflaters.length).toBe(1);
  await expect.poll(() => inflaters[0].closed).toBe(true);
});

test('a small Criteo log dropped on the drop zone reaches a summary', async ({ app }) => {
  const { text, truth } = syntheticLog({ seed: 5, users: 80, campaigns: 6 });

  await app.dropFile('dropped.tsv', text);

  await app.expectSummaryMatches(truth.counts);
});

test('the demo button loads the demo log with its planted counts', async ({ app }) => {
  const truth = generateSynthetic(DEMO_SYNTH_OPTIONS, () => {});

  await app.loadDemoButton.click();

  await app.expectSummaryMatches(truth.counts);
  await expect(app.summary).toContainText('demo.tsv');
});

test('opening /?demo (what `npm run demo` opens) loads the demo log without a click', async ({ app, page }) => {
  const truth = generateSynthetic(DEMO_SYNTH_OPTIONS, () => {});

  await page.goto('/?demo');

  await app.expectSummaryMatches(truth.counts);
});

test('a web page saved as .tsv gets a plain error and a next step', async ({ app }, testInfo) => {
  const path = testInfo.outputPath('download.tsv');
  await writeFile(path, '<!doctype html>\n<html><head><title>Sign in</title></head><body><p>Please sign in</p></body></html>\n');

  await app.pickFile(path);

  await expect(app.error).toBeVisible();
  await expect(app.error).toHaveAttribute('data-code', 'html');
  // One readable line from the core plus what to do; no stack traces.
  await expect(app.error.locator('.error__message')).not.toHaveText('');
  await expect(app.error).toContainText('Download the raw data file');
  await expect(app.error).not.toContainText(/\(\S+:\d+:\d+\)|Error:/);
  await expect(app.summary).toHaveCount(0);
});

test('a CSV with its own column names goes through the mapping step to a summary', async ({ app }, testInfo) => {
  const channels = ['search', 'social', 'email', 'display'];
  const lines = ['user_id,event_time,channel,converted'];
  const users = 30;
  const perUser = 3;
  const start = Date.UTC(2024, 2, 1);
  for (let u = 0; u < users; u++) {
    // Every third user converts; all of a user's touchpoints carry the flag, as in the Criteo log.
    const converted = u % 3 === 0 ? 1 : 0;
    for (let k = 0; k < perUser; k++) {
      const time = new Date(start + (u * perUser + k) * 3_600_000).toISOString();
      lines.push(`user-${u},${time},${channels[(u + k) % channels.length]},${converted}`);
    }
  }
  const path = testInfo.outputPath('own-export.csv');
  await writeFile(path, lines.join('\n') + '\n');

  await app.pickFile(path);

  await expect(app.mapping).toBeVisible();
  await expect(app.page.getByTestId('mapping-preview')).toContainText('user-0');
  await app.page.getByTestId('mapping-user').selectOption('user_id');
  await app.page.getByTestId('mapping-timestamp').selectOption('event_time');
  await app.page.getByTestId('mapping-timestamp-unit').selectOption('iso');
  await app.page.getByTestId('mapping-campaign').selectOption('channel');
  await app.page.getByTestId('mapping-conversion-kind').selectOption('flag');
  await app.page.getByTestId('mapping-conversion').selectOption('converted');
  await app.page.getByTestId('mapping-submit').click();

  await app.expectSummaryMatches({
    rows: users * perUser,
    users,
    campaigns: channels.length,
    journeys: users,
    convertedJourneys: users / 3,
    clicks: 0,
  });
  expect(await app.summary.getAttribute('data-format')).toBe('delimited');
});
