/**
 * What runs on the webgpu and webgl backends must never read a tensor
 * synchronously: on webgpu, dataSync goes through OffscreenCanvas 'webgpu'
 * contexts, and inside our worker that lost the device mid-run (Chromium 156:
 * "A valid external Instance reference no longer exists"). Node has no GPU
 * backend, so this runs the GPU code path (tf.gather with its own gradient,
 * the recurrence as tfjs ops) on the cpu backend and watches for sync reads.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { Split } from '../prepared';
import { DEFAULT_TRAIN } from '../settings';
import { useBackend } from './backend';
import { splitRows } from './inputs';
import { modelArtifacts } from './io';
import { plantedPrepared } from './testing';
import { attributionWeights, createScorer, evaluateModel, stepBatch, trainModel } from './train';

beforeAll(async () => {
  expect((await useBackend('cpu')).ok).toBe(true);
});
afterAll(() => vi.restoreAllMocks());

const prepared = plantedPrepared({ journeys: 120, campaigns: 5, categoryColumns: 2, categoryValues: 3, steps: 5, seed: 9, causal: [1] });
const settings = { ...DEFAULT_TRAIN, epochs: { logreg: 1, lstm: 1, attention: 1 }, batchSize: { logreg: 32, lstm: 32, attention: 32 } };

it.each(['logreg', 'lstm', 'attention'] as const)('%s: training, evaluation, attribution, scoring and saving read no tensor synchronously on the GPU path', async (name) => {
  const dataSync = vi.spyOn(tf.Tensor.prototype, 'dataSync');
  const arraySync = vi.spyOn(tf.Tensor.prototype, 'arraySync');
  const bufferSync = vi.spyOn(tf.Tensor.prototype, 'bufferSync');
  const model = await trainModel(prepared, name, settings, {}, { gradMode: 'native', recurrence: 'tf' });
  expect(model.network.gradMode).toBe('native');
  expect(model.network.recurrence).toBe('tf');
  const metrics = await evaluateModel(model, prepared);
  expect(Number.isFinite(metrics.logLoss)).toBe(true);
  await attributionWeights(model, prepared);
  if (name !== 'logreg') {
    const scores = await createScorer(model).score(stepBatch(prepared.sequences, splitRows(prepared, Split.Test)));
    expect(scores.length).toBeGreaterThan(0);
  }
  const artifacts = await modelArtifacts(model);
  expect(artifacts.weightData).toBeDefined();
  model.dispose();
  // The spies are live: a deliberate sync read is seen.
  tf.tidy(() => tf.scalar(1).dataSync());
  expect(dataSync).toHaveBeenCalledTimes(1);
  expect(arraySync).not.toHaveBeenCalled();
  expect(bufferSync).not.toHaveBeenCalled();
  dataSync.mockRestore();
  arraySync.mockRestore();
  bufferSync.mockRestore();
});
