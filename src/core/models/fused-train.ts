/**
 * A training step of the lstm and attention models as a few fused passes on
 * plain Float32Arrays, for the backends whose memory JS reads directly (wasm,
 * cpu): forward, backward and the RMSprop update written out by hand, with
 * only the matrix products handed to the backend's matMul (wasm: XNNPACK).
 *
 * Why: through tfjs ops a training batch of 64 journeys is ~100 kernels
 * (embedding sums, the attention read-out, the loss, their gradients, and
 * RMSprop's ~8 kernels per variable), each with tape and memory bookkeeping
 * that costs more than its arithmetic; and RMSprop updates every row of the
 * embedding tables at every batch, although a batch touches a few of them.
 * Here a batch is ~10 matMuls plus two per step, everything else is loops
 * over arrays, and an embedding row is updated only when a batch touches it
 * (its mean square catches up on the decay it missed, 0.9^k, which is what
 * k updates with a zero gradient do).
 *
 * The model is the one networks.ts defines, on the same variables, and the
 * update is tfjs's RMSprop (ms = rho ms + (1 - rho) g^2; w -= lr g /
 * sqrt(ms + eps)); gradients and updates agree with the tfjs path within
 * float32 rounding (fused-train.test.ts). The trainer keeps the weights in
 * its own arrays and writes them into the network's variables on `writeBack`.
 */
import * as tf from '@tensorflow/tfjs';
import { activeRows, lstmBackward, lstmForward, product, tanh32, workspace, type Alloc, type LstmShape } from './lstm-js';
import type { AggregateInputs, StepInputs } from './inputs';
import { activeSteps, ATTENTION_FLOOR, trimIdScale, trimSteps, variableShapes, type DropoutMasks, type Network } from './networks';

/** Embedding tables: updated row by row, for the rows a batch touches. */
const TABLES = new Set(['inputEmbedding', 'userEmbedding', 'coefficients']);

interface Param {
  name: string;
  shape: number[];
  value: Float32Array;
  grad: Float32Array;
  /** RMSprop's running mean of squared gradients. */
  meanSquare: Float32Array;
  /** Tables: width of a row, and the step at which each row's mean square was last brought up to date. */
  rowWidth: number;
  updatedAt: Int32Array | null;
  /** Tables: rows touched by the current batch (deduplicated by `touchedStamp`). */
  touched: Int32Array | null;
  touchedCount: number;
  touchedStamp: Int32Array | null;
}

export interface RmspropSettings {
  learningRate: number;
  rho?: number;
  epsilon?: number;
}

/** a [rows, inner] x b [inner, cols], both plain arrays, in the backend; the result in `alloc(key)`. */
function matmul(a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number, alloc: Alloc, key: string): Float32Array {
  const bt = tf.tensor2d(b, [inner, cols]);
  try {
    return product(a, rows, inner, bt, alloc, key);
  } finally {
    bt.dispose();
  }
}

/** [rows, cols] -> [cols, rows]. */
function transpose(a: Float32Array, rows: number, cols: number, out: Float32Array = new Float32Array(a.length)): Float32Array {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = a[base + c];
  }
  return out;
}

/** log(1 + e^z), stable for large |z|. */
function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

/*
 * Rows of an embedding table summed per touchpoint, and the gradient added
 * back to them. Four columns at a time in locals, the ids in the inner loop:
 * measured in V8 on 512 touchpoints x 8 ids x 128 columns, 0.47-0.60 ms
 * against 1.3 ms for a row-by-row loop (gather), 0.65 against 1.3 (scatter).
 */

/** out[o..o+w) = bias + sum_k scale_k table[ids[at + k]] (scale absent = 1; bias absent = 0). */
function gatherRows(
  table: Float32Array,
  w: number,
  ids: Int32Array,
  at: number,
  k: number,
  scale: Float32Array | undefined,
  bias: Float32Array | null,
  out: Float32Array,
  o: number,
): void {
  let e = 0;
  for (; e + 4 <= w; e += 4) {
    let s0 = bias ? bias[e] : 0;
    let s1 = bias ? bias[e + 1] : 0;
    let s2 = bias ? bias[e + 2] : 0;
    let s3 = bias ? bias[e + 3] : 0;
    for (let j = 0; j < k; j++) {
      const f = scale ? scale[at + j] : 1;
      if (f === 0) continue;
      const r = ids[at + j] * w + e;
      s0 += f * table[r];
      s1 += f * table[r + 1];
      s2 += f * table[r + 2];
      s3 += f * table[r + 3];
    }
    out[o + e] = s0;
    out[o + e + 1] = s1;
    out[o + e + 2] = s2;
    out[o + e + 3] = s3;
  }
  for (; e < w; e++) {
    let sum = bias ? bias[e] : 0;
    for (let j = 0; j < k; j++) sum += (scale ? scale[at + j] : 1) * table[ids[at + j] * w + e];
    out[o + e] = sum;
  }
}

/** grad[ids[at + j]] += scale_j src[o..o+w) for each of the k ids. */
function scatterRows(grad: Float32Array, w: number, ids: Int32Array, at: number, k: number, scale: Float32Array | undefined, src: Float32Array, o: number): void {
  let e = 0;
  for (; e + 4 <= w; e += 4) {
    const d0 = src[o + e];
    const d1 = src[o + e + 1];
    const d2 = src[o + e + 2];
    const d3 = src[o + e + 3];
    for (let j = 0; j < k; j++) {
      const f = scale ? scale[at + j] : 1;
      if (f === 0) continue;
      const r = ids[at + j] * w + e;
      grad[r] += f * d0;
      grad[r + 1] += f * d1;
      grad[r + 2] += f * d2;
      grad[r + 3] += f * d3;
    }
  }
  for (; e < w; e++) {
    for (let j = 0; j < k; j++) grad[ids[at + j] * w + e] += (scale ? scale[at + j] : 1) * src[o + e];
  }
}

/**
 * A network's weights as plain arrays with their gradients and RMSprop
 * state: what the fused trainers of the sequence models and of the
 * regression share.
 */
abstract class FusedWeights {
  private readonly params = new Map<string, Param>();
  private readonly rho: number;
  private readonly epsilon: number;
  private readonly learningRate: number;
  /** Batches begun; stamps which table rows a batch touched. */
  protected step = 0;

  constructor(
    protected readonly net: Network,
    settings: RmspropSettings,
  ) {
    this.learningRate = settings.learningRate;
    this.rho = settings.rho ?? 0.9;
    this.epsilon = settings.epsilon ?? 1e-7;
    for (const [name, shape] of variableShapes(net.config)) {
      const variable = net.variables.get(name);
      if (!variable) throw new Error(`network has no variable ${name}`);
      const value = Float32Array.from(variable.dataSync() as Float32Array);
      const table = TABLES.has(name);
      const rows = shape[0];
      this.params.set(name, {
        name,
        shape,
        value,
        grad: new Float32Array(value.length),
        meanSquare: new Float32Array(value.length),
        rowWidth: table ? shape[1] : value.length,
        updatedAt: table ? new Int32Array(rows) : null,
        touched: table ? new Int32Array(rows) : null,
        touchedCount: 0,
        touchedStamp: table ? new Int32Array(rows).fill(-1) : null,
      });
    }
  }

  protected p(name: string): Param {
    const param = this.params.get(name);
    if (!param) throw new Error(`network has no variable ${name}`);
    return param;
  }

  /** Starts a batch: no table row touched yet. */
  protected beginBatch(): void {
    for (const param of this.params.values()) {
      if (param.touched) param.touchedCount = 0;
    }
    this.step++;
  }

  /** Marks table rows `ids` (with `scale` 0 entries skipped) as touched by this batch. */
  protected touch(param: Param, ids: Int32Array, scale?: Float32Array): void {
    const stamp = param.touchedStamp!;
    const touched = param.touched!;
    for (let q = 0; q < ids.length; q++) {
      if (scale && scale[q] === 0) continue;
      const id = ids[q];
      if (stamp[id] === this.step) continue;
      stamp[id] = this.step;
      touched[param.touchedCount++] = id;
    }
  }
  /** One RMSprop step from the gradients `gradients` left, which it then clears. */
  update(): void {
    const { rho, epsilon, learningRate } = this;
    for (const param of this.params.values()) {
      const { value, grad, meanSquare } = param;
      if (!param.updatedAt) {
        for (let q = 0; q < value.length; q++) {
          const g = grad[q];
          const ms = rho * meanSquare[q] + (1 - rho) * g * g;
          meanSquare[q] = ms;
          value[q] -= (learningRate * g) / Math.sqrt(ms + epsilon);
          grad[q] = 0;
        }
        continue;
      }
      const width = param.rowWidth;
      for (let r = 0; r < param.touchedCount; r++) {
        const row = param.touched![r];
        // Rows skipped since their last update had zero gradients: their mean square only decayed.
        const missed = this.step - 1 - param.updatedAt[row];
        const decay = missed > 0 ? Math.pow(rho, missed) : 1;
        param.updatedAt[row] = this.step;
        for (let q = row * width; q < (row + 1) * width; q++) {
          const g = grad[q];
          const ms = rho * (meanSquare[q] * decay) + (1 - rho) * g * g;
          meanSquare[q] = ms;
          value[q] -= (learningRate * g) / Math.sqrt(ms + epsilon);
          grad[q] = 0;
        }
      }
    }
  }

  /** A copy of one weight's current gradient (tests). */
  gradientOf(name: string): Float32Array {
    return Float32Array.from(this.p(name).grad);
  }

  /** Clears the gradients without an update (tests). */
  clearGradients(): void {
    for (const param of this.params.values()) param.grad.fill(0);
  }

  /** Writes the trainer's weights into the network's variables. */
  writeBack(): void {
    for (const param of this.params.values()) {
      const variable = this.net.variables.get(param.name)!;
      const t = tf.tensor(param.value, param.shape);
      variable.assign(t);
      t.dispose();
    }
  }
}

/** The fused trainer of the lstm and attention models. */
export class FusedTrainer extends FusedWeights {
  private readonly alloc: Alloc = workspace();

  constructor(net: Network, settings: RmspropSettings) {
    if (net.config.kind === 'logreg') throw new Error('FusedTrainer trains the sequence models; FusedRegressionTrainer the regression');
    super(net, settings);
  }

  /**
   * The mean loss of the batch and the gradients of every weight (left in
   * each param's `grad`), without updating anything.
   */
  gradients(input: StepInputs, labels: Float32Array, drop?: DropoutMasks): number {
    const c = this.net.config;
    const fullSteps = input.steps;
    const B = input.journeys;
    const K = c.idsPerStep;
    const F = c.numeric;
    // As networks.ts: steps after the batch's last touchpoint change nothing.
    const T = Math.max(1, activeSteps(input.mask, B, fullSteps));
    const x = T < fullSteps ? trimSteps(input, T, K, F) : input;
    const idScale = c.kind === 'lstm' && drop?.idScale ? (T < fullSteps ? trimIdScale(drop.idScale, B, fullSteps, T, K) : drop.idScale) : undefined;
    const H = c.units;
    const G = 4 * H;
    const N = B * T;
    this.beginBatch();

    // Gate inputs [N, G], and what the input side's backward needs.
    let xw: Float32Array;
    let emb: Float32Array | null = null;
    let inputScale: Float32Array | undefined;
    let active: Int32Array | null = null;
    const E = c.embedding;
    if (c.kind === 'lstm') {
      xw = this.lstmInputs(x, N, K, F, G, idScale, drop?.numericScale, T);
    } else {
      inputScale = drop?.inputScale;
      // Only the steps that carry a touchpoint: lstmForward leaves h and c as they were on the others,
      // so their gate inputs are never read and the products skip them (padding is most of a batch without buckets).
      active = activeRows(x.mask, N);
      emb = this.attentionEmbedding(x, active, K, F, E, inputScale, T);
      const product = matmul(emb, active.length, E, this.p('lstmKernel').value, G, this.alloc, 'embKernel');
      const bias = this.p('lstmBias').value;
      xw = this.alloc('xw', N * G);
      for (let i = 0; i < active.length; i++) {
        const to = active[i] * G;
        const from = i * G;
        for (let g = 0; g < G; g++) xw[to + g] = product[from + g] + bias[g];
      }
    }

    const shape: LstmShape = { journeys: B, steps: T, units: H };
    const recurrent = tf.tensor2d(this.p('recurrentKernel').value, [H, G]);
    let tape;
    try {
      tape = lstmForward(xw, recurrent, x.mask, drop?.recurrentScale, shape, this.alloc);
    } finally {
      recurrent.dispose();
    }
    const all = tape.out;

    // Pooling: the last state (lstm) or the attention context, then the user term.
    const pooled = this.alloc('pooled', B * H);
    let attention: Float32Array | null = null;
    let expScore: Float32Array | null = null;
    let score: Float32Array | null = null;
    let sums: Float64Array | null = null;
    if (c.kind === 'lstm') {
      for (let b = 0; b < B; b++) pooled.set(all.subarray((b * T + T - 1) * H, (b * T + T) * H), b * H);
    } else {
      const ak = this.p('attentionKernel').value;
      const ab = this.p('attentionBias').value[0];
      attention = this.alloc('attention', N);
      expScore = this.alloc('expScore', N);
      score = this.alloc('score', N);
      sums = new Float64Array(B);
      for (let b = 0; b < B; b++) {
        let sum = 0;
        for (let t = 0; t < T; t++) {
          const n = b * T + t;
          if (x.mask[n] === 0) continue;
          let dot = ab;
          for (let h = 0; h < H; h++) dot += all[n * H + h] * ak[h];
          const s = tanh32(dot);
          score[n] = s;
          // The mask is 0 or 1 here (masks of removed touchpoints are 0).
          const e = Math.exp(s) * x.mask[n];
          expScore[n] = e;
          sum += e;
        }
        sums[b] = sum;
        const denominator = Math.max(sum, ATTENTION_FLOOR);
        for (let t = 0; t < T; t++) {
          const n = b * T + t;
          const a = expScore[n] / denominator;
          attention[n] = a;
          if (a === 0) continue;
          for (let h = 0; h < H; h++) pooled[b * H + h] += a * all[n * H + h];
        }
      }
    }
    const U = c.userColumns ?? 0;
    if (U > 0) {
      if (!x.user) throw new Error('The model reads user attributes, but the batch carries none.');
      const table = this.p('userEmbedding').value;
      for (let b = 0; b < B; b++) {
        for (let u = 0; u < U; u++) {
          const row = x.user[b * U + u] * H;
          for (let h = 0; h < H; h++) pooled[b * H + h] += table[row + h];
        }
      }
    }

    // Output and loss: mean binary cross-entropy from the logits.
    const ok = this.p('outputKernel');
    const ob = this.p('outputBias');
    const dPooled = this.alloc('dPooled', B * H);
    let loss = 0;
    for (let b = 0; b < B; b++) {
      let z = ob.value[0];
      for (let h = 0; h < H; h++) z += pooled[b * H + h] * ok.value[h];
      z = Math.fround(z);
      loss += softplus(z) - labels[b] * z;
      const dz = (1 / (1 + Math.exp(-z)) - labels[b]) / B;
      ob.grad[0] += dz;
      for (let h = 0; h < H; h++) {
        ok.grad[h] += dz * pooled[b * H + h];
        dPooled[b * H + h] = dz * ok.value[h];
      }
    }
    if (U > 0) {
      const user = this.p('userEmbedding');
      this.touch(user, x.user!);
      for (let b = 0; b < B; b++) {
        for (let u = 0; u < U; u++) {
          const row = x.user![b * U + u] * H;
          for (let h = 0; h < H; h++) user.grad[row + h] += dPooled[b * H + h];
        }
      }
    }

    // Back through the pooling to every step's hidden state.
    const dAll = this.alloc('dAll', N * H);
    if (c.kind === 'lstm') {
      for (let b = 0; b < B; b++) dAll.set(dPooled.subarray(b * H, (b + 1) * H), (b * T + T - 1) * H);
    } else {
      const ak = this.p('attentionKernel');
      const ab = this.p('attentionBias');
      const dAttention = new Float64Array(T);
      for (let b = 0; b < B; b++) {
        // Softmax over the journey's steps: de_t = (da_t - sum_s da_s a_s) / sum e.
        // A journey with no touchpoint has no attention to differentiate.
        if (sums![b] === 0) continue;
        let weighted = 0;
        for (let t = 0; t < T; t++) {
          const n = b * T + t;
          dAttention[t] = 0;
          if (attention![n] === 0) continue;
          let da = 0;
          for (let h = 0; h < H; h++) {
            da += all[n * H + h] * dPooled[b * H + h];
            dAll[n * H + h] += attention![n] * dPooled[b * H + h];
          }
          dAttention[t] = da;
          weighted += da * attention![n];
        }
        for (let t = 0; t < T; t++) {
          const n = b * T + t;
          if (expScore![n] === 0) continue;
          const dScore = ((dAttention[t] - weighted) / sums![b]) * expScore![n];
          const dPre = dScore * (1 - score![n] * score![n]);
          ab.grad[0] += dPre;
          for (let h = 0; h < H; h++) {
            ak.grad[h] += dPre * all[n * H + h];
            dAll[n * H + h] += dPre * ak.value[h];
          }
        }
      }
    }

    const rT = tf.tensor2d(transpose(this.p('recurrentKernel').value, H, G, this.alloc('recurrentT', H * G)), [G, H]);
    let dX: Float32Array;
    try {
      const back = lstmBackward(tape, dAll, rT, x.mask, drop?.recurrentScale, shape, this.alloc);
      dX = back.dX;
      addInto(this.p('recurrentKernel').grad, back.dR);
    } finally {
      rT.dispose();
    }

    const bias = this.p('lstmBias').grad;
    for (let n = 0; n < N; n++) {
      if (x.mask[n] === 0) continue;
      for (let g = 0; g < G; g++) bias[g] += dX[n * G + g];
    }
    if (c.kind === 'lstm') this.lstmInputsBackward(x, dX, N, K, F, G, idScale, drop?.numericScale, T);
    else this.attentionEmbeddingBackward(x, active!, emb!, dX, K, F, E, G, inputScale, T);
    return loss / B;
  }

  /** The LSTM model's gate inputs: scaled embedding rows of the ids, the numeric features times their kernel, the bias. */
  private lstmInputs(x: StepInputs, N: number, K: number, F: number, G: number, idScale: Float32Array | undefined, numericScale: Float32Array | undefined, T: number): Float32Array {
    const table = this.p('inputEmbedding').value;
    const nk = this.p('numericKernel').value;
    const bias = this.p('lstmBias').value;
    const xw = this.alloc('xw', N * G);
    for (let n = 0; n < N; n++) {
      // lstmForward never reads the gate inputs of a masked step.
      if (x.mask[n] === 0) continue;
      const out = n * G;
      gatherRows(table, G, x.ids, n * K, K, idScale, bias, xw, out);
      const b = (n / T) | 0;
      for (let q = 0; q < F; q++) {
        const v = x.numeric[n * F + q] * (numericScale ? numericScale[b * F + q] : 1);
        if (v === 0) continue;
        for (let g = 0; g < G; g++) xw[out + g] += v * nk[q * G + g];
      }
    }
    return xw;
  }

  private lstmInputsBackward(x: StepInputs, dX: Float32Array, N: number, K: number, F: number, G: number, idScale: Float32Array | undefined, numericScale: Float32Array | undefined, T: number): void {
    const table = this.p('inputEmbedding');
    const nk = this.p('numericKernel').grad;
    this.touch(table, x.ids, idScale);
    for (let n = 0; n < N; n++) {
      // dX is zero on masked steps: nothing to add.
      if (x.mask[n] === 0) continue;
      const d = n * G;
      scatterRows(table.grad, G, x.ids, n * K, K, idScale, dX, d);
      const b = (n / T) | 0;
      for (let q = 0; q < F; q++) {
        const v = x.numeric[n * F + q] * (numericScale ? numericScale[b * F + q] : 1);
        if (v === 0) continue;
        for (let g = 0; g < G; g++) nk[q * G + g] += v * dX[d + g];
      }
    }
  }

  /** The attention model's 128-wide touchpoint embedding, after dropout, of the `active` steps: [active.length, E]. */
  private attentionEmbedding(x: StepInputs, active: Int32Array, K: number, F: number, E: number, inputScale: Float32Array | undefined, T: number): Float32Array {
    const table = this.p('inputEmbedding').value;
    const nk = this.p('numericKernel').value;
    const bias = this.p('embeddingBias').value;
    const emb = this.alloc('emb', active.length * E);
    for (let i = 0; i < active.length; i++) {
      const n = active[i];
      const out = i * E;
      gatherRows(table, E, x.ids, n * K, K, undefined, bias, emb, out);
      for (let q = 0; q < F; q++) {
        const v = x.numeric[n * F + q];
        if (v === 0) continue;
        for (let e = 0; e < E; e++) emb[out + e] += v * nk[q * E + e];
      }
      if (inputScale) {
        const s = ((n / T) | 0) * E;
        for (let e = 0; e < E; e++) emb[out + e] *= inputScale[s + e];
      }
    }
    return emb;
  }

  private attentionEmbeddingBackward(x: StepInputs, active: Int32Array, emb: Float32Array, dX: Float32Array, K: number, F: number, E: number, G: number, inputScale: Float32Array | undefined, T: number): void {
    const A = active.length;
    // dX of the active steps only (it is zero on the others).
    const dXA = this.alloc('dXActive', A * G);
    for (let i = 0; i < A; i++) dXA.set(dX.subarray(active[i] * G, (active[i] + 1) * G), i * G);
    // The 128 x 4H kernel: emb^T dX; the embedding's gradient: dX kernel^T.
    addInto(this.p('lstmKernel').grad, matmul(transpose(emb, A, E, this.alloc('embT', A * E)), E, A, dXA, G, this.alloc, 'kernelGrad'));
    const dEmb = matmul(dXA, A, G, transpose(this.p('lstmKernel').value, E, G, this.alloc('kernelT', E * G)), E, this.alloc, 'dEmb');
    const table = this.p('inputEmbedding');
    const nk = this.p('numericKernel').grad;
    const bias = this.p('embeddingBias').grad;
    this.touch(table, x.ids);
    for (let i = 0; i < A; i++) {
      const n = active[i];
      const d = i * E;
      if (inputScale) {
        const s = ((n / T) | 0) * E;
        for (let e = 0; e < E; e++) dEmb[d + e] *= inputScale[s + e];
      }
      for (let e = 0; e < E; e++) bias[e] += dEmb[d + e];
      scatterRows(table.grad, E, x.ids, n * K, K, undefined, dEmb, d);
      for (let q = 0; q < F; q++) {
        const v = x.numeric[n * F + q];
        if (v === 0) continue;
        for (let e = 0; e < E; e++) nk[q * E + e] += v * dEmb[d + e];
      }
    }
  }

  /** Forward, backward and update on one batch; returns its mean loss. */
  trainBatch(input: StepInputs, labels: Float32Array, drop?: DropoutMasks): number {
    const loss = this.gradients(input, labels, drop);
    this.update();
    return loss;
  }

}

function addInto(to: Float32Array, from: Float32Array): void {
  for (let q = 0; q < to.length; q++) to[q] += from[q];
}

/**
 * The fused trainer of the logistic regression: logit = the sum of the
 * journey's coefficients (its distinct campaigns, category values and user
 * attributes) + clicks and cost times theirs + the bias. Through tfjs ops a
 * batch cost ~20 kernels of bookkeeping for a few hundred multiply-adds.
 */
export class FusedRegressionTrainer extends FusedWeights {
  constructor(net: Network, settings: RmspropSettings) {
    if (net.config.kind !== 'logreg') throw new Error('FusedRegressionTrainer trains the regression');
    super(net, settings);
  }

  /** The mean loss of the batch and the gradients of every weight, without updating anything. */
  gradients(x: AggregateInputs, labels: Float32Array): number {
    this.beginBatch();
    const coefficients = this.p('coefficients');
    const dense = this.p('denseCoefficients');
    const bias = this.p('bias');
    const B = x.journeys;
    const W = x.width;
    const D = dense.value.length;
    this.touch(coefficients, x.ids, x.scale);
    let loss = 0;
    for (let b = 0; b < B; b++) {
      let z = bias.value[0];
      for (let q = b * W; q < (b + 1) * W; q++) {
        const s = x.scale[q];
        if (s !== 0) z += s * coefficients.value[x.ids[q]];
      }
      for (let d = 0; d < D; d++) z += x.dense[b * D + d] * dense.value[d];
      z = Math.fround(z);
      loss += softplus(z) - labels[b] * z;
      const dz = (1 / (1 + Math.exp(-z)) - labels[b]) / B;
      bias.grad[0] += dz;
      for (let q = b * W; q < (b + 1) * W; q++) {
        const s = x.scale[q];
        if (s !== 0) coefficients.grad[x.ids[q]] += s * dz;
      }
      for (let d = 0; d < D; d++) dense.grad[d] += x.dense[b * D + d] * dz;
    }
    return loss / B;
  }

  /** Forward, backward and update on one batch; returns its mean loss. */
  trainBatch(x: AggregateInputs, labels: Float32Array): number {
    const loss = this.gradients(x, labels);
    this.update();
    return loss;
  }
}
