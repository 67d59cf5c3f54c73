/**
 * Seeded weight initialisers (Keras's defaults), computed in JS so that the
 * same seed gives the same starting weights on every backend: tfjs's own
 * initialisers draw from an unseeded global generator.
 */
import type { Rng } from '../random';

/** Keras `glorot_uniform`: U(-l, l), l = sqrt(6 / (fanIn + fanOut)), laid out [rows, cols]. */
export function glorotUniform(rng: Rng, rows: number, cols: number, fanIn = rows, fanOut = cols): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * limit;
  return out;
}

/**
 * Keras `orthogonal` for a recurrent kernel [rows, cols] with rows <= cols
 * (e.g. [64, 256]): rows orthonormal, by Gram-Schmidt on a normal matrix.
 */
export function orthogonal(rng: Rng, rows: number, cols: number): Float32Array {
  if (rows > cols) throw new Error('orthogonal: rows must not exceed cols');
  const m = new Float64Array(rows * cols);
  for (let i = 0; i < m.length; i++) m[i] = rng.normal();
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let p = 0; p < r; p++) {
      const prev = p * cols;
      let dot = 0;
      for (let c = 0; c < cols; c++) dot += m[row + c] * m[prev + c];
      for (let c = 0; c < cols; c++) m[row + c] -= dot * m[prev + c];
    }
    let norm = 0;
    for (let c = 0; c < cols; c++) norm += m[row + c] * m[row + c];
    norm = Math.sqrt(norm);
    for (let c = 0; c < cols; c++) m[row + c] /= norm;
  }
  return Float32Array.from(m);
}

/** LSTM bias [4H] in gate order i, f, g, o: zeros except the forget gate at 1 (Keras `unit_forget_bias`). */
export function lstmBias(units: number): Float32Array {
  const b = new Float32Array(4 * units);
  b.fill(1, units, 2 * units);
  return b;
}
