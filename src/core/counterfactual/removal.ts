/**
 * Model-based removal effect: for each campaign, every journey it touched is
 * scored again without that campaign's touchpoints; the campaign's weight is
 * the expected conversions lost, sum over journeys of p(all) - p(without).
 * Unlike the article's replay, a campaign shown to people who convert
 * anyway loses nothing here when the model has learned that.
 */
import type { PreparedData } from '../prepared';
import type { JourneyScorer } from '../models/scorer';
import type { NoAdsScore } from '../settings';
import { bootstrapIntervals, type BootstrapOptions } from './bootstrap';
import {
  DEFAULT_BATCH_SIZE,
  groupIdenticalJourneys,
  groupWeights,
  JourneyBatcher,
  journeyWeights,
  perCampaign,
  selectJourneys,
  type JourneySubset,
} from './journey-batch';

export interface CounterfactualOptions {
  subset?: JourneySubset;
  batchSize?: number;
  signal?: AbortSignal;
  /** A journey with every touchpoint taken away: 0 ('zero', the default) or the model's "this user, no ads" ('model'); settings.ts NoAdsScore. */
  noAds?: NoAdsScore;
  /** Journeys scored so far and in all (throttle before showing it). */
  onProgress?: (done: number, total: number) => void;
  /** Percentile intervals for each campaign's figure, by resampling journeys. */
  bootstrap?: BootstrapOptions;
  /**
   * Count each unconverted journey 1 / negativeSamplingRate times, so that
   * totals (expected conversions, drops, credit, touchpoints) describe the log
   * before balancing dropped unconverted journeys. On by default; off sums
   * over the prepared journeys as they are.
   */
  reweight?: boolean;
}

export interface CampaignRemoval {
  campaign: string;
  /** Expected conversions lost without this campaign's touchpoints. Can be negative. */
  drop: number;
  /** Touchpoints of the campaign in the journeys' sequences (what the model sees), reweighted like the drop. */
  touchpoints: number;
  /** Journeys with at least one such touchpoint, reweighted like the drop. */
  journeys: number;
  /** drop / touchpoints; 0 without touchpoints. */
  perImpression: number;
  /** Bootstrap interval of `drop`, when asked for. */
  interval?: [number, number];
}

export interface ModelRemovalResult {
  model: string;
  journeys: number;
  /** Sum of p(all) over the journeys (reweighted unless `reweight` is off): the model's expected conversions. */
  expectedConversions: number;
  /** Drop per campaign keyed by original campaign id: the attribution weights (negatives kept; budgets clip them). */
  weights: Record<string, number>;
  /** One entry per prepared campaign, in prepared order. */
  campaigns: CampaignRemoval[];
  /** Distinct journey sequences (identical journeys are scored once). */
  distinctJourneys: number;
  /** Journeys sent to the model, and calls to it. */
  scored: number;
  scorerCalls: number;
  /** With `bootstrap`: each resample's drop per campaign, in prepared order (resamples[b][c]). */
  resamples?: number[][];
}

export async function modelRemovalEffects(
  data: PreparedData,
  scorer: JourneyScorer,
  options: CounterfactualOptions = {},
): Promise<ModelRemovalResult> {
  const seq = data.sequences;
  const steps = seq.steps;
  const campaignCount = data.campaignIds.length;
  const journeys = selectJourneys(data.journeys.split, options.subset ?? 'all');
  const { representatives, groupOf } = groupIdenticalJourneys(seq, journeys);
  const groups = representatives.length;
  const weightOf = journeyWeights(data.journeys.label, journeys, data.negativeSamplingRate, options.reweight ?? true);
  const weight = groupWeights(groupOf, groups, weightOf);

  // Pairs (journey group, campaign it contains), found before any scoring so progress has a total.
  const pairGroup: number[] = [];
  const pairCampaign: number[] = [];
  const pairTouchpoints: number[] = [];
  const seen = new Int32Array(campaignCount).fill(-1);
  const firstPairOf = new Int32Array(campaignCount);
  for (let g = 0; g < groups; g++) {
    const j = representatives[g];
    for (let s = 0; s < seq.length[j]; s++) {
      const c = seq.campaign[j * steps + s];
      if (seen[c] !== g) {
        seen[c] = g;
        firstPairOf[c] = pairGroup.length;
        pairGroup.push(g);
        pairCampaign.push(c);
        pairTouchpoints.push(0);
      }
      pairTouchpoints[firstPairOf[c]]++;
    }
  }
  const pairs = pairGroup.length;
  const total = groups + pairs;

  const batcher = new JourneyBatcher(seq, scorer, options.batchSize ?? DEFAULT_BATCH_SIZE, options.signal, options.noAds);
  const all = new Float64Array(groups);
  let done = 0;
  const tick = (): void => {
    done++;
    if (done % 1024 === 0) options.onProgress?.(done, total);
  };
  for (let g = 0; g < groups; g++) {
    await batcher.add(representatives[g], () => true, all, g);
    tick();
  }
  const without = new Float64Array(pairs);
  for (let k = 0; k < pairs; k++) {
    const j = representatives[pairGroup[k]];
    const c = pairCampaign[k];
    const base = j * steps;
    await batcher.add(j, (s) => seq.campaign[base + s] !== c, without, k);
    tick();
  }
  await batcher.flush();
  options.onProgress?.(total, total);

  const drop = new Float64Array(campaignCount);
  const touchpoints = new Float64Array(campaignCount);
  const touched = new Float64Array(campaignCount);
  const pairDrop = new Float64Array(pairs);
  for (let k = 0; k < pairs; k++) {
    const g = pairGroup[k];
    const c = pairCampaign[k];
    pairDrop[k] = all[g] - without[k];
    drop[c] += weight[g] * pairDrop[k];
    touchpoints[c] += weight[g] * pairTouchpoints[k];
    touched[c] += weight[g];
  }
  let expectedConversions = 0;
  for (let g = 0; g < groups; g++) expectedConversions += weight[g] * all[g];

  const intervals = options.bootstrap
    ? bootstrapIntervals(
        groupOf,
        groups,
        { group: Uint32Array.from(pairGroup), total: Uint32Array.from(pairCampaign), value: pairDrop },
        campaignCount,
        options.bootstrap,
        weightOf,
      )
    : undefined;

  const { weights, campaigns } = perCampaign(data.campaignIds, drop, touchpoints, intervals, (c) => ({
    drop: drop[c],
    touchpoints: touchpoints[c],
    journeys: touched[c],
  }));
  return {
    model: scorer.name,
    journeys: journeys.length,
    expectedConversions,
    weights,
    campaigns,
    distinctJourneys: groups,
    scored: batcher.scored,
    scorerCalls: batcher.calls,
    ...(intervals
      ? { resamples: Array.from({ length: intervals.replicates }, (_, b) => Array.from(intervals.samples.subarray(b * campaignCount, (b + 1) * campaignCount))) }
      : {}),
  };
}
