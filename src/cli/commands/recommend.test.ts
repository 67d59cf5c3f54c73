/** The recommend command on a small generated log: the same recommendation the app's run makes for the same seed. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ingest } from '../../core/ingest';
import { runAttribution } from '../../core/run';
import { generateSynthetic } from '../../core/synth/generate';
import { parseArgs } from '../command';
import { openInputFile } from '../input';
import { RECOMMEND_OPTIONS, recommendCommand, recommendSettings } from './recommend';

let dir: string;
let log: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'recommend-cli-'));
  log = join(dir, 'log.tsv');
  const parts: string[] = [];
  generateSynthetic({ seed: 8, users: 1500, campaigns: 6 }, (t) => parts.push(t));
  writeFileSync(log, parts.join(''));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runCommand(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await recommendCommand.run(args), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('recommend command', () => {
  const flags = ['--campaigns', 'all', '--epochs', '1', '--seed', '3', '--backend', 'cpu'];

  it('writes exactly the allocation file, summing to the budget, and the app recommends the same for the same seed', async () => {
    const out = join(dir, 'allocation.json');
    const { code, stdout, stderr } = await runCommand([log, ...flags, '--out', out]);
    expect(code, stderr).toBe(0);
    expect(() => JSON.parse(stdout)).not.toThrow();
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(Object.keys(file)).toEqual(['method', 'why', 'unit', 'budget', 'allocation', 'expected']);
    expect(Object.keys(file.expected)).toEqual(['recommended', 'today', 'interval90']);
    expect(file.unit).toBe('impressions');
    const sum = Object.values(file.allocation as Record<string, number>).reduce((s, x) => s + x, 0);
    expect(sum).toBeCloseTo(file.budget, 6);

    // The app's run (every step, as the worker makes it) with the settings those flags give.
    const { values } = parseArgs({ args: flags, options: RECOMMEND_OPTIONS, strict: true });
    const ingested = await ingest(await openInputFile(log));
    if (!ingested.ok) throw new Error(ingested.error.message);
    const app = await runAttribution(ingested.table, recommendSettings(values));
    expect(app.ok).toBe(true);
    if (!app.ok) return;
    for (const m of app.run.models) m.dispose();
    const rec = app.run.recommendation!;
    expect(rec.method).toBe(file.method);
    expect(rec.why).toBe(file.why);
    expect(rec.budget).toBe(file.budget);
    for (const [id, amount] of Object.entries(file.allocation as Record<string, number>)) expect(rec.allocation[id]).toBeCloseTo(amount, 6);
    expect(rec.expected.recommended).toBeCloseTo(file.expected.recommended, 6);
    expect(rec.expected.today).toBeCloseTo(file.expected.today, 6);
    expect(rec.expected.interval90[0]).toBeCloseTo(file.expected.interval90[0], 6);
    expect(rec.expected.interval90[1]).toBeCloseTo(file.expected.interval90[1], 6);
  }, 240_000);

  it.each([
    [['--budget=-3'], /--budget must be a positive number/],
    [['--cost', '--budget', 'x'], /--budget/],
  ])('refuses %j with one line and exit code 2', async (extra, message) => {
    const { code, stdout, stderr } = await runCommand([log, ...extra]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });
});
