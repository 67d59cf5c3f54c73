/**
 * Shapley values with the model as the value function: within one journey,
 * the players are its distinct campaigns, a coalition is worth the model's
 * conversion probability for the journey keeping only those campaigns'
 * touchpoints (in their order). The empty coalition is worth 0 (noAds 'zero',
 * the default), or, under noAds 'model' for a model with user attributes, the
 * model's probability for the user with no ads (the user's attributes stay:
 * journey-batch.ts). The values of a journey add
 * up to its probability with every touchpoint less the empty coalition's
 * (efficiency), so summed over journeys they split the expected conversions
 * the touchpoints add.
 *
 * Exact over all 2^n coalitions up to `exactUpTo` distinct campaigns;
 * beyond that, the mean of marginal contributions over random orderings
 * (Castro, Gomez & Tejada 2009), seeded per journey, with its standard error.
 */
import type { PreparedData } from '../prepared';
import type { JourneyScorer } from '../models/scorer';
import { createRng } from '../random';
import { bootstrapIntervals } from './bootstrap';
import {
  DEFAULT_BATCH_SIZE,
  groupIdenticalJourneys,
  groupWeights,
  JourneyBatcher,
  journeyWeights,
  perCampaign,
  selectJourneys,
  throwIfAborted,
  type JourneySubset,
} from './journey-batch';
import type { CounterfactualOptions } from './removal';

/** Orderings sampled per journey with more distinct campaigns than `exactUpTo`, unless told. */
export const DEFAULT_PERMUTATIONS = 200;

export interface ShapleyOptions extends CounterfactualOptions {
  /** Journeys with up to this many distinct campaigns get exact values; 6 unless told (64 coalitions). */
  exactUpTo?: number;
  /** Orderings sampled per journey beyond `exactUpTo`; 200 unless told. */
  permutations?: number;
  seed?: number;
}

export interface CampaignShapley {
  campaign: string;
  /** Expected conversions credited to the campaign: sum of its Shapley values over journeys. */
  credit: number;
  /** From the sampled journeys only; 0 when every journey was computed exactly. */
  standardError: number;
  /** Touchpoints in the sequences and journeys touched, reweighted like the credit. */
  touchpoints: number;
  journeys: number;
  /** credit / touchpoints; 0 without touchpoints. */
  perImpression: number;
  interval?: [number, number];
}

/** Per distinct journey: its campaigns' values, in compressed rows. */
export interface JourneyShapleyValues {
  /** A journey index standing for each group of identical journeys, and the group sizes (journeys, not reweighted). */
  representative: Uint32Array;
  multiplicity: Uint32Array;
  /** Group g's values are [offsets[g], offsets[g+1]) of campaign / value / standardError. */
  offsets: Uint32Array;
  campaign: Uint32Array;
  value: Float64Array;
  standardError: Float64Array;
  /** The model's probability with every touchpoint: what the group's values add up to. */
  full: Float64Array;
  /** For the i-th selected journey, its group. */
  groupOf: Uint32Array;
}

export interface ShapleyResult {
  model: string;
  journeys: number;
  expectedConversions: number;
  /**
   * The same journeys' expected conversions with every touchpoint taken away
   * (the empty coalitions): 0 unless noAds is 'model' and the model scores
   * users with no ads (user attributes). The credits add up to expectedConversions - noAdsConversions.
   */
  noAdsConversions: number;
  /** Credit per campaign keyed by original campaign id (negatives kept). */
  weights: Record<string, number>;
  campaigns: CampaignShapley[];
  exactJourneys: number;
  sampledJourneys: number;
  distinctJourneys: number;
  scored: number;
  scorerCalls: number;
  perJourney: JourneyShapleyValues;
}

interface Job {
  group: number;
  /** Distinct campaigns, in order of first touch. */
  players: number[];
  /** Coalition values; exact: indexed by bitmask (0: the empty coalition); sampled: by slot, the empty coalition last. */
  values: Float64Array;
  /** Sampled only: orderings [permutation, position] of player indexes and the slot of each prefix. */
  orderings?: Uint8Array;
  prefixSlot?: Int32Array;
}

export async function shapleyAttribution(
  data: PreparedData,
  scorer: JourneyScorer,
  options: ShapleyOptions = {},
): Promise<ShapleyResult> {
  const seq = data.sequences;
  const steps = seq.steps;
  const campaignCount = data.campaignIds.length;
  const exactUpTo = Math.min(20, Math.max(0, Math.floor(options.exactUpTo ?? 6)));
  const permutations = Math.max(2, Math.floor(options.permutations ?? DEFAULT_PERMUTATIONS));
  const rootRng = createRng(options.seed ?? 42).fork('shapley');
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;

  const journeys = selectJourneys(data.journeys.split, options.subset ?? 'all');
  const { representatives, multiplicity, groupOf } = groupIdenticalJourneys(seq, journeys);
  const groups = representatives.length;
  const weightOf = journeyWeights(data.journeys.label, journeys, data.negativeSamplingRate, options.reweight ?? true);
  const weight = groupWeights(groupOf, groups, weightOf);
  const batcher = new JourneyBatcher(seq, scorer, batchSize, options.signal, options.noAds);

  const offsets = new Uint32Array(groups + 1);
  const outCampaign: number[] = [];
  const outValue: number[] = [];
  const outError: number[] = [];
  const full = new Float64Array(groups);
  const empty = new Float64Array(groups);
  const credit = new Float64Array(campaignCount);
  const variance = new Float64Array(campaignCount);
  const touchpoints = new Float64Array(campaignCount);
  const touched = new Float64Array(campaignCount);
  let exactJourneys = 0;
  let sampledJourneys = 0;

  // Jobs wait for their coalitions to be scored; a few batches' worth at a time keeps memory flat.
  let pending: Job[] = [];
  let pendingEvaluations = 0;
  let finished = 0;
  const finish = (): void => {
    for (const job of pending) {
      const n = job.players.length;
      const { phi, se } = job.orderings ? sampledValues(job, n, permutations) : exactValues(job.values, n);
      const g = job.group;
      const m = weight[g];
      full[g] = job.orderings ? job.values[job.prefixSlot![n - 1]] : job.values[(1 << n) - 1];
      empty[g] = job.orderings ? job.values[job.values.length - 1] : job.values[0];
      offsets[g + 1] = n;
      for (let i = 0; i < n; i++) {
        const c = job.players[i];
        outCampaign.push(c);
        outValue.push(phi[i]);
        outError.push(se[i]);
        credit[c] += m * phi[i];
        variance[c] += m * m * se[i] * se[i];
      }
    }
    finished += pending.length;
    pending = [];
    pendingEvaluations = 0;
    options.onProgress?.(finished, groups);
  };

  const member = new Uint8Array(64);
  const playerOfStep = new Int32Array(steps);
  for (let g = 0; g < groups; g++) {
    throwIfAborted(options.signal);
    const j = representatives[g];
    const players: number[] = [];
    for (let s = 0; s < seq.length[j]; s++) {
      const c = seq.campaign[j * steps + s];
      let p = players.indexOf(c);
      if (p < 0) {
        p = players.length;
        players.push(c);
        touched[c] += weight[g];
      }
      playerOfStep[s] = p;
      touchpoints[c] += weight[g];
    }
    const n = players.length;
    if (n === 0) {
      // Groups are finished in order; an empty journey has no values and is worth 0.
      pending.push({ group: g, players, values: new Float64Array(1) });
      continue;
    }
    let job: Job;
    if (n <= exactUpTo) {
      exactJourneys += multiplicity[g];
      const values = new Float64Array(1 << n);
      job = { group: g, players, values };
      for (let mask = 0; mask < 1 << n; mask++) {
        await batcher.add(j, (s) => ((mask >> playerOfStep[s]) & 1) === 1, values, mask);
      }
      pendingEvaluations += (1 << n) - 1;
    } else {
      sampledJourneys += multiplicity[g];
      const rng = rootRng.fork(j);
      const orderings = new Uint8Array(permutations * n);
      const prefixSlot = new Int32Array(permutations * n);
      const slotOf = new Map<string, number>();
      const order = Uint8Array.from({ length: n }, (_, i) => i);
      if (member.length < n) throw new Error('Journeys longer than 64 distinct campaigns are not supported.');
      for (let p = 0; p < permutations; p++) {
        rng.shuffle(order);
        orderings.set(order, p * n);
        member.fill(0);
        for (let k = 0; k < n; k++) {
          member[order[k]] = 1;
          const key = member.subarray(0, n).join('');
          let slot = slotOf.get(key);
          if (slot === undefined) {
            slot = slotOf.size;
            slotOf.set(key, slot);
          }
          prefixSlot[p * n + k] = slot;
        }
      }
      const values = new Float64Array(slotOf.size + 1);
      job = { group: g, players, values, orderings, prefixSlot };
      for (const [key, slot] of slotOf) {
        await batcher.add(j, (s) => key.charCodeAt(playerOfStep[s]) === 49, values, slot);
      }
      await batcher.add(j, () => false, values, slotOf.size);
      pendingEvaluations += slotOf.size;
    }
    pending.push(job);
    if (pendingEvaluations >= 4 * batchSize) {
      await batcher.flush();
      finish();
    }
  }
  await batcher.flush();
  finish();

  // Rows were stored as lengths; make them offsets.
  for (let g = 0; g < groups; g++) offsets[g + 1] += offsets[g];
  const perJourney: JourneyShapleyValues = {
    representative: representatives,
    multiplicity,
    offsets,
    campaign: Uint32Array.from(outCampaign),
    value: Float64Array.from(outValue),
    standardError: Float64Array.from(outError),
    full,
    groupOf,
  };

  let intervals: { lower: Float64Array; upper: Float64Array } | undefined;
  if (options.bootstrap) {
    const group = new Uint32Array(outCampaign.length);
    for (let g = 0; g < groups; g++) group.fill(g, offsets[g], offsets[g + 1]);
    intervals = bootstrapIntervals(
      groupOf,
      groups,
      { group, total: perJourney.campaign, value: perJourney.value },
      campaignCount,
      options.bootstrap,
      weightOf,
    );
  }

  let expectedConversions = 0;
  let noAdsConversions = 0;
  for (let g = 0; g < groups; g++) {
    expectedConversions += weight[g] * full[g];
    noAdsConversions += weight[g] * empty[g];
  }
  const { weights, campaigns } = perCampaign(data.campaignIds, credit, touchpoints, intervals, (c) => ({
    credit: credit[c],
    standardError: Math.sqrt(variance[c]),
    touchpoints: touchpoints[c],
    journeys: touched[c],
  }));
  return {
    model: scorer.name,
    journeys: journeys.length,
    expectedConversions,
    noAdsConversions,
    weights,
    campaigns,
    exactJourneys,
    sampledJourneys,
    distinctJourneys: groups,
    scored: batcher.scored,
    scorerCalls: batcher.calls,
    perJourney,
  };
}

/** phi_i = sum over coalitions S without i of |S|! (n-|S|-1)! / n! * (v(S + i) - v(S)); v(empty) = values[0]. */
function exactValues(values: Float64Array, n: number): { phi: Float64Array; se: Float64Array } {
  const weight = new Float64Array(n);
  // weight[k] = k! (n-k-1)! / n!, built without factorials: 1 / (n * C(n-1, k)).
  let binomial = 1;
  for (let k = 0; k < n; k++) {
    weight[k] = 1 / (n * binomial);
    binomial = (binomial * (n - 1 - k)) / (k + 1);
  }
  const phi = new Float64Array(n);
  for (let mask = 0; mask < 1 << n; mask++) {
    const size = popcount(mask);
    const without = values[mask];
    for (let i = 0; i < n; i++) {
      if ((mask >> i) & 1) continue;
      phi[i] += weight[size] * (values[mask | (1 << i)] - without);
    }
  }
  return { phi, se: new Float64Array(n) };
}

function sampledValues(job: Job, n: number, permutations: number): { phi: Float64Array; se: Float64Array } {
  const orderings = job.orderings!;
  const prefixSlot = job.prefixSlot!;
  const sum = new Float64Array(n);
  const sumSq = new Float64Array(n);
  const empty = job.values[job.values.length - 1];
  for (let p = 0; p < permutations; p++) {
    let before = empty;
    for (let k = 0; k < n; k++) {
      const after = job.values[prefixSlot[p * n + k]];
      const d = after - before;
      const i = orderings[p * n + k];
      sum[i] += d;
      sumSq[i] += d * d;
      before = after;
    }
  }
  const phi = new Float64Array(n);
  const se = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    phi[i] = sum[i] / permutations;
    const sampleVariance = Math.max(0, (sumSq[i] - permutations * phi[i] * phi[i]) / (permutations - 1));
    se[i] = Math.sqrt(sampleVariance / permutations);
  }
  return { phi, se };
}

function popcount(x: number): number {
  let c = 0;
  while (x) {
    x &= x - 1;
    c++;
  }
  return c;
}

export interface CountingShapleyResult {
  journeys: number;
  convertedJourneys: number;
  /** Conversions credited per campaign keyed by original campaign id; they add up to the converted journeys. */
  weights: Record<string, number>;
  campaigns: { campaign: string; credit: number; impressions: number; perImpression: number }[];
}

/**
 * The "simplified Shapley value" of Zhao, Mahboobi & Bagheri (2018, "Shapley
 * value methods for attribution modeling in online advertising", arXiv 1804.05327):
 * phi_j = sum over channel sets S containing j of R(S) / |S|, where R(S) is
 * the conversions of journeys whose set of campaigns is exactly S. That is,
 * each converted journey gives 1 / (its distinct campaigns) to each of them.
 * No model; counts every event of the journey, not only the sequence kept
 * for the models.
 */
export function countingShapley(data: PreparedData, options: { subset?: JourneySubset } = {}): CountingShapleyResult {
  const campaignCount = data.campaignIds.length;
  const { eventOffsets, eventsByJourney, label } = data.journeys;
  const eventCampaign = data.events.campaign;
  const journeys = selectJourneys(data.journeys.split, options.subset ?? 'all');
  const credit = new Float64Array(campaignCount);
  const impressions = new Float64Array(campaignCount);
  const seen = new Int32Array(campaignCount).fill(-1);
  const distinct: number[] = [];
  let converted = 0;
  for (const j of journeys) {
    distinct.length = 0;
    for (let e = eventOffsets[j]; e < eventOffsets[j + 1]; e++) {
      const c = eventCampaign[eventsByJourney[e]];
      impressions[c]++;
      if (seen[c] !== j) {
        seen[c] = j;
        distinct.push(c);
      }
    }
    if (!label[j] || distinct.length === 0) continue;
    converted++;
    for (const c of distinct) credit[c] += 1 / distinct.length;
  }
  const { weights, campaigns } = perCampaign(data.campaignIds, credit, impressions, undefined, (c) => ({ credit: credit[c], impressions: impressions[c] }));
  return { journeys: journeys.length, convertedJourneys: converted, weights, campaigns };
}
