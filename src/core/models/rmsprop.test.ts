import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { useBackend } from './backend';
import { createRmsprop } from './rmsprop';

beforeAll(async () => {
  expect((await useBackend('wasm')).ok).toBe(true);
});

it.each([
  { learningRate: 0.001, decay: 0.9, epsilon: 1e-7 },
  { learningRate: 0.05, decay: 0.5, epsilon: 1e-3 },
])('the JS update follows tf.train.rmsprop step for step, without leaking tensors (%o)', (settings) => {
  const start = [Float32Array.from([0.5, -1, 2, 0.25, -0.75, 1.5]), Float32Array.from([0.1, -0.2, 0.3])];
  const make = () => [tf.variable(tf.tensor2d(start[0], [3, 2])), tf.variable(tf.tensor1d(start[1]))];
  const ours = make();
  const theirs = make();
  const x = tf.tensor2d([1, 2, -1, 0.5, 3, -2, 0, 1], [4, 2]);
  // A loss whose gradient changes from step to step, with a zero-gradient row (row 2 of the first variable is unused).
  const loss = ([w, b]: tf.Variable[]) => () =>
    tf.tidy(() => tf.sum(tf.square(tf.add(tf.matMul(x, tf.slice(w as tf.Tensor2D, [0, 0], [2, 2])), tf.slice(b, [0], [2])))) as tf.Scalar);
  const js = createRmsprop(settings, ours, true);
  const reference = createRmsprop(settings, theirs, false);
  for (let step = 0; step < 6; step++) {
    const a = js.step(loss(ours));
    const b = reference.step(loss(theirs));
    expect(a.dataSync()[0]).toBeCloseTo(b.dataSync()[0], 4);
    tf.dispose([a, b]);
  }
  ours.forEach((v, q) => expect(Array.from(v.dataSync())).toEqual(Array.from(theirs[q].dataSync()).map((y) => expect.closeTo(y, 5))));
  // The unused row never moves.
  expect(Array.from(ours[0].dataSync()).slice(4)).toEqual(Array.from(start[0]).slice(4).map((y) => expect.closeTo(y, 6)));
  // Moved at all: the comparison is not between two untouched copies.
  expect(Math.abs(ours[0].dataSync()[0] - start[0][0])).toBeGreaterThan(1e-4);
  const afterJs = tf.memory().numTensors;
  js.step(loss(ours)).dispose();
  expect(tf.memory().numTensors).toBe(afterJs);
  js.dispose();
  reference.dispose();
  tf.dispose([...ours, ...theirs, x]);
});
