/**
 * Issue 6: two whole runs in one page leave the worker holding what one run
 * holds. tfjs counts its own tensors; the worker's JS heap cannot be read
 * from the page (no `performance.memory` in workers, and
 * `measureUserAgentSpecificMemory` needs cross-origin isolation, which this
 * app turns off: see vite.config.ts), so the typed arrays the worker keeps
 * (table, prepared journeys, weights) stand in for it.
 */
import type { Page } from '@playwright/test';
import { AppPage, expect, test } from './fixtures';

/** src/worker/api.ts WorkerMemory; e2e cannot import worker code. */
interface WorkerMemory {
  backend: string | null;
  numTensors: number;
  numBytes: number;
  heldArrays: number;
  heldBytes: number;
}

/** The page's `__attributionTestHooks` (src/ui/bridge.ts TestHooks), the part used here. */
interface TestHooks {
  memory(): Promise<{ ok: true; value: WorkerMemory } | { ok: false; error: { message: string } }>;
}

/** Room for a few small arrays that a run may keep at slightly different sizes (e.g. loss histories). */
const HELD_BYTES_TOLERANCE = 0.02;

async function workerMemory(page: Page): Promise<WorkerMemory> {
  const result = await page.evaluate(async () => {
    const h = (globalThis as unknown as { __attributionTestHooks?: TestHooks }).__attributionTestHooks;
    if (!h) throw new Error('no test hooks on this page');
    return h.memory();
  });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

async function runOnce(page: Page): Promise<void> {
  await page.getByTestId('run').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'running');
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done', { timeout: 200_000 });
}

test('two whole runs leave the same tensors and held arrays as one', async ({ page }) => {
  test.setTimeout(420_000);
  const app = new AppPage(page);
  await page.goto('/?test-hooks');
  await app.loadDemoButton.click();
  await expect(app.summary).toBeVisible({ timeout: 60_000 });
  const loaded = await workerMemory(page);
  // No run yet: no backend started, and the table is all the worker holds.
  expect(loaded.backend).toBeNull();
  expect(loaded.heldBytes).toBeGreaterThan(0);

  // Settings as in run.spec.ts: every model, one epoch, short journeys, few campaigns, wasm.
  await page.getByTestId('setting-epochs').fill('1');
  await page.getByTestId('setting-epochs-logreg').fill('1');
  await page.getByTestId('setting-max-touchpoints').fill('8');
  await page.getByTestId('setting-campaigns').fill('30');
  await page.getByTestId('setting-backend').selectOption('wasm');

  await runOnce(page);
  const first = await workerMemory(page);
  await runOnce(page);
  const second = await workerMemory(page);
  console.log(`worker memory after load, run 1, run 2: ${JSON.stringify([loaded, first, second])}`);

  expect(first.backend).toBe('wasm');
  // The trained models stay for sweeps: some tensors are held, the same number after each run.
  expect(first.numTensors).toBeGreaterThan(0);
  expect(second.numTensors).toBe(first.numTensors);
  expect(second.numBytes).toBe(first.numBytes);
  expect(second.heldArrays).toBe(first.heldArrays);
  expect(second.heldBytes).toBeLessThanOrEqual(first.heldBytes * (1 + HELD_BYTES_TOLERANCE));
});
