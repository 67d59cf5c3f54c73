/**
 * WASM threads under cross-origin isolation. A user may host dist/ with
 * COOP/COEP; tfjs then picks its threaded wasm build, whose pthread workers
 * are classic workers that importScripts() a blob: copy of the module. This
 * spec serves the built app with the preview server's own headers plus
 * COOP/COEP, and checks what the run reports:
 * - with the app's policy, threads start and the run trains on them;
 * - with a policy that refuses blob: scripts (as ours once did), the threaded
 *   build cannot start and the worker falls back to single-threaded SIMD wasm
 *   with the reason, never silently to the CPU backend.
 */
import { resolve } from 'node:path';
import type { Server } from 'node:http';
import type { Page } from '@playwright/test';
import { serveDist } from '../scripts/serve-dist';
import { configureSmallRun, expect, test } from './fixtures';

/** The build the preview server serves (see privacy.spec.ts). */
const DIST = resolve(process.env.E2E_DIST ?? 'dist');

/** vite.config.ts's ISOLATION_HEADERS (not imported: loading the Vite config here would pull in Vite and its plugins). */
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** The headers the preview server sends (vite.config.ts), minus the transport ones. */
async function previewHeaders(page: Page): Promise<Record<string, string>> {
  const response = await page.request.get('/');
  const keep = ['content-security-policy', 'cross-origin-resource-policy', 'referrer-policy', 'x-content-type-options', 'permissions-policy'];
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers())) if (keep.includes(name)) headers[name] = value;
  expect(headers['content-security-policy'], 'the preview server sends the CSP header').toBeTruthy();
  return headers;
}

interface Outcome {
  backend: string;
  detail: string;
  isolated: boolean;
  logs: string[];
}

/** Loads the demo at `origin` and runs the logistic regression and attention model for one epoch on 4 campaigns, backend left on auto. */
async function runDemo(page: Page, origin: string): Promise<Outcome> {
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`page: ${m.text()}`));
  page.on('worker', (w) => w.on('console', (m) => logs.push(`worker ${w.url().slice(0, 60)}: ${m.text()}`)));
  await page.goto(origin + '/');
  const isolated = await page.evaluate(() => (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated);
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('summary')).toBeVisible({ timeout: 60_000 });
  await configureSmallRun(page);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', /done|failed/, { timeout: 90_000 });
  const backend = page.getByTestId('backend-in-use');
  const outcome = {
    backend: (await backend.getAttribute('data-backend')) ?? '',
    detail: (await backend.textContent()) ?? '',
    isolated,
    logs,
  };
  test.info().annotations.push({ type: 'backend', description: outcome.detail });
  const state = await page.getByTestId('status').getAttribute('data-state');
  const error = state === 'done' ? '' : await page.getByTestId('error').textContent();
  expect(state, `run failed: ${error}\n${logs.slice(0, 6).join('\n')}`).toBe('done');
  // Trained, not just started: the attention model learned something on whichever build ran.
  const auc = Number(await page.getByTestId('metrics').locator('tr[data-model="attention"] [data-metric="auc"]').first().getAttribute('data-value'));
  expect(auc, 'attention held-out ROC-AUC').toBeGreaterThan(0.5);
  return outcome;
}

let servers: Server[] = [];
test.afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  servers = [];
});

test('cross-origin isolated with the app\'s own policy, the run trains on wasm with threads', async ({ page }) => {
  const { server, origin } = await serveDist(DIST, { ...(await previewHeaders(page)), ...ISOLATION });
  servers.push(server);
  const outcome = await runDemo(page, origin);
  expect(outcome.isolated).toBe(true);
  expect(outcome.backend).toBe('wasm');
  expect(outcome.detail).toMatch(/wasm \(SIMD, \d+ threads?\)/);
  expect(outcome.logs.filter((l) => /worker sent an error/.test(l))).toEqual([]);
});

test('cross-origin isolated under a policy that refuses blob: scripts, the run falls back to single-threaded SIMD wasm and says why', async ({ page }) => {
  const headers = await previewHeaders(page);
  const policy = headers['content-security-policy'];
  const strict = policy.replace(/script-src ([^;]*)/, (_, sources: string) => `script-src ${sources.split(/\s+/).filter((s) => s !== 'blob:').join(' ')}`);
  expect(strict).not.toMatch(/script-src[^;]*blob:/);
  const { server, origin } = await serveDist(DIST, { ...headers, 'content-security-policy': strict, ...ISOLATION });
  servers.push(server);
  const outcome = await runDemo(page, origin);
  expect(outcome.isolated).toBe(true);
  expect(outcome.backend).toBe('wasm');
  expect(outcome.detail).toMatch(/wasm \(SIMD, single thread: threaded wasm failed \(a pthread worker failed: .*importScripts/);
});
