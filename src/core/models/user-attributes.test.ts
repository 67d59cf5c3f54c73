/**
 * The models learn from user attributes: a segment that drives conversion
 * whatever the ads gets a larger logit term, in the sequence models' user
 * embedding and in the regression's coefficients; saved models keep it.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareJourneys } from '../prepare';
import { createRng } from '../random';
import { DEFAULT_PREPARE, DEFAULT_TRAIN, type NeuralModelName } from '../settings';
import { buildTable, type RowLiteral } from '../testing/table-builder';
import { useBackend } from './backend';
import { modelArtifacts, modelFromArtifacts } from './io';
import { createScorer, stepBatch, trainModel } from './train';

beforeAll(async () => {
  expect((await useBackend('wasm')).ok).toBe(true);
});

/** 600 users of 2-3 touchpoints on 4 campaigns at random; segment 'hi' converts 80% of the time, 'lo' 20%. */
function log(): RowLiteral[] {
  const rng = createRng(11);
  const rows: RowLiteral[] = [];
  for (let u = 0; u < 600; u++) {
    const hi = rng.next() < 0.5;
    const converted = rng.next() < (hi ? 0.8 : 0.2);
    const n = 2 + rng.int(2);
    for (let k = 0; k < n; k++) {
      rows.push({ t: u * 10 + k, user: u, campaign: `c${rng.int(4)}`, conversionId: converted ? `x${u}` : undefined, categories: { segment: hi ? 'hi' : 'lo', site: `s${rng.int(5)}` } });
    }
  }
  return rows.sort((a, b) => a.t - b.t);
}

const prepared = prepareJourneys(buildTable(log()), { ...DEFAULT_PREPARE, campaigns: { kind: 'all' }, balance: 'none', minCategoryCount: 1, seed: 3 });
const rowsSegment = (() => {
  const table = buildTable(log());
  const c = table.categoryNames.indexOf('segment');
  return Array.from(table.categories[c], (v) => table.categoryIds[c][v]);
})();

const segmentIndex = (value: string) => {
  // The user vocabulary index of a segment value, read off a journey of that segment.
  for (let j = 0; j < prepared.journeys.count; j++) {
    const row = prepared.events.row[prepared.journeys.eventsByJourney[prepared.journeys.eventOffsets[j]]];
    if (rowsSegment[row] === value) return prepared.sequences.user![j];
  }
  throw new Error('no such segment');
};
describe('training with user attributes', () => {
  it('takes the segment as a user attribute and the site per touchpoint', () => {
    expect(prepared.userAttributes).toEqual(['segment']);
    expect(prepared.categoryNames).toEqual(['site']);
  });

  it.each(['attention', 'lstm', 'logreg'] as NeuralModelName[])('%s: the converting segment gets the larger term, and a saved model keeps it', async (name) => {
    const settings = { ...DEFAULT_TRAIN, models: [name], epochs: { logreg: 15, lstm: 4, attention: 4 }, batchSize: { logreg: 32, lstm: 32, attention: 32 }, learningRate: 0.01 };
    const model = await trainModel(prepared, name, settings, {}, { network: { units: 8, embedding: 16 }, validate: false });
    const hi = segmentIndex('hi');
    const lo = segmentIndex('lo');
    if (name === 'logreg') {
      expect(model.network.config.vocabulary).toBe(model.layout.vocabulary + model.layout.userVocabulary!);
      const coef = await model.network.variables.get('coefficients')!.data();
      expect(coef[model.layout.vocabulary + hi] - coef[model.layout.vocabulary + lo]).toBeGreaterThan(0.5);
      model.dispose();
      return;
    }
    // Each value's term of the logit: its embedding times the output kernel.
    const embedding = (await model.network.variables.get('userEmbedding')!.data()) as Float32Array;
    const w = (await model.network.variables.get('outputKernel')!.data()) as Float32Array;
    const term = (k: number) => w.reduce((a, x, u) => a + x * embedding[k * w.length + u], 0);
    expect(term(hi) - term(lo)).toBeGreaterThan(0.5);
    const loaded = modelFromArtifacts(await modelArtifacts(model));
    if (!loaded.ok) throw new Error(loaded.error);
    const rows = [0, 1, 2, 3];
    const a = await createScorer(model).score(stepBatch(prepared.sequences, rows));
    const b = await createScorer(loaded.model).score(stepBatch(prepared.sequences, rows));
    expect(Array.from(b)).toEqual(Array.from(a));
    loaded.model.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBeLessThan(50);
  });
});
