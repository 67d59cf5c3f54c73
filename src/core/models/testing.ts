/**
 * PreparedData fabricated directly (no log, no preparation step), for the
 * models' tests and the training benchmark: journeys given by hand, or drawn
 * from a small planted model where some campaigns raise conversion.
 */
import { DEFAULT_PREPARE } from '../settings';
import { Split, type PreparedData } from '../prepared';
import { createRng } from '../random';

export interface FixtureJourney {
  /** Prepared campaign index per touchpoint, in time order. */
  campaigns: number[];
  label: 0 | 1;
  split: Split;
  /** Per touchpoint, one value index per category column (default all 0). */
  categories?: number[][];
  clicks?: number[];
}

export interface FixtureOptions {
  campaigns: number;
  categoryColumns?: number;
  /** Values per category column. */
  categoryValues?: number;
  steps?: number;
  negativeSamplingRate?: number;
}

const NUMERIC_NAMES = ['click', 'cost', 'time_since_last_click', 'timestamp'];

/** PreparedData holding exactly `journeys`, cut to `steps` touchpoints (first kept). */
export function fabricatePrepared(journeys: FixtureJourney[], options: FixtureOptions): PreparedData {
  const steps = options.steps ?? 15;
  const cols = options.categoryColumns ?? 2;
  const values = options.categoryValues ?? 3;
  const j = journeys.length;
  const eventCount = journeys.reduce((n, x) => n + x.campaigns.length, 0);
  const f = NUMERIC_NAMES.length;
  const events = {
    count: eventCount,
    journey: new Uint32Array(eventCount),
    campaign: new Uint32Array(eventCount),
    timestamp: new Float64Array(eventCount),
    cost: new Float32Array(eventCount),
    click: new Uint8Array(eventCount),
    row: new Uint32Array(eventCount),
    categories: new Int32Array(eventCount * cols),
  };
  const label = new Uint8Array(j);
  const split = new Uint8Array(j);
  const eventOffsets = new Uint32Array(j + 1);
  const eventsByJourney = new Uint32Array(eventCount);
  const seq = {
    steps,
    campaign: new Int32Array(j * steps),
    categories: new Int32Array(j * steps * cols),
    categoryColumns: cols,
    numeric: new Float32Array(j * steps * f),
    numericNames: [...NUMERIC_NAMES],
    mask: new Float32Array(j * steps),
    length: new Uint16Array(j),
  };
  // Journeys follow one another in time, so journey-then-touchpoint order is time order.
  let e = 0;
  journeys.forEach((x, q) => {
    label[q] = x.label;
    split[q] = x.split;
    const kept = Math.min(steps, x.campaigns.length);
    seq.length[q] = kept;
    x.campaigns.forEach((campaign, t) => {
      const click = x.clicks?.[t] ?? 0;
      events.journey[e] = q;
      events.campaign[e] = campaign;
      events.timestamp[e] = e;
      events.cost[e] = 0.01;
      events.click[e] = click;
      events.row[e] = e;
      for (let c = 0; c < cols; c++) events.categories[e * cols + c] = c * values + (x.categories?.[t]?.[c] ?? 0);
      eventsByJourney[e] = e;
      if (t < kept) {
        const s = q * steps + t;
        seq.campaign[s] = campaign;
        seq.mask[s] = 1;
        for (let c = 0; c < cols; c++) seq.categories[s * cols + c] = events.categories[e * cols + c];
        seq.numeric.set([click, 0.01, 0, e / Math.max(1, eventCount - 1)], s * f);
      }
      e++;
    });
    eventOffsets[q + 1] = e;
  });
  const categoryOffsets = new Int32Array(cols + 1);
  for (let c = 0; c <= cols; c++) categoryOffsets[c] = c * values;
  const converted = journeys.filter((x) => x.label === 1);
  return {
    settings: { ...DEFAULT_PREPARE, maxTouchpoints: steps },
    campaignIds: Array.from({ length: options.campaigns }, (_, c) => `c${c}`),
    campaignSource: Uint32Array.from({ length: options.campaigns }, (_, c) => c),
    categoryNames: Array.from({ length: cols }, (_, c) => `cat${c + 1}`),
    categoryOffsets,
    events,
    journeys: { count: j, label, split, eventOffsets, eventsByJourney, user: Uint32Array.from({ length: j }, (_, q) => q) },
    sequences: seq,
    negativeSamplingRate: options.negativeSamplingRate ?? 1,
    stats: {
      campaignsInData: options.campaigns,
      campaignsSampled: options.campaigns,
      journeysBeforeFilter: j,
      journeysAfterFilter: j,
      convertedJourneys: converted.length,
      unconvertedJourneys: j - converted.length,
      convertedEvents: converted.reduce((n, x) => n + x.campaigns.length, 0),
      unconvertedEvents: journeys.filter((x) => x.label === 0).reduce((n, x) => n + x.campaigns.length, 0),
    },
  };
}

export interface PlantedOptions {
  journeys: number;
  campaigns: number;
  categoryColumns: number;
  categoryValues: number;
  steps: number;
  seed: number;
  /** Campaign indexes that raise the log-odds of conversion by `effect` per touchpoint. */
  causal: number[];
  effect?: number;
  /** Log-odds of a journey with no causal touchpoint. */
  base?: number;
  /** Longest journey (lengths are uniform 1..maxLength). */
  maxLength?: number;
}

/** Journeys drawn from a planted model: label ~ Bernoulli(sigmoid(base + effect x causal touchpoints)); splits 64/16/20. */
export function plantedJourneys(o: PlantedOptions): FixtureJourney[] {
  const rng = createRng(o.seed);
  const causal = new Set(o.causal);
  const effect = o.effect ?? 1.5;
  const base = o.base ?? -1.5;
  const maxLength = o.maxLength ?? o.steps;
  const out: FixtureJourney[] = [];
  for (let q = 0; q < o.journeys; q++) {
    const length = 1 + rng.int(maxLength);
    const campaigns: number[] = [];
    const categories: number[][] = [];
    let logit = base;
    for (let t = 0; t < length; t++) {
      const c = rng.int(o.campaigns);
      campaigns.push(c);
      categories.push(Array.from({ length: o.categoryColumns }, () => rng.int(o.categoryValues)));
      if (causal.has(c) && t < o.steps) logit += effect;
    }
    const u = rng.next();
    const label = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    out.push({ campaigns, categories, label, split: u < 0.2 ? Split.Test : u < 0.36 ? Split.Validation : Split.Train });
  }
  return out;
}

export function plantedPrepared(o: PlantedOptions): PreparedData {
  return fabricatePrepared(plantedJourneys(o), {
    campaigns: o.campaigns,
    categoryColumns: o.categoryColumns,
    categoryValues: o.categoryValues,
    steps: o.steps,
  });
}
