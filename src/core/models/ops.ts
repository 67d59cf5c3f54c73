/**
 * Small tensor helpers for the hand-written networks.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * a @ b with a gradient that never asks for a transposed matMul: on the wasm
 * backend (tfjs 4.22) matMul with transposeA/transposeB ran 10-30x slower than
 * an explicit transpose followed by a plain matMul (e.g. [960,128]^T x
 * [960,256]: 166 ms against 5 ms), and tf.matMul's own gradient uses both.
 */
export function linear(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b);
  return linearWasm(a, b) as tf.Tensor2D;
}

const linearWasm = tf.customGrad((...args) => {
  const a = args[0] as tf.Tensor2D;
  const b = args[1] as tf.Tensor2D;
  const save = args[2] as tf.GradSaveFunc;
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(sb)), tf.matMul(tf.transpose(sa), g)];
    },
  };
});
