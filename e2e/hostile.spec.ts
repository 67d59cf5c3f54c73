/**
 * Issue 6: hostile files end at a plain error, never a hang or a page that
 * runs what the file says. Timeouts are generous on purpose: these check
 * behaviour, not speed (scripts/bigfile-browser.ts measures the big cases).
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { CRITEO_COLUMNS } from '../src/core/table';
import { createRng } from '../src/core/random';
import { expect, test, type AppPage } from './fixtures';

// e2e is typechecked with Node's lib, not the DOM's: these globals exist only inside the browser callbacks.
declare const document: any;

const GENEROUS = { timeout: 90_000 };
const CRITEO_HEADER = CRITEO_COLUMNS.join('\t');

/** Bytes of each hostile file; built in Node so nothing depends on the page to make them. */
const HOSTILE_FILES: { name: string; file: string; code: string; bytes: () => Uint8Array | string }[] = [
  {
    name: 'a row with 100,000 fields',
    file: 'wide-row.tsv',
    code: 'too-many-bad-rows',
    bytes: () => `${CRITEO_HEADER}\n${Array.from({ length: 100_000 }, (_, i) => i % 10).join('\t')}\n`,
  },
  {
    name: 'a header with a repeated column name',
    file: 'repeated.csv',
    code: 'duplicate-columns',
    bytes: () => 'user_id,event_time,channel,channel,converted\nu1,2024-03-01T10:00:00Z,search,email,1\n',
  },
  {
    // 4 MB: past the parser's line limit, and large enough that quoting it whole in a message would show.
    name: 'one 4 MB line with no delimiter and no line end',
    file: 'one-line.tsv',
    code: 'line-too-long',
    bytes: () => 'x'.repeat(4 * 1024 * 1024),
  },
  {
    name: 'random binary bytes',
    file: 'random.tsv',
    code: 'binary',
    bytes: () => {
      const rng = createRng(6);
      const out = new Uint8Array(256 * 1024);
      for (let i = 0; i < out.length; i++) out[i] = rng.int(256);
      return out;
    },
  },
  {
    name: 'a PNG image renamed to .csv',
    file: 'picture.csv',
    code: 'binary',
    bytes: () => readFileSync(new URL('../public/icons/icon-192.png', import.meta.url)),
  },
];

async function expectPlainError(app: AppPage, code?: string): Promise<void> {
  await expect(app.error).toBeVisible(GENEROUS);
  if (code) await expect(app.error).toHaveAttribute('data-code', code);
  const message = (await app.error.locator('.error__message').textContent()) ?? '';
  // A clear message is one short line; a hostile file must not be echoed back whole.
  expect(message.trim().length).toBeGreaterThan(10);
  expect(message.length).toBeLessThan(400);
  expect(message).not.toContain('\n');
  expect(message).not.toMatch(/\bat \S+:\d+/);
  await expect(app.summary).toHaveCount(0);
  // Still usable afterwards: the controls are enabled again and the page answers.
  await expect(app.loadDemoButton).toBeEnabled();
  expect(await app.page.evaluate(() => document.readyState)).toBe('complete');
}

test.describe('hostile files reach a plain error', () => {
  for (const hostile of HOSTILE_FILES) {
    test(hostile.name, async ({ app }, testInfo) => {
      const path = testInfo.outputPath(hostile.file);
      await writeFile(path, hostile.bytes());

      await app.pickFile(path);

      await expectPlainError(app, hostile.code);
    });
  }
});

test('a header of 100,000 column names leaves the page responsive', async ({ app }, testInfo) => {
  const path = testInfo.outputPath('wide-header.csv');
  const names = Array.from({ length: 100_000 }, (_, i) => `column${i}`);
  await writeFile(path, `${names.join(',')}\n${names.map((_, i) => i).join(',')}\n`);

  await app.pickFile(path);

  // Either a plain error or a mapping step the page can still draw; not a tab frozen on 100,000-option selects.
  // A frozen main thread fails here by timing out: the locator checks run in the page.
  await expect(app.error.or(app.mapping)).toBeVisible(GENEROUS);
  await expect(app.loadDemoButton).toBeEnabled();
  expect(await app.page.evaluate(() => document.querySelectorAll('option').length)).toBeLessThan(100_000);
});

test('after a hostile file the app still loads a good log', async ({ app }, testInfo) => {
  const path = testInfo.outputPath('random.tsv');
  const rng = createRng(7);
  await writeFile(path, Uint8Array.from({ length: 64 * 1024 }, () => rng.int(256)));
  await app.pickFile(path);
  await expectPlainError(app);

  await app.loadDemoButton.click();

  await expect(app.summary).toBeVisible(GENEROUS);
  await expect(app.error).toHaveCount(0);
});

const MARKUP = '<img src=x onerror=alert(1)>';

test('markup in campaign names and file names renders as text and never runs', async ({ app }, testInfo) => {
  const dialogs: string[] = [];
  app.page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const lines = ['user_id,event_time,channel,converted'];
  const channels = [MARKUP, 'search', '"><script>alert(2)</script>'];
  for (let u = 0; u < 12; u++) {
    for (let k = 0; k < 3; k++) {
      const time = new Date(Date.UTC(2024, 2, 1) + (u * 3 + k) * 3_600_000).toISOString();
      const channel = channels[(u + k) % channels.length];
      // CSV quoting: the script payload holds a quote character.
      lines.push(`user-${u},${time},"${channel.replaceAll('"', '""')}",${u % 2}`);
    }
  }
  const path = testInfo.outputPath(`${MARKUP}.csv`);
  await writeFile(path, lines.join('\n') + '\n');

  await app.pickFile(path);
  await expect(app.mapping).toBeVisible(GENEROUS);
  await app.page.getByTestId('mapping-user').selectOption('user_id');
  await app.page.getByTestId('mapping-timestamp').selectOption('event_time');
  await app.page.getByTestId('mapping-timestamp-unit').selectOption('iso');
  await app.page.getByTestId('mapping-campaign').selectOption('channel');
  await app.page.getByTestId('mapping-conversion-kind').selectOption('flag');
  await app.page.getByTestId('mapping-conversion').selectOption('converted');
  await app.page.getByTestId('mapping-submit').click();

  await expect(app.summary).toBeVisible(GENEROUS);
  expect(await app.summaryNumber('campaigns')).toBe(channels.length);
  // The names show as the literal text the file holds...
  const table = app.page.getByTestId('campaign-table');
  await expect(table).toContainText(MARKUP);
  await expect(table).toContainText('<script>alert(2)</script>');
  await expect(app.summary).toContainText(`${MARKUP}.csv`);
  // ...and none of it became an element or ran.
  await expect(app.page.locator('img[src="x"], img[onerror]')).toHaveCount(0);
  expect(await app.page.locator('script:not([src])').count()).toBe(0);
  // Give an onerror handler time to fire if an element had been made.
  await app.page.waitForTimeout(500);
  expect(dialogs).toEqual([]);
});
