/**
 * --prepared FILE: the file the DuckDB script writes, read back into the
 * same prepared journeys the app's own preparation gives.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ingest } from '../core/ingest';
import { prepareJourneys } from '../core/prepare';
import { preparationSql } from '../core/prepare/sql';
import type { PreparedData } from '../core/prepared';
import { DEFAULT_PREPARE, type PrepareSettings } from '../core/settings';
import { generateSynthetic } from '../core/synth/generate';
import type { CliCommand } from './command';
import { attributeCommand } from './commands/attribute';
import { trainCommand } from './commands/train';
import { loadPrepared } from './prepared-file';

const SETTINGS: PrepareSettings = { ...DEFAULT_PREPARE, campaigns: { kind: 'count', count: 9 }, seed: 5 };
let dir: string;
let logPath: string;
let preparedPath: string;
let parquetPath: string;
let app: PreparedData;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'prepared-file-'));
  logPath = join(dir, 'log.tsv');
  preparedPath = join(dir, 'prepared.csv');
  parquetPath = join(dir, 'prepared.parquet');
  const parts: string[] = [];
  generateSynthetic({ seed: 21, users: 4000, campaigns: 12 }, (t) => parts.push(t));
  writeFileSync(logPath, parts.join(''));
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  for (const output of [preparedPath, parquetPath]) {
    const exported = preparationSql({ dialect: 'duckdb', settings: SETTINGS, source: { kind: 'file', path: logPath, format: 'tsv' }, output });
    if (!exported.ok) throw new Error(exported.error);
    await duck.run(exported.sql);
  }
  // A Parquet file without the split column, with the right settings beside it.
  await duck.run(`COPY (SELECT * EXCLUDE (split) FROM read_parquet('${parquetPath}')) TO '${join(dir, 'nosplit.parquet')}' (FORMAT parquet)`);
  duck.closeSync();
  writeFileSync(join(dir, 'nosplit.parquet.settings'), readFileSync(`${parquetPath}.settings`));
  const blob = new Blob(parts);
  const loaded = await ingest({ name: 'log.tsv', size: blob.size, stream: () => blob.stream() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  app = prepareJourneys(loaded.table, SETTINGS);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Per journey, keyed by its campaigns and times: label, split and its scaled features per step. */
function journeys(p: PreparedData): Map<string, string> {
  const out = new Map<string, string>();
  const { eventOffsets, eventsByJourney, label, split } = p.journeys;
  const { steps, numeric } = p.sequences;
  for (let j = 0; j < p.journeys.count; j++) {
    const events = Array.from(eventsByJourney.subarray(eventOffsets[j], eventOffsets[j + 1]));
    const key = events.map((e) => `${p.campaignIds[p.events.campaign[e]]}@${p.events.timestamp[e]}`).join(' ');
    const features = Array.from(numeric.subarray(j * steps * 4, (j + 1) * steps * 4), (v) => v.toFixed(5)).join(',');
    out.set(`${key}`, `${label[j]} ${split[j]} ${features}`);
  }
  return out;
}

async function run(command: CliCommand, args: string[]): Promise<{ code: number; stdout: string; stderr: string[] }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((stdout += String(c)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((stderr += String(c)), true));
  try {
    const code = await command.run(args);
    return { code, stdout, stderr: stderr.trim().split('\n').filter((l) => l !== '') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('--prepared FILE', () => {
  it('reads back the journeys, labels, split and features the app prepares', async () => {
    const loaded = await loadPrepared(preparedPath, {});
    if (!loaded.ok) throw new Error(loaded.error);
    const p = loaded.prepared;
    expect(loaded.settings).toEqual(SETTINGS);
    expect([p.journeys.count, p.events.count, p.stats.convertedJourneys]).toEqual([app.journeys.count, app.events.count, app.stats.convertedJourneys]);
    expect(p.negativeSamplingRate).toBeCloseTo(app.negativeSamplingRate, 12);
    expect(new Set(p.campaignIds)).toEqual(new Set(app.campaignIds));
    expect(journeys(p)).toEqual(journeys(app));
    // Events in time order, as the replay needs them.
    for (let e = 1; e < p.events.count; e++) expect(p.events.timestamp[e]).toBeGreaterThanOrEqual(p.events.timestamp[e - 1]);
  });

  it('takes --max-touchpoints, which only cuts the sequences', async () => {
    const loaded = await loadPrepared(preparedPath, { 'max-touchpoints': '3' });
    expect(loaded.ok && loaded.prepared.sequences.steps).toBe(3);
  });

  it.each([
    ['another seed', { seed: '6' }, /was prepared with seed 5; the command asks for seed 6/],
    ['another balancing', { balance: 'none' }, /was prepared with balance "events"; the command asks for balance "none"/],
  ])('refuses %s in one line', async (_name, flags, message) => {
    const loaded = await loadPrepared(preparedPath, flags);
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.error).toMatch(message);
  });

  it('refuses a file without settings or without the prepared columns', async () => {
    const bare = join(dir, 'bare.csv');
    writeFileSync(bare, readFileSync(preparedPath, 'utf8'));
    const noSettings = await loadPrepared(bare, {});
    expect(!noSettings.ok && noSettings.error).toMatch(/no settings/);
    const other = join(dir, 'other.csv');
    writeFileSync(other, `${readFileSync(`${preparedPath}.settings`, 'utf8')}a,b\n1,2\n`);
    const wrong = await loadPrepared(other, {});
    expect(!wrong.ok && wrong.error).toMatch(/not a prepared file: it has no column journey_id/);
  });

  it('train: a mismatch exits 1 with one line and writes nothing', async () => {
    const r = await run(trainCommand, ['--prepared', preparedPath, '--seed', '8', '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.at(-1)).toMatch(/was prepared with seed 5/);
  });

  /** Runs attribute on the log and on each prepared file; every file's counting weights must match the log's to 1e-12. */
  async function sameWeights(files: string[]): Promise<Awaited<ReturnType<typeof run>>[]> {
    const models = 'lta,first,linear,ushape,markov,shapley_count';
    const flags = ['--campaigns', '9', '--seed', '5'];
    const fromLog = await run(attributeCommand, [logPath, '--models', models, ...flags]);
    expect(fromLog.code).toBe(0);
    const a = JSON.parse(fromLog.stdout);
    const results = [];
    for (const file of files) {
      const fromFile = await run(attributeCommand, ['--prepared', file, '--models', models]);
      expect(fromFile.code, file).toBe(0);
      const b = JSON.parse(fromFile.stdout);
      expect([b.journeys, b.events]).toEqual([a.journeys, a.events]);
      for (const [model, weights] of Object.entries(a.weights as Record<string, Record<string, number>>)) {
        expect(Object.keys(b.weights[model]).sort(), model).toEqual(Object.keys(weights).sort());
        for (const [campaign, w] of Object.entries(weights)) expect(b.weights[model][campaign], `${file} ${model} ${campaign}`).toBeCloseTo(w, 12);
      }
      results.push(fromFile);
    }
    return results;
  }

  it('attribute: the same counting weights from the prepared file as from the log', async () => {
    const [fromFile] = await sameWeights([preparedPath]);
    expect(fromFile.stderr.join('\n')).toContain('prepared with {');
  });

  it('attribute: the same counting weights from the Parquet file (hyparquet) as from the CSV and the log', async () => {
    await sameWeights([preparedPath, parquetPath]);
    const csv = await loadPrepared(preparedPath, {});
    const parquet = await loadPrepared(parquetPath, {});
    if (!csv.ok || !parquet.ok) throw new Error('not loaded');
    expect(parquet.settings).toEqual(csv.settings);
    expect(journeys(parquet.prepared)).toEqual(journeys(csv.prepared));
    expect(parquet.prepared.negativeSamplingRate).toBe(csv.prepared.negativeSamplingRate);
  });

  it('Parquet: a missing column, an unreadable file or no settings exit 1 with one line and write nothing', async () => {
    const garbage = join(dir, 'garbage.parquet');
    writeFileSync(garbage, 'not parquet at all\n');
    writeFileSync(`${garbage}.settings`, readFileSync(`${parquetPath}.settings`));
    const bare = join(dir, 'bare.parquet');
    // Rewritten without the settings in its metadata (as nosplit.parquet was), and no side file.
    writeFileSync(bare, readFileSync(join(dir, 'nosplit.parquet')));
    for (const [file, message] of [
      [join(dir, 'nosplit.parquet'), /nosplit\.parquet: This is not a prepared file: it has no column split\./],
      [garbage, /garbage\.parquet cannot be read as Parquet: /],
      [bare, /bare\.parquet: no settings, no settings in its metadata nor .*bare\.parquet\.settings/],
    ] as const) {
      const r = await run(attributeCommand, ['--prepared', file, '--models', 'lta']);
      expect(r.code, file).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr, file).toHaveLength(1);
      expect(r.stderr[0]).toMatch(message);
    }
  });

  it("Parquet: the settings travel in the file's metadata, so it reads without its side file", async () => {
    const alone = join(dir, 'alone.parquet');
    writeFileSync(alone, readFileSync(parquetPath));
    const loaded = await loadPrepared(alone, {});
    expect(loaded.ok && loaded.settings.seed).toBe(SETTINGS.seed);
    expect(loaded.ok && loaded.prepared.journeys.count).toBe(app.journeys.count);
  });

  it('refuses a log and --prepared together', async () => {
    const r = await run(attributeCommand, [logPath, '--prepared', preparedPath]);
    expect(r.code).toBe(2);
    expect(r.stderr).toHaveLength(1);
  });
});
