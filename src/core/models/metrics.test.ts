import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { accuracy, calibrationTable, logLoss, priorCorrect, rocAuc } from './metrics';

/** O(n^2) definition: P(score of a positive > score of a negative), ties half. */
function pairwiseAuc(labels: number[], probs: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (!labels[i]) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j]) continue;
      pairs++;
      wins += probs[i] > probs[j] ? 1 : probs[i] === probs[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

describe('rocAuc', () => {
  it.each([
    { name: 'perfect', labels: [0, 0, 1, 1], probs: [0.1, 0.2, 0.8, 0.9], auc: 1 },
    { name: 'reversed', labels: [1, 1, 0, 0], probs: [0.1, 0.2, 0.8, 0.9], auc: 0 },
    { name: 'all tied', labels: [0, 1, 0, 1], probs: [0.5, 0.5, 0.5, 0.5], auc: 0.5 },
    { name: 'one tie across classes', labels: [0, 1, 1], probs: [0.3, 0.3, 0.9], auc: 0.75 },
  ])('$name', ({ labels, probs, auc }) => {
    expect(rocAuc(labels, probs)).toBeCloseTo(auc, 12);
  });

  it.each([1, 2, 3])('matches the pairwise definition on coarse scores with many ties (seed %i)', (seed) => {
    const rng = createRng(seed);
    const labels = Array.from({ length: 300 }, () => (rng.next() < 0.4 ? 1 : 0));
    const probs = labels.map((y) => Math.round((0.3 * y + rng.next()) * 10) / 10);
    expect(rocAuc(labels, probs)).toBeCloseTo(pairwiseAuc(labels, probs), 12);
  });

  it('is NaN when one class is missing', () => {
    expect(rocAuc([1, 1], [0.2, 0.4])).toBeNaN();
  });
});

describe('logLoss, accuracy, calibration', () => {
  it('log-loss of a constant 0.5 is ln 2 whatever the labels', () => {
    expect(logLoss([0, 1, 1, 0, 1], [0.5, 0.5, 0.5, 0.5, 0.5])).toBeCloseTo(Math.LN2, 12);
  });

  it('clips certain wrong answers instead of returning Infinity', () => {
    expect(Number.isFinite(logLoss([1], [0]))).toBe(true);
  });

  it.each([
    { labels: [1, 0, 1, 0], probs: [0.9, 0.1, 0.4, 0.6], expected: 0.5 },
    { labels: [1, 0], probs: [0.5, 0.49], expected: 1 },
  ])('accuracy at 0.5 is $expected', ({ labels, probs, expected }) => {
    expect(accuracy(labels, probs)).toBe(expected);
  });

  it('calibration puts each journey in one of 10 bins with its observed rate', () => {
    const probs = [0.05, 0.15, 0.15, 0.95, 1];
    const labels = [0, 1, 0, 1, 1];
    const table = calibrationTable(labels, probs);
    expect(table).toHaveLength(10);
    expect(table.reduce((n, b) => n + b.journeys, 0)).toBe(probs.length);
    expect(table[1]).toMatchObject({ journeys: 2, observedRate: 0.5 });
    expect(table[1].meanPredicted).toBeCloseTo(0.15, 12);
    expect(table[9]).toMatchObject({ journeys: 2, observedRate: 1 });
  });
});

describe('priorCorrect', () => {
  it.each([0.1, 0.5, 0.9])('multiplies the odds by the negative sampling rate (p = %f)', (p) => {
    const r = 0.2;
    const q = priorCorrect(p, r);
    expect(q / (1 - q)).toBeCloseTo((p / (1 - p)) * r, 10);
  });

  it('leaves probabilities alone when nothing was dropped', () => {
    expect(priorCorrect(0.37, 1)).toBe(0.37);
  });
});
