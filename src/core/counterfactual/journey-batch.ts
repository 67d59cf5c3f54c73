/**
 * Scoring journeys with some touchpoints taken away, in batches.
 *
 * A removed touchpoint is cut out and the touchpoints after it move up, so
 * order is kept and padding stays at the end. Zeroing the mask alone would
 * be enough for the attention model (it masks padded steps out of its
 * softmax), but the plain LSTM reads every step, mask or not, and would see
 * a gap of zeros where the touchpoint was; compaction gives every model the
 * journey it would have seen had the impression never been bought.
 */
import { Split, type Sequences } from '../prepared';
import type { JourneyScorer, SequenceBatch } from '../models/scorer';
import { DEFAULT_NO_ADS, type NoAdsScore } from '../settings';

/** Calls to `scorer.score` take this many journeys unless told otherwise. */
export const DEFAULT_BATCH_SIZE = 2048;

/** Journeys up to this many steps have their variants remembered (the kept steps fit one 31-bit number). */
const MEMO_MAX_STEPS = 31;
/** Variants remembered at most per batcher (about 50 MB of Map entries, estimated, not measured): past it, new ones are scored and not kept. */
const MEMO_MAX_ENTRIES = 1 << 20;

/** Thrown (as the DOM does) when an AbortSignal fires between batches. */
export function abortError(): Error {
  const error = new Error('Stopped before the end.');
  error.name = 'AbortError';
  return error;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError();
}

/** Number of numeric features per step in a Sequences block. */
export function numericWidth(seq: Sequences): number {
  return seq.numericNames.length;
}

/**
 * Collects journeys (each with a set of kept steps) into one reusable batch,
 * scores it when full, and writes each probability to the place the caller
 * named. Callers `await add(...)` so that a full batch is scored before more
 * journeys are written over it, and `await flush()` at the end.
 */
export class JourneyBatcher {
  readonly batch: SequenceBatch;
  private readonly targets: Float64Array[] = [];
  private readonly targetIndex: Int32Array;
  private readonly categoryColumns: number;
  private readonly numericColumns: number;
  private readonly userColumns: number;
  /** Empty variants go to the scorer ("this user, no ads") instead of counting 0: noAds 'model' and a scorer that scores them. */
  private readonly scoresEmpty: boolean;
  /** Journeys scored so far (calls to the model, counted in journeys). */
  scored = 0;
  /** Calls to `scorer.score`. */
  calls = 0;
  /**
   * With `remember`: each variant's probability by journey and kept steps
   * (journey * 2^31 + a bit per kept step), for a caller that asks for the
   * same variant again (the model-judged replay's models and pitches; the
   * allocation judge keeps a cache of its own, and removal's and Shapley's
   * variants seldom repeat). The scorer is a pure function of the variant, so
   * the answer is the one it would give again. Off when a key would not be
   * exact (journeys longer than 31 steps, or over 2^22 journeys).
   */
  private readonly memo: Map<number, number> | null;
  /** With the memo: the memo key of each queued slot, -1 when it is not to be remembered. */
  private readonly slotKey: Float64Array | null;

  constructor(
    private readonly seq: Sequences,
    private readonly scorer: JourneyScorer,
    readonly capacity: number = DEFAULT_BATCH_SIZE,
    private readonly signal?: AbortSignal,
    noAds: NoAdsScore = DEFAULT_NO_ADS,
    /** Remember each variant's probability and answer a repeat from memory (see `memo`). */
    remember = false,
  ) {
    this.memo = remember && seq.steps <= MEMO_MAX_STEPS && seq.length.length <= 2 ** (53 - MEMO_MAX_STEPS) ? new Map() : null;
    this.slotKey = this.memo ? new Float64Array(capacity).fill(-1) : null;
    this.scoresEmpty = noAds === 'model' && scorer.scoresEmptyJourneys === true;
    const steps = seq.steps;
    this.categoryColumns = seq.categoryColumns;
    this.numericColumns = numericWidth(seq);
    this.batch = {
      count: 0,
      steps,
      campaign: new Int32Array(capacity * steps),
      categories: new Int32Array(capacity * steps * this.categoryColumns),
      numeric: new Float32Array(capacity * steps * this.numericColumns),
      mask: new Float32Array(capacity * steps),
    };
    // User attributes ride with every variant of a journey, the empty one included.
    this.userColumns = seq.user ? (seq.userColumns ?? 0) : 0;
    if (this.userColumns > 0) this.batch.user = new Int32Array(capacity * this.userColumns);
    this.targetIndex = new Int32Array(capacity);
  }

  /**
   * Queues journey `journey` keeping only the steps for which `keep(step)` is
   * true; its probability lands in `target[index]`. Returns the number of
   * steps kept. When none is kept, the journey is still queued (its user alone)
   * under noAds 'model' for a scorer that `scoresEmptyJourneys`; otherwise nothing is queued and
   * `target[index]` is set to 0 (the empty journey is worth nothing, as the
   * scorer contract says).
   */
  async add(journey: number, keep: (step: number) => boolean, target: Float64Array, index: number): Promise<number> {
    let key = -1;
    if (this.memo) {
      let bits = 0;
      let kept = 0;
      const length = this.seq.length[journey];
      for (let s = 0; s < length; s++) {
        if (keep(s)) {
          bits |= 1 << s;
          kept++;
        }
      }
      if (kept > 0 || this.scoresEmpty) {
        key = journey * 2 ** MEMO_MAX_STEPS + (bits >>> 0);
        const known = this.memo.get(key);
        if (known !== undefined) {
          target[index] = known;
          return kept;
        }
      }
    }
    const kept = this.write(journey, keep);
    if (kept === 0 && !this.scoresEmpty) {
      target[index] = 0;
      return 0;
    }
    if (this.slotKey) this.slotKey[this.batch.count] = key;
    this.targets[this.batch.count] = target;
    this.targetIndex[this.batch.count] = index;
    this.batch.count++;
    if (this.batch.count === this.capacity) await this.flush();
    return kept;
  }

  async flush(): Promise<void> {
    const count = this.batch.count;
    if (count === 0) return;
    throwIfAborted(this.signal);
    // The scorer sees exactly `count` journeys; views share the buffers, no copy.
    const steps = this.batch.steps;
    const view: SequenceBatch =
      count === this.capacity
        ? this.batch
        : {
            count,
            steps,
            campaign: this.batch.campaign.subarray(0, count * steps),
            categories: this.batch.categories.subarray(0, count * steps * this.categoryColumns),
            numeric: this.batch.numeric.subarray(0, count * steps * this.numericColumns),
            mask: this.batch.mask.subarray(0, count * steps),
            ...(this.batch.user ? { user: this.batch.user.subarray(0, count * this.userColumns) } : {}),
          };
    const probabilities = await this.scorer.score(view);
    if (probabilities.length < count) {
      throw new Error(`The ${this.scorer.name} model returned ${probabilities.length} probabilities for ${count} journeys.`);
    }
    for (let i = 0; i < count; i++) this.targets[i][this.targetIndex[i]] = probabilities[i];
    const { memo, slotKey } = this;
    if (memo && slotKey) {
      for (let i = 0; i < count && memo.size < MEMO_MAX_ENTRIES; i++) if (slotKey[i] >= 0) memo.set(slotKey[i], probabilities[i]);
    }
    this.scored += count;
    this.calls++;
    this.batch.count = 0;
    this.targets.length = 0;
  }

  /** Copies the kept steps of `journey` into the next free slot, compacted; returns how many. */
  private write(journey: number, keep: (step: number) => boolean): number {
    const { seq, batch } = this;
    const steps = seq.steps;
    const cc = this.categoryColumns;
    const nc = this.numericColumns;
    const slot = batch.count;
    const length = seq.length[journey];
    let k = 0;
    for (let s = 0; s < length; s++) {
      if (!keep(s)) continue;
      const from = journey * steps + s;
      const to = slot * steps + k;
      batch.campaign[to] = seq.campaign[from];
      batch.mask[to] = 1;
      for (let c = 0; c < cc; c++) batch.categories[to * cc + c] = seq.categories[from * cc + c];
      for (let f = 0; f < nc; f++) batch.numeric[to * nc + f] = seq.numeric[from * nc + f];
      k++;
    }
    const u = this.userColumns;
    if (u > 0) batch.user!.set(seq.user!.subarray(journey * u, (journey + 1) * u), slot * u);
    if (k === 0 && !this.scoresEmpty) return 0;
    // Padding holds 0 everywhere (the Sequences contract); the slot may hold an older journey.
    const start = slot * steps + k;
    const end = (slot + 1) * steps;
    batch.campaign.fill(0, start, end);
    batch.mask.fill(0, start, end);
    batch.categories.fill(0, start * cc, end * cc);
    batch.numeric.fill(0, start * nc, end * nc);
    return k;
  }
}

/**
 * Groups journeys whose sequences are identical (same campaigns, categories,
 * numeric features and mask, step by step, and the same user attributes), so
 * each is scored once.
 * Returns, for the listed journeys, the representative of each group and how
 * many journeys it stands for. Hashes are checked against the representative,
 * so a collision never merges two different journeys.
 */
export function groupIdenticalJourneys(
  seq: Sequences,
  journeys: Uint32Array,
): { representatives: Uint32Array; multiplicity: Uint32Array; groupOf: Uint32Array } {
  const steps = seq.steps;
  const cc = seq.categoryColumns;
  const nc = numericWidth(seq);
  const numericBits = new Uint32Array(seq.numeric.buffer, seq.numeric.byteOffset, seq.numeric.length);
  const maskBits = new Uint32Array(seq.mask.buffer, seq.mask.byteOffset, seq.mask.length);
  // Two users with the same touchpoints are different journeys once the model knows users apart.
  const uc = seq.user ? (seq.userColumns ?? 0) : 0;
  const user = seq.user ?? new Int32Array(0);

  const hash = (j: number): number => {
    // Two 32-bit FNV-style lanes make a 53-bit key; collisions are still checked below.
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    const push = (v: number): void => {
      h1 = Math.imul(h1 ^ v, 0x01000193);
      h2 = Math.imul(h2 ^ v, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    };
    const length = seq.length[j];
    push(length);
    for (let c = 0; c < uc; c++) push(user[j * uc + c]);
    for (let s = 0; s < length; s++) {
      const i = j * steps + s;
      push(seq.campaign[i]);
      push(maskBits[i]);
      for (let c = 0; c < cc; c++) push(seq.categories[i * cc + c]);
      for (let f = 0; f < nc; f++) push(numericBits[i * nc + f]);
    }
    return (h1 >>> 0) * 2097152 + ((h2 >>> 0) & 0x1fffff);
  };
  const same = (a: number, b: number): boolean => {
    const length = seq.length[a];
    if (seq.length[b] !== length) return false;
    for (let c = 0; c < uc; c++) if (user[a * uc + c] !== user[b * uc + c]) return false;
    for (let s = 0; s < length; s++) {
      const ia = a * steps + s;
      const ib = b * steps + s;
      if (seq.campaign[ia] !== seq.campaign[ib] || maskBits[ia] !== maskBits[ib]) return false;
      for (let c = 0; c < cc; c++) if (seq.categories[ia * cc + c] !== seq.categories[ib * cc + c]) return false;
      for (let f = 0; f < nc; f++) if (numericBits[ia * nc + f] !== numericBits[ib * nc + f]) return false;
    }
    return true;
  };

  const byHash = new Map<number, number[]>();
  const reps: number[] = [];
  const counts: number[] = [];
  const groupOf = new Uint32Array(journeys.length);
  for (let i = 0; i < journeys.length; i++) {
    const j = journeys[i];
    const h = hash(j);
    let groups = byHash.get(h);
    if (!groups) {
      groups = [];
      byHash.set(h, groups);
    }
    let group = -1;
    for (const g of groups) {
      if (same(reps[g], j)) {
        group = g;
        break;
      }
    }
    if (group < 0) {
      group = reps.length;
      reps.push(j);
      counts.push(0);
      groups.push(group);
    }
    counts[group]++;
    groupOf[i] = group;
  }
  return { representatives: Uint32Array.from(reps), multiplicity: Uint32Array.from(counts), groupOf };
}

/** Which journeys a counterfactual method looks at: all prepared journeys, or the held-out test journeys only. */
export type JourneySubset = 'all' | 'test';

export function selectJourneys(split: Uint8Array, subset: JourneySubset): Uint32Array {
  if (subset === 'all') {
    const all = new Uint32Array(split.length);
    for (let j = 0; j < all.length; j++) all[j] = j;
    return all;
  }
  let n = 0;
  for (let j = 0; j < split.length; j++) if (split[j] === Split.Test) n++;
  const out = new Uint32Array(n);
  n = 0;
  for (let j = 0; j < split.length; j++) if (split[j] === Split.Test) out[n++] = j;
  return out;
}

/**
 * How many journeys of the log each selected journey stands for: balancing
 * kept every converted journey and a share `negativeSamplingRate` of the
 * unconverted ones, so an unconverted journey counts 1 / rate times
 * (Horvitz-Thompson weighting) when `reweight` is on, and every journey once
 * otherwise. Totals then describe the log before balancing.
 */
export function journeyWeights(label: Uint8Array, journeys: Uint32Array, negativeSamplingRate: number, reweight: boolean): Float64Array {
  const unconverted = reweight && negativeSamplingRate > 0 ? 1 / negativeSamplingRate : 1;
  return Float64Array.from(journeys, (j) => (label[j] ? 1 : unconverted));
}

/** Sum of the journey weights of each group of identical journeys. */
export function groupWeights(groupOf: Uint32Array, groups: number, weights: Float64Array): Float64Array {
  const out = new Float64Array(groups);
  for (let i = 0; i < groupOf.length; i++) out[groupOf[i]] += weights[i];
  return out;
}

/**
 * The per-campaign rows of a result and its weights keyed by campaign id:
 * `value` is what the weights carry (a removal drop, a Shapley credit), also
 * given per impression over `impressions`, with its bootstrap interval when
 * one was drawn. `fields` adds the result's own columns after the id.
 */
export function perCampaign<T extends object>(
  campaignIds: readonly string[],
  value: ArrayLike<number>,
  impressions: ArrayLike<number>,
  intervals: { lower: ArrayLike<number>; upper: ArrayLike<number> } | undefined,
  fields: (c: number) => T,
): { weights: Record<string, number>; campaigns: (T & { campaign: string; perImpression: number; interval?: [number, number] })[] } {
  const weights: Record<string, number> = {};
  const campaigns = campaignIds.map((id, c) => {
    weights[id] = value[c];
    return {
      campaign: id,
      ...fields(c),
      perImpression: impressions[c] > 0 ? value[c] / impressions[c] : 0,
      ...(intervals ? { interval: [intervals.lower[c], intervals.upper[c]] as [number, number] } : {}),
    };
  });
  return { weights, campaigns };
}
