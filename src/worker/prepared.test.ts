/**
 * The worker on a prepared file (the SQL export run by DuckDB): it loads in
 * place of a log, runs skip their prepare step and give the weights a run on
 * the log gives for the same settings, and a bad file leaves what was loaded.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparationSql } from '../core/prepare/sql';
import { defaultRunSettings, DEFAULT_PREPARE, type PrepareSettings, type RunSettings } from '../core/settings';
import { generateSynthetic } from '../core/synth/generate';
import { createWorkerApi } from './api';

const SETTINGS: PrepareSettings = { ...DEFAULT_PREPARE, campaigns: { kind: 'count', count: 6 }, seed: 11 };
let dir: string;
let log: string;
let csv: string;
let parquet: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'worker-prepared-'));
  const parts: string[] = [];
  generateSynthetic({ seed: 4, users: 3000, campaigns: 9 }, (t) => parts.push(t));
  log = parts.join('');
  writeFileSync(join(dir, 'log.tsv'), log);
  csv = join(dir, 'prepared.csv');
  parquet = join(dir, 'prepared.parquet');
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  for (const output of [csv, parquet]) {
    const sql = preparationSql({ dialect: 'duckdb', settings: SETTINGS, source: { kind: 'file', path: join(dir, 'log.tsv'), format: 'tsv' }, output });
    if (!sql.ok) throw new Error(sql.error);
    await duck.run(sql.sql);
  }
  duck.closeSync();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(path: string, name = path.slice(path.lastIndexOf('/') + 1)): File {
  return new File([readFileSync(path)], name);
}

/** Position models only, with preparation settings that differ from the file's (the file's must win). */
function quick(): RunSettings {
  const s = defaultRunSettings();
  s.train.models = [];
  s.prepare = { ...SETTINGS, seed: 99, minTouchpoints: 1, maxTouchpoints: 9 };
  return s;
}

describe('worker: a prepared file instead of a log', () => {
  it('loads the CSV with its .settings, says it came prepared, and runs without preparing: the weights of a run on the log', async () => {
    const api = createWorkerApi();
    const loaded = await api.loadPrepared(1, [file(csv), file(`${csv}.settings`)]);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok || loaded.value.kind !== 'loaded') return;
    const summary = loaded.value.log.summary;
    expect(summary.format).toBe('prepared');
    expect(summary.preparedSettings).toEqual(SETTINGS);
    expect(summary.notes.join(' ')).toMatch(/Prepared by the SQL export/);
    expect(summary.notes.join(' ')).toMatch(/6 campaigns, journeys of at least 2 touchpoints, balanced by events, .*seed 11/);
    expect(summary.campaigns).toBeLessThanOrEqual(6);
    expect(summary.convertedJourneys).toBeGreaterThan(0);

    const details = new Map<string, string | undefined>();
    const ran = await api.run(2, quick(), (p) => details.set(p.step, p.detail));
    expect(ran.ok).toBe(true);
    if (!ran.ok) return;
    expect(details.get('prepare')).toBe('prepared before the run');
    // The file's settings, with the run's cut of the sequences.
    expect(ran.value.settings.prepare).toEqual({ ...SETTINGS, maxTouchpoints: 9 });
    expect(ran.value.stats.convertedJourneys).toBe(summary.convertedJourneys);

    const onLog = createWorkerApi();
    expect((await onLog.loadFile(1, new File([log], 'log.tsv'))).ok).toBe(true);
    const fromLog = await onLog.run(2, { ...quick(), prepare: { ...SETTINGS, maxTouchpoints: 9 } });
    expect(fromLog.ok).toBe(true);
    if (!fromLog.ok) return;
    expect(ran.value.stats.convertedJourneys).toBe(fromLog.value.stats.convertedJourneys);
    expect(ran.value.stats.unconvertedJourneys).toBe(fromLog.value.stats.unconvertedJourneys);
    // The file names the user attributes the app takes from the log (constant per user: the generator's cat1 and cat5).
    expect(ran.value.stats.userAttributes).toEqual(['cat1', 'cat5']);
    expect(ran.value.stats.userAttributes).toEqual(fromLog.value.stats.userAttributes);
    for (const model of ['lta', 'first', 'linear', 'shapley_count']) {
      const ids = Object.keys(fromLog.value.weights[model]).sort();
      expect(Object.keys(ran.value.weights[model]).sort()).toEqual(ids);
      for (const id of ids) expect(ran.value.weights[model][id]).toBeCloseTo(fromLog.value.weights[model][id], 9);
    }
  });

  it('reads a Parquet file alone: its settings are in its metadata', async () => {
    const api = createWorkerApi();
    const loaded = await api.loadPrepared(1, [file(parquet)]);
    expect(loaded.ok && loaded.value.kind === 'loaded' && loaded.value.log.summary.preparedSettings).toEqual(SETTINGS);
    expect(await api.loadedRows()).toBeGreaterThan(0);
  });

  it('refuses a bad file with one line and keeps what was loaded', async () => {
    const api = createWorkerApi();
    expect((await api.loadPrepared(1, [file(csv), file(`${csv}.settings`)])).ok).toBe(true);
    const rows = await api.loadedRows();
    const text = readFileSync(csv, 'utf8');
    const noSplit = text
      .split('\n')
      .map((line) => line.split(',').slice(0, -3).join(','))
      .join('\n');
    const otherSettings = readFileSync(`${csv}.settings`, 'utf8').replace('"seed":11', '"seed":12');
    const cases: [File[], RegExp][] = [
      [[new File([noSplit], 'prepared.csv'), file(`${csv}.settings`, 'prepared.csv.settings')], /^prepared\.csv: This is not a prepared file: it has no column split, negative_sampling_rate\.$/],
      [[file(csv)], /^prepared\.csv: no settings, neither a first line .* nor prepared\.csv\.settings/],
      [[new File([`${readFileSync(`${csv}.settings`, 'utf8').trim()}\n${text}`], 'prepared.csv'), new File([otherSettings], 'prepared.csv.settings')], /give different settings/],
      [[new File(['not parquet'], 'x.parquet')], /^x\.parquet cannot be read as Parquet: /],
      [[file(`${csv}.settings`)], /^Choose the prepared file itself/],
    ];
    for (const [files, message] of cases) {
      const result = await api.loadPrepared(2, files);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.error.message).toMatch(message);
      expect(result.error.message).not.toContain('\n');
    }
    expect(await api.loadedRows()).toBe(rows);
    expect((await api.run(3, quick())).ok).toBe(true);
  });
});
