/**
 * Every attribution method the app knows, in one catalog free of tfjs: the
 * core's steps, the CLI's flags and the UI's labels, colours and orderings
 * are all read from here. A new method is one entry below plus the step that
 * computes it (src/core/run/steps.ts).
 */

/**
 * - position: a rule over touchpoint positions (last touch, linear, ...);
 * - counting: counterfactuals computed from the prepared journeys alone (Markov chain, counting Shapley);
 * - neural: a trained network's own weights (regression coefficients, attention);
 * - model-based: counterfactuals judged by a trained network (removal effects, Shapley).
 */
export type MethodFamily = 'position' | 'counting' | 'neural' | 'model-based';

/** Steps of a run after the file is read, in the order a run takes them. */
export const RUN_STEPS = ['prepare', 'position', 'counterfactual', 'logreg', 'lstm', 'attention', 'counterfactual-model', 'simulate', 'model-replay', 'recommend'] as const;
export type RunStep = (typeof RUN_STEPS)[number];

/** What the progress panel calls each step. */
export const STEP_LABELS: Record<RunStep, string> = {
  prepare: 'Build journeys',
  position: 'Position models',
  counterfactual: 'Markov chain and counting Shapley',
  logreg: 'Logistic regression',
  lstm: 'LSTM',
  attention: 'LSTM with attention',
  'counterfactual-model': 'Removal effects and Shapley by the attention model',
  simulate: 'Budget replay',
  'model-replay': 'Model-judged replay',
  recommend: 'Recommendation judged on held-out journeys',
};

export interface MethodInfo {
  /** The weights-file key. */
  key: string;
  family: MethodFamily;
  /** In the marketer's words. */
  label: string;
  /** Fixed per method, so it keeps its colour in every chart. */
  colour: string;
  /** Whether its weights can split a budget (raw regression coefficients cannot: they are not shares). */
  drivesBudget: boolean;
  /** Totals over a campaign's journeys (expected conversions) rather than a rate per impression. */
  totals: boolean;
  /** The step that computes it. */
  step: RunStep;
}

/**
 * Colours: Okabe-Ito (blue, orange, green, vermillion, sky, reddish purple,
 * black) and Paul Tol's muted scheme (the rest); both are made to be told
 * apart with the common forms of colour blindness, and no colour is used twice.
 */
const CATALOG = [
  { key: 'lta', family: 'position', label: 'last-touch', colour: '#0072B2', drivesBudget: true, totals: false, step: 'position' },
  { key: 'first', family: 'position', label: 'first-touch', colour: '#D55E00', drivesBudget: true, totals: false, step: 'position' },
  { key: 'linear', family: 'position', label: 'linear', colour: '#88CCEE', drivesBudget: true, totals: false, step: 'position' },
  { key: 'timedecay', family: 'position', label: 'time-decay', colour: '#DDCC77', drivesBudget: true, totals: false, step: 'position' },
  { key: 'ushape', family: 'position', label: 'U-shaped', colour: '#6b6b6b', drivesBudget: true, totals: false, step: 'position' },
  { key: 'markov', family: 'counting', label: 'Markov removal effect', colour: '#882255', drivesBudget: true, totals: true, step: 'counterfactual' },
  { key: 'shapley_count', family: 'counting', label: 'Shapley (counting)', colour: '#999933', drivesBudget: true, totals: true, step: 'counterfactual' },
  { key: 'logreg', family: 'neural', label: 'regression', colour: '#E69F00', drivesBudget: true, totals: false, step: 'logreg' },
  { key: 'logreg_raw', family: 'neural', label: 'regression (raw coefficients)', colour: '#CC6677', drivesBudget: false, totals: false, step: 'logreg' },
  { key: 'lstm', family: 'neural', label: 'LSTM', colour: '#56B4E9', drivesBudget: true, totals: false, step: 'lstm' },
  { key: 'attention', family: 'neural', label: 'attention', colour: '#009E73', drivesBudget: true, totals: false, step: 'attention' },
  { key: 'removal', family: 'model-based', label: 'removal effect (attention model)', colour: '#332288', drivesBudget: true, totals: true, step: 'counterfactual-model' },
  { key: 'shapley', family: 'model-based', label: 'Shapley (attention model)', colour: '#44AA99', drivesBudget: true, totals: true, step: 'counterfactual-model' },
] as const satisfies readonly MethodInfo[];

export type MethodKey = (typeof CATALOG)[number]['key'];
export const METHODS: readonly MethodInfo[] = CATALOG;

type KeysOf<F extends MethodFamily> = Extract<(typeof CATALOG)[number], { family: F }>['key'];
export type PositionModelName = KeysOf<'position'>;
export type CountingMethod = KeysOf<'counting'>;
export type ModelBasedMethod = KeysOf<'model-based'>;
/** The networks a run trains: the neural methods that have a step of their own. */
export type NeuralModelName = Extract<(typeof CATALOG)[number], { family: 'neural'; step: (typeof CATALOG)[number]['key'] }>['step'];

function keysOf<F extends MethodFamily>(family: F): readonly KeysOf<F>[] {
  return CATALOG.filter((m) => m.family === family).map((m) => m.key) as KeysOf<F>[];
}

export const POSITION_MODELS: readonly PositionModelName[] = keysOf('position');
export const COUNTING_METHODS: readonly CountingMethod[] = keysOf('counting');
export const MODEL_BASED_METHODS: readonly ModelBasedMethod[] = keysOf('model-based');
export const NEURAL_MODELS: readonly NeuralModelName[] = [...new Set(CATALOG.filter((m) => m.family === 'neural').map((m) => m.step))] as NeuralModelName[];
/** What the CLI's `attribute` computes (everything but the trained networks' own weights). */
export const ATTRIBUTION_METHODS = [...POSITION_MODELS, ...COUNTING_METHODS, ...MODEL_BASED_METHODS] as const;
export type AttributionMethod = (typeof ATTRIBUTION_METHODS)[number];

/** The network that judges the model-based methods and the model-judged replay: the article's best. */
export const JUDGE_MODEL: NeuralModelName = 'attention';

/** Series that are not methods but share the charts: an even split, and the generator's planted truth. */
const SERIES: Record<string, { label: string; colour: string }> = {
  uniform: { label: 'uniform', colour: '#000000' },
  truth: { label: 'planted truth', colour: '#CC79A7' },
};

const BY_KEY = new Map<string, MethodInfo>(METHODS.map((m) => [m.key, m]));

export function methodInfo(key: string): MethodInfo | undefined {
  return BY_KEY.get(key);
}

export function isMethod(key: string): key is MethodKey {
  return BY_KEY.has(key);
}

export function methodLabel(key: string): string {
  return BY_KEY.get(key)?.label ?? SERIES[key]?.label ?? key;
}

/** Colours for keys outside the catalog (a weights file's own names), in a fixed order. */
const EXTRA_COLOURS = ['#117733', '#AA4499', '#F0E442', '#8c6d00'];

export function methodColour(key: string, index = 0): string {
  return BY_KEY.get(key)?.colour ?? SERIES[key]?.colour ?? EXTRA_COLOURS[index % EXTRA_COLOURS.length];
}

/** Whether a weights key's values are totals over journeys rather than a rate per impression. */
export function isTotalsMethod(key: string): boolean {
  return BY_KEY.get(key)?.totals ?? false;
}

/** Display order: the catalog's, then the planted truth, then other keys by name. */
export function orderMethods(keys: readonly string[]): string[] {
  const order = [...METHODS.map((m) => m.key), 'uniform', 'truth'];
  const rank = (k: string) => {
    const i = order.indexOf(k);
    return i < 0 ? order.length : i;
  };
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * Weights that can split a budget: raw coefficients are left out (not shares),
 * and so is a method with no positive weight (a weakly trained model's removal
 * effects can all be 0 or below): the replay has no split to make from it.
 */
export function budgetMethods<W extends Record<string, number>>(weights: Record<string, W>): Record<string, W> {
  return Object.fromEntries(
    Object.entries(weights).filter(([key, w]) => (methodInfo(key)?.drivesBudget ?? !key.endsWith('_raw')) && Object.values(w).some((v) => Number.isFinite(v) && v > 0)),
  );
}
