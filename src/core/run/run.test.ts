import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { runAttribution } from '.';
import type { ModelStore } from '../model-store';
import { modelArtifacts, modelFromArtifacts } from '../models/io';
import { DEFAULT_RUN, type NeuralModelName, type RunSettings } from '../settings';
import { buildTable, type RowLiteral } from '../testing/table-builder';

/** A few users with three campaigns: "a" often ends converted journeys. */
function smallLog(): RowLiteral[] {
  const rows: RowLiteral[] = [];
  for (let u = 0; u < 60; u++) {
    const converted = u % 3 === 0;
    const campaigns = converted ? ['b', 'c', 'a'] : u % 2 ? ['b', 'c'] : ['c', 'b', 'a'];
    campaigns.forEach((campaign, k) =>
      rows.push({ t: u * 100 + k, user: u, campaign, conversionId: converted ? `v${u}` : -1, click: (k % 2) as 0 | 1, cost: 0.5 }),
    );
  }
  return rows.sort((p, q) => p.t - q.t);
}

const FAST: RunSettings = {
  ...DEFAULT_RUN,
  prepare: { ...DEFAULT_RUN.prepare, campaigns: { kind: 'all' }, balance: 'none' },
  train: { ...DEFAULT_RUN.train, models: [] },
};

describe('runAttribution', () => {
  it('computes position weights and sweeps them with the uniform baseline', async () => {
    const steps: string[] = [];
    const result = await runAttribution(buildTable(smallLog()), FAST, { onStep: (s, done, total) => done >= total && steps.push(s) });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { run } = result;
    expect(Object.keys(run.weights).sort()).toEqual([...FAST.positionModels, 'markov', 'shapley_count'].sort());
    // Only "a" ends converted journeys: last-touch credits nothing else.
    expect(run.weights.lta.a).toBeGreaterThan(0);
    expect(run.weights.lta.b).toBe(0);
    expect(run.sweep.models.map((m) => m.model)).toContain('uniform');
    expect(run.sweep.models.find((m) => m.model === 'lta')!.results).toHaveLength(FAST.simulate.pitches.length);
    expect(steps).toEqual(expect.arrayContaining(['prepare', 'position', 'simulate']));
  });

  it('stops at once when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await runAttribution(buildTable(smallLog()), FAST, { signal: controller.signal });
    expect(result).toMatchObject({ ok: false, cancelled: true });
  });

  it.each([
    ['epochs', { epochs: { ...FAST.train.epochs, logreg: 0 } }, 'Epochs'],
    ['batch size', { batchSize: { ...FAST.train.batchSize, logreg: 0.5 } }, 'batch size'],
  ])('refuses a bad %s', async (_name, train, message) => {
    const settings = { ...FAST, train: { ...FAST.train, models: ['logreg' as const], ...train } };
    const result = await runAttribution(buildTable(smallLog()), settings);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });

  it('trains the regression, reports its metrics and frees its tensors when disposed', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const epochs: number[] = [];
    const settings: RunSettings = {
      ...FAST,
      train: { ...FAST.train, models: ['logreg'], epochs: { ...FAST.train.epochs, logreg: 2 } },
    };
    const result = await runAttribution(buildTable(smallLog()), settings, { onEpoch: (_m, r) => epochs.push(r.epoch) });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(epochs).toEqual([1, 2]);
    expect(result.run.metrics.logreg.logLoss).toBeGreaterThan(0);
    const softmax = Object.values(result.run.weights.logreg).reduce((a, b) => a + b, 0);
    expect(softmax).toBeCloseTo(1, 5);
    expect(result.run.sweep.models.map((m) => m.model)).toContain('logreg');
    expect(result.run.sweep.models.map((m) => m.model)).not.toContain('logreg_raw');
    for (const m of result.run.models) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('runAttribution: counterfactual attribution', () => {
  const finiteForEvery = (weights: Record<string, number>, campaigns: string[]) => {
    expect(Object.keys(weights).sort()).toEqual([...campaigns].sort());
    for (const w of Object.values(weights)) expect(Number.isFinite(w)).toBe(true);
  };

  it('adds Markov and counting Shapley weights without any model, and sweeps them', async () => {
    const details: Record<string, string | undefined> = {};
    const result = await runAttribution(buildTable(smallLog()), FAST, { onStep: (s, _d, _t, detail) => (details[s] = detail) });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { run } = result;
    const ids = run.prepared.campaignIds;
    finiteForEvery(run.weights.markov, ids);
    finiteForEvery(run.weights.shapley_count, ids);
    // Removal effects are shares; counting Shapley splits every converted journey once.
    expect(Object.values(run.weights.markov).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(Object.values(run.weights.shapley_count).reduce((a, b) => a + b, 0)).toBeCloseTo(run.prepared.stats.convertedJourneys, 9);
    expect(run.sweep.models.map((m) => m.model)).toEqual(expect.arrayContaining(['markov', 'shapley_count']));
    // Without the attention model the model-based steps report why they did nothing.
    expect(details['counterfactual-model']).toBe('needs the attention model');
    expect(details['model-replay']).toBe('needs the attention model');
    expect(run.counterfactual.markov?.baseConversion).toBeGreaterThan(0);
    expect(run.counterfactual.modelReplay).toBeUndefined();
  });

  it('leaves the counterfactual weights out when switched off', async () => {
    const settings: RunSettings = { ...FAST, counterfactual: { markov: false, modelBased: false, modelReplay: false, maxJourneys: 10 } };
    const result = await runAttribution(buildTable(smallLog()), settings);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.keys(result.run.weights)).not.toContain('markov');
    expect(Object.keys(result.run.weights)).not.toContain('shapley_count');
    expect(result.run.counterfactual).toEqual({});
  });

  it('judges removal, Shapley and the replay by the attention model on a capped sample, the same for the same seed', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const settings: RunSettings = {
      ...FAST,
      prepare: { ...FAST.prepare, testShare: 0.5 },
      train: { ...FAST.train, models: ['attention'], epochs: { ...FAST.train.epochs, attention: 1 }, batchSize: { ...FAST.train.batchSize, attention: 16 } },
      simulate: { ...FAST.simulate, pitches: [0, 1, 2] },
      counterfactual: { markov: true, modelBased: true, modelReplay: true, maxJourneys: 12 },
    };
    const runOnce = async () => {
      const result = await runAttribution(buildTable(smallLog()), settings);
      if (!result.ok) throw new Error(result.error);
      return result.run;
    };
    const first = await runOnce();
    const second = await runOnce();
    const ids = first.prepared.campaignIds;
    for (const model of ['removal', 'shapley']) {
      finiteForEvery(first.weights[model], ids);
      expect(second.weights[model]).toEqual(first.weights[model]);
    }
    // The removal effects keep their seeded journey resamples (issue 14: intervals per campaign and channel), the same on a second run.
    const boot = first.counterfactual.removalBootstrap!;
    expect(boot.level).toBe(0.9);
    expect(boot.campaigns).toEqual(ids);
    expect(boot.drop).toEqual(ids.map((id) => first.weights.removal[id]));
    expect(boot.resamples.length).toBeGreaterThan(1);
    for (const r of boot.resamples) expect(r).toHaveLength(ids.length);
    expect(second.counterfactual.removalBootstrap).toEqual(boot);
    const sample = first.counterfactual.sample!;
    expect(sample.subset).toBe('test');
    expect(sample.journeys).toBe(12);
    expect(sample.of).toBeGreaterThan(12);
    // Shapley values add up to the expected conversions, so some are positive; removal effects of a model
    // trained one epoch may all be 0 or below, and are then left out of the replays with a note.
    const swept = first.sweep.models.map((m) => m.model);
    expect(swept).toContain('shapley');
    const removalPositive = Object.values(first.weights.removal).some((w) => w > 0);
    expect(swept.includes('removal')).toBe(removalPositive);
    expect(first.notes.some((n) => n.startsWith('removal:'))).toBe(!removalPositive);

    const replay = first.counterfactual.modelReplay!;
    expect(replay.journeys).toBe(12);
    expect(Object.keys(replay.byModel)).toEqual(expect.arrayContaining(['lta', 'markov', 'shapley', 'uniform']));
    for (const points of Object.values(replay.byModel)) {
      // Pitch 0 is the article's uniform split; the model's replay starts above it.
      expect(points.map((p) => p.pitch)).toEqual([1, 2]);
      for (const p of points) {
        expect(Number.isFinite(p.expectedConversions)).toBe(true);
        expect(p.expectedConversions).toBeLessThanOrEqual(replay.baseline + 1e-9);
      }
    }
    expect(second.counterfactual.modelReplay!.byModel).toEqual(replay.byModel);
    for (const m of [...first.models, ...second.models]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** Keeps models as tfjs artifacts, as IndexedDB does: what comes back is a copy the run owns. */
function memoryStore() {
  const kept = new Map<string, Awaited<ReturnType<typeof modelArtifacts>>>();
  const calls = { load: [] as string[], save: [] as string[] };
  const store: ModelStore = {
    async load(key) {
      calls.load.push(key);
      const artifacts = kept.get(key);
      if (!artifacts) return null;
      const loaded = modelFromArtifacts(artifacts);
      if (!loaded.ok) throw new Error(loaded.error);
      return { ...loaded.model, keptAt: '2026-11-28T15:00:00.000Z' };
    },
    async save(key, model) {
      calls.save.push(key);
      kept.set(key, await modelArtifacts(model));
    },
  };
  return { store, calls, kept };
}

describe('runAttribution: models kept between runs', () => {
  const settingsFor = (model: NeuralModelName, seed = 42): RunSettings => ({
    ...FAST,
    prepare: { ...FAST.prepare, testShare: 0.3 },
    train: { ...FAST.train, seed, models: [model], epochs: { ...FAST.train.epochs, [model]: 1 }, batchSize: { ...FAST.train.batchSize, [model]: 16 } },
    counterfactual: { markov: false, modelBased: false, modelReplay: false, maxJourneys: 10 },
  });

  it.each([['logreg' as const], ['attention' as const]])('reuses the kept %s model instead of training it again', async (model) => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const { store, calls } = memoryStore();
    const epochs: string[] = [];
    const run = async (seed = 42) => {
      const result = await runAttribution(buildTable(smallLog()), settingsFor(model, seed), { modelStore: store, onEpoch: (m) => epochs.push(m) });
      if (!result.ok) throw new Error(result.error);
      return result.run;
    };
    const first = await run();
    expect(epochs).toEqual([model]);
    expect(calls.save).toHaveLength(1);
    expect(first.notes.some((n) => n.includes('reused'))).toBe(false);

    const second = await run();
    expect(calls.load).toEqual([calls.save[0], calls.save[0]]);
    // No epoch trained and nothing saved again: the kept model was used as it was.
    expect(epochs).toEqual([model]);
    expect(calls.save).toHaveLength(1);
    expect(second.notes).toContain(`${model}: reused the model kept in this browser (trained 2026-11-28 15:00).`);
    expect(second.weights[model]).toEqual(first.weights[model]);
    expect(second.metrics[model].logLoss).toBeCloseTo(first.metrics[model].logLoss, 12);

    const otherSeed = await run(7);
    expect(epochs).toEqual([model, model]);
    expect(calls.save).toHaveLength(2);
    expect(calls.save[1]).not.toBe(calls.save[0]);
    expect(otherSeed.notes.some((n) => n.includes('reused'))).toBe(false);
    for (const m of [...first.models, ...second.models, ...otherSeed.models]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    ['load', { load: () => Promise.reject(new Error('IndexedDB is not available')) }, 'could not be read (IndexedDB is not available)'],
    ['save', { save: () => Promise.reject(new Error('QuotaExceededError')) }, 'could not be kept in this browser (QuotaExceededError)'],
  ])('goes on with a note when the store fails to %s', async (_what, broken, note) => {
    await tf.setBackend('cpu');
    const { store } = memoryStore();
    const result = await runAttribution(buildTable(smallLog()), settingsFor('logreg'), { modelStore: { ...store, ...broken } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.run.notes).toContain(`logreg: the model${_what === 'load' ? 's kept in this browser' : ''} ${note}.`);
    expect(Object.keys(result.run.weights)).toContain('logreg');
    for (const m of result.run.models) m.dispose();
  });

  it('trains again when the kept model does not fit the prepared journeys', async () => {
    await tf.setBackend('cpu');
    const { store, kept } = memoryStore();
    const first = await runAttribution(buildTable(smallLog()), settingsFor('logreg'), { modelStore: store });
    if (!first.ok) throw new Error(first.error);
    // Another log with the same fingerprint would hash to the same key: fake it by renaming the campaigns.
    const [key] = [...kept.keys()];
    const artifacts = kept.get(key)!;
    const topology = artifacts.modelTopology as { campaignIds: string[] };
    kept.set(key, { ...artifacts, modelTopology: { ...topology, campaignIds: topology.campaignIds.map((id) => `x${id}`) } });
    const epochs: number[] = [];
    const second = await runAttribution(buildTable(smallLog()), settingsFor('logreg'), { modelStore: store, onEpoch: (_m, r) => epochs.push(r.epoch) });
    if (!second.ok) throw new Error(second.error);
    expect(epochs).toEqual([1]);
    expect(second.run.notes.some((n) => n.includes('reused'))).toBe(false);
    for (const m of [...first.run.models, ...second.run.models]) m.dispose();
  });
});
