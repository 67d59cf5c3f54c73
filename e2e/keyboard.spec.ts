/**
 * Issue 14, "for people": the whole flow by keyboard alone. Every control is
 * reached with Tab (not focused by script) and used with Enter, Space or
 * typing: load the demo, set a short run, run it, open and edit the what-if,
 * and download the report.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

// e2e is typechecked with Node's lib, not the DOM's: this global exists only inside the browser callback.
declare const document: { activeElement: { tagName: string; getAttribute(name: string): string | null; parentElement: { getAttribute(name: string): string | null } | null } | null };

/** Presses Tab until the focused element has this test id (or is the summary of a `<details>` with it). */
async function tabTo(page: Page, testId: string, most = 600): Promise<void> {
  for (let i = 0; i < most; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el) return '';
      return el.getAttribute('data-testid') ?? (el.tagName === 'SUMMARY' ? (el.parentElement?.getAttribute('data-testid') ?? '') : '');
    });
    if (at === testId) return;
  }
  throw new Error(`Tab never reached ${testId} in ${most} presses`);
}

async function typeOver(page: Page, text: string): Promise<void> {
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text);
}

test('load, set up, run, edit the what-if and download the report with the keyboard alone', async ({ app, page }) => {
  test.setTimeout(300_000);
  await tabTo(page, 'load-demo');
  await page.keyboard.press('Enter');
  await expect(app.summary).toBeVisible({ timeout: 60_000 });

  await tabTo(page, 'setting-campaigns');
  await typeOver(page, '4');
  await tabTo(page, 'setting-model-lstm');
  await page.keyboard.press('Space');
  await tabTo(page, 'setting-epochs-logreg');
  await typeOver(page, '1');
  await tabTo(page, 'setting-epochs');
  await typeOver(page, '1');
  await tabTo(page, 'setting-cf-model');
  await page.keyboard.press('Space');
  await tabTo(page, 'setting-cf-replay');
  await page.keyboard.press('Space');
  await expect(page.getByTestId('setting-model-lstm')).not.toBeChecked();
  await expect(page.getByTestId('setting-campaigns')).toHaveValue('4');

  await tabTo(page, 'run');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done', { timeout: 240_000 });
  await expect(page.getByTestId('answer')).toBeVisible();

  // The what-if: open its fold, then change the first budget.
  await tabTo(page, 'what-if');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('what-if')).toHaveAttribute('open', '');
  const result = page.getByTestId('what-if-result');
  await expect(result).toHaveAttribute('data-pending', 'false', { timeout: 60_000 });
  const before = await result.getAttribute('data-total');
  await tabTo(page, 'what-if-input');
  const first = page.getByTestId('what-if-input').first();
  const amount = Number(await first.inputValue());
  await typeOver(page, String(amount * 2 + 1));
  await expect(result).not.toHaveAttribute('data-total', before!, { timeout: 30_000 });

  // The report, from its button.
  await tabTo(page, 'export-report');
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  expect(download.suggestedFilename()).toMatch(/\.html$/);
});
