/**
 * The budget recommendation: one method's allocation at one pitch, with
 * optional floors, ceilings and a cap on the change against current spend,
 * replayed like the sweep.
 */
import type { WeightsByModel, PreparedData } from '../prepared';
import type { SimulateSettings } from '../settings';
import { campaignBudgets, defaultBudget, replay, replayInput, resolveWeights, type ReplayInput } from './index';

export interface RecommendationOptions {
  model: string;
  pitch: number;
  /** Total budget; default as in the sweep (10% of the replayed impressions, or of their cost). */
  budget?: number;
  unit: SimulateSettings['unit'];
  /** Least and most budget per campaign id, in the budget's unit. */
  floor?: Record<string, number>;
  ceiling?: Record<string, number>;
  /** Largest change against current spend, as a share of it (0.5 = at most ±50%). */
  maxChange?: number;
}

export interface CampaignRecommendation {
  campaign: string;
  weight: number;
  /** The budget spread like today's impressions (or cost): what the campaign gets now. */
  current: number;
  recommended: number;
  /** recommended - current. */
  change: number;
  /** recommended / total. */
  share: number;
  /** Which limit held the campaign, if any. */
  limit?: 'floor' | 'ceiling' | 'max-change';
}

export interface Recommendation {
  model: string;
  pitch: number;
  budget: number;
  unit: SimulateSettings['unit'];
  campaigns: CampaignRecommendation[];
  /** Converted journeys the replay keeps with the recommended and with the current allocation. */
  conversions: number;
  currentConversions: number;
}

export type RecommendationResult = { ok: true; recommendation: Recommendation } | { ok: false; error: string };

/**
 * Splits the budget like the sweep (share ∝ (w/w_max)^pitch), then applies the
 * limits by water-filling: a campaign pushed past a limit is fixed there and
 * the rest of the budget is split again over the others, until none is past.
 */
export function recommendAllocation(
  prepared: PreparedData,
  weightsByModel: WeightsByModel,
  options: RecommendationOptions,
  input: ReplayInput = replayInput(prepared),
): RecommendationResult {
  const byCampaign = weightsByModel[options.model];
  if (!byCampaign) return { ok: false, error: `There are no weights for model "${options.model}".` };
  if (!(Number.isFinite(options.pitch) && options.pitch >= 0)) return { ok: false, error: 'The pitch must be a number of 0 or more.' };
  if (options.maxChange !== undefined && !(options.maxChange >= 0)) {
    return { ok: false, error: 'The largest change must be a share of 0 or more.' };
  }
  const resolved = resolveWeights(input.campaignIds, byCampaign, `"${options.model}"`);
  if (!resolved.ok) return resolved;
  const ids = input.campaignIds;
  const n = ids.length;
  const budget = options.budget ?? defaultBudget(input, options.unit);
  if (!(Number.isFinite(budget) && budget > 0)) return { ok: false, error: 'The budget must be a positive number.' };

  const current = currentAllocation(input, budget, options.unit);
  const lower = new Float64Array(n);
  const upper = new Float64Array(n).fill(Infinity);
  const lowerBy: (CampaignRecommendation['limit'] | undefined)[] = new Array(n);
  const upperBy: (CampaignRecommendation['limit'] | undefined)[] = new Array(n);
  for (let c = 0; c < n; c++) {
    if (options.maxChange !== undefined) {
      lower[c] = current[c] * Math.max(0, 1 - options.maxChange);
      upper[c] = current[c] * (1 + options.maxChange);
      lowerBy[c] = upperBy[c] = 'max-change';
    }
    const floor = options.floor?.[ids[c]];
    const ceiling = options.ceiling?.[ids[c]];
    if (floor !== undefined && floor > lower[c]) {
      lower[c] = floor;
      lowerBy[c] = 'floor';
    }
    if (ceiling !== undefined && ceiling < upper[c]) {
      upper[c] = ceiling;
      upperBy[c] = 'ceiling';
    }
    if (lower[c] > upper[c]) return { ok: false, error: `Campaign ${ids[c]}: its lower limit is above its upper limit.` };
  }
  let lowerSum = 0;
  let upperSum = 0;
  for (let c = 0; c < n; c++) {
    lowerSum += lower[c];
    upperSum += upper[c];
  }
  if (lowerSum > budget * (1 + 1e-9)) return { ok: false, error: 'The campaigns\' lower limits add up to more than the budget.' };
  if (upperSum < budget * (1 - 1e-9)) return { ok: false, error: 'The campaigns\' upper limits add up to less than the budget.' };

  // Unlimited split in float64 (no ceil yet), as campaignBudgets computes it.
  const share = campaignBudgets(resolved.weights, 1, options.pitch, 'money');
  const amount = new Float64Array(n);
  const fixed = new Uint8Array(n);
  const limit: (CampaignRecommendation['limit'] | undefined)[] = new Array(n);
  for (let round = 0; round <= n; round++) {
    let remaining = budget;
    let freeShare = 0;
    let free = 0;
    for (let c = 0; c < n; c++) {
      if (fixed[c]) remaining -= amount[c];
      else {
        freeShare += share[c];
        free++;
      }
    }
    if (free === 0) break;
    let changed = false;
    for (let c = 0; c < n; c++) {
      if (fixed[c]) continue;
      // Without any weight left among the free campaigns, the rest goes where the limits allow, evenly.
      amount[c] = freeShare > 0 ? (remaining * share[c]) / freeShare : remaining / free;
    }
    for (let c = 0; c < n; c++) {
      if (fixed[c]) continue;
      if (amount[c] < lower[c] - 1e-9) {
        amount[c] = lower[c];
        limit[c] = lowerBy[c];
        fixed[c] = 1;
        changed = true;
      } else if (amount[c] > upper[c] + 1e-9) {
        amount[c] = upper[c];
        limit[c] = upperBy[c];
        fixed[c] = 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  // Impressions are bought whole, as in the sweep's budgets.
  const recommended = options.unit === 'impressions' ? amount.map((b) => (b > 0 ? Math.ceil(b - 1e-9) : 0)) : amount;
  const currentBudgets = options.unit === 'impressions' ? current.map((b) => Math.ceil(b - 1e-9)) : current;
  let total = 0;
  for (let c = 0; c < n; c++) total += recommended[c];

  const campaigns: CampaignRecommendation[] = ids.map((campaign, c) => ({
    campaign,
    weight: resolved.weights[c],
    current: currentBudgets[c],
    recommended: recommended[c],
    change: recommended[c] - currentBudgets[c],
    share: total > 0 ? recommended[c] / total : 0,
    ...(limit[c] ? { limit: limit[c] } : {}),
  }));
  const state = new Uint8Array(input.journeyLabel.length);
  return {
    ok: true,
    recommendation: {
      model: options.model,
      pitch: options.pitch,
      budget,
      unit: options.unit,
      campaigns,
      conversions: replay(input, recommended, options.unit, state).conversions,
      currentConversions: replay(input, currentBudgets, options.unit, state).conversions,
    },
  };
}

/** Today's spend scaled to the budget: each campaign's share of the replayed impressions (or of their cost). */
export function currentAllocation(input: ReplayInput, budget: number, unit: SimulateSettings['unit']): Float64Array {
  const used = new Float64Array(input.campaignIds.length);
  let total = 0;
  for (let e = 0; e < input.events.count; e++) {
    const v = unit === 'impressions' ? 1 : input.events.cost[e];
    used[input.events.campaign[e]] += v;
    total += v;
  }
  if (total > 0) for (let c = 0; c < used.length; c++) used[c] = (budget * used[c]) / total;
  return used;
}
