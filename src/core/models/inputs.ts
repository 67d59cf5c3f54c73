/**
 * Turns prepared journeys into the integer ids and small numeric blocks the
 * models read. One vocabulary holds campaigns first, then every category
 * value (PreparedData.categoryOffsets shifted by the campaign count), so one
 * embedding table stands in for the article's Dense layer over ~1,500 one-hot
 * floats.
 */
import type { PreparedData, Sequences } from '../prepared';
import type { SequenceBatch } from './scorer';

/** Left out by `dropTimeFeatures`: they can carry the label when balancing leaks (data-and-method.md). */
export const TIME_FEATURES: readonly string[] = ['timestamp', 'time_since_last_click'];

export interface FeatureLayout {
  campaigns: number;
  categoryColumns: number;
  /** campaigns + category vocabulary. */
  vocabulary: number;
  /** Every numeric feature of the sequences, and the positions of those the model reads. */
  numericNames: string[];
  numericUsed: number[];
  /**
   * User attributes per journey (prepare/user-attributes.ts) and the size of
   * their own vocabulary; absent (0) in models saved before they existed.
   */
  userColumns?: number;
  userVocabulary?: number;
}

/** User columns of a layout (0 for layouts saved before user attributes). */
export function userColumnsOf(layout: FeatureLayout): number {
  return layout.userColumns ?? 0;
}

export function featureLayout(prepared: PreparedData, dropTimeFeatures: boolean): FeatureLayout {
  const names = prepared.sequences.numericNames;
  const used: number[] = [];
  names.forEach((name, i) => {
    if (!(dropTimeFeatures && TIME_FEATURES.includes(name))) used.push(i);
  });
  const offsets = prepared.categoryOffsets;
  return {
    campaigns: prepared.campaignIds.length,
    categoryColumns: prepared.sequences.categoryColumns,
    vocabulary: prepared.campaignIds.length + (offsets.length > 0 ? offsets[offsets.length - 1] : 0),
    numericNames: [...names],
    numericUsed: used,
    ...userLayout(prepared.sequences),
  };
}

function userLayout(seq: Sequences): Pick<FeatureLayout, 'userColumns' | 'userVocabulary'> {
  const columns = seq.userColumns ?? 0;
  if (columns === 0 || !seq.userOffsets) return {};
  return { userColumns: columns, userVocabulary: seq.userOffsets[seq.userOffsets.length - 1] };
}

/** Ids per touchpoint: its campaign and one value per category column. */
export function idsPerStep(layout: FeatureLayout): number {
  return 1 + layout.categoryColumns;
}

/** The sequence models' batch: `journeys` x `steps` touchpoints. */
export interface StepInputs {
  journeys: number;
  steps: number;
  /** [journeys * steps, idsPerStep] vocabulary ids. */
  ids: Int32Array;
  /** [journeys * steps, numericUsed.length]. */
  numeric: Float32Array;
  /** [journeys, steps]: 1 for a touchpoint, 0 for padding or a removed touchpoint. */
  mask: Float32Array;
  /** [journeys, userColumns] user vocabulary ids, when the layout has user attributes. */
  user?: Int32Array;
}

type SequenceSource = Pick<Sequences, 'steps' | 'campaign' | 'categories' | 'numeric' | 'mask' | 'user'> | SequenceBatch;

/** Copies journeys `rows` of `source` (prepared sequences or a scorer's batch) into model inputs. */
export function stepInputs(source: SequenceSource, layout: FeatureLayout, rows: ArrayLike<number>): StepInputs {
  const steps = source.steps;
  const k = idsPerStep(layout);
  const cols = layout.categoryColumns;
  const allNumeric = layout.numericNames.length;
  const used = layout.numericUsed;
  const f = used.length;
  const b = rows.length;
  const ids = new Int32Array(b * steps * k);
  const numeric = new Float32Array(b * steps * f);
  const mask = new Float32Array(b * steps);
  for (let r = 0; r < b; r++) {
    const j = rows[r];
    for (let t = 0; t < steps; t++) {
      const src = j * steps + t;
      const dst = r * steps + t;
      mask[dst] = source.mask[src];
      ids[dst * k] = source.campaign[src];
      for (let c = 0; c < cols; c++) ids[dst * k + 1 + c] = layout.campaigns + source.categories[src * cols + c];
      for (let q = 0; q < f; q++) numeric[dst * f + q] = source.numeric[src * allNumeric + used[q]];
    }
  }
  const u = userColumnsOf(layout);
  if (u === 0) return { journeys: b, steps, ids, numeric, mask };
  if (!source.user) throw new Error('The model reads user attributes, but these journeys carry none.');
  const user = new Int32Array(b * u);
  for (let r = 0; r < b; r++) user.set(source.user.subarray(rows[r] * u, (rows[r] + 1) * u), r * u);
  return { journeys: b, steps, ids, numeric, mask, user };
}

export function rangeRows(start: number, end: number): Int32Array {
  const out = new Int32Array(Math.max(0, end - start));
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
}

/**
 * The logistic regression's view of each journey (the article's aggregation):
 * the distinct campaigns and category values over all its events (many-hot,
 * max not sum), the user's attributes, plus summed clicks and summed cost.
 */
export interface JourneyAggregates {
  /** Journey j's distinct vocabulary ids are ids[offsets[j] .. offsets[j+1]). */
  offsets: Uint32Array;
  ids: Int32Array;
  /** [journey, 2]: clicks, cost. */
  dense: Float32Array;
  denseNames: string[];
  /** True when categories came from every event; false when only from the kept touchpoints. */
  categoriesFromAllEvents: boolean;
}

export function journeyAggregates(prepared: PreparedData, layout: FeatureLayout): JourneyAggregates {
  const { journeys, events, sequences } = prepared;
  const cols = layout.categoryColumns;
  const userColumns = userColumnsOf(layout);
  const userIds = sequences.user;
  if (userColumns > 0 && !userIds) throw new Error('The model reads user attributes, but these journeys carry none.');
  const seen = new Uint32Array(layout.vocabulary + (layout.userVocabulary ?? 0));
  const offsets = new Uint32Array(journeys.count + 1);
  const dense = new Float32Array(journeys.count * 2);
  let ids = new Int32Array(Math.max(16, events.count * 2));
  let n = 0;
  const add = (id: number, stamp: number): void => {
    if (seen[id] === stamp) return;
    seen[id] = stamp;
    if (n === ids.length) {
      const grown = new Int32Array(ids.length * 2);
      grown.set(ids);
      ids = grown;
    }
    ids[n++] = id;
  };
  const eventCategories = events.categories;
  for (let j = 0; j < journeys.count; j++) {
    const stamp = j + 1;
    let clicks = 0;
    let cost = 0;
    for (let p = journeys.eventOffsets[j]; p < journeys.eventOffsets[j + 1]; p++) {
      const e = journeys.eventsByJourney[p];
      add(events.campaign[e], stamp);
      clicks += events.click[e];
      cost += events.cost[e];
      if (eventCategories) for (let c = 0; c < cols; c++) add(layout.campaigns + eventCategories[e * cols + c], stamp);
    }
    if (!eventCategories) {
      for (let t = 0; t < sequences.steps; t++) {
        const s = j * sequences.steps + t;
        if (sequences.mask[s] === 0) continue;
        for (let c = 0; c < cols; c++) add(layout.campaigns + sequences.categories[s * cols + c], stamp);
      }
    }
    // User attributes: ids after the touchpoint vocabulary (the regression's coefficients cover both).
    for (let c = 0; c < userColumns; c++) add(layout.vocabulary + userIds![j * userColumns + c], stamp);
    dense[2 * j] = clicks;
    dense[2 * j + 1] = cost;
    offsets[j + 1] = n;
  }
  return { offsets, ids: ids.slice(0, n), dense, denseNames: ['clicks', 'cost'], categoriesFromAllEvents: !!eventCategories };
}

/** A batch of aggregates padded to its widest journey; padding has scale 0. */
export interface AggregateInputs {
  journeys: number;
  width: number;
  ids: Int32Array;
  scale: Float32Array;
  dense: Float32Array;
}

export function aggregateInputs(agg: JourneyAggregates, rows: ArrayLike<number>): AggregateInputs {
  let width = 1;
  for (let r = 0; r < rows.length; r++) width = Math.max(width, agg.offsets[rows[r] + 1] - agg.offsets[rows[r]]);
  const ids = new Int32Array(rows.length * width);
  const scale = new Float32Array(rows.length * width);
  const dense = new Float32Array(rows.length * 2);
  for (let r = 0; r < rows.length; r++) {
    const j = rows[r];
    const start = agg.offsets[j];
    const len = agg.offsets[j + 1] - start;
    for (let q = 0; q < len; q++) {
      ids[r * width + q] = agg.ids[start + q];
      scale[r * width + q] = 1;
    }
    dense[2 * r] = agg.dense[2 * j];
    dense[2 * r + 1] = agg.dense[2 * j + 1];
  }
  return { journeys: rows.length, width, ids, scale, dense };
}

export function labelsOf(prepared: PreparedData, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = prepared.journeys.label[rows[r]];
  return out;
}

/** Journey indexes of one split, in journey order. */
export function splitRows(prepared: PreparedData, split: number): Int32Array {
  const { split: s, count } = prepared.journeys;
  let n = 0;
  for (let j = 0; j < count; j++) if (s[j] === split) n++;
  const out = new Int32Array(n);
  n = 0;
  for (let j = 0; j < count; j++) if (s[j] === split) out[n++] = j;
  return out;
}
