/**
 * The worker's functions in process (Node): the same calls the UI makes
 * through comlink, without the messaging.
 */
import { describe, expect, it } from 'vitest';
import { generateSynthetic } from '../core/synth/generate';
import type { JobProgress } from '../shared/protocol';
import { defaultRunSettings } from '../shared/run-settings';
import { createWorkerApi } from './api';

function criteoFile(seed: number, users: number) {
  const parts: string[] = [];
  const truth = generateSynthetic({ seed, users, campaigns: 8 }, (t) => parts.push(t));
  return { file: new File(parts, 'small.tsv'), truth };
}

/** Position models only: the worker's bookkeeping is under test here, not training. */
function quickSettings() {
  const s = defaultRunSettings();
  s.train.models = [];
  s.prepare.campaigns = { kind: 'all' };
  return s;
}

describe('worker api', () => {
  it('loads a Criteo file and summarises it with the generator\'s counts', async () => {
    const api = createWorkerApi();
    const { file, truth } = criteoFile(3, 150);
    const progress: JobProgress[] = [];
    const result = await api.loadFile(1, file, undefined, (p) => progress.push(p));
    expect(result.ok).toBe(true);
    if (!result.ok || result.value.kind !== 'loaded') throw new Error('not loaded');
    const s = result.value.log.summary;
    expect({ rows: s.rows, users: s.users, journeys: s.journeys, convertedJourneys: s.convertedJourneys }).toEqual({
      rows: truth.counts.rows,
      users: truth.counts.users,
      journeys: truth.counts.journeys,
      convertedJourneys: truth.counts.convertedJourneys,
    });
    expect(progress.at(-1)).toMatchObject({ step: 'parse', done: file.size, total: file.size });
    expect(await api.loadedRows()).toBe(truth.counts.rows);
  });

  it('asks for a mapping, with a preview, when the columns are not Criteo\'s', async () => {
    const api = createWorkerApi();
    const file = new File(['user,time,channel,converted\nu1,2024-01-01T00:00:00Z,email,1\n'], 'own.csv');
    const result = await api.loadFile(1, file);
    expect(result.ok && result.value.kind).toBe('needs-mapping');
    if (result.ok && result.value.kind === 'needs-mapping') expect(result.value.preview.header).toContain('channel');
  });

  it.each([
    ['an HTML page', '<!doctype html><html><body>hi</body></html>\n', 'html'],
    ['an empty file', '', 'empty'],
  ])('turns %s into a plain error with the core code', async (_name, text, code) => {
    const api = createWorkerApi();
    const result = await api.loadFile(1, new File([text], 'x.tsv'));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.message).not.toContain('\n');
    }
  });

  it('reports a cancelled load as cancelled', async () => {
    const api = createWorkerApi();
    const { file } = criteoFile(4, 400);
    const pending = api.loadFile(7, file);
    await api.cancel(7);
    const result = await pending;
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ name: 'AbortError' }) });
    expect(await api.loadedRows()).toBeNull();
  });

  it('refuses to run before a log is loaded', async () => {
    const result = await createWorkerApi().run(1, quickSettings());
    expect(result.ok).toBe(false);
  });

  it('runs, then re-sweeps another budget and recommends without running again', async () => {
    const api = createWorkerApi();
    await api.loadFile(1, criteoFile(5, 300).file);
    const steps = new Set<string>();
    const ran = await api.run(2, quickSettings(), (p) => steps.add(p.step));
    expect(ran.ok).toBe(true);
    if (!ran.ok) return;
    expect([...steps]).toEqual(expect.arrayContaining(['prepare', 'position', 'simulate']));
    expect(ran.value.campaignIds.length).toBe(ran.value.impressions.length);
    expect(ran.value.sweep.models.map((m) => m.model)).toEqual(expect.arrayContaining(['lta', 'uniform']));

    const budget = ran.value.sweep.budget / 2;
    const swept = await api.resweep(3, { ...quickSettings().simulate, budget });
    expect(swept.ok && swept.value.budget).toBe(budget);

    const rec = await api.recommend(4, { model: 'lta', pitch: 1, unit: 'impressions', budget });
    expect(rec.ok).toBe(true);
    if (rec.ok) {
      const total = rec.value.campaigns.reduce((a, c) => a + c.recommended, 0);
      // Whole impressions per campaign: the ceil adds less than one per campaign.
      expect(total).toBeGreaterThanOrEqual(budget);
      expect(total).toBeLessThan(budget + rec.value.campaigns.length);
    }
  });
});
