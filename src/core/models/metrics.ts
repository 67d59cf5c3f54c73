/** Held-out metrics of a conversion model: plain JS over typed arrays. */

export interface CalibrationBin {
  /** Predicted-probability range [lower, upper) (the last bin includes 1). */
  lower: number;
  upper: number;
  journeys: number;
  meanPredicted: number;
  /** Share of these journeys that converted; NaN-free: 0 when the bin is empty. */
  observedRate: number;
}

export interface ClassificationMetrics {
  journeys: number;
  logLoss: number;
  /** At a 0.5 threshold. */
  accuracy: number;
  /** Exact ROC-AUC (Mann-Whitney, ties counted half); NaN when one class is absent. */
  auc: number;
  calibration: CalibrationBin[];
}

/** Probabilities are clipped to [eps, 1 - eps] as Keras does (eps = 1e-7). */
const EPS = 1e-7;

export function logLoss(labels: ArrayLike<number>, probs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - EPS, Math.max(EPS, probs[i]));
    sum -= labels[i] ? Math.log(p) : Math.log(1 - p);
  }
  return labels.length ? sum / labels.length : NaN;
}

export function accuracy(labels: ArrayLike<number>, probs: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) if ((probs[i] >= 0.5 ? 1 : 0) === (labels[i] ? 1 : 0)) right++;
  return labels.length ? right / labels.length : NaN;
}

/** Exact ROC-AUC via average ranks: O(n log n), tied scores get the mean of their ranks. */
export function rocAuc(labels: ArrayLike<number>, probs: ArrayLike<number>): number {
  const n = labels.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => probs[a] - probs[b]);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && probs[order[end]] === probs[order[start]]) end++;
    // Ranks start..end-1 (0-based) share their mean, (start + end + 1) / 2 in 1-based ranks.
    const meanRank = (start + end + 1) / 2;
    for (let q = start; q < end; q++) {
      if (labels[order[q]]) {
        positives++;
        rankSum += meanRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function calibrationTable(labels: ArrayLike<number>, probs: ArrayLike<number>, bins = 10): CalibrationBin[] {
  const count = new Float64Array(bins);
  const predicted = new Float64Array(bins);
  const observed = new Float64Array(bins);
  for (let i = 0; i < labels.length; i++) {
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(probs[i] * bins)));
    count[bin]++;
    predicted[bin] += probs[i];
    observed[bin] += labels[i] ? 1 : 0;
  }
  return Array.from({ length: bins }, (_, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    journeys: count[b],
    meanPredicted: count[b] ? predicted[b] / count[b] : 0,
    observedRate: count[b] ? observed[b] / count[b] : 0,
  }));
}

export function classificationMetrics(labels: ArrayLike<number>, probs: ArrayLike<number>): ClassificationMetrics {
  return {
    journeys: labels.length,
    logLoss: logLoss(labels, probs),
    accuracy: accuracy(labels, probs),
    auc: rocAuc(labels, probs),
    calibration: calibrationTable(labels, probs),
  };
}

/**
 * Prior correction for balancing: unconverted journeys were kept with rate r,
 * so the balanced odds are the true odds divided by r; odds_true = odds_bal * r,
 * i.e. p' = p r / (p r + 1 - p).
 */
export function priorCorrect(p: number, negativeSamplingRate: number): number {
  const r = negativeSamplingRate;
  if (r === 1) return p;
  const num = p * r;
  const den = num + (1 - p);
  return den > 0 ? num / den : 0;
}

/** One epoch of training, as the loss charts and the metrics files show it. */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  trainLoss: number;
  /** NaN when there are no validation journeys. */
  validationLoss: number;
  seconds: number;
}
