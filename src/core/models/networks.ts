/**
 * The three networks of the article, as plain tf.Variables and forward
 * functions (no tf.layers): embedding sums instead of one-hot input, and an
 * LSTM cell written out with one matMul for all four gates, Keras's sigmoid
 * recurrent activation, and masking that carries the state through padded or
 * removed touchpoints untouched (so they get no gradient and change nothing).
 */
import * as tf from '@tensorflow/tfjs';
import type { NeuralModelName } from '../settings';
import type { Rng } from '../random';
import { embeddingSum, type EmbeddingGradMode, resolveGradMode } from './embedding';
import { glorotUniform, lstmBias, orthogonal } from './init';
import { lstmSequence } from './lstm-js';
import { linear } from './ops';
import type { AggregateInputs, StepInputs } from './inputs';

export interface NetworkConfig {
  kind: NeuralModelName;
  /** Campaigns + category values (see inputs.ts). */
  vocabulary: number;
  idsPerStep: number;
  /** Numeric features per touchpoint (sequence models) or per journey (regression: clicks, cost). */
  numeric: number;
  /** LSTM units (the article: 64). */
  units: number;
  /** Width of the attention model's linear embedding (the article: 128). */
  embedding: number;
  dropout: number;
  recurrentDropout: number;
  /**
   * Sequence models: user attributes per journey and their vocabulary
   * (inputs.ts). Each value has one number added to the journey's logit; see
   * `userLogit`. Absent (0) in models saved before user attributes.
   */
  userColumns?: number;
  userVocabulary?: number;
}

export function defaultNetworkConfig(kind: NeuralModelName, vocabulary: number, idsPerStep: number, numeric: number): NetworkConfig {
  return { kind, vocabulary, idsPerStep, numeric, units: 64, embedding: 128, dropout: 0.2, recurrentDropout: 0.2 };
}

/**
 * How the recurrence runs: `tf` is tfjs ops step by step (~15 kernels a step
 * forward, 2-3x that backward); `js` is one op (lstm-js.ts) doing the gate
 * arithmetic in plain JS and one backend matMul per step. `js` suits the
 * backends whose data JS reads without a GPU round trip (wasm, cpu): on wasm
 * it saves 15-30% of a 64-journey training batch (lstm-js.ts). GPU backends
 * must not read data back every step, so they keep `tf`.
 */
export type Recurrence = 'js' | 'tf';

/**
 * Above this many journeys a wasm batch runs the recurrence as tfjs ops even
 * for a `js` network: the JS gate arithmetic grows with journeys x units while
 * the fixed cost per kernel does not. Measured on wasm (CPU time, 4 steps,
 * forward + backward): JS ahead at 64 and 128 journeys (32 vs 37 ms, 46 vs 56
 * ms), behind at 256 and 512 (299 vs 164 ms), so inference chunks of 512 use ops.
 */
export const JS_RECURRENCE_MAX_JOURNEYS = 128;

/** The attention softmax's smallest denominator (see sequenceForward). */
export const ATTENTION_FLOOR = 1e-6;

export interface Network {
  config: NetworkConfig;
  /** In a fixed order: the order of the saved weights. */
  variables: Map<string, tf.Variable>;
  gradMode: Exclude<EmbeddingGradMode, 'auto'>;
  recurrence: Recurrence;
}

export function defaultRecurrence(): Recurrence {
  const backend = tf.getBackend();
  return backend === 'cpu' || backend === 'wasm' ? 'js' : 'tf';
}

/** Shapes of every variable of a network, in save order. */
export function variableShapes(c: NetworkConfig): [string, number[]][] {
  const h = c.units;
  switch (c.kind) {
    case 'logreg':
      return [
        ['coefficients', [c.vocabulary, 1]],
        ['denseCoefficients', [c.numeric, 1]],
        ['bias', [1]],
      ];
    case 'lstm':
      return [
        ['inputEmbedding', [c.vocabulary, 4 * h]],
        ['numericKernel', [c.numeric, 4 * h]],
        ['lstmBias', [4 * h]],
        ['recurrentKernel', [h, 4 * h]],
        ['outputKernel', [h, 1]],
        ['outputBias', [1]],
        ...userShapes(c),
      ];
    case 'attention':
      return [
        ['inputEmbedding', [c.vocabulary, c.embedding]],
        ['numericKernel', [c.numeric, c.embedding]],
        ['embeddingBias', [c.embedding]],
        ['lstmKernel', [c.embedding, 4 * h]],
        ['recurrentKernel', [h, 4 * h]],
        ['lstmBias', [4 * h]],
        ['attentionKernel', [h, 1]],
        ['attentionBias', [1]],
        ['outputKernel', [h, 1]],
        ['outputBias', [1]],
        ...userShapes(c),
      ];
  }
}

/** The user embedding, last in save order so that models saved without it keep their order. */
function userShapes(c: NetworkConfig): [string, number[]][] {
  return (c.userColumns ?? 0) > 0 ? [['userEmbedding', [c.userVocabulary ?? 0, c.units]]] : [];
}

/** Keras's default initial values, drawn from `rng`. */
function initialValue(c: NetworkConfig, name: string, shape: number[], rng: Rng): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  // The regression starts at 0: a campaign seen in no training journey keeps a
  // neutral coefficient instead of random noise that softmax would turn into a weight.
  if (c.kind === 'logreg') return new Float32Array(size);
  const h = c.units;
  // A linear layer over the one-hot input: fan-in is the whole one-hot width.
  const oneHotWidth = c.vocabulary + c.numeric;
  switch (name) {
    case 'inputEmbedding':
    case 'numericKernel':
      return glorotUniform(rng, shape[0], shape[1], oneHotWidth, shape[1]);
    case 'lstmKernel':
    case 'attentionKernel':
    case 'outputKernel':
      return glorotUniform(rng, shape[0], shape[1]);
    case 'recurrentKernel':
      return orthogonal(rng, h, 4 * h);
    case 'lstmBias':
      return lstmBias(h);
    default:
      return new Float32Array(size);
  }
}

export function createNetwork(
  config: NetworkConfig,
  rng: Rng,
  gradMode: EmbeddingGradMode = 'auto',
  values?: Map<string, Float32Array>,
  recurrence: Recurrence = defaultRecurrence(),
): Network {
  const variables = new Map<string, tf.Variable>();
  for (const [name, shape] of variableShapes(config)) {
    const value = values?.get(name) ?? initialValue(config, name, shape, rng.fork(name));
    const initial = tf.tensor(value, shape);
    variables.set(name, tf.variable(initial, true));
    // The variable holds its own reference to the data; the initial tensor would otherwise leak.
    initial.dispose();
  }
  return { config, variables, gradMode: resolveGradMode(gradMode), recurrence };
}

export function disposeNetwork(net: Network): void {
  for (const v of net.variables.values()) v.dispose();
  net.variables.clear();
}

function v<R extends tf.Rank>(net: Network, name: string): tf.Tensor<R> {
  const t = net.variables.get(name);
  if (!t) throw new Error(`network has no variable ${name}`);
  return t as unknown as tf.Tensor<R>;
}

/** Multipliers (0 or 1/(1-p)) for one training batch; undefined = inference. */
export interface DropoutMasks {
  /** LSTM model: one per (journey, id) occurrence, the same across steps for the same id ([B*T*K]). */
  idScale?: Float32Array;
  /** LSTM model: seed from which idScale is drawn once the batch's ids are known. */
  idSeed?: number;
  /** LSTM model: [B, F], the same across steps. */
  numericScale?: Float32Array;
  /** Attention model: on the 128-wide embedding, [B, E], the same across steps. */
  inputScale?: Float32Array;
  /** [B, H], the same across steps (Keras's recurrent dropout). */
  recurrentScale?: Float32Array;
}

/** Logits of the regression, [B]. */
export function regressionLogits(net: Network, x: AggregateInputs): tf.Tensor1D {
  return tf.tidy(() => {
    const sparse = embeddingSum(v(net, 'coefficients'), x.ids, x.journeys, x.width, x.scale, net.gradMode);
    const dense = linear(tf.tensor2d(x.dense, [x.journeys, 2]), v<tf.Rank.R2>(net, 'denseCoefficients'));
    return tf.reshape(tf.add(tf.add(sparse, dense), v(net, 'bias')), [x.journeys]) as tf.Tensor1D;
  });
}

export interface SequenceOutput {
  /** [B] */
  logits: tf.Tensor1D;
  /** [B, T] attention weights (attention model only): 0 on masked steps, summing to 1 over the others. */
  attention?: tf.Tensor2D;
}

/** Forward pass of the lstm and attention models over [B, T] touchpoints. */
export function sequenceForward(net: Network, input: StepInputs, drop?: DropoutMasks): SequenceOutput {
  let x = input;
  const c = net.config;
  const b = x.journeys;
  const fullSteps = x.steps;
  // Steps after the batch's last touchpoint change no state and get no
  // attention, so the loop stops there (journeys are mostly much shorter than 15).
  const steps = Math.max(1, activeSteps(x.mask, b, fullSteps));
  if (steps < fullSteps) x = trimSteps(x, steps, c.idsPerStep, c.numeric);
  const h = c.units;
  const rows = b * steps;
  return tf.tidy(() => {
    const numeric = c.numeric > 0 ? tf.tensor2d(x.numeric, [rows, c.numeric]) : null;
    let gateInputs: tf.Tensor2D; // [B*T, 4H]
    if (c.kind === 'lstm') {
      // The article's LSTM reads the one-hot features directly: its input kernel
      // restricted to one-hot rows is an embedding of width 4H.
      const idScale = drop?.idScale && steps < fullSteps ? trimIdScale(drop.idScale, b, fullSteps, steps, c.idsPerStep) : drop?.idScale;
      let xw = embeddingSum(v(net, 'inputEmbedding'), x.ids, rows, c.idsPerStep, idScale, net.gradMode);
      if (numeric) {
        const num = drop?.numericScale
          ? (tf.reshape(tf.mul(tf.reshape(numeric, [b, steps, c.numeric]), tf.tensor3d(drop.numericScale, [b, 1, c.numeric])), [rows, c.numeric]) as tf.Tensor2D)
          : numeric;
        xw = tf.add(xw, linear(num, v<tf.Rank.R2>(net, 'numericKernel')));
      }
      gateInputs = tf.add(xw, v(net, 'lstmBias'));
    } else {
      let emb = embeddingSum(v(net, 'inputEmbedding'), x.ids, rows, c.idsPerStep, undefined, net.gradMode);
      if (numeric) emb = tf.add(emb, linear(numeric, v<tf.Rank.R2>(net, 'numericKernel')));
      emb = tf.add(emb, v(net, 'embeddingBias'));
      if (drop?.inputScale) {
        emb = tf.reshape(tf.mul(tf.reshape(emb, [b, steps, c.embedding]), tf.tensor3d(drop.inputScale, [b, 1, c.embedding])), [rows, c.embedding]);
      }
      gateInputs = tf.add(linear(emb, v<tf.Rank.R2>(net, 'lstmKernel')), v(net, 'lstmBias'));
    }
    const mask = tf.tensor2d(x.mask, [b, steps]);
    let all: tf.Tensor3D; // [B, T, H]
    let state: tf.Tensor2D; // [B, H] after the last step
    if (net.recurrence === 'js' && (b <= JS_RECURRENCE_MAX_JOURNEYS || tf.getBackend() === 'cpu')) {
      const states = lstmSequence(gateInputs, v<tf.Rank.R2>(net, 'recurrentKernel'), x.mask, drop?.recurrentScale, { journeys: b, steps, units: h });
      all = tf.reshape(states, [b, steps, h]) as tf.Tensor3D;
      state = tf.reshape(tf.slice(all, [0, steps - 1, 0], [b, 1, h]), [b, h]) as tf.Tensor2D;
    } else {
      [all, state] = recurrenceTf(net, gateInputs, mask, x.mask, drop, b, steps);
    }
    if (c.kind === 'lstm') {
      const logits = tf.add(linear(withUser(net, x, state), v<tf.Rank.R2>(net, 'outputKernel')), v(net, 'outputBias'));
      return { logits: tf.reshape(logits, [b]) as tf.Tensor1D };
    }
    const score = tf.tanh(tf.add(linear(tf.reshape(all, [rows, h]), v<tf.Rank.R2>(net, 'attentionKernel')), v(net, 'attentionBias')));
    // Scores lie in [-1, 1] (tanh), so exp cannot overflow and needs no max shift;
    // multiplying by the mask gives masked steps exactly zero attention.
    const e = tf.mul(tf.exp(tf.reshape(score, [b, steps])), mask);
    // A journey with a touchpoint sums to e^-1 or more; one with none sums to 0 and
    // gets zero attention. The floor's square must stay a float32 normal: with
    // 1e-30 the division's gradient was 0 / 0 = NaN for such a journey.
    const attention = tf.div(e, tf.maximum(tf.sum(e, 1, true), ATTENTION_FLOOR)) as tf.Tensor2D;
    const context = tf.sum(tf.mul(all, tf.reshape(attention, [b, steps, 1])), 1) as tf.Tensor2D;
    const logits = tf.add(linear(withUser(net, x, context), v<tf.Rank.R2>(net, 'outputKernel')), v(net, 'outputBias'));
    const padded = steps < fullSteps ? (tf.pad(attention, [[0, 0], [0, fullSteps - steps]]) as tf.Tensor2D) : attention;
    return { logits: tf.reshape(logits, [b]) as tf.Tensor1D, attention: padded };
  });
}

/**
 * The journey's user attributes: an H-wide embedding per value, summed over
 * the user's columns and added to the pooled representation (the LSTM's last
 * state, the attention context) before the output layer ([B, H] in and out).
 * Since the output layer is linear, each value adds one number to the logit
 * (its embedding times the output kernel: the prefix scorer folds it so), but
 * H weights per value learn at the pace of the rest of the network under
 * RMSprop, where one scalar per value moved too slowly (measured: the demo's
 * attention AUC fell from 0.73 to 0.67 with a scalar term at the article's
 * 5 epochs). A journey with every touchpoint taken away has a zero state
 * (LSTM) or a zero context (attention), so it scores
 * sigmoid((user embedding) . outputKernel + outputBias): this user, no ads.
 */
function withUser(net: Network, x: StepInputs, pooled: tf.Tensor2D): tf.Tensor2D {
  const u = net.config.userColumns ?? 0;
  if (u === 0) return pooled;
  if (!x.user) throw new Error('The model reads user attributes, but the batch carries none.');
  return tf.add(pooled, embeddingSum(v(net, 'userEmbedding'), x.user, x.journeys, u, undefined, net.gradMode));
}

/** The recurrence in tfjs ops, step by step: one matMul for all four gates of a step. */
function recurrenceTf(
  net: Network,
  gateInputs: tf.Tensor2D,
  mask: tf.Tensor2D,
  maskValues: Float32Array,
  drop: DropoutMasks | undefined,
  b: number,
  steps: number,
): [tf.Tensor3D, tf.Tensor2D] {
  const h = net.config.units;
  // Slices, not tf.unstack: Unpack's gradient stacks the gradients of all its
  // outputs and throws when one got none (it happened at batch 256 with length buckets).
  const gates3d = tf.reshape(gateInputs, [b, steps, 4 * h]);
  const perStep = Array.from({ length: steps }, (_, t) => tf.reshape(tf.slice(gates3d, [0, t, 0], [b, 1, 4 * h]), [b, 4 * h]) as tf.Tensor2D);
  const maskPerStep = tf.unstack(tf.reshape(mask, [b, steps, 1]), 1) as tf.Tensor2D[];
  const recurrent = v<tf.Rank.R2>(net, 'recurrentKernel');
  const recurrentScale = drop?.recurrentScale ? tf.tensor2d(drop.recurrentScale, [b, h]) : null;
  let state: tf.Tensor2D = tf.zeros([b, h]);
  let cell: tf.Tensor2D = tf.zeros([b, h]);
  const outputs: tf.Tensor2D[] = [];
  // Training batches are left-aligned (touchpoints, then padding): then the
  // states after a journey's end are never read (zero attention, and the final
  // state is picked at its last touchpoint), so the six masking ops per step can go.
  const lengths = prefixLengths(maskValues, b, steps);
  for (let t = 0; t < steps; t++) {
    const hIn = recurrentScale ? (tf.mul(state, recurrentScale) as tf.Tensor2D) : state;
    const z = tf.add(perStep[t], linear(hIn, recurrent));
    // Gates laid out [input, forget, output | candidate]: one sigmoid for three gates.
    const [sig, cand] = tf.split(z, [3 * h, h], 1);
    const [i, f, o] = tf.split(tf.sigmoid(sig), 3, 1);
    const cellNew = tf.add(tf.mul(f, cell), tf.mul(i, tf.tanh(cand)));
    const stateNew = tf.mul(o, tf.tanh(cellNew));
    if (lengths) {
      cell = cellNew as tf.Tensor2D;
      state = stateNew as tf.Tensor2D;
    } else {
      // state + m * (new - state): a masked step leaves both states exactly as they were.
      const m = maskPerStep[t];
      cell = tf.add(cell, tf.mul(m, tf.sub(cellNew, cell)));
      state = tf.add(state, tf.mul(m, tf.sub(stateNew, state)));
    }
    outputs.push(state);
  }
  const all = tf.stack(outputs, 1) as tf.Tensor3D;
  if (!lengths) return [all, state];
  const pick = new Float32Array(b * steps);
  for (let r = 0; r < b; r++) if (lengths[r] > 0) pick[r * steps + lengths[r] - 1] = 1;
  const last = tf.sum(tf.mul(all, tf.tensor3d(pick, [b, steps, 1])), 1) as tf.Tensor2D;
  return [all, last];
}

/** Touchpoints per journey when every mask is 1s then 0s (exactly), else null. */
function prefixLengths(mask: Float32Array, journeys: number, steps: number): Int32Array | null {
  const lengths = new Int32Array(journeys);
  for (let r = 0; r < journeys; r++) {
    let t = 0;
    while (t < steps && mask[r * steps + t] === 1) t++;
    lengths[r] = t;
    for (let u = t; u < steps; u++) if (mask[r * steps + u] !== 0) return null;
  }
  return lengths;
}

/** 1 + the last step that holds a touchpoint in any journey of the batch. */
export function activeSteps(mask: Float32Array, journeys: number, steps: number): number {
  let last = 0;
  for (let r = 0; r < journeys; r++) {
    for (let t = steps - 1; t >= last; t--) {
      if (mask[r * steps + t] !== 0) {
        last = t + 1;
        break;
      }
    }
  }
  return last;
}

export function trimIdScale(scale: Float32Array, journeys: number, fullSteps: number, steps: number, k: number): Float32Array {
  const out = new Float32Array(journeys * steps * k);
  for (let r = 0; r < journeys; r++) out.set(scale.subarray(r * fullSteps * k, (r * fullSteps + steps) * k), r * steps * k);
  return out;
}

export function trimSteps(x: StepInputs, steps: number, k: number, f: number): StepInputs {
  const b = x.journeys;
  const ids = new Int32Array(b * steps * k);
  const numeric = new Float32Array(b * steps * f);
  const mask = new Float32Array(b * steps);
  for (let r = 0; r < b; r++) {
    ids.set(x.ids.subarray(r * x.steps * k, (r * x.steps + steps) * k), r * steps * k);
    numeric.set(x.numeric.subarray(r * x.steps * f, (r * x.steps + steps) * f), r * steps * f);
    mask.set(x.mask.subarray(r * x.steps, r * x.steps + steps), r * steps);
  }
  return { journeys: b, steps, ids, numeric, mask, ...(x.user ? { user: x.user } : {}) };
}
