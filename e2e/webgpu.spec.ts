import { expect, test } from '@playwright/test';

/**
 * The one real WebGPU check. Without a GPU, Chromium offers WebGPU only with
 * --enable-unsafe-webgpu, and then through a software adapter (SwiftShader)
 * that is far slower than wasm, so the app passes it over unless asked: this
 * test asks for it.
 *
 * Known gap (Chromium 156, SwiftShader, inside our module worker): the tfjs
 * webgpu backend starts, but its device is then lost ("A valid external
 * Instance reference no longer exists") before training finishes, and the
 * run falls back to the next backend. So this test checks that WebGPU was
 * really started and reported, and that the run completes either on it or
 * after a stated fallback; it does not yet prove a whole training on WebGPU.
 */
test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-unsafe-webgpu'],
  },
});

test('asked for webgpu, the worker starts it on the software adapter and reports it, and the run completes', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('summary')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('setting-model-lstm').uncheck();
  await page.getByTestId('setting-model-attention').uncheck();
  await page.getByTestId('setting-epochs-logreg').fill('1');
  await page.getByTestId('setting-backend').selectOption('webgpu');
  await page.getByTestId('run').click();

  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done', { timeout: 240_000 });
  const backend = page.getByTestId('backend-in-use');
  const name = await backend.getAttribute('data-backend');
  const text = (await backend.textContent()) ?? '';
  test.info().annotations.push({ type: 'backend', description: text });
  // Either it trained on webgpu, or webgpu started and the page says why it fell back.
  if (name !== 'webgpu') expect(text).toContain('fell back from webgpu');
  const auc = Number(await page.getByTestId('metrics').locator('tr[data-model="logreg"] [data-metric="auc"]').first().getAttribute('data-value'));
  expect(auc).toBeGreaterThan(0.5);
});
