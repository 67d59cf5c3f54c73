/**
 * RMSprop (the article's optimizer; Keras defaults rho 0.9, no momentum, not
 * centred) as one step per batch.
 *
 * On wasm and cpu the update runs in plain JS over Float32Arrays: tfjs's own
 * optimizer spends ~10 kernels per variable per batch (square, two
 * multiplies, adds, sqrt, divide, subtract, assign), ~100 for the attention
 * model, each with engine bookkeeping, while the arithmetic is a few hundred
 * thousand floats. GPU backends keep tf.train.rmsprop: reading weights back
 * every batch would stall them.
 */
import * as tf from '@tensorflow/tfjs';

export interface BatchOptimizer {
  /** Differentiates `loss` with respect to `variables` and updates them; returns the loss (the caller disposes it). */
  step(loss: () => tf.Scalar): tf.Scalar;
  dispose(): void;
}

export interface RmspropSettings {
  learningRate: number;
  /** Keras's rho. */
  decay: number;
  epsilon: number;
}

/** Whether the backend's tensors live in memory JS reads without a device round trip. */
export function hostMemoryBackend(): boolean {
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu';
}

export function createRmsprop(settings: RmspropSettings, variables: tf.Variable[], inJs = hostMemoryBackend()): BatchOptimizer {
  if (!inJs) {
    const optimizer = tf.train.rmsprop(settings.learningRate, settings.decay, 0, settings.epsilon);
    return {
      step: (loss) => optimizer.minimize(loss, true, variables)!,
      dispose: () => optimizer.dispose(),
    };
  }
  const { learningRate, decay, epsilon } = settings;
  const meanSquares = variables.map((v) => new Float32Array(v.size));
  return {
    step(loss) {
      const { value, grads } = tf.variableGrads(loss, variables);
      variables.forEach((variable, q) => {
        const gradient = grads[variable.name];
        const g = gradient.dataSync() as Float32Array;
        const w = Float32Array.from(variable.dataSync() as Float32Array);
        const ms = meanSquares[q];
        for (let i = 0; i < w.length; i++) {
          const gi = g[i];
          const m = decay * ms[i] + (1 - decay) * gi * gi;
          ms[i] = m;
          w[i] -= (learningRate * gi) / Math.sqrt(m + epsilon);
        }
        const next = tf.tensor(w, variable.shape, 'float32');
        variable.assign(next);
        next.dispose();
        gradient.dispose();
      });
      return value;
    },
    dispose() {
      meanSquares.length = 0;
    },
  };
}
