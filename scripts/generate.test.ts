import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEMO_SYNTH_OPTIONS } from '../src/core/synth/generate';
import { worldNames } from '../src/core/synth/worlds';
import { main, parseGenerateArgs } from './generate';

describe('parseGenerateArgs', () => {
  it.each([
    [['--rows', 'x', '--out', 'a.tsv'], /--rows must be a number/],
    [['--rows', '5', '--out', 'a.tsv'], /--rows must be a whole number/],
    [['--rows', '1000'], /--out FILE is required/],
    [['--out', 'a.tsv'], /Give --rows/],
    [['--rows', '1000', '--out', 'a.tsv', '--campaigns', '2'], /campaigns/],
    [['--rows', '1000', '--out', 'a.tsv', '--journey-length', '0'], /journey length/],
    [['--rows', '1000', '--out', 'a.tsv', '--colour', 'red'], /colour/],
    [['--rows', '1000', '--out', 'a.tsv', '--base-log-odds', '-3'], /--base-log-odds=/],
  ])('rejects %j with one line', (args, message) => {
    const r = parseGenerateArgs(args);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(message);
      expect(r.error).not.toContain('\n');
    }
  });

  it.each([
    [10_000, 10],
    [200_000, 50],
    [16_500_000, 675],
  ])('gives %i rows %i campaigns by default', (rows, campaigns) => {
    const r = parseGenerateArgs(['--rows', String(rows), '--out', 'a.tsv']);
    expect(r.ok && !r.list && r.options.campaigns).toBe(campaigns);
  });

  it('sizes users from --rows and keeps explicit options', () => {
    const r = parseGenerateArgs(['--rows', '30000', '--out', 'a.tsv.gz', '--seed', '4', '--campaigns', '12', '--base-log-odds=-3']);
    expect(r.ok).toBe(true);
    if (!r.ok || r.list) return;
    expect(r.out).toBe('a.tsv.gz');
    expect(r.options).toMatchObject({ seed: 4, campaigns: 12, baseLogOdds: -3 });
    // About 3 rows a user at the default journey length.
    expect(r.options.users).toBeGreaterThan(30_000 / 5);
    expect(r.options.users).toBeLessThan(30_000 / 2);
    expect(parseGenerateArgs(['--users', '777', '--out', 'a.tsv']).ok && true).toBe(true);
  });
});

describe('parseGenerateArgs: worlds', () => {
  it('lists the worlds without needing --out', () => {
    expect(parseGenerateArgs(['--list-worlds'])).toEqual({ ok: true, list: true });
  });

  it('gives the demo world the demo options and seed, so it writes the demo file', () => {
    const r = parseGenerateArgs(['--world', 'demo', '--out', 'd.tsv']);
    expect(r.ok && !r.list && r.options).toEqual(DEMO_SYNTH_OPTIONS);
  });

  it('lays --seed and --users over a world and keeps its parameters', () => {
    const r = parseGenerateArgs(['--world', 'once-per-journey', '--out', 'w.tsv', '--seed', '3', '--users', '900']);
    expect(r.ok && !r.list && r.options).toMatchObject({ seed: 3, users: 900, world: { dose: 'once' } });
  });

  it.each([
    [['--world', 'atlantis', '--out', 'w.tsv'], /Unknown world "atlantis"/],
    [['--world', 'demo', '--world-file', 'x.json', '--out', 'w.tsv'], /not both/],
    [['--world', 'demo', '--campaigns', '9', '--out', 'w.tsv'], /--campaigns does not go with a world/],
    [['--world-file', '/nonexistent/w.json', '--out', 'w.tsv'], /Cannot read/],
  ])('rejects %j with one line', (args, message) => {
    const r = parseGenerateArgs(args);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(message);
      expect(r.error).not.toContain('\n');
    }
  });

  it('reads any parameters from --world-file, over a named base world, and checks them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'worlds-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ name: 'mine', base: 'clicks', options: { campaigns: 17, world: { decayHalfLifeDays: 4 } } }));
    const r = parseGenerateArgs(['--world-file', good, '--out', 'w.tsv']);
    expect(r.ok && !r.list && r.world?.name).toBe('mine');
    expect(r.ok && !r.list && r.options).toMatchObject({ campaigns: 17, world: { clickLift: 4, decayHalfLifeDays: 4 } });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ options: { world: { dose: 'cubic' } } }));
    const b = parseGenerateArgs(['--world-file', bad, '--out', 'w.tsv']);
    expect(b.ok).toBe(false);
    if (!b.ok) expect(b.error).toMatch(/dose rule/);
  });

  it('has the demo and at least ten other worlds, names unique', () => {
    const names = worldNames();
    expect(names[0]).toBe('demo');
    expect(names.length).toBeGreaterThanOrEqual(11);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('generate main', () => {
  it('writes the log under a .partial name and renames it only when whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'generate-'));
    const out = join(dir, 'log.tsv.gz');
    expect(await main(['--rows', '3000', '--out', out, '--seed', '3'])).toBe(0);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const text = gunzipSync(readFileSync(out)).toString('utf8');
    expect(text.startsWith('timestamp\t')).toBe(true);
    const truth = JSON.parse(readFileSync(`${out}.truth.json`, 'utf8')) as { counts: { rows: number } };
    expect(text.trimEnd().split('\n').length - 1).toBe(truth.counts.rows);
  });

  it('leaves neither the log nor a partial file when the write fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'generate-'));
    const out = join(dir, 'missing-folder', 'log.tsv');
    await expect(main(['--rows', '3000', '--out', out])).rejects.toThrow(/ENOENT/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });
});
