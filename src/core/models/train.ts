/**
 * Training, prediction and attribution for the neural models, with a loop of
 * our own instead of model.fit: fit shuffles and draws dropout masks from an
 * unseeded generator, so only a hand-written loop repeats exactly (same seed,
 * same backend, same weights).
 */
import * as tf from '@tensorflow/tfjs';
import type { PreparedData } from '../prepared';
import { Split } from '../prepared';
import { createRng, type Rng } from '../random';
import type { NeuralModelName, TrainSettings } from '../settings';
import { activeLengths, epochBatches, lengthOrder } from './batches';
import type { EmbeddingGradMode } from './embedding';
import {
  aggregateInputs,
  featureLayout,
  idsPerStep,
  journeyAggregates,
  labelsOf,
  splitRows,
  stepInputs,
  userColumnsOf,
  type FeatureLayout,
  type AggregateInputs,
  type JourneyAggregates,
  type StepInputs,
} from './inputs';
import { FusedRegressionTrainer, FusedTrainer } from './fused-train';
import { classificationMetrics, priorCorrect, type ClassificationMetrics } from './metrics';
import {
  createNetwork,
  defaultNetworkConfig,
  disposeNetwork,
  JS_RECURRENCE_MAX_JOURNEYS,
  regressionLogits,
  sequenceForward,
  type DropoutMasks,
  type Network,
  type NetworkConfig,
  type Recurrence,
} from './networks';
import { prefixLogits, prefixWeights, type PrefixWeights } from './prefix-scorer';
import type { JourneyScorer, SequenceBatch } from './scorer';
import type { EpochRecord } from './metrics';

export type { EpochRecord } from './metrics';

export interface BatchProgress {
  model: NeuralModelName;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
}

export interface TrainCallbacks {
  onBatchEnd?: (p: BatchProgress) => void;
  onEpochEnd?: (model: NeuralModelName, record: EpochRecord) => void;
  /** Stops within one batch; every tensor made for the training is freed. */
  signal?: AbortSignal;
}

export interface TrainOptions {
  gradMode?: EmbeddingGradMode;
  /** Overrides of the network's shape (units, embedding width, dropout). */
  network?: Partial<Pick<NetworkConfig, 'units' | 'embedding' | 'dropout' | 'recurrentDropout'>>;
  /** Train on these journeys instead of the training split (benchmarks). */
  trainRows?: Int32Array;
  /** Stop each epoch after this many batches (benchmarks sample an epoch). */
  maxBatchesPerEpoch?: number;
  /** Compute the validation loss after each epoch (default true; benchmarks skip it). */
  validate?: boolean;
  /** Batches of journeys of similar length (default true; see batches.ts). Benchmarks compare both. */
  lengthBuckets?: boolean;
  /** How the recurrence runs (default: by backend, see networks.ts). Benchmarks compare both. */
  recurrence?: Recurrence;
  /**
   * Train with the fused trainers (fused-train.ts) where the recurrence runs
   * in JS (wasm, cpu). Default true; false keeps the tfjs ops and optimizer
   * (benchmarks and tests compare both).
   */
  fused?: boolean;
}

export interface TrainedModel {
  name: NeuralModelName;
  network: Network;
  layout: FeatureLayout;
  /** Prepared campaign index -> original id, for weights. */
  campaignIds: string[];
  negativeSamplingRate: number;
  history: EpochRecord[];
  /** Epoch whose weights were kept (the best validation loss when early stopping). */
  keptEpoch: number;
  backend: string;
  /** How it was trained: the fused trainer (fused-train.ts) or tfjs ops and optimizer; absent for loaded models. */
  trainer?: 'fused' | 'tfjs';
  seed: number;
  /** Frees the model's variables; the model cannot score after this. */
  dispose(): void;
}

/** Thrown (as `error.name === 'AbortError'`) when the signal fires during training. */
export function abortError(): Error {
  const err = new Error('Training was cancelled.');
  err.name = 'AbortError';
  return err;
}

/** Builds the model-specific inputs of a batch of journey indexes, and the forward pass over them. */
interface Feeder {
  logits(rows: ArrayLike<number>, drop: DropoutMasks | undefined): tf.Tensor1D;
  dropout(rows: number, rng: Rng): DropoutMasks | undefined;
  /** Sequence models: the batch's inputs, with the LSTM's id dropout drawn once the ids are known. */
  inputs?(rows: ArrayLike<number>, drop: DropoutMasks | undefined): StepInputs;
  /** The regression: the batch's journey aggregates. */
  aggregates?(rows: ArrayLike<number>): AggregateInputs;
}

function makeFeeder(net: Network, prepared: PreparedData, layout: FeatureLayout, aggregates: JourneyAggregates | null): Feeder {
  const c = net.config;
  if (c.kind === 'logreg') {
    const agg = aggregates ?? journeyAggregates(prepared, layout);
    return { aggregates: (rows) => aggregateInputs(agg, rows), logits: (rows) => regressionLogits(net, aggregateInputs(agg, rows)), dropout: () => undefined };
  }
  const steps = prepared.sequences.steps;
  const inputs = (rows: ArrayLike<number>, drop: DropoutMasks | undefined): StepInputs => {
    const x = stepInputs(prepared.sequences, layout, rows);
    if (drop?.idSeed !== undefined && !drop.idScale) drop.idScale = idDropout(x.ids, rows.length, steps, c.idsPerStep, c.dropout, drop.idSeed);
    return x;
  };
  return {
    inputs,
    logits: (rows, drop) => sequenceForward(net, inputs(rows, drop), drop).logits,
    dropout: (rows, rng) => dropoutMasks(c, rows, rng),
  };
}

/** Keras-style masks: one draw per journey and feature, reused at every step. */
function dropoutMasks(c: NetworkConfig, rows: number, rng: Rng): DropoutMasks {
  const draw = (n: number, p: number): Float32Array => {
    const out = new Float32Array(n);
    const keep = 1 / (1 - p);
    for (let i = 0; i < n; i++) out[i] = rng.next() < p ? 0 : keep;
    return out;
  };
  const masks: DropoutMasks = {};
  if (c.recurrentDropout > 0) masks.recurrentScale = draw(rows * c.units, c.recurrentDropout);
  if (c.dropout > 0) {
    if (c.kind === 'attention') masks.inputScale = draw(rows * c.embedding, c.dropout);
    else {
      masks.numericScale = draw(rows * c.numeric, c.dropout);
      // One-hot dropout needs the batch's ids: drawn later from this seed (see idDropout).
      masks.idSeed = Math.floor(rng.next() * 4294967296);
    }
  }
  return masks;
}

/** 32-bit integer hash of (seed, journey, id): the same id in one journey draws the same mask at every step. */
function hash3(seed: number, a: number, b: number): number {
  let x = seed ^ Math.imul(a + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Dropout on the article's one-hot input, where each id is one input feature:
 * feature `id` of journey r is dropped with probability p, at every step alike.
 */
function idDropout(ids: Int32Array, rows: number, steps: number, k: number, p: number, seed: number): Float32Array {
  const keep = 1 / (1 - p);
  const out = new Float32Array(ids.length);
  const perJourney = steps * k;
  for (let r = 0; r < rows; r++) {
    for (let q = r * perJourney; q < (r + 1) * perJourney; q++) out[q] = hash3(seed, r, ids[q]) / 4294967296 < p ? 0 : keep;
  }
  return out;
}

/** Mean binary cross-entropy from logits: softplus(z) - y z is log(1 + e^z) - y z, stable for large |z|. */
function bceFromLogits(logits: tf.Tensor1D, labels: Float32Array): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sub(tf.softplus(logits), tf.mul(tf.tensor1d(labels), logits))) as tf.Scalar);
}

function networkConfigFor(name: NeuralModelName, layout: FeatureLayout, options: TrainOptions): NetworkConfig {
  const numeric = name === 'logreg' ? 2 : layout.numericUsed.length;
  const userColumns = userColumnsOf(layout);
  const userVocabulary = layout.userVocabulary ?? 0;
  // The regression reads user attributes as more many-hot ids (inputs.ts); the sequence models as a journey-level input.
  const vocabulary = name === 'logreg' ? layout.vocabulary + userVocabulary : layout.vocabulary;
  const user = name !== 'logreg' && userColumns > 0 ? { userColumns, userVocabulary } : {};
  return { ...defaultNetworkConfig(name, vocabulary, idsPerStep(layout), numeric), ...user, ...options.network };
}

/** Journeys `rows` reordered by length: inference batches of similar lengths run fewer steps. */
function rowsByLength(prepared: PreparedData, rows: Int32Array): { sorted: Int32Array; order: Int32Array } {
  const seq = prepared.sequences;
  const order = lengthOrder(activeLengths(seq.mask, seq.steps, rows.length, rows));
  const sorted = new Int32Array(rows.length);
  for (let q = 0; q < order.length; q++) sorted[q] = rows[order[q]];
  return { sorted, order };
}

/**
 * Logits of journeys `rows` of a sequence model whose recurrence runs in JS,
 * by the forward-only prefix pass (prefix-scorer.ts), `chunk` journeys at a
 * time. The tfjs forward in inference batches of 512 runs the recurrence as
 * tfjs ops, whose per-step slices are JS copies on wasm: on the demo they
 * were a third of the attention model's training time, spent on its
 * validation loss. A journey with no touchpoint gets the logit the network
 * gives it (bias and user term), as in the tfjs forward.
 */
function prefixJourneyLogits(net: Network, layout: FeatureLayout, prepared: PreparedData, rows: Int32Array, chunk = 4096): Float64Array {
  const weights = prefixWeights(net);
  const out = new Float64Array(rows.length);
  for (let start = 0; start < rows.length; start += chunk) {
    const part = rows.subarray(start, Math.min(rows.length, start + chunk));
    const logits = prefixLogits(weights, layout, stepBatch(prepared.sequences, part));
    for (let r = 0; r < part.length; r++) out[start + r] = Number.isNaN(logits[r]) ? weights.outputBias : logits[r];
  }
  return out;
}

/** Whether inference on this network goes through the prefix pass (see prefixJourneyLogits). */
function usesPrefixPass(net: Network): boolean {
  return net.config.kind !== 'logreg' && net.recurrence === 'js';
}

async function lossOver(feeder: Feeder, net: Network, layout: FeatureLayout, prepared: PreparedData, rows: Int32Array, batch: number): Promise<number> {
  if (rows.length === 0) return NaN;
  let total = 0;
  if (usesPrefixPass(net)) {
    const logits = prefixJourneyLogits(net, layout, prepared, rows);
    const labels = labelsOf(prepared, rows);
    // As bceFromLogits, summed: softplus(z) - y z.
    for (let r = 0; r < rows.length; r++) {
      const z = Math.fround(logits[r]);
      total += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - labels[r] * z;
    }
    return total / rows.length;
  }
  const { sorted } = rowsByLength(prepared, rows);
  for (let start = 0; start < sorted.length; start += batch) {
    const part = sorted.subarray(start, Math.min(sorted.length, start + batch));
    const loss = tf.tidy(() => tf.mul(bceFromLogits(feeder.logits(part, undefined), labelsOf(prepared, part)), part.length));
    total += (await loss.data())[0];
    loss.dispose();
  }
  return total / rows.length;
}

/** Lets the worker see a cancel message: a macrotask turn at most every 50 ms. */
function yielder(): () => Promise<void> {
  let last = Date.now();
  return async () => {
    if (Date.now() - last < 50) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    last = Date.now();
  };
}

export async function trainModel(
  prepared: PreparedData,
  name: NeuralModelName,
  settings: TrainSettings,
  callbacks: TrainCallbacks = {},
  options: TrainOptions = {},
): Promise<TrainedModel> {
  const layout = featureLayout(prepared, settings.dropTimeFeatures);
  const rng = createRng(settings.seed).fork(name);
  const net = createNetwork(networkConfigFor(name, layout, options), rng.fork('init'), options.gradMode ?? 'auto', undefined, options.recurrence);
  // Keras's RMSprop defaults (rho 0.9, no momentum). An update in plain JS instead of ~10 kernels per variable
  // was tried on wasm: no faster, since nearly every embedding row gets a gradient in each batch.
  const optimizer = tf.train.rmsprop(settings.learningRate, 0.9, 0, 1e-7);
  let best: Map<string, tf.Tensor> | null = null;
  const dropBest = (): void => {
    if (best) for (const t of best.values()) t.dispose();
    best = null;
  };
  const cleanUp = (): void => {
    dropBest();
    optimizer.dispose();
  };
  try {
    const aggregates = name === 'logreg' ? journeyAggregates(prepared, layout) : null;
    const feeder = makeFeeder(net, prepared, layout, aggregates);
    // The fused trainers read and write the weights as arrays: for the backends whose memory JS reads (wasm, cpu).
    const useFused = net.recurrence === 'js' && options.fused !== false;
    const rmsprop = { learningRate: settings.learningRate };
    const fused = useFused && feeder.inputs ? new FusedTrainer(net, rmsprop) : null;
    const fusedRegression = useFused && feeder.aggregates ? new FusedRegressionTrainer(net, rmsprop) : null;
    const trainRows = Int32Array.from(options.trainRows ?? splitRows(prepared, Split.Train));
    const validationRows = options.validate === false ? new Int32Array(0) : splitRows(prepared, Split.Validation);
    const epochs = settings.epochs[name];
    const batchSize = Math.max(1, settings.batchSize[name]);
    const patience = settings.earlyStoppingPatience;
    const shuffleRng = rng.fork('shuffle');
    const dropoutRng = rng.fork('dropout');
    const varList = [...net.variables.values()];
    const fullBatches = Math.ceil(trainRows.length / batchSize);
    const batches = Math.min(fullBatches, options.maxBatchesPerEpoch ?? fullBatches);
    const seq = prepared.sequences;
    // The regression sees whole journeys at once: its batches have no steps to save.
    const bucketing = name !== 'logreg' && options.lengthBuckets !== false;
    const lengths = bucketing ? activeLengths(seq.mask, seq.steps, prepared.journeys.count) : new Uint8Array(0);
    const history: EpochRecord[] = [];
    const pause = yielder();
    let bestLoss = Infinity;
    let keptEpoch = 0;
    let sinceBest = 0;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const started = Date.now();
      const epochRows = epochBatches(trainRows, lengths, batchSize, shuffleRng, bucketing);
      let lossSum = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        if (callbacks.signal?.aborted) throw abortError();
        const rows = epochRows[b];
        const labels = labelsOf(prepared, rows);
        const drop = feeder.dropout(rows.length, dropoutRng);
        let value: number;
        if (fused) value = fused.trainBatch(feeder.inputs!(rows, drop), labels, drop);
        else if (fusedRegression) value = fusedRegression.trainBatch(feeder.aggregates!(rows), labels);
        else {
          const loss = optimizer.minimize(() => bceFromLogits(feeder.logits(rows, drop), labels), true, varList);
          value = loss ? (await loss.data())[0] : NaN;
          loss?.dispose();
        }
        lossSum += value * rows.length;
        seen += rows.length;
        callbacks.onBatchEnd?.({ model: name, epoch, epochs, batch: b + 1, batches, loss: value });
        await pause();
      }
      if (callbacks.signal?.aborted) throw abortError();
      // The fused trainer keeps the weights in its own arrays: validation, snapshots and the result read the variables.
      (fused ?? fusedRegression)?.writeBack();
      const validationLoss = await lossOver(feeder, net, layout, prepared, validationRows, 512);
      const record: EpochRecord = { epoch, trainLoss: lossSum / Math.max(1, seen), validationLoss, seconds: (Date.now() - started) / 1000 };
      history.push(record);
      callbacks.onEpochEnd?.(name, record);
      if (patience > 0 && Number.isFinite(validationLoss)) {
        if (validationLoss < bestLoss) {
          bestLoss = validationLoss;
          keptEpoch = epoch;
          sinceBest = 0;
          dropBest();
          best = new Map([...net.variables].map(([k, v]) => [k, tf.clone(v)]));
        } else if (++sinceBest >= patience) break;
      } else keptEpoch = epoch;
    }
    const snapshot = best as Map<string, tf.Tensor> | null;
    if (snapshot) for (const [k, v] of net.variables) v.assign(snapshot.get(k)!);
    cleanUp();
    return {
      name,
      network: net,
      layout,
      campaignIds: prepared.campaignIds,
      negativeSamplingRate: prepared.negativeSamplingRate,
      history,
      keptEpoch,
      backend: tf.getBackend(),
      trainer: fused || fusedRegression ? 'fused' : 'tfjs',
      seed: settings.seed,
      dispose: () => disposeNetwork(net),
    };
  } catch (err) {
    cleanUp();
    disposeNetwork(net);
    throw err;
  }
}

/** Balanced-data conversion probabilities (what the model was trained on) of journeys `rows`. */
export async function predictJourneys(model: TrainedModel, prepared: PreparedData, rows: Int32Array, batch = 512): Promise<Float32Array> {
  const out = new Float32Array(rows.length);
  if (usesPrefixPass(model.network)) {
    const logits = prefixJourneyLogits(model.network, model.layout, prepared, rows);
    // The sigmoid in float32, as tf.sigmoid.
    for (let r = 0; r < rows.length; r++) out[r] = 1 / (1 + Math.exp(-Math.fround(logits[r])));
    return out;
  }
  const feeder = makeFeeder(model.network, prepared, model.layout, null);
  const { sorted, order } = model.name === 'logreg' ? { sorted: rows, order: null } : rowsByLength(prepared, rows);
  for (let start = 0; start < sorted.length; start += batch) {
    const part = sorted.subarray(start, Math.min(sorted.length, start + batch));
    const p = tf.tidy(() => tf.sigmoid(feeder.logits(part, undefined)));
    const probs = await p.data();
    p.dispose();
    if (order) for (let q = 0; q < part.length; q++) out[order[start + q]] = probs[q];
    else out.set(probs, start);
  }
  return out;
}

/** Metrics on held-out journeys (the test split unless told), on the balanced scale the model was trained on. */
export async function evaluateModel(model: TrainedModel, prepared: PreparedData, split: Split = Split.Test): Promise<ClassificationMetrics> {
  const rows = splitRows(prepared, split);
  const probs = await predictJourneys(model, prepared, rows);
  return classificationMetrics(labelsOf(prepared, rows), probs);
}

export interface ModelAttribution {
  /** Key in the weights file: logreg, logreg_raw, attention. */
  model: string;
  weights: Record<string, number>;
  /** Attention: touchpoints behind each weight (thin estimates can be flagged). */
  eventCounts?: Record<string, number>;
}

/**
 * Attribution weights keyed by original campaign id: the regression gives the
 * softmax of its campaign coefficients (the article) and the raw coefficients
 * (which may be negative); the attention model gives the mean attention each
 * campaign's touchpoints receive over the training journeys. The plain LSTM
 * gives none.
 */
export async function attributionWeights(model: TrainedModel, prepared: PreparedData): Promise<ModelAttribution[]> {
  const ids = model.campaignIds;
  if (model.name === 'logreg') {
    const coef = (await model.network.variables.get('coefficients')!.data()) as Float32Array;
    let max = -Infinity;
    for (let c = 0; c < ids.length; c++) max = Math.max(max, coef[c]);
    let sum = 0;
    for (let c = 0; c < ids.length; c++) sum += Math.exp(coef[c] - max);
    const soft: Record<string, number> = {};
    const raw: Record<string, number> = {};
    ids.forEach((id, c) => {
      soft[id] = Math.exp(coef[c] - max) / sum;
      raw[id] = coef[c];
    });
    return [
      { model: 'logreg', weights: soft },
      { model: 'logreg_raw', weights: raw },
    ];
  }
  if (model.name !== 'attention') return [];
  const rows = rowsByLength(prepared, splitRows(prepared, Split.Train)).sorted;
  const seq = prepared.sequences;
  const sum = new Float64Array(ids.length);
  const count = new Float64Array(ids.length);
  for (let start = 0; start < rows.length; start += 512) {
    const part = rows.subarray(start, Math.min(rows.length, start + 512));
    const attention = await attentionOf(model, stepBatch(seq, part));
    for (let r = 0; r < part.length; r++) {
      for (let t = 0; t < seq.steps; t++) {
        const s = part[r] * seq.steps + t;
        if (seq.mask[s] === 0) continue;
        sum[seq.campaign[s]] += attention[r * seq.steps + t];
        count[seq.campaign[s]]++;
      }
    }
  }
  const weights: Record<string, number> = {};
  const eventCounts: Record<string, number> = {};
  ids.forEach((id, c) => {
    weights[id] = count[c] ? sum[c] / count[c] : 0;
    eventCounts[id] = count[c];
  });
  return [{ model: 'attention', weights, eventCounts }];
}

/** Journeys `rows` of the prepared sequences as a SequenceBatch. */
export function stepBatch(seq: PreparedData['sequences'], rows: ArrayLike<number>): SequenceBatch {
  const steps = seq.steps;
  const cols = seq.categoryColumns;
  const f = seq.numericNames.length;
  const n = rows.length;
  const out: SequenceBatch = {
    count: n,
    steps,
    campaign: new Int32Array(n * steps),
    categories: new Int32Array(n * steps * cols),
    numeric: new Float32Array(n * steps * f),
    mask: new Float32Array(n * steps),
  };
  for (let r = 0; r < n; r++) {
    const j = rows[r];
    out.campaign.set(seq.campaign.subarray(j * steps, (j + 1) * steps), r * steps);
    out.mask.set(seq.mask.subarray(j * steps, (j + 1) * steps), r * steps);
    out.categories.set(seq.categories.subarray(j * steps * cols, (j + 1) * steps * cols), r * steps * cols);
    out.numeric.set(seq.numeric.subarray(j * steps * f, (j + 1) * steps * f), r * steps * f);
  }
  const u = seq.userColumns ?? 0;
  if (u > 0 && seq.user) {
    out.user = new Int32Array(n * u);
    for (let r = 0; r < n; r++) out.user.set(seq.user.subarray(rows[r] * u, (rows[r] + 1) * u), r * u);
  }
  return out;
}

/** Attention weights [count, steps] of the attention model for a batch (0 on masked steps). */
export async function attentionOf(model: TrainedModel, batch: SequenceBatch, chunk = 512): Promise<Float32Array> {
  if (model.name !== 'attention') throw new Error('only the attention model has attention weights');
  // Chunks small enough for the JS recurrence where the network has one: above
  // JS_RECURRENCE_MAX_JOURNEYS the forward runs the recurrence as tfjs ops, whose
  // per-step slices are slow JS copies on wasm.
  if (model.network.recurrence === 'js') chunk = Math.min(chunk, JS_RECURRENCE_MAX_JOURNEYS);
  const steps = batch.steps;
  const order = lengthOrder(activeLengths(batch.mask, steps, batch.count));
  const out = new Float32Array(batch.count * steps);
  for (let start = 0; start < batch.count; start += chunk) {
    const part = order.subarray(start, Math.min(batch.count, start + chunk));
    const x = stepInputs(batch, model.layout, part);
    const a = tf.tidy(() => sequenceForward(model.network, x).attention!);
    const values = (await a.data()) as Float32Array;
    a.dispose();
    for (let q = 0; q < part.length; q++) out.set(values.subarray(q * steps, (q + 1) * steps), part[q] * steps);
  }
  return out;
}

/**
 * How `createScorer` computes: `prefix` is the forward-only pass over a
 * prefix tree of the batch (prefix-scorer.ts), for networks whose recurrence
 * runs in JS (wasm, cpu); `tfjs` is the training forward in length-sorted
 * chunks, which GPU backends keep (no synchronous reads). `auto` picks by the network.
 */
export type ScoringPath = 'auto' | 'prefix' | 'tfjs';

/**
 * Counterfactual scoring for the sequence models: conversion probability per
 * journey, prior-corrected for balancing. A journey with no unmasked
 * touchpoint scores 0 for a model without user attributes; with them it is
 * scored as that user with no ads (networks.ts, `withUser`).
 */
export function createScorer(model: TrainedModel, chunk = 512, path: ScoringPath = 'auto'): JourneyScorer {
  if (model.name === 'logreg') throw new Error('the regression scores journey aggregates, not sequences');
  const scoresEmptyJourneys = userColumnsOf(model.layout) > 0;
  const usePrefix = path === 'prefix' || (path === 'auto' && model.network.recurrence === 'js');
  if (usePrefix) {
    // Read once, and again only if a variable was assigned since (assign swaps a variable's dataId).
    let cached: { weights: PrefixWeights; ids: object[] } | null = null;
    const weights = (): PrefixWeights => {
      const ids = [...model.network.variables.values()].map((v) => v.dataId);
      if (!cached || cached.ids.some((id, i) => id !== ids[i])) cached = { weights: prefixWeights(model.network), ids };
      return cached.weights;
    };
    return {
      name: model.name,
      scoresEmptyJourneys,
      async score(batch: SequenceBatch): Promise<Float32Array> {
        const logits = prefixLogits(weights(), model.layout, batch);
        const out = new Float32Array(batch.count);
        for (let r = 0; r < batch.count; r++) {
          // As the tfjs path: the sigmoid in float32, then the prior correction.
          out[r] = Number.isNaN(logits[r]) ? 0 : priorCorrect(Math.fround(1 / (1 + Math.exp(-logits[r]))), model.negativeSamplingRate);
        }
        return out;
      },
    };
  }
  return {
    name: model.name,
    scoresEmptyJourneys,
    async score(batch: SequenceBatch): Promise<Float32Array> {
      const out = new Float32Array(batch.count);
      const lengths = activeLengths(batch.mask, batch.steps, batch.count);
      // Counterfactual batches (removal, Shapley) mix every journey length: sorted, most chunks run a few steps.
      const order = lengthOrder(lengths);
      for (let start = 0; start < batch.count; start += chunk) {
        const rows = order.subarray(start, Math.min(batch.count, start + chunk));
        const x = stepInputs(batch, model.layout, rows);
        const p = tf.tidy(() => tf.sigmoid(sequenceForward(model.network, x).logits));
        const probs = await p.data();
        p.dispose();
        for (let r = 0; r < rows.length; r++) {
          out[rows[r]] = lengths[rows[r]] > 0 || scoresEmptyJourneys ? priorCorrect(probs[r], model.negativeSamplingRate) : 0;
        }
      }
      return out;
    },
  };
}
