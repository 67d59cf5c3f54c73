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
 * - `js`: rows gathered and gradients scatter-added in plain JS on Float32Arrays,
 *   crossing to the backend as one dense tensor each way;
 * - `scatter-nd`: tf.gather forward, tf.scatterND (which sums duplicate ids) backward;
 * - `onehot`: the article's form, a many-hot [n, vocabulary] matrix built per
 *   batch times the table (only for comparison in bench/train.ts).
 * `auto` picks `native` on the GPU backends, else `js`: on wasm
 * (tfjs 4.22) GatherV2 took ~470 ms to gather 7,680 rows of 256 floats, which
 * the JS loop does in a few ms (bench/train.ts prints both).
 */
export type EmbeddingGradMode = 'auto' | 'native' | 'js' | 'scatter-nd' | 'onehot';

export function resolveGradMode(mode: EmbeddingGradMode): Exclude<EmbeddingGradMode, 'auto'> {
  if (mode !== 'auto') return mode;
  // The cpu backend has the kernels, but its gather and segment sum are slow JS
  // loops over the whole batch (a training batch of the logistic regression took
  // 2.9 s of CPU against 0.02 s on wasm with the JS path).
  return hasNativeGatherGrad() && tf.getBackend() !== 'cpu' ? 'native' : 'js';
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
  if (mode === 'onehot') {
    const manyHot = new Float32Array(n * vocabulary);
    for (let row = 0; row < n; row++) for (let j = 0; j < k; j++) manyHot[row * vocabulary + ids[row * k + j]] += scale ? scale[row * k + j] : 1;
    return tf.tidy(() => linear(tf.tensor2d(manyHot, [n, vocabulary]), table));
  }

  const forwardJs = (t: tf.Tensor2D): tf.Tensor2D => {
    const w = t.dataSync() as Float32Array;
    const out = new Float32Array(n * dim);
    for (let row = 0; row < n; row++) {
      const dst = row * dim;
      for (let j = 0; j < k; j++) {
        const s = scale ? scale[row * k + j] : 1;
        if (s === 0) continue;
        const src = ids[row * k + j] * dim;
        for (let d = 0; d < dim; d++) out[dst + d] += s * w[src + d];
      }
    }
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
      const g = dy.dataSync() as Float32Array;
      const grad = new Float32Array(vocabulary * dim);
      for (let row = 0; row < n; row++) {
        const src = row * dim;
        for (let j = 0; j < k; j++) {
          const s = scale ? scale[row * k + j] : 1;
          if (s === 0) continue;
          const dst = ids[row * k + j] * dim;
          for (let d = 0; d < dim; d++) grad[dst + d] += s * g[src + d];
        }
      }
      return tf.tensor2d(grad, [vocabulary, dim]);
    },
  }));
  return withGrad(table) as tf.Tensor2D;
}
