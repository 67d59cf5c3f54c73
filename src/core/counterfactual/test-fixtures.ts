/**
 * Small hand-written PreparedData for the counterfactual tests and the
 * benchmark: journeys listed touchpoint by touchpoint, laid out exactly as
 * journey preparation lays them out (events in time order, sequences cut to
 * the first `steps` touchpoints, padding zero with mask 0).
 */
import { DEFAULT_PREPARE, type KeepTouchpoints } from '../settings';
import type { PreparedData } from '../prepared';
import { createRng } from '../random';

export interface TouchpointSpec {
  /** Seconds. */
  time: number;
  /** Prepared campaign index. */
  campaign: number;
  /** One global vocabulary index per category column. */
  categories?: number[];
  /** One value per numeric feature. */
  numeric?: number[];
  cost?: number;
  click?: number;
}

export interface JourneySpec {
  touchpoints: TouchpointSpec[];
  converted: boolean;
  /** 0 train, 1 validation, 2 test; train unless told. */
  split?: number;
}

export interface FixtureOptions {
  /** Campaigns in the data; defaults to one more than the largest index used. */
  campaigns?: number;
  steps?: number;
  keep?: KeepTouchpoints;
  categoryColumns?: number;
  numericNames?: string[];
  negativeSamplingRate?: number;
}

export function buildPrepared(journeys: JourneySpec[], options: FixtureOptions = {}): PreparedData {
  const steps = options.steps ?? 15;
  const keep = options.keep ?? 'first';
  const cc = options.categoryColumns ?? 1;
  const numericNames = options.numericNames ?? ['click', 'cost', 'time_since_last_click', 'timestamp'];
  const nc = numericNames.length;
  let maxCampaign = -1;
  let maxCategory = 0;
  let eventCount = 0;
  for (const j of journeys) {
    for (const t of j.touchpoints) {
      maxCampaign = Math.max(maxCampaign, t.campaign);
      for (const v of t.categories ?? []) maxCategory = Math.max(maxCategory, v);
      eventCount++;
    }
  }
  const campaigns = options.campaigns ?? maxCampaign + 1;

  // "File order" is the order listed: journey by journey. The stream is sorted by time, ties in file order.
  const order: { journey: number; tp: number; time: number; file: number }[] = [];
  journeys.forEach((j, ji) => j.touchpoints.forEach((t, ti) => order.push({ journey: ji, tp: ti, time: t.time, file: order.length })));
  order.sort((a, b) => a.time - b.time || a.file - b.file);

  const events = {
    count: eventCount,
    journey: new Uint32Array(eventCount),
    campaign: new Uint32Array(eventCount),
    timestamp: new Float64Array(eventCount),
    cost: new Float32Array(eventCount),
    click: new Uint8Array(eventCount),
    row: new Uint32Array(eventCount),
  };
  const eventOf: number[][] = journeys.map((j) => new Array<number>(j.touchpoints.length));
  order.forEach((o, e) => {
    const t = journeys[o.journey].touchpoints[o.tp];
    events.journey[e] = o.journey;
    events.campaign[e] = t.campaign;
    events.timestamp[e] = t.time;
    events.cost[e] = t.cost ?? 0;
    events.click[e] = t.click ?? 0;
    events.row[e] = o.file;
    eventOf[o.journey][o.tp] = e;
  });

  const n = journeys.length;
  const eventOffsets = new Uint32Array(n + 1);
  const eventsByJourney = new Uint32Array(eventCount);
  const seq = {
    steps,
    campaign: new Int32Array(n * steps),
    categories: new Int32Array(n * steps * cc),
    categoryColumns: cc,
    numeric: new Float32Array(n * steps * nc),
    numericNames,
    mask: new Float32Array(n * steps),
    length: new Uint16Array(n),
  };
  let converted = 0;
  let convertedEvents = 0;
  journeys.forEach((j, ji) => {
    // Touchpoints of a journey in time order, ties in listed order (as the event stream).
    const tps = j.touchpoints.map((_, ti) => ti).sort((a, b) => eventOf[ji][a] - eventOf[ji][b]);
    eventOffsets[ji + 1] = eventOffsets[ji] + tps.length;
    tps.forEach((ti, k) => (eventsByJourney[eventOffsets[ji] + k] = eventOf[ji][ti]));
    const length = Math.min(steps, tps.length);
    const first = keep === 'first' ? 0 : tps.length - length;
    seq.length[ji] = length;
    for (let s = 0; s < length; s++) {
      const t = j.touchpoints[tps[first + s]];
      const i = ji * steps + s;
      seq.campaign[i] = t.campaign;
      seq.mask[i] = 1;
      for (let c = 0; c < cc; c++) seq.categories[i * cc + c] = t.categories?.[c] ?? 0;
      for (let f = 0; f < nc; f++) seq.numeric[i * nc + f] = t.numeric?.[f] ?? 0;
    }
    if (j.converted) {
      converted++;
      convertedEvents += tps.length;
    }
  });

  return {
    settings: { ...DEFAULT_PREPARE, maxTouchpoints: steps, keep, campaigns: { kind: 'all' } },
    campaignIds: Array.from({ length: campaigns }, (_, c) => `c${c}`),
    campaignSource: Uint32Array.from({ length: campaigns }, (_, c) => c),
    categoryNames: Array.from({ length: cc }, (_, c) => `cat${c + 1}`),
    categoryOffsets: Int32Array.from([...Array.from({ length: cc }, () => 0), maxCategory + 1]),
    events,
    journeys: {
      count: n,
      label: Uint8Array.from(journeys, (j) => (j.converted ? 1 : 0)),
      split: Uint8Array.from(journeys, (j) => j.split ?? 0),
      eventOffsets,
      eventsByJourney,
      user: Uint32Array.from({ length: n }, (_, j) => j),
    },
    sequences: seq,
    negativeSamplingRate: options.negativeSamplingRate ?? 1,
    stats: {
      campaignsInData: campaigns,
      campaignsSampled: campaigns,
      journeysBeforeFilter: n,
      journeysAfterFilter: n,
      convertedJourneys: converted,
      unconvertedJourneys: n - converted,
      convertedEvents,
      unconvertedEvents: eventCount - convertedEvents,
    },
  };
}

/** What a stand-in scorer sees of one journey in a batch: its unmasked touchpoints, in order. */
export interface JourneyView {
  campaigns: number[];
  /** categories[k] holds the category columns of the k-th touchpoint. */
  categories: number[][];
  numeric: number[][];
  /** Steps of the batch row each touchpoint sat in (to check compaction). */
  steps: number[];
}

/**
 * A JourneyScorer in plain TypeScript: `f` maps a journey's touchpoints to a
 * probability; a journey with none scores 0, as the contract says. `calls`
 * records the batch sizes.
 */
export function functionScorer(
  name: string,
  f: (journey: JourneyView) => number,
): { name: string; calls: number[]; score(batch: import('../models/scorer').SequenceBatch): Promise<Float32Array> } {
  const calls: number[] = [];
  return {
    name,
    calls,
    async score(batch) {
      calls.push(batch.count);
      const out = new Float32Array(batch.count);
      const cc = batch.categories.length / (batch.count * batch.steps);
      const nc = batch.numeric.length / (batch.count * batch.steps);
      for (let j = 0; j < batch.count; j++) {
        const view: JourneyView = { campaigns: [], categories: [], numeric: [], steps: [] };
        for (let s = 0; s < batch.steps; s++) {
          const i = j * batch.steps + s;
          if (batch.mask[i] !== 1) continue;
          view.campaigns.push(batch.campaign[i]);
          view.categories.push(Array.from(batch.categories.subarray(i * cc, (i + 1) * cc)));
          view.numeric.push(Array.from(batch.numeric.subarray(i * nc, (i + 1) * nc)));
          view.steps.push(s);
        }
        out[j] = view.campaigns.length === 0 ? 0 : f(view);
      }
      return out;
    },
  };
}

/**
 * Seeded journeys of 1-5 touchpoints over `campaigns` campaigns, times spread
 * over a month, 30% converted, every one a test journey.
 */
export function randomJourneys(count: number, seed: number, campaigns: number): JourneySpec[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => {
    const n = 1 + rng.int(5);
    return {
      touchpoints: Array.from({ length: n }, () => ({ time: rng.int(1_000_000), campaign: rng.int(campaigns) })),
      converted: rng.next() < 0.3,
      split: 2,
    };
  });
}
