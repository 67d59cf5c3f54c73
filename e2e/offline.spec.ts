/**
 * Issue 6: after one visit the app works with the network off, because the
 * service worker precached every file it needs, the tfjs .wasm binaries and
 * the multi-MiB bundles included.
 */
import { existsSync, readdirSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

// e2e is typechecked with Node's lib, not the DOM's: these globals exist only inside the browser callbacks.
declare const navigator: any, caches: any;

const GENEROUS = { timeout: 90_000 };
/** The build the preview server serves (see privacy.spec.ts). */
const DIST = resolve(process.env.E2E_DIST ?? 'dist');

/** URL paths of every built file the app needs offline: all of them but the service worker's own scripts. */
function builtAppFiles(): string[] {
  expect(existsSync(DIST), 'run `npm run build` before the e2e tests').toBe(true);
  return readdirSync(DIST, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => '/' + relative(DIST, resolve(d.parentPath, d.name)).split('\\').join('/'))
    .filter((path) => !/^\/(sw\.js|workbox-[^/]+\.js)$/.test(path) && !path.endsWith('.map'));
}

/** Waits until a service worker has installed (precache complete) and controls the page. */
async function waitForServiceWorker(page: Page): Promise<void> {
  // `ready` resolves once a worker is active, which Workbox allows only after precaching succeeded.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

/** URLs held in the service worker's caches. */
function cachedUrls(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
    }
    return urls;
  });
}

test('after one visit the app reloads, loads the demo and trains with the network off', async ({ app, context }) => {
  test.setTimeout(360_000);
  const page = app.page;
  await waitForServiceWorker(page);
  const built = builtAppFiles();
  expect(built.some((path) => /^\/assets\/.+\.js$/.test(path))).toBe(true);
  // Every built file, whatever its size: the tfjs .wasm binaries and bundles over Workbox's 2 MiB default included.
  expect(new Set(await cachedUrls(page))).toEqual(new Set(built));

  await context.setOffline(true);
  const served: { url: string; fromServiceWorker: boolean }[] = [];
  page.on('response', (response) => {
    if (response.url().startsWith('http')) served.push({ url: response.url(), fromServiceWorker: response.fromServiceWorker() });
  });
  await page.reload();
  // Really offline: a file the service worker never cached cannot be fetched.
  const uncached = await page.evaluate(() =>
    fetch(`/not-cached-${Date.now()}.txt`).then(
      () => 'reached the network',
      () => 'offline',
    ),
  );
  expect(uncached).toBe('offline');

  await app.loadDemoButton.click();

  await expect(app.summary).toBeVisible(GENEROUS);
  await expect(app.error).toHaveCount(0);
  // A short run on WebAssembly, the regression only: the worker must find its .wasm binaries in the cache.
  await page.getByTestId('setting-model-lstm').uncheck();
  await page.getByTestId('setting-model-attention').uncheck();
  await page.getByTestId('setting-epochs-logreg').fill('1');
  await page.getByTestId('setting-backend').selectOption('wasm');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done', { timeout: 240_000 });
  await expect(page.getByTestId('backend-in-use')).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('metrics')).toBeVisible();
  expect(served.some((r) => r.url.endsWith('.wasm'))).toBe(true);
  expect(served.length).toBeGreaterThan(0);
  expect(served.filter((r) => !r.fromServiceWorker)).toEqual([]);
});

test('the app is installable: a manifest with a name, a theme colour and icons that load', async ({ app, request }) => {
  const page = app.page;
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(href).not.toBeNull();
  const manifestUrl = new URL(href!, page.url()).toString();
  const manifest = (await (await request.get(manifestUrl)).json()) as {
    name?: string;
    theme_color?: string;
    display?: string;
    icons?: { src: string; sizes: string; type: string }[];
  };

  expect(manifest.name).toBe('Attribution Lab');
  expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
  expect(manifest.display).toBe('standalone');
  const sizes = (manifest.icons ?? []).map((i) => i.sizes);
  // Chromium's install criteria: a 192 px and a 512 px icon.
  expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
  for (const icon of manifest.icons ?? []) {
    const response = await request.get(new URL(icon.src, manifestUrl).toString());
    expect(response.status(), icon.src).toBe(200);
    expect(response.headers()['content-type'], icon.src).toContain(icon.type);
  }
});
