/**
 * The LSTM recurrence over all steps as one tfjs op computed in plain JS,
 * forward and backward. Written with tfjs ops, one training step of the
 * recurrence is ~1,700 small kernels (about 20 per step forward, 2-3x that
 * backward); here it is two passes of loops over Float32Arrays. That wins on
 * the cpu backend (its kernels are plain JS too); on wasm the SIMD matMuls
 * win, so networks.ts picks this only for cpu. Tests check it against the
 * tfjs-op version, outputs and gradients.
 *
 * Gate layout of the 4H columns: input, forget, output, candidate. A step with
 * mask 0 leaves h and c as they were (padding or a removed touchpoint).
 */
import * as tf from '@tensorflow/tfjs';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export interface LstmShape {
  journeys: number;
  steps: number;
  units: number;
}

/**
 * @param gateInputs [B*T, 4H], rows journey-major (row b*T + t): x_t W + bias
 * @param recurrent  [H, 4H]
 * @param mask       [B*T]
 * @param recurrentScale [B*H] dropout multipliers on h before the recurrent matMul, or undefined
 * @returns [B*T, H]: the hidden state after every step
 */
export function lstmSequence(
  gateInputs: tf.Tensor2D,
  recurrent: tf.Tensor2D,
  mask: Float32Array,
  recurrentScale: Float32Array | undefined,
  shape: LstmShape,
): tf.Tensor2D {
  const { journeys: B, steps: T, units: H } = shape;
  const G = 4 * H;
  const op = tf.customGrad((...args) => {
    const xw = (args[0] as tf.Tensor).dataSync() as Float32Array;
    const r = (args[1] as tf.Tensor).dataSync() as Float32Array;
    // Saved for the backward pass, per (journey, step): activated gates, tanh(c_new), and h, c before the step.
    const gates = new Float32Array(B * T * G);
    const tanhC = new Float32Array(B * T * H);
    const hBefore = new Float32Array(B * T * H);
    const cBefore = new Float32Array(B * T * H);
    const out = new Float32Array(B * T * H);
    const h = new Float32Array(H);
    const c = new Float32Array(H);
    const hIn = new Float32Array(H);
    const z = new Float32Array(G);
    for (let b = 0; b < B; b++) {
      h.fill(0);
      c.fill(0);
      for (let t = 0; t < T; t++) {
        const row = b * T + t;
        hBefore.set(h, row * H);
        cBefore.set(c, row * H);
        const m = mask[row];
        if (m === 0) {
          out.set(h, row * H);
          continue;
        }
        for (let j = 0; j < H; j++) hIn[j] = recurrentScale ? h[j] * recurrentScale[b * H + j] : h[j];
        z.set(xw.subarray(row * G, row * G + G));
        for (let j = 0; j < H; j++) {
          const a = hIn[j];
          if (a === 0) continue;
          const rr = j * G;
          for (let q = 0; q < G; q++) z[q] += a * r[rr + q];
        }
        const gRow = row * G;
        for (let u = 0; u < H; u++) {
          const i = sigmoid(z[u]);
          const f = sigmoid(z[H + u]);
          const o = sigmoid(z[2 * H + u]);
          const g = Math.tanh(z[3 * H + u]);
          gates[gRow + u] = i;
          gates[gRow + H + u] = f;
          gates[gRow + 2 * H + u] = o;
          gates[gRow + 3 * H + u] = g;
          const cNew = f * c[u] + i * g;
          const tc = Math.tanh(cNew);
          tanhC[row * H + u] = tc;
          const hNew = o * tc;
          c[u] += m * (cNew - c[u]);
          h[u] += m * (hNew - h[u]);
        }
        out.set(h, row * H);
      }
    }
    return {
      value: tf.tensor2d(out, [B * T, H]),
      gradFunc: (dy: tf.Tensor) => {
        const dOut = dy.dataSync() as Float32Array;
        const dX = new Float32Array(B * T * G);
        const dR = new Float32Array(H * G);
        const dh = new Float32Array(H);
        const dc = new Float32Array(H);
        const dz = new Float32Array(G);
        const hIn = new Float32Array(H);
        for (let b = 0; b < B; b++) {
          dh.fill(0);
          dc.fill(0);
          for (let t = T - 1; t >= 0; t--) {
            const row = b * T + t;
            for (let u = 0; u < H; u++) dh[u] += dOut[row * H + u];
            const m = mask[row];
            if (m === 0) continue; // h and c pass through untouched: their gradients too.
            const gRow = row * G;
            for (let u = 0; u < H; u++) {
              const i = gates[gRow + u];
              const f = gates[gRow + H + u];
              const o = gates[gRow + 2 * H + u];
              const g = gates[gRow + 3 * H + u];
              const tc = tanhC[row * H + u];
              // h = h_prev + m (h_new - h_prev), likewise c.
              const dhNew = m * dh[u];
              let dcNew = m * dc[u] + dhNew * o * (1 - tc * tc);
              const dO = dhNew * tc;
              const cPrev = cBefore[row * H + u];
              dz[u] = dcNew * g * i * (1 - i);
              dz[H + u] = dcNew * cPrev * f * (1 - f);
              dz[2 * H + u] = dO * o * (1 - o);
              dz[3 * H + u] = dcNew * i * (1 - g * g);
              dcNew *= f;
              // What flows on to step t-1: the carried part plus the path through the cell.
              dc[u] = (1 - m) * dc[u] + dcNew;
              dh[u] = (1 - m) * dh[u];
            }
            dX.set(dz, gRow);
            for (let j = 0; j < H; j++) hIn[j] = recurrentScale ? hBefore[row * H + j] * recurrentScale[b * H + j] : hBefore[row * H + j];
            for (let j = 0; j < H; j++) {
              const rr = j * G;
              let acc = 0;
              for (let q = 0; q < G; q++) acc += dz[q] * r[rr + q];
              dh[j] += recurrentScale ? acc * recurrentScale[b * H + j] : acc;
              const a = hIn[j];
              if (a !== 0) for (let q = 0; q < G; q++) dR[rr + q] += a * dz[q];
            }
          }
        }
        return [tf.tensor2d(dX, [B * T, G]), tf.tensor2d(dR, [H, G])];
      },
    };
  });
  return op(gateInputs, recurrent) as tf.Tensor2D;
}
