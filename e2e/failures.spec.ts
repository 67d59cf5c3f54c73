/**
 * Issue 6: failures in the worker are caught and told, never a blank page.
 * The page is opened with `?test-hooks`, which lets the spec kill the worker
 * and make a backend fail without a GPU (see AttributionBridge.simulateCrash).
 */
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { Page } from '@playwright/test';
import { AppPage, expect, syntheticLog, test } from './fixtures';

/** The page's `__attributionTestHooks` (src/ui/bridge.ts TestHooks); e2e cannot import UI code. */
interface TestHooks {
  crashWorker(kind: 'close' | 'error'): Promise<boolean>;
  failBackend(backend: string | null): Promise<boolean>;
  slowLoad(ms: number): Promise<boolean>;
}

async function openWithHooks(page: Page): Promise<AppPage> {
  const app = new AppPage(page);
  await page.goto('/?test-hooks');
  await expect(app.dropZone).toBeVisible();
  await app.loadDemoButton.click();
  await expect(app.summary).toBeVisible({ timeout: 60_000 });
  return app;
}

/** One epoch of the logistic regression on 30 campaigns: a run of seconds, even on plain-JS cpu. */
async function smallRun(page: Page): Promise<void> {
  await page.getByTestId('setting-epochs-logreg').fill('1');
  await page.getByTestId('setting-max-touchpoints').fill('8');
  await page.getByTestId('setting-campaigns').fill('30');
  for (const model of ['lstm', 'attention']) await page.getByTestId(`setting-model-${model}`).uncheck();
  await page.getByTestId('setting-model-logreg').check();
  await page.getByTestId('setting-backend').selectOption('wasm');
}

function hooks(page: Page, call: string): Promise<unknown> {
  return page.evaluate((c) => {
    const h = (globalThis as unknown as { __attributionTestHooks?: TestHooks }).__attributionTestHooks;
    if (!h) throw new Error('no test hooks on this page');
    const [name, arg] = c.split(':');
    if (name === 'crash') return h.crashWorker(arg as 'close' | 'error');
    if (name === 'slow') return h.slowLoad(Number(arg));
    return h.failBackend(arg === 'none' ? null : arg);
  }, call);
}

test('the hooks exist only on pages opened with ?test-hooks', async ({ app, page }) => {
  await expect(app.dropZone).toBeVisible();
  expect(await page.evaluate(() => '__attributionTestHooks' in globalThis)).toBe(false);
});

for (const kind of ['close', 'error'] as const) {
  test(`a worker that dies by ${kind} after loading is restarted, the demo reloaded, and a run completes`, async ({ page }) => {
    test.setTimeout(120_000);
    const app = await openWithHooks(page);
    const rows = await app.summaryNumber('rows');
    expect(await hooks(page, `crash:${kind}`)).toBe(true);
    await expect(page.getByTestId('worker-restarted')).toHaveText(/The worker stopped; it was restarted and your file was reloaded\./);
    await expect(app.summary).toBeVisible();
    expect(await app.summaryNumber('rows')).toBe(rows);
    await smallRun(page);
    await page.getByTestId('run').click();
    await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
    await expect(page.getByTestId('backend-in-use')).toHaveAttribute('data-backend', 'wasm');
  });
}

test('a worker that dies mid-run fails that run plainly, comes back with the data, and the next run completes', async ({ page }) => {
  test.setTimeout(120_000);
  const app = await openWithHooks(page);
  await smallRun(page);
  // Many epochs, so the crash surely lands while the regression trains.
  await page.getByTestId('setting-epochs-logreg').fill('200');
  await page.getByTestId('run').click();
  await expect
    .poll(async () => Number(await page.getByTestId('progress-logreg').getAttribute('data-share')), { timeout: 60_000 })
    .toBeGreaterThan(0);
  expect(await hooks(page, 'crash:close')).toBe(true);
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'failed');
  await expect(page.getByTestId('error').filter({ hasText: 'The worker stopped during this job' })).toHaveAttribute('data-code', 'worker-stopped');
  await expect(page.getByTestId('worker-restarted')).toBeVisible();
  await expect(app.summary).toBeVisible();
  await page.getByTestId('setting-epochs-logreg').fill('1');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
});

test('a backend that fails during training falls back to the next one, and the status says so', async ({ page }) => {
  test.setTimeout(120_000);
  await openWithHooks(page);
  await smallRun(page);
  expect(await hooks(page, 'fail:wasm')).toBe(true);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
  const backend = page.getByTestId('backend-in-use');
  await expect(backend).toHaveAttribute('data-backend', 'cpu');
  await expect(backend).toContainText('fell back from wasm');
  await expect(page.getByTestId('metrics').locator('tr[data-model="logreg"]')).toBeVisible();
});

test('when every backend left fails, the run stops with a plain message', async ({ page }) => {
  test.setTimeout(120_000);
  await openWithHooks(page);
  await smallRun(page);
  await page.getByTestId('setting-backend').selectOption('cpu');
  expect(await hooks(page, 'fail:cpu')).toBe(true);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
  const error = page.getByTestId('error').filter({ hasText: 'Training failed on every backend' });
  await expect(error).toHaveAttribute('data-code', 'backend-failed');
  // The page is still whole: the summary and settings stay for another try.
  await expect(page.getByTestId('summary')).toBeVisible();
  await expect(page.getByTestId('run')).toBeEnabled();
});

/** Issue 16: a .gz is inflated in a second worker; a cancel or damaged data must end it and leave the app usable. */
test('cancelling a .tsv.gz load mid-way ends its decompression worker, and the next .gz loads', async ({ page }, testInfo) => {
  // ~20 MB of text (6 MB of gzip), a chunk of the file read every 200 ms (the slowLoad hook): ten seconds
  // or more however fast the machine inflates. At 50 ms a chunk the load ended in 2.4 s once inflating got
  // faster, before the cancel button could be clicked.
  // Repeated rows are fine, this load is never finished.
  const { text } = syntheticLog({ seed: 21, users: 3000, campaigns: 12 });
  const body = text.slice(text.indexOf('\n') + 1);
  const big = testInfo.outputPath('big.tsv.gz');
  await writeFile(big, gzipSync(text + body.repeat(Math.ceil(20e6 / body.length)), { level: 1 }));
  const small = syntheticLog({ seed: 22, users: 200, campaigns: 8 });
  const smallPath = testInfo.outputPath('small.tsv.gz');
  await writeFile(smallPath, gzipSync(small.text));
  const inflaters: { closed: boolean }[] = [];
  page.on('worker', (worker) => {
    if (!/inflate/.test(worker.url())) return;
    const seen = { closed: false };
    inflaters.push(seen);
    worker.on('close', () => (seen.closed = true));
  });

  const app = new AppPage(page);
  await page.goto('/?test-hooks');
  await expect(app.dropZone).toBeVisible();
  expect(await hooks(page, 'slow:200')).toBe(true);
  await app.pickFile(big);
  await expect.poll(async () => Number(await app.progress.getAttribute('data-done'))).toBeGreaterThan(0);
  await page.getByTestId('cancel-load').click();

  await expect(app.progress).toHaveCount(0);
  await expect(app.error).toHaveCount(0);
  await expect(app.summary).toHaveCount(0);
  expect(inflaters.length).toBe(1);
  await expect.poll(() => inflaters[0].closed).toBe(true);

  await app.pickFile(smallPath);
  await app.expectSummaryMatches(small.truth.counts);
  await expect.poll(() => inflaters.length === 2 && inflaters.every((w) => w.closed)).toBe(true);
});

test('a truncated .tsv.gz gets one plain error from the decompression worker, and the app stays usable', async ({ app, page }, testInfo) => {
  // The worker inflates with zlib in wasm; DecompressionStream is only its fallback, which must not be what runs here.
  const zlibLoads: number[] = [];
  page.on('response', (response) => {
    if (/zlib-streams-[\w-]+\.wasm$/.test(response.url())) zlibLoads.push(response.status());
  });
  const fallbacks: string[] = [];
  page.on('console', (message) => {
    if (/zlib wasm could not be loaded/.test(message.text())) fallbacks.push(message.text());
  });
  const { text, truth } = syntheticLog({ seed: 23, users: 300, campaigns: 8 });
  const gz = gzipSync(text);
  const truncated = testInfo.outputPath('truncated.tsv.gz');
  await writeFile(truncated, gz.subarray(0, Math.floor(gz.length * 0.6)));
  const whole = testInfo.outputPath('whole.tsv.gz');
  await writeFile(whole, gz);

  await app.pickFile(truncated);

  await expect(app.error).toBeVisible();
  await expect(app.error).toHaveAttribute('data-code', 'truncated-gzip');
  await expect(app.error.locator('.error__message')).toContainText('ends too early');
  await expect(app.error).not.toContainText(/\(\S+:\d+:\d+\)|Error:/);

  await app.pickFile(whole);
  await app.expectSummaryMatches(truth.counts);
  // One inflate worker per load, each fetching the module (from the HTTP cache or the service worker after the first).
  expect(zlibLoads.length).toBeGreaterThanOrEqual(1);
  expect(zlibLoads.every((status) => status === 200)).toBe(true);
  expect(fallbacks).toEqual([]);
});
