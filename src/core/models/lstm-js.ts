/**
 * The LSTM recurrence over all steps as ONE tfjs op: gate arithmetic in plain
 * JS on Float32Arrays, the [B, H] x [H, 4H] recurrent product of each step
 * handed to the backend's matMul (wasm SIMD), and a hand-written backward
 * pass. Written with tfjs ops, one training batch of the recurrence was
 * ~1,200 small kernels (about 15 per step forward, 2-3x that backward, each
 * with tape and memory bookkeeping); here it is one matMul per step each way
 * plus one for the recurrent kernel's gradient. Measured on wasm, CPU time of
 * the attention model's forward + backward, 64 journeys: 27 against 39 ms at
 * 2 steps, 71 against 90 ms at 15; at 256 journeys and more the JS gate
 * arithmetic loses (networks.ts: JS_RECURRENCE_MAX_JOURNEYS).
 * The products stay in the backend because plain-JS ones ran ~14x slower
 * (5.2 ms against 0.38 ms for [64,64] x [64,256], copies included).
 *
 * Reading data back every step suits wasm and cpu, whose tensors live in
 * JS-visible memory; GPU backends keep the tfjs-op recurrence (networks.ts).
 * Tests check this op against the tfjs-op version, outputs and gradients.
 *
 * Gate layout of the 4H columns: input, forget, output, candidate. A step with
 * mask 0 leaves h and c as they were (padding or a removed touchpoint).
 */
import * as tf from '@tensorflow/tfjs';

/*
 * tanh as Eigen computes it for float32 (ptanh_float, the approximation
 * TensorFlow's CPU kernels use): a 13/6 rational function clamped at +-7.9,
 * within 3e-7 of Math.tanh everywhere (lstm-js.test.ts), i.e. float32
 * rounding. Measured in V8, inlined in a loop: 9 ns against 40 ns for
 * Math.tanh, and the gate arithmetic is 5 of these per unit and step.
 */
const CLAMP = 7.90531110763549805;
export function tanh32(a: number): number {
  const x = a > CLAMP ? CLAMP : a < -CLAMP ? -CLAMP : a;
  const x2 = x * x;
  let p = x2 * -2.76076847742355e-16 + 2.00018790482477e-13;
  p = p * x2 - 8.60467152213735e-11;
  p = p * x2 + 5.12229709037114e-8;
  p = p * x2 + 1.48572235717979e-5;
  p = p * x2 + 6.37261928875436e-4;
  p = p * x2 + 4.89352455891786e-3;
  let q = x2 * 1.19825839466702e-6 + 1.18534705686654e-4;
  q = q * x2 + 2.268434632439e-3;
  q = q * x2 + 4.89352518554385e-3;
  return (p * x) / q;
}

/** Logistic sigmoid through tanh32: 1/(1+e^-x) = (1 + tanh(x/2)) / 2, within 2e-7 (13 ns against 27 ns with Math.exp). */
export const sigmoid32 = (x: number): number => 0.5 * tanh32(0.5 * x) + 0.5;

export interface LstmShape {
  journeys: number;
  steps: number;
  units: number;
}

/**
 * Where the passes get their arrays: `fresh` allocates (the tfjs op, whose
 * arrays outlive the call in its gradient's closure); a trainer's
 * `workspace` hands out the same zeroed arrays batch after batch, so that
 * training does not feed the garbage collector ~5 MB a batch.
 */
export type Alloc = (key: string, size: number) => Float32Array;

export const fresh: Alloc = (_key, size) => new Float32Array(size);

export function workspace(): Alloc {
  const arrays = new Map<string, Float32Array>();
  return (key, size) => {
    let a = arrays.get(key);
    if (!a || a.length < size) {
      a = new Float32Array(Math.max(size, Math.ceil((a?.length ?? 0) * 1.25)));
      arrays.set(key, a);
    }
    const view = a.subarray(0, size);
    view.fill(0);
    return view;
  };
}

/** What the wasm backend offers to read a tensor where it lies in the heap, without a copy. */
interface HeapBackend {
  typedArrayFromHeap(info: { shape: number[]; dtype: tf.DataType; dataId: object }): Float32Array | Int32Array | Uint8Array;
}

/**
 * A float32 tensor's values copied into `out` (its first t.size values, returned as a view).
 * On wasm they are copied straight from the heap: dataSync() slices the heap
 * into a fresh ArrayBuffer per call, and in a Chromium worker a fresh
 * ArrayBuffer costs far more than in Node (measured in a worker: a 64 KB
 * slice ~1 ms against ~15 us in Node, copying into an existing array ~2-4 us
 * in both), which made the fused trainer ~20% readSync in the tab.
 * Other backends read through dataSync (cpu: no copy, the values it holds).
 */
export function readInto(t: tf.Tensor, out: Float32Array): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`readInto reads float32 tensors, not ${t.dtype}`);
  if (out.length < t.size) throw new Error(`readInto: ${t.size} values do not fit in ${out.length}`);
  const view = out.length === t.size ? out : out.subarray(0, t.size);
  const backend = tf.backend() as Partial<HeapBackend>;
  if (tf.getBackend() === 'wasm' && typeof backend.typedArrayFromHeap === 'function') view.set(backend.typedArrayFromHeap(t));
  else view.set(t.dataSync() as Float32Array);
  return view;
}

/** rows x cols product of a Float32Array [rows, inner] with a backend tensor [inner, cols], read back into `alloc(key)`. */
export function product(a: Float32Array, rows: number, inner: number, b: tf.Tensor2D, alloc: Alloc = fresh, key = 'product'): Float32Array {
  const x = tf.tensor2d(a, [rows, inner]);
  const y = tf.matMul(x, b);
  try {
    return readInto(y, alloc(key, rows * b.shape[1]));
  } finally {
    x.dispose();
    y.dispose();
  }
}

/**
 * What the forward pass keeps for the backward one, per (journey, step):
 * activated gates, tanh(c_new), c before the step, and the recurrent input h
 * (after dropout) laid out [H, B*T] so that the kernel's gradient is one
 * plain matMul; `out` is the hidden state after every step, [B*T, H].
 */
export interface LstmTape {
  gates: Float32Array;
  tanhC: Float32Array;
  cBefore: Float32Array;
  hInT: Float32Array;
  out: Float32Array;
}

/** The rows of a [B*T] mask whose step carries a touchpoint (mask not 0), in order. */
export function activeRows(mask: Float32Array, N: number): Int32Array {
  let count = 0;
  for (let n = 0; n < N; n++) if (mask[n] !== 0) count++;
  const rows = new Int32Array(count);
  for (let n = 0, i = 0; n < N; n++) if (mask[n] !== 0) rows[i++] = n;
  return rows;
}

/**
 * The recurrence forward on plain arrays.
 * @param xw [B*T, 4H], rows journey-major (row b*T + t): x_t W + bias
 * @param recurrent [H, 4H] in the backend
 * @param mask [B*T]
 * @param recurrentScale [B*H] dropout multipliers on h before the recurrent matMul, or undefined
 */
export function lstmForward(
  xw: Float32Array,
  recurrent: tf.Tensor2D,
  mask: Float32Array,
  recurrentScale: Float32Array | undefined,
  shape: LstmShape,
  alloc: Alloc = fresh,
): LstmTape {
  const { journeys: B, steps: T, units: H } = shape;
  const G = 4 * H;
  const N = B * T;
  const gates = alloc('gates', N * G);
  const tanhC = alloc('tanhC', N * H);
  const cBefore = alloc('cBefore', N * H);
  const hInT = alloc('hInT', H * N);
  const out = alloc('out', N * H);
  const h = alloc('h', B * H);
  const c = alloc('c', B * H);
  const hIn = alloc('hIn', B * H);
  // The journeys with a touchpoint at step t, and where each one's row is in the step's product.
  const live = new Int32Array(B);
  const slot = new Int32Array(B);
  for (let t = 0; t < T; t++) {
    // Only the journeys that take step t enter its product: the others keep h and c (padding after a
    // short journey, or a removed touchpoint), so a batch of mixed lengths multiplies no padding.
    let k = 0;
    for (let b = 0; b < B; b++) if (mask[b * T + t] !== 0) live[k++] = b;
    // h is all zeros before the first step: its product is zero too.
    let rec: Float32Array | null = null;
    if (t > 0 && k > 0) {
      for (let i = 0; i < k; i++) {
        const b = live[i];
        slot[b] = i;
        const hb = b * H;
        const ib = i * H;
        for (let j = 0; j < H; j++) {
          const v = recurrentScale ? h[hb + j] * recurrentScale[hb + j] : h[hb + j];
          hIn[ib + j] = v;
          hInT[j * N + b * T + t] = v;
        }
      }
      rec = product(hIn.subarray(0, k * H), k, H, recurrent, alloc, 'rec');
    }
    for (let b = 0; b < B; b++) {
      const row = b * T + t;
      const hb = b * H;
      cBefore.set(c.subarray(hb, hb + H), row * H);
      const m = mask[row];
      if (m !== 0) {
        const x = row * G;
        const gRow = row * G;
        const rb = slot[b] * G;
        for (let u = 0; u < H; u++) {
          const i = sigmoid32(xw[x + u] + (rec ? rec[rb + u] : 0));
          const f = sigmoid32(xw[x + H + u] + (rec ? rec[rb + H + u] : 0));
          const o = sigmoid32(xw[x + 2 * H + u] + (rec ? rec[rb + 2 * H + u] : 0));
          const g = tanh32(xw[x + 3 * H + u] + (rec ? rec[rb + 3 * H + u] : 0));
          gates[gRow + u] = i;
          gates[gRow + H + u] = f;
          gates[gRow + 2 * H + u] = o;
          gates[gRow + 3 * H + u] = g;
          const cNew = f * c[hb + u] + i * g;
          const tc = tanh32(cNew);
          tanhC[row * H + u] = tc;
          c[hb + u] += m * (cNew - c[hb + u]);
          h[hb + u] += m * (o * tc - h[hb + u]);
        }
      }
      out.set(h.subarray(hb, hb + H), row * H);
    }
  }
  return { gates, tanhC, cBefore, hInT, out };
}

/**
 * The recurrence backward on plain arrays: from the gradient of every step's
 * hidden state, the gradient of the gate inputs ([B*T, 4H]) and of the
 * recurrent kernel ([H, 4H]).
 * @param recurrentT the recurrent kernel transposed, [4H, H], in the backend
 */
export function lstmBackward(
  tape: LstmTape,
  dOut: Float32Array,
  recurrentT: tf.Tensor2D,
  mask: Float32Array,
  recurrentScale: Float32Array | undefined,
  shape: LstmShape,
  alloc: Alloc = fresh,
): { dX: Float32Array; dR: Float32Array } {
  const { journeys: B, steps: T, units: H } = shape;
  const G = 4 * H;
  const N = B * T;
  const { gates, tanhC, cBefore, hInT } = tape;
  const dX = alloc('dX', N * G);
  const dh = alloc('dh', B * H);
  const dc = alloc('dc', B * H);
  // The gate gradients of the journeys that took step t, packed: row i is journey live[i].
  const dzStep = alloc('dzStep', B * G);
  const live = new Int32Array(B);
  for (let t = T - 1; t >= 0; t--) {
    let k = 0;
    for (let b = 0; b < B; b++) {
      const row = b * T + t;
      const hb = b * H;
      for (let u = 0; u < H; u++) dh[hb + u] += dOut[row * H + u];
      const m = mask[row];
      // h and c pass through a masked step untouched: their gradients too.
      if (m === 0) continue;
      const dz = k * G;
      live[k++] = b;
      const gRow = row * G;
      for (let u = 0; u < H; u++) {
        const i = gates[gRow + u];
        const f = gates[gRow + H + u];
        const o = gates[gRow + 2 * H + u];
        const g = gates[gRow + 3 * H + u];
        const tc = tanhC[row * H + u];
        // h = h_prev + m (h_new - h_prev), likewise c.
        const dhNew = m * dh[hb + u];
        let dcNew = m * dc[hb + u] + dhNew * o * (1 - tc * tc);
        const cPrev = cBefore[row * H + u];
        dzStep[dz + u] = dcNew * g * i * (1 - i);
        dzStep[dz + H + u] = dcNew * cPrev * f * (1 - f);
        dzStep[dz + 2 * H + u] = dhNew * tc * o * (1 - o);
        dzStep[dz + 3 * H + u] = dcNew * i * (1 - g * g);
        dcNew *= f;
        // What flows on to step t-1: the carried part plus the path through the cell.
        dc[hb + u] = (1 - m) * dc[hb + u] + dcNew;
        dh[hb + u] = (1 - m) * dh[hb + u];
      }
      dX.set(dzStep.subarray(dz, dz + G), gRow);
    }
    // Before the first step h is the zero start state: nothing flows further back.
    if (t === 0 || k === 0) continue;
    const back = product(dzStep.subarray(0, k * G), k, G, recurrentT, alloc, 'back');
    for (let i = 0; i < k; i++) {
      const hb = live[i] * H;
      const ib = i * H;
      for (let u = 0; u < H; u++) dh[hb + u] += recurrentScale ? back[ib + u] * recurrentScale[hb + u] : back[ib + u];
    }
  }
  // hInT is zero at each journey's first step (the zero start state) and dX is
  // zero on masked steps, so neither adds to the kernel's gradient: the product
  // takes the steps that carry a touchpoint only.
  const rows = activeRows(mask, N);
  const A = rows.length;
  if (A === 0) return { dX, dR: new Float32Array(H * G) };
  let hCols = hInT;
  let dRows = dX;
  if (A < N) {
    hCols = alloc('hInTLive', H * A);
    dRows = alloc('dXLive', A * G);
    for (let i = 0; i < A; i++) {
      const n = rows[i];
      for (let j = 0; j < H; j++) hCols[j * A + i] = hInT[j * N + n];
      dRows.set(dX.subarray(n * G, (n + 1) * G), i * G);
    }
  }
  const a = tf.tensor2d(hCols, [H, A]);
  const d = tf.tensor2d(dRows, [A, G]);
  const dRt = tf.matMul(a, d);
  try {
    return { dX, dR: readInto(dRt, alloc('dR', H * G)) };
  } finally {
    a.dispose();
    d.dispose();
    dRt.dispose();
  }
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
  const N = B * T;
  const op = tf.customGrad((...args) => {
    const xw = (args[0] as tf.Tensor).dataSync() as Float32Array;
    const r = args[1] as tf.Tensor2D;
    const tape = lstmForward(xw, r, mask, recurrentScale, shape);
    return {
      value: tf.tensor2d(tape.out, [N, H]),
      gradFunc: (dy: tf.Tensor) => {
        const rT = tf.transpose(r);
        const { dX, dR } = lstmBackward(tape, dy.dataSync() as Float32Array, rT, mask, recurrentScale, shape);
        rT.dispose();
        return [tf.tensor2d(dX, [N, G]), tf.tensor2d(dR, [H, G])];
      },
    };
  });
  return op(gateInputs, recurrent) as tf.Tensor2D;
}
