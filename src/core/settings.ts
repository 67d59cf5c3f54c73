/**
 * Every user-facing option of a run and its default, in one place: the UI's
 * settings form, the CLI flags and the worker all read these. Free of tfjs,
 * so the UI bundle can import it.
 */
import { POSITION_MODELS, type NeuralModelName, type PositionModelName } from './methods';

export { NEURAL_MODELS, POSITION_MODELS, type NeuralModelName, type PositionModelName } from './methods';

export type CampaignSampling = { kind: 'all' } | { kind: 'count'; count: number } | { kind: 'fraction'; fraction: number };
export type Balancing = 'events' | 'journeys' | 'none';
export type KeepTouchpoints = 'first' | 'last';

export interface PrepareSettings {
  /** Campaigns kept at random (the article: 400 of ~700). `count` larger than the campaigns present keeps all. */
  campaigns: CampaignSampling;
  /** Journeys with fewer touchpoints are dropped (the article: 2). */
  minTouchpoints: number;
  /** Journeys are cut or padded to this many touchpoints for the sequence models (the article: 15). */
  maxTouchpoints: number;
  /** Which touchpoints a cut keeps: the article keeps the first N. */
  keep: KeepTouchpoints;
  /** Balance converted and unconverted classes by events (the article), by journeys, or not at all. */
  balance: Balancing;
  /** Share of journeys held out for test, then share of the rest held out for validation. */
  testShare: number;
  validationShare: number;
  /** Category values seen in fewer prepared events than this share one "other" index per column. */
  minCategoryCount: number;
  seed: number;
}

export const DEFAULT_PREPARE: PrepareSettings = {
  campaigns: { kind: 'count', count: 400 },
  minTouchpoints: 2,
  maxTouchpoints: 15,
  keep: 'first',
  balance: 'events',
  testShare: 0.2,
  validationShare: 0.2,
  minCategoryCount: 5,
  seed: 42,
};

/** The article's pitch sweep. */
export const DEFAULT_PITCHES = [0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3] as const;

export interface SimulateSettings {
  pitches: number[];
  /** Total budget; undefined = 10% of the replayed impressions (or of their cost for a money budget). */
  budget?: number;
  unit: 'impressions' | 'money';
}

export const DEFAULT_SIMULATE: SimulateSettings = {
  pitches: [...DEFAULT_PITCHES],
  unit: 'impressions',
};

export type Backend = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly Backend[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface TrainSettings {
  models: NeuralModelName[];
  /** Per model; the article: 10 for the regression, 5 for the LSTMs. */
  epochs: Record<NeuralModelName, number>;
  batchSize: Record<NeuralModelName, number>;
  learningRate: number;
  /** Stop when validation loss has not improved for this many epochs; 0 = off. */
  earlyStoppingPatience: number;
  /** Leave the scaled timestamp and time-since-last-click out of the features. */
  dropTimeFeatures: boolean;
  /** undefined = best available. */
  backend?: Backend;
  seed: number;
}

export const DEFAULT_TRAIN: TrainSettings = {
  models: ['logreg', 'lstm', 'attention'],
  epochs: { logreg: 10, lstm: 5, attention: 5 },
  batchSize: { logreg: 128, lstm: 64, attention: 64 },
  learningRate: 0.001,
  earlyStoppingPatience: 0,
  dropTimeFeatures: false,
  seed: 42,
};

export const DEFAULT_HALF_LIFE_DAYS = 7;

/**
 * What a journey with every touchpoint taken away is worth to the
 * counterfactuals. 'zero' (the article's convention, the default): it converts
 * with probability 0, so removal and Shapley split the expected conversions
 * (attribution shares). 'model': the model's score for "this user, no ads",
 * for a model with user attributes (others score 0 either way); an
 * extrapolation the log cannot check, since no logged user went unexposed.
 */
export type NoAdsScore = 'zero' | 'model';
export const NO_ADS_SCORES: readonly NoAdsScore[] = ['zero', 'model'];
export const DEFAULT_NO_ADS: NoAdsScore = 'zero';


/**
 * Limits a marketer sets on the recommendation, in the budget's unit, keyed
 * by campaign id; `maxChange` a share of today's amount (0.5 = at most ±50%).
 */
export interface AllocationLimits {
  floor?: Record<string, number>;
  ceiling?: Record<string, number>;
  maxChange?: number;
}

export interface CounterfactualSettings {
  /** Markov-chain removal effects (first order, exact) and counting Shapley: no model, every prepared journey. */
  markov: boolean;
  /** Removal effects and Shapley values judged by the attention model (needs it trained). */
  modelBased: boolean;
  /** Expected conversions per pitch judged by the attention model, beside the article's replay. */
  modelReplay: boolean;
  /**
   * The recommendation the app can defend: every method's allocation and one
   * searched against the attention model, judged on held-out journeys
   * (absent means on; needs the attention model).
   */
  recommend?: boolean;
  /**
   * The model-based methods score the test journeys, at most this many drawn
   * at random (seeded): each journey is scored once per campaign it holds
   * (removal) and once per coalition (Shapley), so the cap bounds the time on
   * any log size. 100 k: with the prefix-tree scorer (tens of thousands of
   * journey-variants a CPU-second on wasm) every test journey of the demo and
   * of most logs is scored; the cap was 2,000 while scoring cost ~1 ms each.
   */
  maxJourneys: number;
  /**
   * Which journeys the counterfactuals read: the model-based ones default to
   * the test journeys (every journey when there are none), the counting ones
   * to every journey. The CLI's --journeys sets both.
   */
  journeys?: 'test' | 'all';
  /** Markov chain order (states are the last K campaigns); 1 unless told. */
  markovOrder?: number;
  /** Shapley: journeys with up to this many distinct campaigns get exact values (the core's default unless told). */
  exactUpTo?: number;
  /** Shapley orderings sampled per longer journey; PIPELINE_SHAPLEY_PERMUTATIONS unless told. */
  permutations?: number;
  /** The no-ads journey's worth (NoAdsScore); absent means DEFAULT_NO_ADS, 'zero'. */
  noAds?: NoAdsScore;
  /** Floors, ceilings and the cap on change the recommendation honours; none unless set. */
  limits?: AllocationLimits;
}

export const DEFAULT_COUNTERFACTUAL: CounterfactualSettings = {
  markov: true,
  modelBased: true,
  modelReplay: true,
  maxJourneys: 100_000,
};

/** Shapley orderings sampled per journey with more than 6 distinct campaigns (the core's default is 200; fewer keeps a run quick). */
export const PIPELINE_SHAPLEY_PERMUTATIONS = 64;

export interface RunSettings {
  prepare: PrepareSettings;
  train: TrainSettings;
  simulate: SimulateSettings;
  positionModels: PositionModelName[];
  halfLifeDays: number;
  /** Markov, Shapley and model-judged replay; absent (older sessions) means DEFAULT_COUNTERFACTUAL. */
  counterfactual?: CounterfactualSettings;
  /** Reuse trained models kept in this browser when the data and settings match (absent means on); read by the worker. */
  reuseKeptModels?: boolean;
}

/** A fresh copy of the defaults, safe for a form to edit. */
export function defaultRunSettings(): RunSettings {
  return {
    prepare: { ...DEFAULT_PREPARE, campaigns: { ...DEFAULT_PREPARE.campaigns } },
    train: {
      ...DEFAULT_TRAIN,
      models: [...DEFAULT_TRAIN.models],
      epochs: { ...DEFAULT_TRAIN.epochs },
      batchSize: { ...DEFAULT_TRAIN.batchSize },
    },
    simulate: { ...DEFAULT_SIMULATE, pitches: [...DEFAULT_SIMULATE.pitches] },
    positionModels: [...POSITION_MODELS],
    halfLifeDays: DEFAULT_HALF_LIFE_DAYS,
    counterfactual: { ...DEFAULT_COUNTERFACTUAL },
    reuseKeptModels: true,
  };
}

export const DEFAULT_RUN: RunSettings = defaultRunSettings();
