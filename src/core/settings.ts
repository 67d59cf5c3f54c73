/**
 * Every user-facing option and its default, in one place: the UI's settings
 * form, the CLI flags and the worker all read these.
 */

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

export type NeuralModelName = 'logreg' | 'lstm' | 'attention';

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

/** Position-based models: keys used in weights files. */
export type PositionModelName = 'lta' | 'first' | 'linear' | 'timedecay' | 'ushape';
export const POSITION_MODELS: readonly PositionModelName[] = ['lta', 'first', 'linear', 'timedecay', 'ushape'];
export const DEFAULT_HALF_LIFE_DAYS = 7;
