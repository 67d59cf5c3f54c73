/** Page objects for the specs: one place that knows the app's test ids. */
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { generateSynthetic } from '../src/core/synth/generate';
import type { SynthOptions, SynthTruth } from '../src/core/synth/types';

export class AppPage {
  readonly dropZone: Locator;
  readonly fileInput: Locator;
  readonly loadDemoButton: Locator;
  readonly progress: Locator;
  readonly error: Locator;
  readonly summary: Locator;
  readonly mapping: Locator;

  constructor(readonly page: Page) {
    this.dropZone = page.getByTestId('drop-zone');
    this.fileInput = page.getByTestId('file-input');
    this.loadDemoButton = page.getByTestId('load-demo');
    this.progress = page.getByTestId('progress');
    this.error = page.getByTestId('error');
    this.summary = page.getByTestId('summary');
    this.mapping = page.getByTestId('mapping');
  }

  async open(): Promise<void> {
    await this.page.goto('/');
    await expect(this.dropZone).toBeVisible();
  }

  async pickFile(path: string): Promise<void> {
    await this.fileInput.setInputFiles(path);
  }

  /** A real drag and drop of an in-memory file; keep it small (large drops break the page, see browser-notes). */
  async dropFile(name: string, text: string): Promise<void> {
    await this.dropZone.drop({ files: { name, mimeType: 'text/plain', buffer: Buffer.from(text) } });
  }

  /** Raw numbers the summary carries as data attributes, e.g. `rows`, `converted-journeys`. */
  async summaryNumber(name: string): Promise<number> {
    const raw = await this.summary.getAttribute(`data-${name}`);
    expect(raw, `summary lacks data-${name}`).not.toBeNull();
    return Number(raw);
  }

  async expectSummaryMatches(counts: SynthTruth['counts']): Promise<void> {
    await expect(this.summary).toBeVisible();
    expect({
      rows: await this.summaryNumber('rows'),
      users: await this.summaryNumber('users'),
      campaigns: await this.summaryNumber('campaigns'),
      journeys: await this.summaryNumber('journeys'),
      convertedJourneys: await this.summaryNumber('converted-journeys'),
      clicks: await this.summaryNumber('clicks'),
    }).toEqual(counts);
    // People read the same number with thousands separators.
    await expect(this.page.getByTestId('stat-rows')).toHaveText(counts.rows.toLocaleString('en-US'));
  }
}

/** A generated Criteo-format log as text, with the generator's own counts to compare against. */
export function syntheticLog(options: SynthOptions): { text: string; truth: SynthTruth } {
  const parts: string[] = [];
  const truth = generateSynthetic(options, (t) => parts.push(t));
  return { text: parts.join(''), truth };
}

/**
 * Settings for a short run that still trains two kinds of model: 4 of the demo's 40 campaigns, the regression and
 * the attention model for one epoch each, and no model-judged steps (they score many small batches).
 */
export async function configureSmallRun(page: Page): Promise<void> {
  await page.getByTestId('setting-campaigns').fill('4');
  await page.getByTestId('setting-cf-model').uncheck();
  await page.getByTestId('setting-cf-replay').uncheck();
  await page.getByTestId('setting-model-lstm').uncheck();
  await page.getByTestId('setting-epochs-logreg').fill('1');
  await page.getByTestId('setting-epochs').fill('1');
}

/** Opens a folded section (a `<details>` with this test id) if it is closed: settings after a run, the run's steps and curves. */
export async function openFold(page: Page, testId: string): Promise<void> {
  const fold = page.getByTestId(testId);
  if ((await fold.getAttribute('open')) === null) await fold.locator(':scope > summary').click();
  await expect(fold).toHaveAttribute('open', '');
}

export const test = base.extend<{ app: AppPage }>({
  app: async ({ page }, use) => {
    const app = new AppPage(page);
    await app.open();
    await use(app);
  },
});

export { expect };
