import { expect, test } from '@playwright/test';
import { configureSmallRun } from './fixtures';

/**
 * The one real WebGPU check. Without a GPU, Chromium offers WebGPU only with
 * --enable-unsafe-webgpu, and then through a software adapter (SwiftShader)
 * that is far slower than wasm, so the app passes it over unless asked: this
 * test asks for it, and the run must finish on webgpu with no fallback.
 *
 * It once lost its device mid-run ("A valid external Instance reference no
 * longer exists"): saving the trained model read the weights synchronously,
 * which the webgpu backend does through OffscreenCanvas 'webgpu' contexts.
 * The weights are now read asynchronously (models/io.ts); this test and a
 * unit test in models.test.ts keep it so.
 */
test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-unsafe-webgpu'],
  },
});

test('asked for webgpu, the worker trains the regression and the attention model on the software adapter and reports it', async ({ page }) => {
  // The demo has a cost column, so the run recommends in money (issue 14): the recommendation scores about 60% more
  // journey variants than in impressions (223 against 140 on the CLI at these settings), slow on the software adapter.
  test.setTimeout(480_000);
  const workerLogs: string[] = [];
  page.on('worker', (w) => w.on('console', (m) => workerLogs.push(m.text())));
  await page.goto('/');
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('summary')).toBeVisible({ timeout: 60_000 });
  // A few dozen batches: the software adapter is ~20x slower than wasm.
  await configureSmallRun(page);
  await page.getByTestId('setting-backend').selectOption('webgpu');
  await page.getByTestId('run').click();

  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done', { timeout: 420_000 });
  const backend = page.getByTestId('backend-in-use');
  const text = (await backend.textContent()) ?? '';
  test.info().annotations.push({ type: 'backend', description: text });
  await expect(backend).toHaveAttribute('data-backend', 'webgpu');
  expect(text).not.toContain('fell back');
  expect(workerLogs.filter((l) => /synchronously reading data from GPU/i.test(l))).toEqual([]);
  for (const model of ['logreg', 'attention']) {
    const auc = Number(await page.getByTestId('metrics').locator(`tr[data-model="${model}"] [data-metric="auc"]`).first().getAttribute('data-value'));
    expect(auc, `${model} held-out ROC-AUC`).toBeGreaterThan(0.5);
  }
  await expect(page.getByTestId('weights-chart')).toHaveAttribute('data-models', /attention/);
});
