import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Split } from '../prepared';
import { createRng } from '../random';
import { DEFAULT_TRAIN, type TrainSettings } from '../settings';
import { useBackend } from './backend';
import { activeLengths, epochBatches, lengthOrder } from './batches';
import { splitRows } from './inputs';
import { plantedJourneys, fabricatePrepared } from './testing';
import { attentionOf, createScorer, predictJourneys, stepBatch, trainModel } from './train';

beforeAll(async () => {
  expect((await useBackend('wasm')).ok).toBe(true);
});

describe('activeLengths', () => {
  it.each([
    { mask: [1, 1, 1, 0], length: 3 },
    { mask: [1, 0, 1, 0], length: 3 },
    { mask: [0, 0, 0, 1], length: 4 },
    { mask: [0, 0, 0, 0], length: 0 },
    { mask: [1, 1, 1, 1], length: 4 },
  ])('$mask -> $length', ({ mask, length }) => {
    // The journey sits second of three, between a full and an empty one.
    const all = Float32Array.from([1, 1, 1, 1, ...mask, 0, 0, 0, 0]);
    expect(Array.from(activeLengths(all, 4, 3))).toEqual([4, length, 0]);
    expect(Array.from(activeLengths(all, 4, 1, [1]))).toEqual([length]);
  });
});

describe('lengthOrder', () => {
  it('orders by length and keeps ties in their order', () => {
    const lengths = Uint8Array.from([3, 1, 3, 0, 1, 15, 2]);
    expect(Array.from(lengthOrder(lengths))).toEqual([3, 1, 4, 6, 0, 2, 5]);
    expect(Array.from(lengthOrder(lengths, 2, 5))).toEqual([3, 4, 2]);
  });
});

describe('epochBatches', () => {
  // Lengths skewed like real journeys: mostly short, a few long.
  const rng = createRng(11);
  const lengths = Uint8Array.from({ length: 5000 }, () => Math.min(15, 1 + Math.floor(-Math.log(1 - rng.next()) * 2.5)));
  const rows = Int32Array.from({ length: 4000 }, (_, i) => i + 1000);
  const stepsRun = (batches: Int32Array[]) => batches.reduce((n, b) => n + Math.max(...Array.from(b, (r) => lengths[r])), 0);

  it.each([true, false])('bucketing %s: every journey once, the same batches for the same seed', (bucketing) => {
    const a = epochBatches(rows.slice(), lengths, 64, createRng(1), bucketing);
    const b = epochBatches(rows.slice(), lengths, 64, createRng(1), bucketing);
    const c = epochBatches(rows.slice(), lengths, 64, createRng(2), bucketing);
    expect(a.map((x) => Array.from(x))).toEqual(b.map((x) => Array.from(x)));
    expect(a.map((x) => Array.from(x))).not.toEqual(c.map((x) => Array.from(x)));
    expect(a).toHaveLength(Math.ceil(rows.length / 64));
    expect(a.filter((x) => x.length !== 64)).toHaveLength(1);
    expect(Array.from(a.flatMap((x) => Array.from(x))).sort((p, q) => p - q)).toEqual(Array.from(rows));
  });

  it('bucketed batches run far fewer steps than random ones', () => {
    const bucketed = stepsRun(epochBatches(rows.slice(), lengths, 64, createRng(1), true));
    const random = stepsRun(epochBatches(rows.slice(), lengths, 64, createRng(1), false));
    expect(bucketed).toBeLessThan(random / 2);
  });

  it('bucketed batches come in mixed order, not short ones first', () => {
    const batches = epochBatches(rows.slice(), lengths, 64, createRng(3), true);
    const firstHalf = stepsRun(batches.slice(0, 31));
    const secondHalf = stepsRun(batches.slice(32, 63));
    expect(firstHalf).toBeGreaterThan(secondHalf / 3);
    expect(secondHalf).toBeGreaterThan(firstHalf / 3);
  });
});

describe('inference sorted by length returns results in the caller order', () => {
  const prepared = fabricatePrepared(
    plantedJourneys({ journeys: 200, campaigns: 6, categoryColumns: 2, categoryValues: 4, steps: 8, seed: 9, causal: [2] }),
    { campaigns: 6, categoryColumns: 2, categoryValues: 4, steps: 8, negativeSamplingRate: 0.5 },
  );
  const settings: TrainSettings = { ...DEFAULT_TRAIN, epochs: { logreg: 1, lstm: 1, attention: 1 }, batchSize: { logreg: 32, lstm: 32, attention: 32 } };
  // Mixed lengths, in an order that is not sorted.
  const rows = splitRows(prepared, Split.Test).subarray(0, 24);

  it.each(['lstm', 'attention'] as const)('%s: a batch gives what each journey gives alone', async (name) => {
    const model = await trainModel(prepared, name, settings);
    const before = tf.memory().numTensors;
    const lengths = activeLengths(prepared.sequences.mask, prepared.sequences.steps, rows.length, rows);
    expect(new Set(lengths).size).toBeGreaterThan(3);
    const together = await predictJourneys(model, prepared, rows, 5);
    const batch = stepBatch(prepared.sequences, rows);
    const scores = await createScorer(model, 5).score(batch);
    const attention = name === 'attention' ? await attentionOf(model, batch, 5) : null;
    for (let r = 0; r < rows.length; r++) {
      const alone = await predictJourneys(model, prepared, rows.subarray(r, r + 1));
      expect(together[r]).toBeCloseTo(alone[0], 5);
      const single = stepBatch(prepared.sequences, [rows[r]]);
      expect(scores[r]).toBeCloseTo((await createScorer(model).score(single))[0], 5);
      if (attention) {
        const own = await attentionOf(model, single);
        Array.from(own).forEach((a, t) => expect(attention[r * batch.steps + t]).toBeCloseTo(a, 5));
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
