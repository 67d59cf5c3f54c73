/** Counterfactual attribution and the model-judged budget replay: the public surface. */
export { markovAttribution, type MarkovAttribution, type MarkovOptions, type MarkovResult } from './markov';
export { modelRemovalEffects, type CampaignRemoval, type CounterfactualOptions, type ModelRemovalResult } from './removal';
export {
  countingShapley,
  DEFAULT_PERMUTATIONS,
  shapleyAttribution,
  type CampaignShapley,
  type CountingShapleyResult,
  type JourneyShapleyValues,
  type ShapleyOptions,
  type ShapleyResult,
} from './shapley';
export { modelReplay, type ModelReplay, type ModelReplayOptions, type ModelReplayResult, type ReplayPoint } from './model-replay';
export type { BootstrapOptions } from './bootstrap';
export { DEFAULT_BATCH_SIZE, type JourneySubset } from './journey-batch';
export { describeSample, sampleForCounterfactual, type CounterfactualSample } from './sample';
