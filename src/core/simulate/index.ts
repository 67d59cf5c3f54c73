/**
 * The budget replay (data-and-method.md, step 8): split a budget over campaigns
 * in proportion to (attribution weight)^pitch, replay the impressions in time
 * order, and count the converted journeys whose every impression was bought.
 *
 * The rules are pinned down exactly so that the CLI, the app and any outside
 * check count the same conversions; the worked example of step 8 is a unit test.
 */
import type { PreparedData, PreparedEvents, WeightsByModel } from '../prepared';
import { Split } from '../prepared';
import type { SimulateSettings } from '../settings';

/** What the replay reads: events in time order, the journeys' labels, and campaign ids. */
export interface ReplayInput {
  campaignIds: string[];
  events: Pick<PreparedEvents, 'count' | 'journey' | 'campaign' | 'cost'>;
  /** 1 if journey j converted; indexed by events.journey. */
  journeyLabel: Uint8Array;
}

export type ReplayScope = 'all' | 'test';

/**
 * The prepared events as a replay: all of them (the article), or the test
 * journeys' only, still in time order. Journeys are renumbered in order of
 * their first replayed event: the journeys a replay touches at any moment then
 * sit close together in its one-byte-per-journey state, instead of scattered
 * by user over millions of bytes (measured: a replay is bound by those cache
 * misses, not by arithmetic).
 */
export function replayInput(prepared: PreparedData, scope: ReplayScope = 'all'): ReplayInput {
  const { events, journeys } = prepared;
  let count = events.count;
  if (scope === 'test') {
    count = 0;
    for (let e = 0; e < events.count; e++) if (journeys.split[events.journey[e]] === Split.Test) count++;
  }
  const journey = new Uint32Array(count);
  const campaign = new Uint32Array(count);
  const cost = new Float32Array(count);
  const rank = new Int32Array(journeys.count).fill(-1);
  let ranked = 0;
  for (let e = 0, k = 0; e < events.count; e++) {
    const j = events.journey[e];
    if (scope === 'test' && journeys.split[j] !== Split.Test) continue;
    if (rank[j] < 0) rank[j] = ranked++;
    journey[k] = rank[j];
    campaign[k] = events.campaign[e];
    cost[k] = events.cost[e];
    k++;
  }
  const journeyLabel = new Uint8Array(ranked);
  for (let j = 0; j < journeys.count; j++) if (rank[j] >= 0) journeyLabel[rank[j]] = journeys.label[j];
  return { campaignIds: prepared.campaignIds, events: { count, journey, campaign, cost }, journeyLabel };
}

export interface ResolvedWeights {
  /** Per prepared campaign, finite and non-negative. */
  weights: Float64Array;
  /** Campaigns of the replay with no weight in the file (given 0). */
  missingCampaigns: number;
  /** Negative weights set to 0. */
  clippedCampaigns: number;
}

export type WeightsCheck = ({ ok: true } & ResolvedWeights) | { ok: false; error: string };

/** Maps weights keyed by original campaign id onto the replay's campaigns, with step 8's checks. */
export function resolveWeights(campaignIds: readonly string[], byCampaign: Record<string, number>, model = 'weights'): WeightsCheck {
  const weights = new Float64Array(campaignIds.length);
  let missingCampaigns = 0;
  let clippedCampaigns = 0;
  let positive = 0;
  for (let c = 0; c < campaignIds.length; c++) {
    if (!Object.hasOwn(byCampaign, campaignIds[c])) {
      missingCampaigns++;
      continue;
    }
    const w = byCampaign[campaignIds[c]];
    if (typeof w !== 'number' || !Number.isFinite(w)) {
      return { ok: false, error: `The ${model} weight of campaign ${campaignIds[c]} is not a finite number.` };
    }
    if (w < 0) clippedCampaigns++;
    else weights[c] = w;
    if (w > 0) positive++;
  }
  if (positive === 0) {
    return {
      ok: false,
      error: `Every ${model} weight of the replayed campaigns is zero (or missing), so no budget can be split.`,
    };
  }
  return { ok: true, weights, missingCampaigns, clippedCampaigns };
}

/**
 * b_c = ceil(B * (w_c/w_max)^p / sum_k (w_k/w_max)^p), 0 where w_c = 0; in
 * float64, and without the ceil for a money budget. Normalising by the largest
 * weight first keeps large pitches from overflowing or underflowing.
 */
export function campaignBudgets(weights: Float64Array, budget: number, pitch: number, unit: SimulateSettings['unit']): Float64Array {
  let max = 0;
  for (let c = 0; c < weights.length; c++) if (weights[c] > max) max = weights[c];
  const share = new Float64Array(weights.length);
  let sum = 0;
  for (let c = 0; c < weights.length; c++) {
    if (weights[c] > 0) {
      share[c] = Math.pow(weights[c] / max, pitch);
      sum += share[c];
    }
  }
  const out = new Float64Array(weights.length);
  for (let c = 0; c < weights.length; c++) {
    if (weights[c] === 0) continue;
    const b = (budget * share[c]) / sum;
    out[c] = unit === 'impressions' ? Math.ceil(b) : b;
  }
  return out;
}

export interface ReplayResult {
  conversions: number;
  spent: number;
  /** Per prepared campaign. */
  spentByCampaign: Float64Array;
  /** Impressions bought. */
  bought: number;
}

/**
 * One replay. An event of a blacklisted journey is skipped and spends nothing;
 * otherwise the impression is bought if its campaign can afford it (1 impression,
 * or its cost for a money budget), else the journey is blacklisted.
 * `state` (one byte per journey) is scratch space that may be reused across calls.
 */
export function replay(
  input: ReplayInput,
  budgets: Float64Array,
  unit: SimulateSettings['unit'],
  state: Uint8Array = new Uint8Array(input.journeyLabel.length),
): ReplayResult {
  const SEEN = 1;
  const BLACKLISTED = 2;
  state.fill(0);
  const remaining = Float64Array.from(budgets);
  const { journey, campaign, cost, count } = input.events;
  let bought = 0;
  if (unit === 'impressions') {
    for (let e = 0; e < count; e++) {
      const j = journey[e];
      if (state[j] === BLACKLISTED) continue;
      const c = campaign[e];
      if (remaining[c] >= 1) {
        remaining[c] -= 1;
        state[j] = SEEN;
        bought++;
      } else {
        state[j] = BLACKLISTED;
      }
    }
  } else {
    for (let e = 0; e < count; e++) {
      const j = journey[e];
      if (state[j] === BLACKLISTED) continue;
      const c = campaign[e];
      const price = cost[e];
      if (remaining[c] >= price) {
        remaining[c] -= price;
        state[j] = SEEN;
        bought++;
      } else {
        state[j] = BLACKLISTED;
      }
    }
  }
  let conversions = 0;
  const label = input.journeyLabel;
  for (let j = 0; j < state.length; j++) if (state[j] === SEEN && label[j]) conversions++;
  const spentByCampaign = new Float64Array(budgets.length);
  let spent = 0;
  for (let c = 0; c < budgets.length; c++) {
    spentByCampaign[c] = budgets[c] - remaining[c];
    spent += spentByCampaign[c];
  }
  return { conversions, spent, spentByCampaign, bought };
}

/** 10% of the replayed impressions, or of their total cost for a money budget. */
export function defaultBudget(input: ReplayInput, unit: SimulateSettings['unit']): number {
  if (unit === 'impressions') return 0.1 * input.events.count;
  let total = 0;
  for (let e = 0; e < input.events.count; e++) total += input.events.cost[e];
  return 0.1 * total;
}

export interface PitchResult {
  pitch: number;
  conversions: number;
  spent: number;
  /** conversions / budget B. */
  conversionsPerBudget: number;
}

export interface CampaignAllocation {
  campaign: string;
  weight: number;
  budget: number;
  spent: number;
}

export interface ModelSweep {
  model: string;
  missingCampaigns: number;
  clippedCampaigns: number;
  results: PitchResult[];
  /** Most conversions; ties go to the smaller pitch. */
  best: { pitch: number; conversions: number };
  /** Per campaign at the best pitch, in the replay's campaign order. */
  allocation: CampaignAllocation[];
}

export interface Sweep {
  budget: number;
  unit: SimulateSettings['unit'];
  events: number;
  models: ModelSweep[];
}

export type SweepResult = ({ ok: true } & Sweep) | { ok: false; error: string };

/** Name of the equal-weights baseline every sweep adds. */
export const UNIFORM_MODEL = 'uniform';

export function checkSimulateSettings(s: SimulateSettings): { ok: true } | { ok: false; error: string } {
  if (s.pitches.length === 0) return { ok: false, error: 'Give at least one pitch.' };
  for (const p of s.pitches) {
    if (!(Number.isFinite(p) && p >= 0)) return { ok: false, error: `Pitches must be numbers of 0 or more (got ${p}).` };
  }
  if (s.budget !== undefined && !(Number.isFinite(s.budget) && s.budget > 0)) {
    return { ok: false, error: `The budget must be a positive number (got ${s.budget}).` };
  }
  if (s.unit !== 'impressions' && s.unit !== 'money') return { ok: false, error: 'The budget unit must be impressions or money.' };
  return { ok: true };
}

/** How many replays `replayLanes` runs side by side: one bit each of a journey's state byte. 16 or 32 (wider state) were slower at 16 M events: the work per replay, not the shared reads, dominates then. */
export const REPLAY_LANES = 8;

/**
 * Several replays of one input in one pass over its events: the same as
 * `replay(input, budgets[k], unit)` for each k (at most REPLAY_LANES). The
 * pass reads each event and its journey's state once for all of them; bit k
 * of a journey's state byte says it is blacklisted in replay k. A replay is
 * bound by that random access to the journey's state and by streaming the
 * events, not by arithmetic, so 8 replays in one pass cost little more than one.
 * `seen` (from `journeysWithEvents`) marks the journeys that have an event.
 */
export function replayLanes(
  input: ReplayInput,
  budgets: readonly Float64Array[],
  unit: SimulateSettings['unit'],
  seen: Uint8Array,
  state: Uint8Array = new Uint8Array(input.journeyLabel.length),
): ReplayResult[] {
  const lanes = budgets.length;
  if (lanes < 1 || lanes > REPLAY_LANES) throw new Error(`replayLanes takes 1 to ${REPLAY_LANES} budgets (got ${lanes}).`);
  const campaigns = input.campaignIds.length;
  state.fill(0);
  // remaining[c * L + k]: a campaign's lanes side by side, one cache line for all of them.
  const remaining = new Float64Array(campaigns * REPLAY_LANES);
  for (let k = 0; k < lanes; k++) for (let c = 0; c < campaigns; c++) remaining[c * REPLAY_LANES + k] = budgets[k][c];
  const bought = new Float64Array(REPLAY_LANES);
  const all = (1 << lanes) - 1;
  const { journey, campaign, cost, count } = input.events;
  const money = unit === 'money';
  for (let e = 0; e < count; e++) {
    const j = journey[e];
    let s = state[j];
    let open = all & ~s;
    if (open === 0) continue;
    const base = campaign[e] * REPLAY_LANES;
    const price = money ? cost[e] : 1;
    // As `replay`: buy when the campaign can afford it, else blacklist the journey.
    while (open !== 0) {
      const k = 31 - Math.clz32(open & -open);
      open &= open - 1;
      if (remaining[base + k] >= price) {
        remaining[base + k] -= price;
        bought[k]++;
      } else s |= 1 << k;
    }
    state[j] = s;
  }
  const conversions = new Float64Array(REPLAY_LANES);
  const label = input.journeyLabel;
  for (let j = 0; j < label.length; j++) {
    if (!label[j] || !seen[j]) continue;
    const clean = all & ~state[j];
    for (let k = 0; k < lanes; k++) if ((clean >> k) & 1) conversions[k]++;
  }
  return budgets.map((b, k) => {
    const spentByCampaign = new Float64Array(campaigns);
    let spent = 0;
    for (let c = 0; c < campaigns; c++) {
      spentByCampaign[c] = b[c] - remaining[c * REPLAY_LANES + k];
      spent += spentByCampaign[c];
    }
    return { conversions: conversions[k], spent, spentByCampaign, bought: bought[k] };
  });
}

/** 1 for each journey of the input with at least one event. */
export function journeysWithEvents(input: ReplayInput): Uint8Array {
  const seen = new Uint8Array(input.journeyLabel.length);
  const { journey, count } = input.events;
  for (let e = 0; e < count; e++) seen[journey[e]] = 1;
  return seen;
}

/**
 * Replays every pitch for every weight vector, plus `uniform` (equal weights)
 * as a baseline. The budgets of every (model, pitch) are computed first; those
 * that are the same (equal weights give the same budgets at every pitch) are
 * replayed once, and the rest REPLAY_LANES at a time in one pass over the
 * events each (`replayLanes`): with 8 pitches, one pass per model.
 */
export function sweepPitches(
  input: ReplayInput,
  weightsByModel: WeightsByModel,
  settings: SimulateSettings,
  onProgress?: (done: number, total: number) => void,
): SweepResult {
  const check = checkSimulateSettings(settings);
  if (!check.ok) return check;
  if (input.events.count === 0) return { ok: false, error: 'There are no events to replay.' };
  const uniform: Record<string, number> = {};
  for (const id of input.campaignIds) uniform[id] = 1;
  const models: [string, Record<string, number>][] = [
    ...Object.entries(weightsByModel).filter(([name]) => name !== UNIFORM_MODEL),
    [UNIFORM_MODEL, uniform],
  ];
  const resolved: [string, ResolvedWeights][] = [];
  for (const [name, byCampaign] of models) {
    const r = resolveWeights(input.campaignIds, byCampaign, `"${name}"`);
    if (!r.ok) return r;
    resolved.push([name, r]);
  }

  const budget = settings.budget ?? defaultBudget(input, settings.unit);
  // Budgets per (model, pitch), and which distinct replay each one needs.
  const budgetsOf = resolved.map(([, w]) => settings.pitches.map((pitch) => campaignBudgets(w.weights, budget, pitch, settings.unit)));
  const distinct: Float64Array[] = [];
  const slotOf = new Map<string, number>();
  const replayOf = budgetsOf.map((list) =>
    list.map((b) => {
      const key = b.join(',');
      let slot = slotOf.get(key);
      if (slot === undefined) {
        slot = distinct.length;
        slotOf.set(key, slot);
        distinct.push(b);
      }
      return slot;
    }),
  );
  const total = resolved.length * settings.pitches.length;
  const seen = journeysWithEvents(input);
  const state = new Uint8Array(input.journeyLabel.length);
  const replays: ReplayResult[] = [];
  for (let from = 0; from < distinct.length; from += REPLAY_LANES) {
    replays.push(...replayLanes(input, distinct.slice(from, from + REPLAY_LANES), settings.unit, seen, state));
    // (model, pitch) pairs whose replay is done: replays come in order of first need.
    let done = 0;
    for (const list of replayOf) for (const slot of list) if (slot < replays.length) done++;
    onProgress?.(done, total);
  }

  const out: ModelSweep[] = resolved.map(([model, w], m) => {
    const results: PitchResult[] = [];
    let bestIndex = 0;
    let bestSpent: Float64Array | null = null;
    let bestBudgets: Float64Array | null = null;
    settings.pitches.forEach((pitch, i) => {
      const budgets = budgetsOf[m][i];
      const r = replays[replayOf[m][i]];
      results.push({ pitch, conversions: r.conversions, spent: r.spent, conversionsPerBudget: r.conversions / budget });
      const best = results[bestIndex];
      const better =
        bestSpent === null || r.conversions > best.conversions || (r.conversions === best.conversions && pitch < best.pitch);
      if (better) {
        bestIndex = i;
        bestSpent = r.spentByCampaign;
        bestBudgets = budgets;
      }
    });
    const allocation = input.campaignIds.map((campaign, c) => ({
      campaign,
      weight: w.weights[c],
      budget: bestBudgets![c],
      spent: bestSpent![c],
    }));
    return {
      model,
      missingCampaigns: w.missingCampaigns,
      clippedCampaigns: w.clippedCampaigns,
      results,
      best: { pitch: results[bestIndex].pitch, conversions: results[bestIndex].conversions },
      allocation,
    };
  });
  return { ok: true, budget, unit: settings.unit, events: input.events.count, models: out };
}

export {
  currentAllocation,
  recommendAllocation,
  type CampaignRecommendation,
  type Recommendation,
  type RecommendationOptions,
  type RecommendationResult,
} from './recommend';
