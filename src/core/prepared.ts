/**
 * The output of journey preparation (sampling, filtering, balancing, split,
 * padding): packed typed arrays that the position models, the simulator and
 * the neural models read. No one-hot matrices anywhere.
 */
import type { PrepareSettings } from './settings';

export const enum Split {
  Train = 0,
  Validation = 1,
  Test = 2,
}

/** All prepared events, in time order (equal timestamps keep file order): the replay's stream. */
export interface PreparedEvents {
  count: number;
  /** Journey index, into PreparedJourneys. */
  journey: Uint32Array;
  /** Prepared campaign index, into PreparedData.campaignIds. */
  campaign: Uint32Array;
  /** Seconds, as in the table. */
  timestamp: Float64Array;
  cost: Float32Array;
  click: Uint8Array;
  /** Row in the source EventTable. */
  row: Uint32Array;
  /**
   * Optional: category features of every event, laid out [event, column] with the
   * global vocabulary index of Sequences.categories. The logistic regression
   * aggregates all of a journey's events; without this it falls back to the
   * touchpoints kept in `sequences`.
   */
  categories?: Int32Array;
}

export interface PreparedJourneys {
  count: number;
  /** 1 if the journey ended in a conversion. */
  label: Uint8Array;
  split: Uint8Array;
  /** Journey j's events are eventsByJourney[eventOffsets[j] .. eventOffsets[j+1]), in time order. */
  eventOffsets: Uint32Array;
  /** Indexes into PreparedEvents. */
  eventsByJourney: Uint32Array;
  /** Source user index of each journey. */
  user: Uint32Array;
}

/**
 * Journeys cut or padded to `steps` touchpoints, laid out [journey, step] (and
 * [journey, step, column] for categories, [journey, step, feature] for numeric).
 * Padded steps hold 0 everywhere and mask 0.
 */
export interface Sequences {
  steps: number;
  campaign: Int32Array;
  /** Global category vocabulary index: categoryOffsets[column] + value index. */
  categories: Int32Array;
  categoryColumns: number;
  numeric: Float32Array;
  /** Names of the numeric features, e.g. click, cost, time_since_last_click, timestamp (all scaled 0..1 except click). */
  numericNames: string[];
  mask: Float32Array;
  /** Real touchpoints kept per journey (<= steps). */
  length: Uint16Array;
  /**
   * User attributes (prepare/user-attributes.ts), one row per journey, laid out
   * [journey, userColumns]: user vocabulary indexes. Absent when the log has none.
   * Not per step: a counterfactual that takes touchpoints away keeps them.
   */
  user?: Int32Array;
  userColumns?: number;
  /** userOffsets[c] is the first user vocabulary index of user column c; the last entry is its size. */
  userOffsets?: Int32Array;
}

export interface PreparedData {
  settings: PrepareSettings;
  /** Prepared campaign index -> original campaign id. Only campaigns with prepared events. */
  campaignIds: string[];
  /** Source table campaign index of each prepared campaign. */
  campaignSource: Uint32Array;
  /** Category columns used as features, and their vocabulary layout. */
  categoryNames: string[];
  /** categoryOffsets[c] is the first vocabulary index of column c; the last entry is the vocabulary size. */
  categoryOffsets: Int32Array;
  /** Category columns taken as user attributes (held per journey in `sequences.user`, not per touchpoint). */
  userAttributes?: string[];
  events: PreparedEvents;
  journeys: PreparedJourneys;
  sequences: Sequences;
  /** Sampling rate of unconverted journeys kept by balancing (1 when none dropped): for prior correction. */
  negativeSamplingRate: number;
  stats: {
    campaignsInData: number;
    campaignsSampled: number;
    journeysBeforeFilter: number;
    journeysAfterFilter: number;
    convertedJourneys: number;
    unconvertedJourneys: number;
    convertedEvents: number;
    unconvertedEvents: number;
    /** Columns taken as user attributes, for the results page to name. */
    userAttributes?: string[];
  };
}

/** Weights keyed by original campaign id, per model: the weights file format. */
export type WeightsByModel = Record<string, Record<string, number>>;
