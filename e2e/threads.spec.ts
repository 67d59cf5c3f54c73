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
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

/** The build the preview server serves (see privacy.spec.ts). */
const DIST = resolve(process.env.E2E_DIST ?? 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** A static host for dist/ sending the given headers on every response, on a free port. */
async function serveDist(headers: Record<string, string>): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(DIST, path));
    if (!file.startsWith(DIST) || !existsSync(file) || statSync(file).isDirectory()) file = join(DIST, 'index.html');
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, origin: `http://localhost:${(server.address() as AddressInfo).port}` };
}

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
  await page.getByTestId('setting-campaigns').fill('4');
  await page.getByTestId('setting-cf-model').uncheck();
  await page.getByTestId('setting-cf-replay').uncheck();
  await page.getByTestId('setting-model-lstm').uncheck();
  await page.getByTestId('setting-epochs-logreg').fill('1');
  await page.getByTestId('setting-epochs').fill('1');
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
  const { server, origin } = await serveDist({ ...(await previewHeaders(page)), ...ISOLATION });
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
  const { server, origin } = await serveDist({ ...headers, 'content-security-policy': strict, ...ISOLATION });
  servers.push(server);
  const outcome = await runDemo(page, origin);
  expect(outcome.isolated).toBe(true);
  expect(outcome.backend).toBe('wasm');
  expect(outcome.detail).toMatch(/wasm \(SIMD, single thread: threaded wasm failed \(a pthread worker failed: .*importScripts/);
});
