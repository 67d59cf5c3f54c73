/**
 * Embedding sums: the article's Dense layer over one-hot (campaign, categories)
 * vectors computed as a sum of rows of the weight matrix, which is the same
 * number at a fraction of the cost (15 x 1,500 floats per journey become 15 x 8
 * integer ids).
 *
 * The gradient of tf.gather is UnsortedSegmentSum, which the wasm backend lacks,
 * so there the backward pass is written by hand (see `EmbeddingGradMode`).
 */
import * as tf from '@tensorflow/tfjs';
import { hasNativeGatherGrad } from './backend';
import { linear } from './ops';

/**
 * How the embedding sum is computed and differentiated:
 * - `native`: tf.gather and its own gradient (webgl, webgpu and cpu have the kernel);
 * - `segment`: the backend's SparseSegmentSum both ways (forward: rows of the
 *   table summed per touchpoint; backward: rows of the gradient summed per id,
 *   after a counting sort by id), i.e. two C++ kernels on wasm;
 * - `js`: rows gathered and gradients scatter-added in plain JS on Float32Arrays,
 *   crossing to the backend as one dense tensor each way;
 * - `scatter-nd`: tf.gather forward, tf.scatterND (which sums duplicate ids) backward;
 * - `onehot`: the article's form, a many-hot [n, vocabulary] matrix built per
 *   batch times the table (only for comparison in bench/train.ts).
 * `auto` picks `native` on the GPU backends, `segment` on wasm and `js` on cpu.
 * Measured on wasm (tfjs 4.22), the attention model's batch of 512
 * touchpoints x 8 ids x 128 floats, forward + backward: segment ~1 ms, js
 * ~8 ms, gather + scatterND ~100 ms (wasm's GatherV2 and ScatterNd are slow
 * at these shapes).
 */
export type EmbeddingGradMode = 'auto' | 'native' | 'segment' | 'js' | 'scatter-nd' | 'onehot';

export function resolveGradMode(mode: EmbeddingGradMode): Exclude<EmbeddingGradMode, 'auto'> {
  if (mode !== 'auto') return mode;
  // The cpu backend has the kernels, but its gather and segment sum are slow JS
  // loops over the whole batch (a training batch of the logistic regression took
  // 2.9 s of CPU against 0.02 s on wasm with the JS path).
  const backend = tf.getBackend();
  if (backend === 'wasm') return 'segment';
  return hasNativeGatherGrad() && backend !== 'cpu' ? 'native' : 'js';
}

/**
 * The (row, id) entries whose multiplier is not 0, and the one multiplier they
 * share; null when they do not share one (then SparseSegmentSum, which has no
 * weights, cannot stand in). Multipliers here are 1, padding 0, or dropout's
 * 0 or 1/(1-p), so they always share one in practice.
 */
function keptEntries(ids: Int32Array, n: number, k: number, scale: Float32Array | undefined): { ids: Int32Array; rows: Int32Array; factor: number } | null {
  if (!scale) {
    const rows = new Int32Array(n * k);
    for (let q = 0; q < n * k; q++) rows[q] = (q / k) | 0;
    return { ids, rows, factor: 1 };
  }
  let factor = 0;
  let kept = 0;
  for (let q = 0; q < n * k; q++) {
    const s = scale[q];
    if (s === 0) continue;
    if (factor === 0) factor = s;
    else if (s !== factor) return null;
    kept++;
  }
  const keptIds = new Int32Array(kept);
  const rows = new Int32Array(kept);
  let at = 0;
  for (let q = 0; q < n * k; q++) {
    if (scale[q] === 0) continue;
    keptIds[at] = ids[q];
    rows[at++] = (q / k) | 0;
  }
  return { ids: keptIds, rows, factor: factor || 1 };
}

/** Sum of `data` rows per segment, as [segments, D]: SparseSegmentSum stops at the last segment present, so the rest is padded with zeros. */
function segmentSum(data: tf.Tensor2D, indices: Int32Array, segmentIds: Int32Array, segments: number, factor: number): tf.Tensor2D {
  const dim = data.shape[1];
  if (indices.length === 0) return tf.zeros([segments, dim]);
  return tf.tidy(() => {
    let sum = tf.sparse.sparseSegmentSum(data, tf.tensor1d(indices, 'int32'), tf.tensor1d(segmentIds, 'int32')) as tf.Tensor2D;
    const missing = segments - sum.shape[0];
    if (missing > 0) sum = tf.pad(sum, [[0, missing], [0, 0]]);
    return factor === 1 ? sum : tf.mul(sum, factor);
  });
}

/** The entries ordered by id (a counting sort): SparseSegmentSum wants its segment ids sorted. */
function byId(entries: { ids: Int32Array; rows: Int32Array }, vocabulary: number): { ids: Int32Array; rows: Int32Array } {
  const start = new Int32Array(vocabulary + 1);
  for (let q = 0; q < entries.ids.length; q++) start[entries.ids[q] + 1]++;
  for (let v = 0; v < vocabulary; v++) start[v + 1] += start[v];
  const ids = new Int32Array(entries.ids.length);
  const rows = new Int32Array(entries.ids.length);
  for (let q = 0; q < entries.ids.length; q++) {
    const at = start[entries.ids[q]]++;
    ids[at] = entries.ids[q];
    rows[at] = entries.rows[q];
  }
  return { ids, rows };
}

/**
 * out[n] = sum_k scale[n, k] * table[ids[n, k]].
 * @param table [vocabulary, D]
 * @param ids   n*k vocabulary indexes, row-major [n, k]
 * @param scale n*k multipliers (dropout masks, 0 for padding); undefined = all 1
 * @returns [n, D]
 */
export function embeddingSum(
  table: tf.Tensor2D,
  ids: Int32Array,
  n: number,
  k: number,
  scale: Float32Array | undefined,
  mode: Exclude<EmbeddingGradMode, 'auto'>,
): tf.Tensor2D {
  const [vocabulary, dim] = table.shape;
  const forwardTf = (t: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() => {
      let rows: tf.Tensor2D = tf.gather(t, tf.tensor1d(ids, 'int32'));
      if (scale) rows = tf.mul(rows, tf.tensor2d(scale, [n * k, 1]));
      return tf.sum(tf.reshape(rows, [n, k, dim]), 1);
    });
  if (mode === 'native') return forwardTf(table);
  if (mode === 'segment') {
    const entries = keptEntries(ids, n, k, scale);
    if (entries) {
      const withSegmentGrad = tf.customGrad((...args) => ({
        value: segmentSum(args[0] as tf.Tensor2D, entries.ids, entries.rows, n, entries.factor),
        gradFunc: (dy: tf.Tensor) => {
          const sorted = byId(entries, vocabulary);
          return segmentSum(dy as tf.Tensor2D, sorted.rows, sorted.ids, vocabulary, entries.factor);
        },
      }));
      return withSegmentGrad(table) as tf.Tensor2D;
    }
    mode = 'js';
  }
  if (mode === 'onehot') {
    const manyHot = new Float32Array(n * vocabulary);
    for (let row = 0; row < n; row++) for (let j = 0; j < k; j++) manyHot[row * vocabulary + ids[row * k + j]] += scale ? scale[row * k + j] : 1;
    return tf.tidy(() => linear(tf.tensor2d(manyHot, [n, vocabulary]), table));
  }

  /** For every kept (touchpoint, id) pair, table row into touchpoint row (gather) or the reverse (scatter), times its multiplier. */
  const addRows = (from: Float32Array, to: Float32Array, direction: 'gather' | 'scatter'): void => {
    for (let row = 0; row < n; row++) {
      for (let j = 0; j < k; j++) {
        const s = scale ? scale[row * k + j] : 1;
        if (s === 0) continue;
        const touchpoint = row * dim;
        const id = ids[row * k + j] * dim;
        const src = direction === 'gather' ? id : touchpoint;
        const dst = direction === 'gather' ? touchpoint : id;
        for (let d = 0; d < dim; d++) to[dst + d] += s * from[src + d];
      }
    }
  };

  const forwardJs = (t: tf.Tensor2D): tf.Tensor2D => {
    const out = new Float32Array(n * dim);
    addRows(t.dataSync() as Float32Array, out, 'gather');
    return tf.tensor2d(out, [n, dim]);
  };

  const withGrad = tf.customGrad((...args) => ({
    value: mode === 'js' ? forwardJs(args[0] as tf.Tensor2D) : forwardTf(args[0] as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor) => {
      if (mode === 'scatter-nd') {
        return tf.tidy(() => {
          let updates: tf.Tensor = tf.broadcastTo(tf.reshape(dy, [n, 1, dim]), [n, k, dim]);
          if (scale) updates = tf.mul(updates, tf.tensor3d(scale, [n, k, 1]));
          return tf.scatterND(tf.tensor2d(ids, [n * k, 1], 'int32'), tf.reshape(updates, [n * k, dim]), [vocabulary, dim]);
        });
      }
      const grad = new Float32Array(vocabulary * dim);
      addRows(dy.dataSync() as Float32Array, grad, 'scatter');
      return tf.tensor2d(grad, [vocabulary, dim]);
    },
  }));
  return withGrad(table) as tf.Tensor2D;
}
