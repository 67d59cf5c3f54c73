/**
 * The planted conversion model of a synthetic world, in one place: the
 * generator draws conversions from it and the oracle (./oracle.ts) asks it
 * what a journey would do with fewer impressions. A journey converts with
 * probability sigmoid(base + sum over its campaigns of effect x dose(exposure)),
 * where a campaign's exposure sums its impressions' weights: 1 each, less when
 * the impression is long before the journey's end (decay), more when it was
 * clicked (click lift), 0 for the dependent campaign's impressions that no
 * trigger impression preceded (interaction).
 */
import type { DoseRule } from './types';

const DAY = 86_400;

export interface PlantedModel {
  /** Per campaign, on the log-odds per unit of dose. */
  effects: Float64Array;
  dose: DoseRule;
  saturation: number;
  /** Seconds; 0 = impressions do not decay. */
  decayHalfLife: number;
  clickLift: number;
  /** Interaction: `dependent`'s impressions count only after one of `trigger`'s in the same journey; -1 = none. */
  trigger: number;
  dependent: number;
}

export function plantedModel(
  effects: Float64Array,
  p: { dose: DoseRule; saturation: number; decayHalfLifeDays: number; clickLift: number },
  trigger = -1,
  dependent = -1,
): PlantedModel {
  return {
    effects,
    dose: p.dose,
    saturation: p.saturation,
    decayHalfLife: p.decayHalfLifeDays * DAY,
    clickLift: p.clickLift,
    trigger,
    dependent,
  };
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** The dose of `exposure` (a sum of impression weights) under a rule. */
export function dose(rule: DoseRule, exposure: number, saturation: number): number {
  if (exposure <= 0) return 0;
  switch (rule) {
    case 'log2':
      // Diminishing returns: the 2nd exposure adds 0.58 of the 1st, the 3rd 0.42, ...
      return Math.log2(1 + exposure);
    case 'once':
      return 1;
    case 'linear':
      return exposure;
    case 'saturating':
      return saturation * (1 - Math.exp(-exposure / saturation));
  }
}

/**
 * Scratch state for scoring journeys: per campaign its exposure in the current
 * journey, and the campaigns touched in first-appearance order (the order the
 * demo generator always added effects in, so its floating-point sums, and with
 * them its bytes, stay as they were).
 */
export class JourneyScratch {
  readonly exposure: Float64Array;
  readonly contribution: Float64Array;
  readonly touched: Int32Array;
  count = 0;

  constructor(campaigns: number) {
    this.exposure = new Float64Array(campaigns);
    this.contribution = new Float64Array(campaigns);
    this.touched = new Int32Array(campaigns);
  }
}

/**
 * The journey's log-odds with the impressions `served` marks (all when
 * omitted); fills `scratch` with each touched campaign's contribution, for
 * removal effects. Impressions k = from..to-1 of the parallel arrays, in time
 * order; `end` is the time of the journey's last logged touchpoint.
 */
export function journeyLogit(
  model: PlantedModel,
  base: number,
  time: ArrayLike<number>,
  campaign: ArrayLike<number>,
  click: ArrayLike<number>,
  from: number,
  to: number,
  end: number,
  scratch: JourneyScratch,
  served?: ArrayLike<number>,
): number {
  const { exposure, contribution, touched } = scratch;
  for (let i = 0; i < scratch.count; i++) exposure[touched[i]] = 0;
  scratch.count = 0;
  let triggerSeen = false;
  for (let k = from; k < to; k++) {
    if (served && !served[k]) continue;
    const c = campaign[k];
    let w = 1;
    if (c === model.dependent && !triggerSeen) w = 0;
    if (c === model.trigger) triggerSeen = true;
    if (w !== 0 && model.decayHalfLife > 0) w *= Math.pow(0.5, (end - time[k]) / model.decayHalfLife);
    if (w !== 0 && model.clickLift !== 1 && click[k]) w *= model.clickLift;
    if (exposure[c] === 0 && !isTouched(scratch, c)) touched[scratch.count++] = c;
    exposure[c] += w;
  }
  let logit = base;
  for (let i = 0; i < scratch.count; i++) {
    const c = touched[i];
    contribution[c] = model.effects[c] * dose(model.dose, exposure[c], model.saturation);
    logit += contribution[c];
  }
  return logit;
}

/** Linear in the journey's campaigns; journeys touch few, so this beats a second array. */
function isTouched(scratch: JourneyScratch, c: number): boolean {
  for (let i = 0; i < scratch.count; i++) if (scratch.touched[i] === c) return true;
  return false;
}

/**
 * The journey's log-odds without campaign c (every impression of it removed,
 * all else held), from a `journeyLogit` call's scratch: its own contribution
 * goes, and with the trigger gone the dependent's contribution goes too.
 */
export function logitWithout(model: PlantedModel, logit: number, scratch: JourneyScratch, c: number): number {
  let out = logit - scratch.contribution[c];
  if (c === model.trigger && model.dependent >= 0 && scratch.exposure[model.dependent] > 0) {
    out -= scratch.contribution[model.dependent];
  }
  return out;
}
