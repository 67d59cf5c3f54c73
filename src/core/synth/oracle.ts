/**
 * The exact oracle of a synthetic world: what the planted model expects a
 * budget to earn. An allocation gives each campaign a budget (impressions, or
 * money from the cost column); the world's impressions are served in time
 * order while their campaign's budget lasts, as in the model-judged replay
 * (counterfactual/model-replay.ts): a journey goes on without the impressions
 * that were not served, and the planted model gives its conversion
 * probability. Everything else (users, journeys, timing, clicks) is held as
 * logged, so the numbers are expectations, not draws.
 *
 * A campaign's spending depends only on its own budget and impressions, so
 * the served impressions of campaign c are its first ones in time order; the
 * greedy search below uses that to score a budget change on the journeys it
 * touches only.
 */
import { campaignBudgets } from '../simulate';
import { JourneyScratch, journeyLogit, logitWithout, sigmoid, type PlantedModel } from './planted';

/** Every journey of a world with its impressions (journey order, time order inside). */
export interface WorldLog {
  campaignIds: string[];
  journeys: number;
  /** Per journey: log-odds with no advertising (the user's base), and the time of its last logged touchpoint. */
  base: Float64Array;
  end: Float64Array;
  /** Per journey: the user's id as written in the uid column. */
  uid: Float64Array;
  /** Impressions of journey j: offsets[j]..offsets[j+1]-1. */
  offsets: Uint32Array;
  time: Float64Array;
  campaign: Int32Array;
  click: Uint8Array;
  cost: Float64Array;
  journeyOf: Uint32Array;
  /** Impression indices in serving order: time, then the order the log was written in (journey, then position). */
  byTime: Uint32Array;
}

export interface PlantedWorld {
  model: PlantedModel;
  log: WorldLog;
}

export type BudgetUnit = 'impressions' | 'money';

/** A budget per world campaign (index as in `log.campaignIds`). */
export interface Allocation {
  unit: BudgetUnit;
  budgets: Float64Array;
}

/** Collects the journeys as the generator writes them. */
export class WorldRecorder {
  private model: PlantedModel | null = null;
  private campaignIds: string[] = [];
  private base: number[] = [];
  private end: number[] = [];
  private uid: number[] = [];
  private offsets: number[] = [0];
  private time: number[] = [];
  private campaign: number[] = [];
  private click: number[] = [];
  private cost: number[] = [];

  start(model: PlantedModel, campaignIds: string[]): void {
    this.model = model;
    this.campaignIds = campaignIds;
  }

  journey(uid: number, base: number, time: ArrayLike<number>, campaign: ArrayLike<number>, click: ArrayLike<number>, cost: ArrayLike<number>, n: number): void {
    this.uid.push(uid);
    this.base.push(base);
    this.end.push(time[n - 1]);
    for (let k = 0; k < n; k++) {
      this.time.push(time[k]);
      this.campaign.push(campaign[k]);
      this.click.push(click[k]);
      this.cost.push(cost[k]);
    }
    this.offsets.push(this.time.length);
  }

  finish(): PlantedWorld {
    if (!this.model) throw new Error('The recorder saw no world.');
    const count = this.time.length;
    const journeyOf = new Uint32Array(count);
    for (let j = 0; j + 1 < this.offsets.length; j++) journeyOf.fill(j, this.offsets[j], this.offsets[j + 1]);
    const time = Float64Array.from(this.time);
    const byTime = Uint32Array.from({ length: count }, (_, i) => i);
    // Stable by index, so equal times keep the written order.
    byTime.sort((a, b) => time[a] - time[b] || a - b);
    return {
      model: this.model,
      log: {
        campaignIds: this.campaignIds,
        journeys: this.base.length,
        base: Float64Array.from(this.base),
        end: Float64Array.from(this.end),
        uid: Float64Array.from(this.uid),
        offsets: Uint32Array.from(this.offsets),
        time,
        campaign: Int32Array.from(this.campaign),
        click: Uint8Array.from(this.click),
        cost: Float64Array.from(this.cost),
        journeyOf,
        byTime,
      },
    };
  }
}

/** Which impressions an allocation buys: in time order, each while its campaign's budget covers it. */
export function servedImpressions(log: WorldLog, allocation: Allocation): Uint8Array {
  const left = Float64Array.from(allocation.budgets);
  const served = new Uint8Array(log.time.length);
  const money = allocation.unit === 'money';
  for (let i = 0; i < log.byTime.length; i++) {
    const e = log.byTime[i];
    const c = log.campaign[e];
    const price = money ? log.cost[e] : 1;
    if (c < left.length && left[c] >= price) {
      left[c] -= price;
      served[e] = 1;
    }
  }
  return served;
}

/** P(convert) of journey j with the impressions `served` marks (all when omitted). */
function journeyProbability(world: PlantedWorld, j: number, scratch: JourneyScratch, served?: Uint8Array): number {
  const { log } = world;
  return sigmoid(journeyLogit(world.model, log.base[j], log.time, log.campaign, log.click, log.offsets[j], log.offsets[j + 1], log.end[j], scratch, served));
}

/** Expected conversions over every journey of the world when the impressions `served` marks are shown. */
export function expectedConversionsServed(world: PlantedWorld, served?: Uint8Array): number {
  const scratch = new JourneyScratch(world.log.campaignIds.length);
  let total = 0;
  for (let j = 0; j < world.log.journeys; j++) total += journeyProbability(world, j, scratch, served);
  return total;
}

/** E[conversions | allocation]: the exact oracle. */
export function expectedConversions(world: PlantedWorld, allocation: Allocation): number {
  return expectedConversionsServed(world, servedImpressions(world.log, allocation));
}

/** No advertising: every journey at its user's base odds. */
export function noAdsConversions(world: PlantedWorld): number {
  return expectedConversionsServed(world, new Uint8Array(world.log.time.length));
}

/** Today's delivery: every impression as logged. */
export function deliveredConversions(world: PlantedWorld): number {
  return expectedConversionsServed(world);
}

export interface TrueEffects {
  /** Expected conversions lost if the campaign's impressions were taken out of every journey, all else held. */
  removal: Float64Array;
  impressions: Float64Array;
  perImpression: Float64Array;
}

/** The true removal effect of every campaign, exactly, from the planted model. */
export function trueRemovalEffects(world: PlantedWorld): TrueEffects {
  const { log, model } = world;
  const n = log.campaignIds.length;
  const removal = new Float64Array(n);
  const impressions = new Float64Array(n);
  const scratch = new JourneyScratch(n);
  for (let j = 0; j < log.journeys; j++) {
    const logit = journeyLogit(model, log.base[j], log.time, log.campaign, log.click, log.offsets[j], log.offsets[j + 1], log.end[j], scratch);
    const p = sigmoid(logit);
    for (let i = 0; i < scratch.count; i++) {
      const c = scratch.touched[i];
      removal[c] += p - sigmoid(logitWithout(model, logit, scratch, c));
    }
  }
  for (let e = 0; e < log.campaign.length; e++) impressions[log.campaign[e]]++;
  const perImpression = removal.map((r, c) => (impressions[c] > 0 ? r / impressions[c] : 0));
  return { removal, impressions, perImpression };
}

/** The total budget a share of the world's impressions (or of their cost) makes. */
export function budgetOfShare(log: WorldLog, share: number, unit: BudgetUnit): number {
  if (unit === 'impressions') return share * log.time.length;
  let total = 0;
  for (let e = 0; e < log.cost.length; e++) total += log.cost[e];
  return share * total;
}

/** Budgets in proportion to (weight)^pitch, the app's rule (simulate/campaignBudgets). */
export function pitchAllocation(weights: Float64Array, budget: number, pitch: number, unit: BudgetUnit): Allocation {
  let positive = false;
  for (const w of weights) if (w > 0) positive = true;
  if (!positive) return { unit, budgets: new Float64Array(weights.length) };
  return { unit, budgets: campaignBudgets(weights.map((w) => (w > 0 && Number.isFinite(w) ? w : 0)), budget, pitch, unit) };
}

/** Pitches the truth's own search tries: the article's, and steeper ones that come close to "the best few only". */
export const TRUTH_PITCHES = [0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 4, 6, 10, 20];

export interface BestAllocation {
  allocation: Allocation;
  expected: number;
  found: 'pitch' | 'greedy';
  /** The pitch search's best, whichever won. */
  pitch: number;
  pitchExpected: number;
  greedyExpected: number;
}

/**
 * The best allocation found with the truth: budgets by pitch on the true
 * per-impression effects, and a greedy search that hands out the budget in
 * `steps` slices, each to the campaign whose next slice of impressions gains
 * the most by the oracle; the better of the two.
 */
export function bestAllocation(world: PlantedWorld, budget: number, unit: BudgetUnit, steps = 100): BestAllocation {
  const effects = trueRemovalEffects(world);
  let pitch = TRUTH_PITCHES[0];
  let pitchExpected = -Infinity;
  let pitchBest: Allocation | null = null;
  for (const p of TRUTH_PITCHES) {
    const a = pitchAllocation(effects.perImpression, budget, p, unit);
    const v = expectedConversions(world, a);
    if (v > pitchExpected) {
      pitchExpected = v;
      pitch = p;
      pitchBest = a;
    }
  }
  const greedy = greedyAllocation(world, budget, unit, steps, effects.removal);
  const greedyBetter = greedy.expected > pitchExpected;
  const allocation = greedyBetter ? greedy.allocation : (pitchBest ?? { unit, budgets: new Float64Array(effects.removal.length) });
  return {
    allocation,
    expected: greedyBetter ? greedy.expected : pitchExpected,
    found: greedyBetter ? 'greedy' : 'pitch',
    pitch,
    pitchExpected,
    greedyExpected: greedy.expected,
  };
}

/**
 * Greedy marginal gain on the oracle. Candidates are the campaigns whose
 * removal changes anything (the others cannot earn a conversion, whatever
 * they are given). Each step scores, per candidate, only the journeys its
 * next slice of impressions reaches.
 */
export function greedyAllocation(
  world: PlantedWorld,
  budget: number,
  unit: BudgetUnit,
  steps: number,
  removal: Float64Array,
): { allocation: Allocation; expected: number } {
  const { log } = world;
  const n = log.campaignIds.length;
  // Each campaign's impressions in serving order, and their prices.
  const byCampaign: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < log.byTime.length; i++) byCampaign[log.campaign[log.byTime[i]]].push(log.byTime[i]);
  const candidates: number[] = [];
  for (let c = 0; c < n; c++) if (removal[c] !== 0 && byCampaign[c].length > 0) candidates.push(c);

  const served = new Uint8Array(log.time.length);
  const scratch = new JourneyScratch(n);
  const prob = new Float64Array(log.journeys);
  for (let j = 0; j < log.journeys; j++) prob[j] = journeyProbability(world, j, scratch, served);
  const next = new Int32Array(n);
  const budgets = new Float64Array(n);
  const slice = budget / steps;
  let left = budget;
  const touched = new Set<number>();

  /**
   * Impressions of c that `amount` more budget buys from its position `next[c]`
   * on (at least one when what is left covers it, so slices smaller than an
   * impression still move); returns the end position and the spend.
   */
  const reach = (c: number, amount: number): { end: number; spend: number } => {
    const list = byCampaign[c];
    let k = next[c];
    let spend = 0;
    while (k < list.length) {
      const price = unit === 'money' ? log.cost[list[k]] : 1;
      if (spend + price > (k === next[c] ? Math.max(amount, Math.min(price, left)) : amount)) break;
      spend += price;
      k++;
    }
    return { end: k, spend };
  };
  const gainOf = (c: number, end: number): number => {
    const list = byCampaign[c];
    touched.clear();
    for (let k = next[c]; k < end; k++) {
      served[list[k]] = 1;
      touched.add(log.journeyOf[list[k]]);
    }
    let gain = 0;
    for (const j of touched) gain += journeyProbability(world, j, scratch, served) - prob[j];
    for (let k = next[c]; k < end; k++) served[list[k]] = 0;
    return gain;
  };

  while (left > 1e-9) {
    const amount = Math.min(slice, left);
    let best = -1;
    let bestGain = 0;
    let bestEnd = 0;
    let bestSpend = 0;
    for (const c of candidates) {
      const r = reach(c, amount);
      if (r.end === next[c]) continue;
      const g = gainOf(c, r.end);
      if (g > bestGain) {
        best = c;
        bestGain = g;
        bestEnd = r.end;
        bestSpend = r.spend;
      }
    }
    if (best < 0) break;
    const list = byCampaign[best];
    for (let k = next[best]; k < bestEnd; k++) served[list[k]] = 1;
    for (let k = next[best]; k < bestEnd; k++) {
      const j = log.journeyOf[list[k]];
      prob[j] = journeyProbability(world, j, scratch, served);
    }
    next[best] = bestEnd;
    left -= bestSpend;
  }
  // Budgets as what each campaign's chosen impressions cost (a hair more for money, against rounding), so the oracle serves exactly those.
  for (let c = 0; c < n; c++) {
    for (let k = 0; k < next[c]; k++) budgets[c] += unit === 'money' ? log.cost[byCampaign[c][k]] : 1;
    if (unit === 'money' && budgets[c] > 0) budgets[c] *= 1 + 1e-9;
  }
  const allocation: Allocation = { unit, budgets };
  return { allocation, expected: expectedConversions(world, allocation) };
}
