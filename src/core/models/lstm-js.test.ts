import { describe, expect, it } from 'vitest';
import { sigmoid32, tanh32 } from './lstm-js';

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
