/**
 * What counterfactual attribution (removal effects, Shapley values, model-based
 * replay) needs from a trained sequence model: conversion probabilities for
 * journeys given as padded sequences with their own mask. Implemented by the
 * tfjs models in this folder.
 */

/** A batch of journeys laid out like `Sequences` ([journey, step], ...), `count` journeys. */
export interface SequenceBatch {
  count: number;
  steps: number;
  campaign: Int32Array;
  categories: Int32Array;
  numeric: Float32Array;
  /** 1 for a touchpoint the journey received, 0 for padding or a removed touchpoint. */
  mask: Float32Array;
  /**
   * [journey, userColumns]: the user's attributes (Sequences.user), the same
   * for every variant of a journey however many touchpoints it lost. Present
   * when the sequences have user attributes.
   */
  user?: Int32Array;
}

export interface JourneyScorer {
  /** Model name, e.g. 'attention'. */
  name: string;
  /**
   * Probability of conversion per journey, already corrected for balancing
   * (prior correction with the preparation's negative sampling rate), so that
   * probabilities add up to expected conversions. A journey with no unmasked
   * touchpoint scores 0 (the empty set is worth nothing), unless
   * `scoresEmptyJourneys`.
   */
  score(batch: SequenceBatch): Promise<Float32Array>;
  /**
   * True when the model knows the user apart from the touchpoints (user
   * attributes): then a journey with every touchpoint taken away is scored as
   * "this user, no ads", and counterfactuals send it to `score` instead of
   * counting it 0.
   */
  scoresEmptyJourneys?: boolean;
}
