/**
 * Position-based attribution: last-touch (the article's baseline), first-touch,
 * linear, time-decay and U-shaped.
 *
 * Every model hands out one credit per converted journey, split over its
 * touchpoints, and the same normalisation applies to all of them: a campaign's
 * weight is its summed credits divided by its impressions in the prepared
 * events (converted and unconverted journeys alike), i.e. conversions credited
 * per impression, 0 for a campaign without impressions. That is the article's
 * LTA definition (data-and-method.md, step 9), extended so the five models can
 * be compared and replayed on one scale.
 */
import type { PreparedEvents, PreparedJourneys } from '../prepared';
import { DEFAULT_HALF_LIFE_DAYS, type PositionModelName } from '../settings';

/** What the position models read: a subset of PreparedData. */
export interface PositionInput {
  campaignIds: string[];
  events: Pick<PreparedEvents, 'count' | 'campaign' | 'timestamp'>;
  journeys: Pick<PreparedJourneys, 'count' | 'label' | 'eventOffsets' | 'eventsByJourney'>;
}

export interface PositionOptions {
  /** Time-decay half-life in days (default 7). */
  halfLifeDays?: number;
}

export interface CampaignCredit {
  campaign: string;
  /** Converted journeys' credit given to the campaign (sums to the converted journeys over all campaigns). */
  credits: number;
  impressions: number;
  /** credits / impressions, 0 without impressions. */
  weight: number;
}

export interface PositionAttribution {
  model: PositionModelName;
  /** Weight per original campaign id. */
  weights: Record<string, number>;
  /** Per campaign, in prepared campaign order: for a details file. */
  details: CampaignCredit[];
}

const SECONDS_PER_DAY = 86_400;

/**
 * Adds one journey's credit (summing to 1) to `credits`. `events` are the
 * journey's event indexes in time order (the last is the latest timestamp,
 * then the latest in the file, as step 9 asks).
 */
type CreditRule = (
  events: Uint32Array,
  campaign: Uint32Array,
  timestamp: Float64Array,
  credits: Float64Array,
) => void;

function timeDecayRule(halfLifeDays: number): CreditRule {
  const halfLife = halfLifeDays * SECONDS_PER_DAY;
  return (ev, campaign, timestamp, credits) => {
    // The table keeps no conversion time, so the decay counts back from the journey's last touchpoint.
    const end = timestamp[ev[ev.length - 1]];
    let total = 0;
    for (let i = 0; i < ev.length; i++) total += Math.pow(2, -(end - timestamp[ev[i]]) / halfLife);
    for (let i = 0; i < ev.length; i++) credits[campaign[ev[i]]] += Math.pow(2, -(end - timestamp[ev[i]]) / halfLife) / total;
  };
}

const RULES: Record<Exclude<PositionModelName, 'timedecay'>, CreditRule> = {
  lta: (ev, campaign, _t, credits) => {
    credits[campaign[ev[ev.length - 1]]] += 1;
  },
  first: (ev, campaign, _t, credits) => {
    credits[campaign[ev[0]]] += 1;
  },
  linear: (ev, campaign, _t, credits) => {
    for (let i = 0; i < ev.length; i++) credits[campaign[ev[i]]] += 1 / ev.length;
  },
  // 40% first, 40% last, 20% shared by the middle; two touchpoints split 50/50, one takes all.
  ushape: (ev, campaign, _t, credits) => {
    const n = ev.length;
    if (n === 1) {
      credits[campaign[ev[0]]] += 1;
    } else if (n === 2) {
      credits[campaign[ev[0]]] += 0.5;
      credits[campaign[ev[1]]] += 0.5;
    } else {
      credits[campaign[ev[0]]] += 0.4;
      credits[campaign[ev[n - 1]]] += 0.4;
      for (let i = 1; i < n - 1; i++) credits[campaign[ev[i]]] += 0.2 / (n - 2);
    }
  },
};

export function checkHalfLife(days: number): { ok: true } | { ok: false; error: string } {
  return days > 0 && Number.isFinite(days)
    ? { ok: true }
    : { ok: false, error: `The time-decay half-life must be a positive number of days (got ${days}).` };
}

/** Credits, impressions and weights of one position model. */
export function attributePosition(
  input: PositionInput,
  model: PositionModelName,
  options: PositionOptions = {},
): PositionAttribution {
  const rule = model === 'timedecay' ? timeDecayRule(options.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS) : RULES[model];
  const campaignCount = input.campaignIds.length;
  const { events, journeys } = input;

  const impressions = new Float64Array(campaignCount);
  for (let e = 0; e < events.count; e++) impressions[events.campaign[e]]++;

  const credits = new Float64Array(campaignCount);
  for (let j = 0; j < journeys.count; j++) {
    if (!journeys.label[j]) continue;
    const lo = journeys.eventOffsets[j];
    const hi = journeys.eventOffsets[j + 1];
    if (hi === lo) continue;
    rule(journeys.eventsByJourney.subarray(lo, hi), events.campaign, events.timestamp, credits);
  }

  const weights: Record<string, number> = {};
  const details: CampaignCredit[] = [];
  for (let c = 0; c < campaignCount; c++) {
    const weight = impressions[c] > 0 ? credits[c] / impressions[c] : 0;
    weights[input.campaignIds[c]] = weight;
    details.push({ campaign: input.campaignIds[c], credits: credits[c], impressions: impressions[c], weight });
  }
  return { model, weights, details };
}

/** Several position models at once, in the order asked. */
export function attributePositions(
  input: PositionInput,
  models: readonly PositionModelName[],
  options: PositionOptions = {},
): PositionAttribution[] {
  return models.map((m) => attributePosition(input, m, options));
}
