/**
 * The model-judged replay of one allocation on a fixed set of journeys, made
 * cheap to call many times: the optimiser asks for hundreds of allocations.
 *
 * Rules as in the model-judged replay (counterfactual/model-replay.ts): the
 * journeys' impressions are served in time order while their campaign has
 * budget left (impressions: b_c >= 1 buys one; money: b_c >= cost), and the
 * judge scores each journey on the touchpoints it received. Two facts keep
 * it cheap:
 * - a campaign's budget decides which of its own impressions are served and
 *   nothing else, so changing one campaign's budget only re-judges the
 *   journeys holding its impressions;
 * - a journey's score depends only on which of its window's touchpoints were
 *   served, so each (journey, served set) is scored once and cached.
 */
import { JourneyBatcher, DEFAULT_BATCH_SIZE, journeyWeights } from '../counterfactual/journey-batch';
import type { JourneyScorer } from '../models/scorer';
import type { PreparedData } from '../prepared';
import type { NoAdsScore, SimulateSettings } from '../settings';

type MaskKey = number | string;

export interface JudgeOptions {
  /** This half's budget, in `unit`. */
  budget: number;
  unit: SimulateSettings['unit'];
  /**
   * Count each unconverted journey 1 / negativeSamplingRate times (the balancing
   * undone), as removal and Shapley do: in its expected conversions and in what
   * its impressions cost, so that a budget buys what it would buy in the log.
   */
  reweight: boolean;
  batchSize?: number;
  signal?: AbortSignal;
  /** A journey with every touchpoint taken away: 0 ('zero', the default) or the model's "this user, no ads" ('model'); settings.ts NoAdsScore. */
  noAds?: NoAdsScore;
}

/** A change of one campaign's budget, as a share of the budget. */
export type ShareChange = readonly [campaign: number, share: number];

export class AllocationJudge {
  /** Journeys judged (prepared indices, sorted) and how many log journeys each stands for. */
  readonly journeys: Uint32Array;
  readonly weight: Float64Array;
  readonly campaigns: number;
  private readonly budget: number;
  private readonly unit: SimulateSettings['unit'];
  /** Local events in time order: campaign, price, local journey, window step (-1 outside the model's window). */
  private readonly evJourney: Uint32Array;
  private readonly evPrice: Float64Array;
  private readonly evStep: Int32Array;
  /** Local events of each campaign, in time order. */
  private readonly byCampaign: Uint32Array[];
  /** The local event behind each window step, by local journey. */
  private readonly windowEvents: Uint32Array[];
  private readonly cache: Map<MaskKey, number>[];
  private readonly batcher: JourneyBatcher;
  private readonly bitKeys: boolean;
  /** The committed state: served flags, shares, per-journey probability and their weighted total. */
  private readonly served: Uint8Array;
  readonly shares: Float64Array;
  readonly probability: Float64Array;
  total = 0;

  constructor(data: PreparedData, scorer: JourneyScorer, journeys: Uint32Array, options: JudgeOptions) {
    const { events, journeys: pj } = data;
    const seq = data.sequences;
    this.journeys = journeys;
    this.weight = journeyWeights(pj.label, journeys, data.negativeSamplingRate, options.reweight);
    this.campaigns = data.campaignIds.length;
    this.budget = options.budget;
    this.unit = options.unit;
    const local = new Int32Array(pj.count).fill(-1);
    journeys.forEach((j, i) => (local[j] = i));
    let m = 0;
    for (let e = 0; e < events.count; e++) if (local[events.journey[e]] >= 0) m++;
    this.evJourney = new Uint32Array(m);
    this.evPrice = new Float64Array(m);
    this.evStep = new Int32Array(m).fill(-1);
    const localEvent = new Int32Array(events.count).fill(-1);
    const counts = new Uint32Array(this.campaigns);
    for (let e = 0, k = 0; e < events.count; e++) {
      const i = local[events.journey[e]];
      if (i < 0) continue;
      localEvent[e] = k;
      this.evJourney[k] = i;
      this.evPrice[k] = (options.unit === 'money' ? events.cost[e] : 1) * this.weight[i];
      counts[events.campaign[e]]++;
      k++;
    }
    this.byCampaign = Array.from(counts, (n) => new Uint32Array(n));
    counts.fill(0);
    for (let e = 0; e < events.count; e++) {
      const k = localEvent[e];
      if (k < 0) continue;
      const c = events.campaign[e];
      this.byCampaign[c][counts[c]++] = k;
    }
    // The event behind each window step: the window starts at the first or the last `length` events.
    this.windowEvents = new Array<Uint32Array>(journeys.length);
    journeys.forEach((j, i) => {
      const lo = pj.eventOffsets[j];
      const n = pj.eventOffsets[j + 1] - lo;
      const len = seq.length[j];
      const first = data.settings.keep === 'last' ? n - len : 0;
      const window = new Uint32Array(len);
      for (let s = 0; s < len; s++) {
        const k = localEvent[pj.eventsByJourney[lo + first + s]];
        window[s] = k;
        this.evStep[k] = s;
      }
      this.windowEvents[i] = window;
    });
    this.bitKeys = seq.steps <= 30;
    this.cache = Array.from(journeys, () => new Map<MaskKey, number>());
    this.batcher = new JourneyBatcher(seq, scorer, options.batchSize ?? DEFAULT_BATCH_SIZE, options.signal, options.noAds);
    this.served = new Uint8Array(m);
    this.shares = new Float64Array(this.campaigns);
    this.probability = new Float64Array(journeys.length);
  }

  /** Journeys scored by the model so far (each distinct served set once). */
  get scored(): number {
    return this.batcher.scored;
  }

  /** Budget of a campaign in this half's unit from its share; impressions are bought whole, as the sweep's budgets. */
  private amountOf(share: number): number {
    const b = share * this.budget;
    return this.unit === 'impressions' ? (b > 0 ? Math.ceil(b - 1e-9) : 0) : b;
  }

  /** Serves campaign c's impressions for a budget of `share`; returns the local journeys whose window changed. */
  private serve(c: number, share: number, changed: Set<number> | null): void {
    let left = this.amountOf(share);
    for (const k of this.byCampaign[c]) {
      const price = this.evPrice[k];
      const buy = left >= price ? 1 : 0;
      if (buy) left -= price;
      if (this.served[k] !== buy) {
        this.served[k] = buy;
        if (changed && this.evStep[k] >= 0) changed.add(this.evJourney[k]);
      }
    }
  }

  private keyOf(i: number): MaskKey {
    const window = this.windowEvents[i];
    if (this.bitKeys) {
      let key = 0;
      for (let s = 0; s < window.length; s++) if (this.served[window[s]]) key |= 1 << s;
      return key;
    }
    let key = '';
    for (let s = 0; s < window.length; s++) key += this.served[window[s]] ? '1' : '0';
    return key;
  }

  private keeps(key: MaskKey): (s: number) => boolean {
    return typeof key === 'number' ? (s) => ((key >>> s) & 1) === 1 : (s) => key[s] === '1';
  }

  /** Scores every (journey, served set) not yet in the cache. */
  private async fill(wanted: [number, MaskKey][]): Promise<void> {
    const missing: [number, MaskKey][] = [];
    for (const [i, key] of wanted) {
      const cache = this.cache[i];
      if (cache.has(key)) continue;
      cache.set(key, Number.NaN);
      missing.push([i, key]);
    }
    if (missing.length === 0) return;
    const out = new Float64Array(missing.length);
    for (let t = 0; t < missing.length; t++) await this.batcher.add(this.journeys[missing[t][0]], this.keeps(missing[t][1]), out, t);
    await this.batcher.flush();
    missing.forEach(([i, key], t) => this.cache[i].set(key, out[t]));
  }

  /** Sets the whole allocation (shares of the budget per campaign) and judges it. Returns the weighted expected conversions. */
  async reset(shares: ArrayLike<number>): Promise<number> {
    for (let c = 0; c < this.campaigns; c++) {
      this.shares[c] = shares[c];
      this.serve(c, shares[c], null);
    }
    const keys = Array.from(this.journeys, (_, i) => [i, this.keyOf(i)] as [number, MaskKey]);
    await this.fill(keys);
    this.total = 0;
    for (const [i, key] of keys) {
      this.probability[i] = this.cache[i].get(key)!;
      this.total += this.weight[i] * this.probability[i];
    }
    return this.total;
  }

  /** Applies changes, calls `visit` with the journeys they touch, and undoes them. */
  private withChanges<T>(changes: readonly ShareChange[], visit: (touched: Set<number>) => T): T {
    const touched = new Set<number>();
    for (const [c, share] of changes) this.serve(c, share, touched);
    try {
      return visit(touched);
    } finally {
      for (const [c] of changes) this.serve(c, this.shares[c], null);
    }
  }

  /**
   * The change in expected conversions each set of changes would make from
   * the committed allocation, with every new served set scored in one pass.
   */
  async deltas(trials: readonly (readonly ShareChange[])[]): Promise<Float64Array> {
    const keys = trials.map((changes) => this.withChanges(changes, (touched) => [...touched].map((i) => [i, this.keyOf(i)] as [number, MaskKey])));
    await this.fill(keys.flat());
    return Float64Array.from(keys, (list) => {
      let delta = 0;
      for (const [i, key] of list) delta += this.weight[i] * (this.cache[i].get(key)! - this.probability[i]);
      return delta;
    });
  }

  /** Makes the changes part of the allocation. */
  async commit(changes: readonly ShareChange[]): Promise<number> {
    const touched = new Set<number>();
    for (const [c, share] of changes) {
      this.shares[c] = share;
      this.serve(c, share, touched);
    }
    const keys = [...touched].map((i) => [i, this.keyOf(i)] as [number, MaskKey]);
    await this.fill(keys);
    for (const [i, key] of keys) {
      const p = this.cache[i].get(key)!;
      this.total += this.weight[i] * (p - this.probability[i]);
      this.probability[i] = p;
    }
    return this.total;
  }

  /** Judges an allocation without keeping it: per-journey probabilities (unweighted) and the weighted total. */
  async judge(shares: ArrayLike<number>): Promise<{ probability: Float64Array; total: number }> {
    const kept = Float64Array.from(this.shares);
    const total = await this.reset(shares);
    const probability = Float64Array.from(this.probability);
    await this.reset(kept);
    return { probability, total };
  }
}
