import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createRng, type Rng } from '../random';
import { DEFAULT_TRAIN } from '../settings';
import { useBackend } from './backend';
import { FusedRegressionTrainer, FusedTrainer } from './fused-train';
import type { AggregateInputs, StepInputs } from './inputs';
import { readInto } from './lstm-js';
import { createNetwork, defaultNetworkConfig, disposeNetwork, regressionLogits, sequenceForward, type DropoutMasks, type Network, type NetworkConfig } from './networks';
import { plantedPrepared } from './testing';
import { trainModel } from './train';

beforeAll(async () => {
  expect((await useBackend('wasm')).ok).toBe(true);
});

const VOCABULARY = 30;
const K = 3;
const F = 2;
const USER_COLUMNS = 2;
const USER_VOCABULARY = 6;

function config(kind: 'lstm' | 'attention'): NetworkConfig {
  return { ...defaultNetworkConfig(kind, VOCABULARY, K, F), units: 8, embedding: 12, userColumns: USER_COLUMNS, userVocabulary: USER_VOCABULARY };
}

/**
 * A batch of journeys of every length 0..steps, left-aligned, with a removed
 * (masked) touchpoint in the middle of some, ids drawn from part of the
 * vocabulary only (so that some table rows get no gradient).
 */
function batch(rng: Rng, journeys: number, steps: number, idsBelow = VOCABULARY): StepInputs {
  const ids = new Int32Array(journeys * steps * K);
  const numeric = new Float32Array(journeys * steps * F);
  const mask = new Float32Array(journeys * steps);
  const user = new Int32Array(journeys * USER_COLUMNS);
  for (let b = 0; b < journeys; b++) {
    const length = b % (steps + 1);
    for (let t = 0; t < steps; t++) {
      const n = b * steps + t;
      for (let k = 0; k < K; k++) ids[n * K + k] = rng.int(idsBelow);
      for (let q = 0; q < F; q++) numeric[n * F + q] = rng.next() < 0.3 ? 0 : rng.normal();
      mask[n] = t < length && !(length > 2 && t === 1 && b % 2 === 0) ? 1 : 0;
    }
    for (let u = 0; u < USER_COLUMNS; u++) user[b * USER_COLUMNS + u] = u * 3 + rng.int(3);
  }
  return { journeys, steps, ids, numeric, mask, user };
}

function dropout(kind: 'lstm' | 'attention', rng: Rng, journeys: number, steps: number, c: NetworkConfig): DropoutMasks {
  const draw = (n: number): Float32Array => Float32Array.from({ length: n }, () => (rng.next() < 0.2 ? 0 : 1.25));
  const masks: DropoutMasks = { recurrentScale: draw(journeys * c.units) };
  if (kind === 'attention') masks.inputScale = draw(journeys * c.embedding);
  else {
    masks.idScale = draw(journeys * steps * K);
    masks.numericScale = draw(journeys * F);
  }
  return masks;
}

function labels(rng: Rng, journeys: number): Float32Array {
  return Float32Array.from({ length: journeys }, () => (rng.next() < 0.4 ? 1 : 0));
}

/** The tfjs path's loss: mean binary cross-entropy from the logits. */
function loss(net: Network, x: StepInputs, y: Float32Array, drop?: DropoutMasks): tf.Scalar {
  const z = sequenceForward(net, x, drop).logits;
  return tf.mean(tf.sub(tf.softplus(z), tf.mul(tf.tensor1d(y), z))) as tf.Scalar;
}

/** Largest |a - b| relative to the largest |b| (1e-12 floor). */
function relativeError(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  let scale = 1e-12;
  for (let q = 0; q < b.length; q++) {
    worst = Math.max(worst, Math.abs(a[q] - b[q]));
    scale = Math.max(scale, Math.abs(b[q]));
  }
  return worst / scale;
}

function scaledNetwork(kind: 'lstm' | 'attention', seed: number): Network {
  const net = createNetwork(config(kind), createRng(seed), 'auto', undefined, 'js');
  // Larger weights than the initial ones, so that the gates leave their linear region.
  for (const v of net.variables.values()) v.assign(tf.tidy(() => tf.add(tf.mul(v, 2), tf.mul(tf.randomNormal(v.shape, 0, 0.1, 'float32', seed), 1))));
  return net;
}

/** Journey aggregates padded to the widest journey (scale 0), ids from part of the vocabulary. */
function aggregates(rng: Rng, journeys: number, idsBelow = VOCABULARY): AggregateInputs {
  const width = 5;
  const ids = new Int32Array(journeys * width);
  const scale = new Float32Array(journeys * width);
  for (let b = 0; b < journeys; b++) {
    const n = 1 + (b % width);
    for (let q = 0; q < n; q++) {
      ids[b * width + q] = rng.int(idsBelow);
      scale[b * width + q] = 1;
    }
  }
  const dense = Float32Array.from({ length: journeys * 2 }, () => rng.int(4));
  return { journeys, width, ids, scale, dense };
}

function regressionLoss(net: Network, x: AggregateInputs, y: Float32Array): tf.Scalar {
  const z = regressionLogits(net, x);
  return tf.mean(tf.sub(tf.softplus(z), tf.mul(tf.tensor1d(y), z))) as tf.Scalar;
}

function regressionNetwork(seed: number): Network {
  const net = createNetwork(defaultNetworkConfig('logreg', VOCABULARY, 1, 2), createRng(seed), 'auto', undefined, 'js');
  // The regression starts at zero; random weights make the test less trivial.
  for (const v of net.variables.values()) v.assign(tf.randomNormal(v.shape, 0, 0.5, 'float32', seed));
  return net;
}

describe('the fused trainer', () => {
  it("gives the tfjs regression's loss, gradients and RMSprop steps", () => {
    const a = regressionNetwork(21);
    const b = regressionNetwork(21);
    const rng = createRng(6);
    const first = aggregates(rng, 16);
    const y0 = labels(rng, 16);
    const expected = tf.variableGrads(() => regressionLoss(a, first, y0), [...a.variables.values()]);
    const trainer = new FusedRegressionTrainer(b, { learningRate: 0.01 });
    expect(trainer.gradients(first, y0)).toBeCloseTo(expected.value.dataSync()[0], 5);
    for (const [name, variable] of a.variables) {
      const want = expected.grads[variable.name].dataSync() as Float32Array;
      expect(want.some((g) => g !== 0)).toBe(true);
      expect(relativeError(trainer.gradientOf(name), want), name).toBeLessThan(1e-5);
    }
    tf.dispose([expected.value, ...Object.values(expected.grads)]);
    trainer.clearGradients();
    const optimizer = tf.train.rmsprop(0.01, 0.9, 0, 1e-7);
    for (const below of [VOCABULARY, VOCABULARY / 3, VOCABULARY]) {
      const x = aggregates(rng, 16, below);
      const y = labels(rng, 16);
      optimizer.minimize(() => regressionLoss(a, x, y), true, [...a.variables.values()])?.dispose();
      trainer.trainBatch(x, y);
    }
    trainer.writeBack();
    for (const [name, variable] of a.variables) {
      expect(relativeError(b.variables.get(name)!.dataSync() as Float32Array, variable.dataSync() as Float32Array), name).toBeLessThan(1e-5);
    }
    optimizer.dispose();
    disposeNetwork(a);
    disposeNetwork(b);
  });

  for (const kind of ['lstm', 'attention'] as const) {
    it(`gives the tfjs path's loss and gradients (${kind}, dropout, user attributes, removed touchpoints)`, () => {
      const net = scaledNetwork(kind, 11);
      const rng = createRng(5);
      const x = batch(rng, 14, 6);
      const y = labels(rng, 14);
      const drop = dropout(kind, rng, 14, 6, net.config);
      const expected = tf.variableGrads(() => loss(net, x, y, drop), [...net.variables.values()]);
      const trainer = new FusedTrainer(net, { learningRate: 0.001 });
      const got = trainer.gradients(x, y, drop);
      expect(got).toBeCloseTo(expected.value.dataSync()[0], 5);
      for (const [name, variable] of net.variables) {
        const want = expected.grads[variable.name].dataSync() as Float32Array;
        const have = trainer.gradientOf(name);
        expect(have.length).toBe(want.length);
        // Not all zero: every weight takes part in this batch.
        expect(want.some((g) => g !== 0)).toBe(true);
        expect(relativeError(have, want), name).toBeLessThan(2e-4);
      }
      tf.dispose([expected.value, ...Object.values(expected.grads)]);
      disposeNetwork(net);
    });

    it(`takes the same RMSprop steps as tfjs's optimizer, rows left out of a batch included (${kind})`, () => {
      const a = scaledNetwork(kind, 12);
      const b = scaledNetwork(kind, 12);
      const optimizer = tf.train.rmsprop(0.01, 0.9, 0, 1e-7);
      const trainer = new FusedTrainer(b, { learningRate: 0.01 });
      const rng = createRng(8);
      // The second and third batches use only the first half of the vocabulary:
      // the other rows' mean squares decay unseen, then the fourth batch touches them again.
      const batches = [VOCABULARY, VOCABULARY / 2, VOCABULARY / 2, VOCABULARY].map((below) => batch(rng, 10, 5, below));
      for (const x of batches) {
        const y = labels(rng, 10);
        const drop = dropout(kind, rng, 10, 5, a.config);
        optimizer.minimize(() => loss(a, x, y, drop), true, [...a.variables.values()])?.dispose();
        trainer.trainBatch(x, y, drop);
      }
      trainer.writeBack();
      for (const [name, variable] of a.variables) {
        const want = variable.dataSync() as Float32Array;
        const have = b.variables.get(name)!.dataSync() as Float32Array;
        expect(relativeError(have, want), name).toBeLessThan(2e-4);
      }
      optimizer.dispose();
      disposeNetwork(a);
      disposeNetwork(b);
    });
  }

  for (const kind of ['lstm', 'attention'] as const) {
    // dataSync() on wasm slices the heap into a fresh ArrayBuffer per product, which a Chromium worker pays
    // dearly for (issue 16: ~20% of the attention model's step in the tab); the products are read into the trainer's arrays.
    it(`reads no matMul result through readSync in a batch on wasm (${kind})`, () => {
      expect(tf.getBackend()).toBe('wasm');
      const net = scaledNetwork(kind, 14);
      const trainer = new FusedTrainer(net, { learningRate: 0.01 });
      const rng = createRng(10);
      const readSync = vi.spyOn(tf.backend(), 'readSync');
      try {
        for (let i = 0; i < 2; i++) trainer.trainBatch(batch(rng, 12, 5), labels(rng, 12), dropout(kind, rng, 12, 5, net.config));
        expect(readSync).not.toHaveBeenCalled();
      } finally {
        readSync.mockRestore();
      }
      disposeNetwork(net);
    });
  }

  it("readInto copies a tensor's values into the given array as dataSync gives them, and refuses what does not fit", () => {
    const t = tf.tensor2d([1.5, -2, 3, 4e-8, 5, 6], [2, 3]);
    const out = new Float32Array(8).fill(9);
    const got = readInto(t, out);
    expect(got.buffer).toBe(out.buffer);
    expect([...got]).toEqual([...(t.dataSync() as Float32Array)]);
    // Past the tensor's size, `out` keeps what it had.
    expect([...out.subarray(6)]).toEqual([9, 9]);
    expect(() => readInto(t, new Float32Array(5))).toThrow(/do not fit/);
    const ints = tf.tensor1d([1, 2], 'int32');
    expect(() => readInto(ints, new Float32Array(2))).toThrow(/float32/);
    tf.dispose([t, ints]);
  });

  it('moves every weight and leaks no tensor across batches', () => {
    const net = scaledNetwork('attention', 13);
    const before = new Map([...net.variables].map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]));
    const trainer = new FusedTrainer(net, { learningRate: 0.01 });
    const rng = createRng(9);
    const run = (): void => {
      const x = batch(rng, 12, 5);
      trainer.trainBatch(x, labels(rng, 12), dropout('attention', rng, 12, 5, net.config));
    };
    run();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) run();
    trainer.writeBack();
    expect(tf.memory().numTensors).toBe(tensors);
    for (const [name, v] of net.variables) expect(relativeError(v.dataSync() as Float32Array, before.get(name)!), name).toBeGreaterThan(0);
    disposeNetwork(net);
  });

  it('trains through trainModel as the tfjs path does, and repeats exactly for a seed', async () => {
    const prepared = plantedPrepared({ journeys: 900, campaigns: 9, categoryColumns: 2, categoryValues: 5, steps: 8, seed: 4, causal: [2, 5], effect: 1.5 });
    const settings = { ...DEFAULT_TRAIN, seed: 3, epochs: { logreg: 3, lstm: 3, attention: 3 }, batchSize: { logreg: 64, lstm: 64, attention: 64 } };
    for (const name of ['logreg', 'lstm', 'attention'] as const) {
      const fused = await trainModel(prepared, name, settings, {}, { network: { units: 16, embedding: 24 } });
      const again = await trainModel(prepared, name, settings, {}, { network: { units: 16, embedding: 24 } });
      const ops = await trainModel(prepared, name, settings, {}, { network: { units: 16, embedding: 24 }, fused: false });
      expect([fused.trainer, ops.trainer]).toEqual(['fused', 'tfjs']);
      expect(fused.history.map((h) => h.trainLoss)).toEqual(again.history.map((h) => h.trainLoss));
      for (const [k, v] of fused.network.variables) expect([...(v.dataSync() as Float32Array)]).toEqual([...(again.network.variables.get(k)!.dataSync() as Float32Array)]);
      // Same draws, same updates: the two paths part only by float32 rounding.
      fused.history.forEach((h, i) => {
        expect(h.trainLoss).toBeCloseTo(ops.history[i].trainLoss, 3);
        expect(h.validationLoss).toBeCloseTo(ops.history[i].validationLoss, 3);
      });
      // And it learned: the validation loss fell.
      expect(fused.history.at(-1)!.validationLoss).toBeLessThan(fused.history[0].validationLoss);
      fused.dispose();
      again.dispose();
      ops.dispose();
    }
  });
});
