import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelRemovalEffects } from '../counterfactual/removal';
import { shapleyAttribution } from '../counterfactual/shapley';
import { createRng } from '../random';
import { DEFAULT_TRAIN, type NeuralModelName } from '../settings';
import { useBackend } from './backend';
import { featureLayout, idsPerStep } from './inputs';
import { createNetwork, defaultNetworkConfig, disposeNetwork } from './networks';
import type { SequenceBatch } from './scorer';
import { plantedPrepared } from './testing';
import { createScorer, trainModel, type TrainedModel } from './train';

beforeAll(async () => {
  expect((await useBackend('wasm')).ok).toBe(true);
});

const prepared = { ...plantedPrepared({ journeys: 200, campaigns: 7, categoryColumns: 2, categoryValues: 4, steps: 8, seed: 3, causal: [2] }), negativeSamplingRate: 0.3 };
const layout = featureLayout(prepared, true);

/** An untrained model with random weights scaled up, so that scores spread over (0, 1). */
function randomModel(name: NeuralModelName, seed: number): TrainedModel {
  const config = { ...defaultNetworkConfig(name, layout.vocabulary, idsPerStep(layout), layout.numericUsed.length), units: 16, embedding: 24 };
  const network = createNetwork(config, createRng(seed), 'auto', undefined, 'js');
  for (const v of network.variables.values()) v.assign(tf.tidy(() => tf.mul(v, 2.5)));
  return {
    name,
    network,
    layout,
    campaignIds: prepared.campaignIds,
    negativeSamplingRate: 0.3,
    history: [],
    keptEpoch: 0,
    backend: tf.getBackend(),
    seed,
    dispose: () => disposeNetwork(network),
  };
}

/**
 * Random journeys, many sharing prefixes or identical, some with removed
 * (masked) touchpoints in the middle and some with none at all.
 */
function randomBatch(count: number, seed: number): SequenceBatch {
  const rng = createRng(seed);
  const steps = prepared.sequences.steps;
  const cc = prepared.sequences.categoryColumns;
  const nf = prepared.sequences.numericNames.length;
  const batch: SequenceBatch = {
    count,
    steps,
    campaign: new Int32Array(count * steps),
    categories: new Int32Array(count * steps * cc),
    numeric: new Float32Array(count * steps * nf),
    mask: new Float32Array(count * steps),
  };
  for (let r = 0; r < count; r++) {
    const copyOf = r > 0 && rng.next() < 0.5 ? rng.int(r) : -1;
    const length = rng.int(steps + 1);
    const shared = copyOf >= 0 ? rng.int(steps + 1) : 0;
    for (let t = 0; t < steps; t++) {
      const q = r * steps + t;
      if (t < shared) {
        const p = copyOf * steps + t;
        batch.campaign[q] = batch.campaign[p];
        batch.mask[q] = batch.mask[p];
        for (let c = 0; c < cc; c++) batch.categories[q * cc + c] = batch.categories[p * cc + c];
        for (let f = 0; f < nf; f++) batch.numeric[q * nf + f] = batch.numeric[p * nf + f];
        continue;
      }
      if (t >= length) continue;
      batch.campaign[q] = rng.int(prepared.campaignIds.length);
      batch.mask[q] = rng.next() < 0.85 ? 1 : 0;
      for (let c = 0; c < cc; c++) batch.categories[q * cc + c] = c * 4 + rng.int(4);
      for (let f = 0; f < nf; f++) batch.numeric[q * nf + f] = rng.next() < 0.3 ? 0 : rng.normal();
    }
  }
  return batch;
}

describe('the prefix-tree scorer', () => {
  it.each(['lstm', 'attention'] as const)('%s: equals the tfjs forward within 1e-5 on random journeys, and leaves no tensor', async (name) => {
    const model = randomModel(name, name === 'lstm' ? 11 : 12);
    const batch = randomBatch(700, 5);
    const before = tf.memory().numTensors;
    const fast = await createScorer(model, 512, 'prefix').score(batch);
    expect(tf.memory().numTensors).toBe(before);
    // Both recurrences of the tfjs path: as tfjs ops (chunks over 128 journeys on wasm) and in JS.
    for (const chunk of [512, 64]) {
      const reference = await createScorer(model, chunk, 'tfjs').score(batch);
      let spread = 0;
      for (let r = 0; r < batch.count; r++) {
        expect(Math.abs(fast[r] - reference[r])).toBeLessThan(1e-5);
        spread = Math.max(spread, reference[r]);
      }
      expect(spread).toBeGreaterThan(0.05);
    }
    // Journeys with no kept touchpoint score exactly 0.
    for (let r = 0; r < batch.count; r++) {
      let any = false;
      for (let t = 0; t < batch.steps; t++) any ||= batch.mask[r * batch.steps + t] !== 0;
      if (!any) expect(fast[r]).toBe(0);
    }
    model.dispose();
  });

  it('reads the weights again after they were assigned', async () => {
    const model = randomModel('attention', 21);
    const batch = randomBatch(50, 6);
    const scorer = createScorer(model, 512, 'prefix');
    const first = await scorer.score(batch);
    const k = model.network.variables.get('outputBias')!;
    k.assign(tf.tidy(() => tf.add(k, 1)));
    const second = await scorer.score(batch);
    const reference = await createScorer(model, 512, 'tfjs').score(batch);
    expect(Array.from(second)).not.toEqual(Array.from(first));
    for (let r = 0; r < batch.count; r++) expect(Math.abs(second[r] - reference[r])).toBeLessThan(1e-5);
    model.dispose();
  });

  it.each(['lstm', 'attention'] as const)('%s (trained): removal effects and Shapley values equal the tfjs path within 1e-5', async (name) => {
    const settings = { ...DEFAULT_TRAIN, epochs: { logreg: 1, lstm: 1, attention: 1 }, batchSize: { logreg: 32, lstm: 32, attention: 32 }, learningRate: 0.01 };
    const model = await trainModel(prepared, name, settings);
    expect(model.network.recurrence).toBe('js');
    const fast = createScorer(model);
    const reference = createScorer(model, 512, 'tfjs');
    const [a, b] = [await modelRemovalEffects(prepared, fast), await modelRemovalEffects(prepared, reference)];
    expect(Math.abs(a.expectedConversions - b.expectedConversions)).toBeLessThan(1e-5 * prepared.journeys.count);
    for (let c = 0; c < a.campaigns.length; c++) expect(Math.abs(a.campaigns[c].drop - b.campaigns[c].drop)).toBeLessThan(1e-5 * a.campaigns[c].journeys + 1e-9);
    const [s, t] = [await shapleyAttribution(prepared, fast, { exactUpTo: 4, permutations: 20 }), await shapleyAttribution(prepared, reference, { exactUpTo: 4, permutations: 20 })];
    for (let i = 0; i < s.perJourney.value.length; i++) expect(Math.abs(s.perJourney.value[i] - t.perJourney.value[i])).toBeLessThan(1e-5);
    model.dispose();
  });
});
