/**
 * Options of the counterfactual steps of a run. Kept apart from pipeline.ts so
 * that the UI's settings form can read the defaults without pulling tfjs in.
 */

export interface CounterfactualSettings {
  /** Markov-chain removal effects (first order, exact) and counting Shapley: no model, every prepared journey. */
  markov: boolean;
  /** Removal effects and Shapley values judged by the attention model (needs it trained). */
  modelBased: boolean;
  /** Expected conversions per pitch judged by the attention model, beside the article's replay. */
  modelReplay: boolean;
  /**
   * The model-based methods score the test journeys, at most this many drawn
   * at random (seeded): each journey is scored once per campaign it holds
   * (removal) and once per coalition (Shapley), so the cap bounds the time on
   * any log size.
   */
  maxJourneys: number;
}

export const DEFAULT_COUNTERFACTUAL: CounterfactualSettings = {
  markov: true,
  modelBased: true,
  modelReplay: true,
  maxJourneys: 2000,
};

/** Shapley orderings sampled per journey with more than 6 distinct campaigns (the core's default is 200; fewer keeps a run quick). */
export const PIPELINE_SHAPLEY_PERMUTATIONS = 64;
