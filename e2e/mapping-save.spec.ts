/** Issue 15: the mapping step's "Save mapping" writes the file `--mapping FILE` reads, and the CLI then reads the log as the app did. */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { parseSavedMapping } from '../src/core/ingest/mapping';
import { expect, test } from './fixtures';

test('Save mapping downloads the mapping; the CLI reads the same log with it to the same counts', async ({ app }, testInfo) => {
  // Starts the CLI in Node (tsx and TensorFlow.js load for seconds on a busy machine).
  test.slow();
  const channels = ['search', 'social', 'email'];
  const lines = ['user_id,event_time,channel,converted,spend'];
  const start = Date.UTC(2024, 2, 1);
  for (let u = 0; u < 24; u++) {
    for (let k = 0; k < 3; k++) {
      const time = new Date(start + (u * 3 + k) * 3_600_000).toISOString();
      lines.push(`user-${u},${time},${channels[(u + k) % channels.length]},${u % 3 === 0 ? 1 : 0},${k * 0.5}`);
    }
  }
  const log = testInfo.outputPath('own-export.csv');
  await writeFile(log, lines.join('\n') + '\n');

  await app.pickFile(log);
  await expect(app.mapping).toBeVisible();
  await app.page.getByTestId('mapping-user').selectOption('user_id');
  await app.page.getByTestId('mapping-timestamp').selectOption('event_time');
  await app.page.getByTestId('mapping-timestamp-unit').selectOption('iso');
  await app.page.getByTestId('mapping-campaign').selectOption('channel');
  await app.page.getByTestId('mapping-conversion-kind').selectOption('flag');
  await app.page.getByTestId('mapping-conversion').selectOption('converted');
  await app.page.getByTestId('mapping-cost').selectOption('spend');

  const download = app.page.waitForEvent('download');
  await app.page.getByTestId('mapping-save').click();
  const saved = await download;
  expect(saved.suggestedFilename()).toBe('own-export.mapping.json');
  const file = testInfo.outputPath('own-export.mapping.json');
  await saved.saveAs(file);
  expect(parseSavedMapping(await readFile(file, 'utf8'))).toEqual({
    ok: true,
    mapping: { user: 'user_id', timestamp: 'event_time', timestampUnit: 'iso', campaign: 'channel', conversion: 'converted', cost: 'spend' },
  });

  await app.page.getByTestId('mapping-submit').click();
  const cli = JSON.parse(execFileSync('npx', ['tsx', 'src/cli/main.ts', 'summary', log, '--mapping', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  await app.expectSummaryMatches({
    rows: cli.rows,
    users: cli.users,
    campaigns: cli.campaigns,
    journeys: cli.journeys,
    convertedJourneys: cli.convertedJourneys,
    clicks: cli.clicks,
  });
  expect(cli).toMatchObject({ rows: 72, users: 24, campaigns: 3, convertedJourneys: 8 });
});
