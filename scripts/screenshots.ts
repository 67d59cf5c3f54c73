/**
 * Screenshots of the main screens for docs/screenshots/ (issue 14): the demo
 * log loaded (drop zone and data summary), the answer after a run, and the
 * evidence below it. Serves a built dist/ (run `npx vite build` first) and
 * drives Chromium (/usr/bin/chromium unless CHROMIUM_PATH says otherwise).
 *
 *   npx tsx scripts/screenshots.ts [--out docs/screenshots] [--campaigns 10] [--epochs 2] [--seed 42]
 *
 * The viewport is 1280 wide and each shot is clipped to its section (at most
 * 1800 pixels tall), so each PNG stays under 400 KB. Not a test: it asserts nothing beyond the screens showing up.
 */
import { chromium, type Locator, type Page } from '@playwright/test';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serveDist } from './serve-dist';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'docs/screenshots' },
    campaigns: { type: 'string', default: '10' },
    epochs: { type: 'string', default: '2' },
    seed: { type: 'string', default: '42' },
    dist: { type: 'string', default: 'dist' },
  },
});

const MAX_HEIGHT = 1800;

async function shoot(page: Page, target: Locator, file: string): Promise<void> {
  await target.scrollIntoViewIfNeeded();
  // No chart tooltip left open where the last click was.
  await page.mouse.move(0, 0);
  const box = await target.boundingBox();
  if (!box) throw new Error(`${file}: the section is not on the page.`);
  // boundingBox is in the viewport's coordinates; a full-page clip is in the page's.
  const scroll = await page.evaluate<{ x: number; y: number }>('({ x: window.scrollX, y: window.scrollY })');
  const path = join(values.out!, file);
  // Long sections are cut to their top: the picture shows what a reader sees first.
  await page.screenshot({ path, fullPage: true, clip: { x: box.x + scroll.x, y: box.y + scroll.y, width: box.width, height: Math.min(box.height, MAX_HEIGHT) } });
  process.stderr.write(`${path}: ${Math.round(statSync(path).size / 1024)} KB\n`);
}

async function main(): Promise<void> {
  if (!existsSync(join(values.dist!, 'index.html'))) throw new Error(`No build in ${values.dist}/: run npx vite build first.`);
  mkdirSync(values.out!, { recursive: true });
  const { server, origin } = await serveDist(values.dist!, {});
  const executablePath = process.env.CHROMIUM_PATH || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    await page.goto(origin);
    await page.getByTestId('load-demo').click();
    await page.getByTestId('summary').waitFor({ timeout: 120_000 });
    await shoot(page, page.locator('.app__main'), 'summary.png');

    await page.getByTestId('setting-campaigns').fill(values.campaigns!);
    await page.getByTestId('setting-epochs').fill(values.epochs!);
    await page.getByTestId('setting-epochs-logreg').fill(values.epochs!);
    await page.getByTestId('setting-seed').fill(values.seed!);
    await page.getByTestId('setting-backend').selectOption('wasm');
    await page.getByTestId('run').click();
    await page.locator('[data-testid="status"][data-state="done"]').waitFor({ timeout: 900_000 });
    // The answer with its what-if open and judged.
    const answer = page.getByTestId('answer');
    await page.getByTestId('what-if').locator(':scope > summary').click();
    await page.getByTestId('what-if-result').waitFor({ timeout: 60_000 });
    await shoot(page, answer, 'answer.png');
    await page.getByTestId('what-if').locator(':scope > summary').click();
    await page.getByTestId('response-curves').locator(':scope > summary').click();
    await page.getByTestId('response-chart').waitFor({ timeout: 300_000 });
    await shoot(page, page.getByTestId('response-curves'), 'response-curves.png');
    await shoot(page, page.getByTestId('results'), 'evidence.png');
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
