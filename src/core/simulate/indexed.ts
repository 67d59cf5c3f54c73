/**
 * The impressions replay of index.ts computed from the events grouped by
 * campaign and by journey (built once per replay input, shared by every
 * model and pitch), instead of a pass over every event per pitch.
 *
 * Why it gives the same answer: with an impressions budget, campaign c buys
 * the first floor(b_c) of its events whose journey is not blacklisted yet, in
 * time order; at its last purchase (time T_c) it is exhausted, and from then
 * on each of its events blacklists its journey. So a journey is blacklisted
 * from its first event e with e > T_campaign(e), and each T_c is the time of
 * the floor(b_c)-th event of c that comes before its journey's blacklisting.
 * The T_c are found in time order with a heap: the candidate of c is the
 * floor(b_c)-th of its events not yet known to be dead; the smallest
 * candidate is checked (every exhaustion before it is already known, so the
 * check is final) and either holds or moves on past the dead events.
 * Checking an event reads only its journey's earlier events, once per
 * journey and pitch. Then the journeys that converted are read once more to
 * see which were never blacklisted.
 *
 * Measured on the bench's generated log (bench/simulate.ts): the work per
 * pitch is about the bought impressions (10% of the events by default) and
 * the converted journeys' events, read mostly in order, against every event
 * with a random access to its journey's state for the plain replay.
 */
import type { ReplayInput, ReplayResult } from './index';

/** Touchpoints before an event in its journey, as stored: 255 stands for 255 or more. */
const DEEP = 255;

/**
 * The events of a replay grouped by campaign and by journey, each group in
 * time order (an event's index is its time). Laid out so that checking an
 * event reads its campaign's arrays in order and its journey's earlier
 * events in one place: ~17 bytes per event.
 */
export interface ReplayIndex {
  events: number;
  journeys: number;
  /** Campaign c's events are positions campaignStart[c] .. campaignStart[c+1]) of the next three arrays. */
  campaignStart: Uint32Array;
  campaignEvent: Uint32Array;
  /** Where the event sits in `journeyRecords` (record number). */
  campaignRecord: Uint32Array;
  /** Events before it in its journey (DEEP: that many or more, look the journey up). */
  campaignDepth: Uint8Array;
  /** Journey j's events are records journeyStart[j] .. journeyStart[j+1]), each two numbers: event index, campaign. */
  journeyStart: Uint32Array;
  journeyRecords: Uint32Array;
  /** Journeys that converted and have at least one event. */
  converted: Uint32Array;
}

/** Counting sorts of the events by campaign and by journey; stable, so each group stays in time order. */
export function replayIndex(input: ReplayInput): ReplayIndex {
  const { count, journey, campaign } = input.events;
  const campaigns = input.campaignIds.length;
  const journeys = input.journeyLabel.length;
  const campaignStart = new Uint32Array(campaigns + 1);
  const journeyStart = new Uint32Array(journeys + 1);
  for (let e = 0; e < count; e++) {
    campaignStart[campaign[e] + 1]++;
    journeyStart[journey[e] + 1]++;
  }
  for (let c = 0; c < campaigns; c++) campaignStart[c + 1] += campaignStart[c];
  for (let j = 0; j < journeys; j++) journeyStart[j + 1] += journeyStart[j];
  const campaignEvent = new Uint32Array(count);
  const campaignRecord = new Uint32Array(count);
  const campaignDepth = new Uint8Array(count);
  const journeyRecords = new Uint32Array(2 * count);
  const nextC = campaignStart.slice(0, campaigns);
  const nextJ = journeyStart.slice(0, journeys);
  for (let e = 0; e < count; e++) {
    const c = campaign[e];
    const j = journey[e];
    const b = nextJ[j]++;
    journeyRecords[2 * b] = e;
    journeyRecords[2 * b + 1] = c;
    const a = nextC[c]++;
    campaignEvent[a] = e;
    campaignRecord[a] = b;
    campaignDepth[a] = Math.min(DEEP, b - journeyStart[j]);
  }
  let n = 0;
  for (let j = 0; j < journeys; j++) if (input.journeyLabel[j] && journeyStart[j + 1] > journeyStart[j]) n++;
  const converted = new Uint32Array(n);
  n = 0;
  for (let j = 0; j < journeys; j++) if (input.journeyLabel[j] && journeyStart[j + 1] > journeyStart[j]) converted[n++] = j;
  return { events: count, journeys, campaignStart, campaignEvent, campaignRecord, campaignDepth, journeyStart, journeyRecords, converted };
}

/** Scratch space of `indexedReplay`, reusable across calls on one index. */
export interface IndexedReplayScratch {
  /**
   * Per journey, used for journeys of DEEP events or more: >= 0, that many of
   * its first events checked and none blacklists it; < 0, blacklisted at event -(value + 1).
   */
  journey: Int32Array;
  /** Journeys whose entry is not 0: cleared at the next replay instead of the whole array. */
  touched: number[];
}

export function indexedReplayScratch(index: ReplayIndex): IndexedReplayScratch {
  return { journey: new Int32Array(index.journeys), touched: [] };
}

/** The journey holding record `record`: a binary search over journeyStart (only for deep events, which are rare). */
function journeyOfRecord(journeyStart: Uint32Array, record: number): number {
  let lo = 0;
  let hi = journeyStart.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (journeyStart[mid] <= record) lo = mid;
    else hi = mid - 1;
  }
  // Empty journeys share their start with the next one: step to the one that holds the record.
  while (journeyStart[lo + 1] <= record) lo++;
  return lo;
}

/** A binary min-heap of campaigns keyed by time, with stale entries skipped by the caller. */
class CampaignHeap {
  private time: Float64Array;
  private campaign: Int32Array;
  size = 0;
  constructor(capacity: number) {
    this.time = new Float64Array(Math.max(1, capacity));
    this.campaign = new Int32Array(Math.max(1, capacity));
  }
  push(t: number, c: number): void {
    if (this.size === this.time.length) {
      const time = new Float64Array(this.size * 2);
      time.set(this.time);
      const campaign = new Int32Array(this.size * 2);
      campaign.set(this.campaign);
      this.time = time;
      this.campaign = campaign;
    }
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.time[parent] <= t) break;
      this.time[i] = this.time[parent];
      this.campaign[i] = this.campaign[parent];
      i = parent;
    }
    this.time[i] = t;
    this.campaign[i] = c;
  }
  /** Removes the smallest entry; returns its campaign and leaves its time in `top`. */
  top = 0;
  pop(): number {
    const c = this.campaign[0];
    this.top = this.time[0];
    const t = this.time[--this.size];
    const last = this.campaign[this.size];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && this.time[child + 1] < this.time[child]) child++;
      if (this.time[child] >= t) break;
      this.time[i] = this.time[child];
      this.campaign[i] = this.campaign[child];
      i = child;
    }
    this.time[i] = t;
    this.campaign[i] = last;
    return c;
  }
}

/**
 * The same result as `replay(input, budgets, 'impressions')` (index.ts) for
 * budgets below 2^53, from the index of that input.
 */
export function indexedReplay(index: ReplayIndex, budgets: Float64Array, scratch: IndexedReplayScratch = indexedReplayScratch(index)): ReplayResult {
  const campaigns = budgets.length;
  const { campaignStart, campaignEvent, campaignRecord, campaignDepth, journeyStart, journeyRecords } = index;
  const never = index.events;
  // Exhaustion time per campaign: -1 with no budget, `never` until known.
  const exhausted = new Float64Array(campaigns).fill(never);
  const cap = new Float64Array(campaigns);
  const live = new Float64Array(campaigns);
  const next = new Uint32Array(campaigns);
  const candidate = new Float64Array(campaigns).fill(-1);
  const state = scratch.journey;
  const touched = scratch.touched;
  for (const j of touched) state[j] = 0;
  touched.length = 0;

  /**
   * Whether the event at campaign position p comes before any blacklisting of
   * its journey: none of the journey's earlier events came after its own
   * campaign's exhaustion. Exact once every exhaustion before the event is known.
   */
  const alive = (p: number): boolean => {
    const depth = campaignDepth[p];
    if (depth === 0) return true;
    const record = campaignRecord[p];
    if (depth < DEEP) {
      // Short journeys (nearly all): read the earlier events again, they sit together.
      for (let r = 2 * (record - depth); r < 2 * record; r += 2) if (exhausted[journeyRecords[r + 1]] < journeyRecords[r]) return false;
      return true;
    }
    // Long journeys: remember how far they were checked, so that each event is read once per replay.
    const j = journeyOfRecord(journeyStart, record);
    const s = state[j];
    const e = campaignEvent[p];
    if (s < 0) return -(s + 1) >= e;
    const base = journeyStart[j];
    let r = base + s;
    for (; r < record; r++) {
      const at = journeyRecords[2 * r];
      if (exhausted[journeyRecords[2 * r + 1]] < at) {
        if (s === 0) touched.push(j);
        state[j] = -(at + 1);
        return false;
      }
    }
    if (r - base > s) {
      if (s === 0) touched.push(j);
      state[j] = r - base;
    }
    return true;
  };

  const heap = new CampaignHeap(campaigns);
  const open: number[] = [];
  for (let c = 0; c < campaigns; c++) {
    // remaining >= 1 buys: floor(b) purchases (b - 1 is exact for 1 <= b < 2^53).
    const k = budgets[c] >= 1 ? Math.floor(budgets[c]) : 0;
    cap[c] = k;
    next[c] = campaignStart[c];
    const n = campaignStart[c + 1] - campaignStart[c];
    if (k === 0) exhausted[c] = -1;
    else if (k >= n) open.push(c);
    else {
      candidate[c] = campaignEvent[campaignStart[c] + k - 1];
      heap.push(candidate[c], c);
    }
  }
  while (heap.size > 0) {
    const c = heap.pop();
    const t = heap.top;
    if (t !== candidate[c]) continue;
    // Every exhaustion before t is known (their candidates were smaller), so these checks are final.
    let p = next[c];
    const end = campaignStart[c + 1];
    while (live[c] < cap[c] && p < end && campaignEvent[p] <= t) {
      if (alive(p)) live[c]++;
      p++;
    }
    next[c] = p;
    if (live[c] === cap[c]) {
      exhausted[c] = campaignEvent[p - 1];
      continue;
    }
    const at = p + (cap[c] - live[c]) - 1;
    if (at < end) {
      candidate[c] = campaignEvent[at];
      heap.push(candidate[c], c);
    } else open.push(c);
  }
  // Campaigns that never run out: every exhaustion is known now, so their remaining events can be checked.
  for (const c of open) {
    const end = campaignStart[c + 1];
    for (let p = next[c]; p < end; p++) if (alive(p)) live[c]++;
    next[c] = end;
  }

  let conversions = 0;
  for (let q = 0; q < index.converted.length; q++) {
    const j = index.converted[q];
    const s = state[j];
    if (s < 0) continue;
    let clean = true;
    for (let r = journeyStart[j] + s; r < journeyStart[j + 1]; r++) {
      if (exhausted[journeyRecords[2 * r + 1]] < journeyRecords[2 * r]) {
        clean = false;
        break;
      }
    }
    if (clean) conversions++;
  }
  const spentByCampaign = new Float64Array(campaigns);
  let spent = 0;
  let bought = 0;
  for (let c = 0; c < campaigns; c++) {
    const k = live[c];
    bought += k;
    // As the replay: what is left after k exact subtractions of 1, taken from the budget.
    const remaining = budgets[c] - k;
    spentByCampaign[c] = budgets[c] - remaining;
    spent += spentByCampaign[c];
  }
  return { conversions, spent, spentByCampaign, bought };
}
