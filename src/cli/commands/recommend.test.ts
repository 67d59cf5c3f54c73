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

  it('honours a cap on change and a limits file: every campaign within ±20% of today, the floor and ceiling kept', async () => {
    const capped = await runCommand([log, ...flags, '--budget', '1000', '--max-change', '0.2', '--out', join(dir, 'capped.json')]);
    expect(capped.code, capped.stderr).toBe(0);
    const summary = JSON.parse(capped.stdout) as { today: Record<string, number>; limits: { maxChange: number } };
    expect(summary.limits.maxChange).toBe(0.2);
    const file = JSON.parse(readFileSync(join(dir, 'capped.json'), 'utf8')) as { why: string; allocation: Record<string, number> };
    expect(file.why).toContain('within the limits set (at most ±20% per campaign)');
    const ids = Object.keys(file.allocation);
    expect(ids.length).toBeGreaterThan(2);
    for (const id of ids) {
      expect(file.allocation[id]).toBeGreaterThanOrEqual(summary.today[id] * 0.8 - 1e-6);
      expect(file.allocation[id]).toBeLessThanOrEqual(summary.today[id] * 1.2 + 1e-6);
    }

    // A floor above today's amount for one campaign and a ceiling near zero for another.
    const [raised, cut] = [...ids].sort((a, b) => summary.today[a] - summary.today[b]);
    const floor = Math.ceil(summary.today[raised] + 200);
    const limitsPath = join(dir, 'limits.csv');
    writeFileSync(limitsPath, `campaign id,floor,ceiling\n${raised},${floor},\n${cut},,1\n`);
    const limited = await runCommand([log, ...flags, '--budget', '1000', '--limits', limitsPath, '--out', join(dir, 'limited.json')]);
    expect(limited.code, limited.stderr).toBe(0);
    const kept = JSON.parse(readFileSync(join(dir, 'limited.json'), 'utf8')) as { why: string; allocation: Record<string, number> };
    expect(kept.why).toContain('within the limits set (1 floor, 1 ceiling)');
    expect(kept.allocation[raised]).toBeGreaterThanOrEqual(floor - 1e-6);
    expect(kept.allocation[cut]).toBeLessThanOrEqual(1 + 1e-6);
    expect(Object.values(kept.allocation).reduce((s, x) => s + x, 0)).toBeCloseTo(1000, 6);
  }, 240_000);

  it('refuses a bad limits file with its one message, exit 1 and no file written', async () => {
    const bad = join(dir, 'bad-limits.csv');
    writeFileSync(bad, 'campaign id,floor,ceiling\nno-such-campaign,1,2\n');
    const out = join(dir, 'never.json');
    const { code, stdout, stderr } = await runCommand([log, ...flags, '--limits', bad, '--out', out]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/names campaign "no-such-campaign", which is not in the loaded log/);
    expect(() => readFileSync(out)).toThrow();
  });

  it.each([
    [['--budget=-3'], /--budget must be a positive number/],
    [['--cost', '--budget', 'x'], /--budget/],
    [['--max-change=-0.5'], /--max-change takes a share of 0 or more/],
    [['--max-change', 'lots'], /--max-change/],
  ])('refuses %j with one line and exit code 2', async (extra, message) => {
    const { code, stdout, stderr } = await runCommand([log, ...extra]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });
});
