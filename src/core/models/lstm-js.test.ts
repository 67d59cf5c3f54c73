import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { lstmBackward, lstmForward, sigmoid32, tanh32 } from './lstm-js';

describe('the gate functions of the JS recurrence', () => {
  // A dense grid through the curved part and far into both flat tails, plus the edges of the clamp.
  const xs = [...Array.from({ length: 400_001 }, (_, i) => -20 + i * 1e-4), -7.905311107635498, 7.905311107635498, 0, -0, 1e-12, -1e-12, 50, -50];

  it('tanh32 is within float32 rounding of Math.tanh, odd, and never leaves [-1, 1]', () => {
    let worst = 0;
    for (const x of xs) {
      const y = tanh32(x);
      worst = Math.max(worst, Math.abs(y - Math.tanh(x)));
      expect(Math.abs(y)).toBeLessThanOrEqual(1);
      expect(tanh32(-x)).toBe(-y);
    }
    expect(worst).toBeLessThan(3e-7);
  });

  it('sigmoid32 is within float32 rounding of 1/(1+e^-x) and stays in [0, 1]', () => {
    let worst = 0;
    for (const x of xs) {
      const y = sigmoid32(x);
      worst = Math.max(worst, Math.abs(y - 1 / (1 + Math.exp(-x))));
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(1);
    }
    expect(worst).toBeLessThan(2e-7);
  });
});

describe('the JS recurrence packs the journeys that take each step', () => {
  const H = 4;
  const G = 4 * H;
  const T = 5;
  const rng = createRng(7);
  const draw = (n: number) => Float32Array.from({ length: n }, () => rng.next() - 0.5);
  const kernel = draw(H * G);
  // Lengths 0, 2 and 5, with a removed touchpoint in the middle of the last: a journey's place in a
  // step's product is never its place in the batch.
  const masks = [
    [0, 0, 0, 0, 0],
    [1, 1, 0, 0, 0],
    [1, 1, 0, 1, 1],
  ];
  const B = masks.length;
  const xw = draw(B * T * G);
  const dOut = draw(B * T * H);
  const scale = Float32Array.from({ length: B * H }, (_, i) => (i % 3 === 0 ? 0 : 1.25));

  function pass(rows: number[]) {
    const mask = Float32Array.from(rows.flatMap((b) => masks[b]));
    const x = Float32Array.from(rows.flatMap((b) => [...xw.subarray(b * T * G, (b + 1) * T * G)]));
    const d = Float32Array.from(rows.flatMap((b) => [...dOut.subarray(b * T * H, (b + 1) * T * H)]));
    const s = Float32Array.from(rows.flatMap((b) => [...scale.subarray(b * H, (b + 1) * H)]));
    const shape = { journeys: rows.length, steps: T, units: H };
    const r = tf.tensor2d(kernel, [H, G]);
    const rT = tf.transpose(r) as tf.Tensor2D;
    const tape = lstmForward(x, r, mask, s, shape);
    const back = lstmBackward(tape, d, rT, mask, s, shape);
    r.dispose();
    rT.dispose();
    return { out: tape.out, ...back };
  }

  it('gives each journey what it gets alone, and the kernel gradient their sum', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const all = pass([0, 1, 2]);
    const alone = [0, 1, 2].map((b) => pass([b]));
    for (let b = 0; b < B; b++) {
      const out = all.out.subarray(b * T * H, (b + 1) * T * H);
      for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(alone[b].out[i], 6);
      const dx = all.dX.subarray(b * T * G, (b + 1) * T * G);
      for (let i = 0; i < dx.length; i++) expect(dx[i]).toBeCloseTo(alone[b].dX[i], 6);
    }
    for (let i = 0; i < H * G; i++) expect(all.dR[i]).toBeCloseTo(alone[0].dR[i] + alone[1].dR[i] + alone[2].dR[i], 5);
    // The empty journey: no output, no gradient; the first journey's gradient is not all zero.
    expect(alone[0].out.every((v) => v === 0)).toBe(true);
    expect(alone[0].dR.every((v) => v === 0)).toBe(true);
    expect(alone[2].dR.some((v) => v !== 0)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
