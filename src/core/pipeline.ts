/**
 * One attribution run, step by step: prepare the journeys, compute the position
 * models, train the neural models, then sweep the pitch for every model's
 * weights. Shared by the worker and (if it wants) the CLI; progress per step
 * and cancellation through an AbortSignal.
 *
 * Also the budget recommendation: one model's allocation at one pitch, with
 * optional floors, ceilings and a cap on the change against current spend,
 * replayed like the sweep.
 */
import { attributePositions, type PositionAttribution } from './attribution/position';
import { countingShapley, markovAttribution, modelRemovalEffects, modelReplay, shapleyAttribution, type ModelReplay } from './counterfactual';
import { DEFAULT_COUNTERFACTUAL, PIPELINE_SHAPLEY_PERMUTATIONS, type CounterfactualSettings } from './pipeline-settings';
import { keptModelFits, modelKey, type ModelStore } from './model-store';
import type { ClassificationMetrics } from './models/metrics';
import {
  attributionWeights,
  createScorer,
  evaluateModel,
  trainModel,
  type BatchProgress,
  type EpochRecord,
  type TrainedModel,
} from './models/train';
import { checkPrepareSettings, prepareJourneys } from './prepare';
import { Split, type PreparedData, type WeightsByModel } from './prepared';
import { createRng } from './random';
import {
  DEFAULT_HALF_LIFE_DAYS,
  DEFAULT_PREPARE,
  DEFAULT_SIMULATE,
  DEFAULT_TRAIN,
  POSITION_MODELS,
  type Backend,
  type NeuralModelName,
  type PositionModelName,
  type PrepareSettings,
  type SimulateSettings,
  type TrainSettings,
} from './settings';
import {
  campaignBudgets,
  checkSimulateSettings,
  defaultBudget,
  replay,
  replayInput,
  resolveWeights,
  sweepPitches,
  UNIFORM_MODEL,
  type ReplayInput,
  type Sweep,
} from './simulate';
import type { EventTable } from './table';

export interface PipelineSettings {
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

export { DEFAULT_COUNTERFACTUAL, type CounterfactualSettings };

export const DEFAULT_PIPELINE: PipelineSettings = {
  prepare: DEFAULT_PREPARE,
  train: DEFAULT_TRAIN,
  simulate: DEFAULT_SIMULATE,
  positionModels: [...POSITION_MODELS],
  halfLifeDays: DEFAULT_HALF_LIFE_DAYS,
  counterfactual: DEFAULT_COUNTERFACTUAL,
  reuseKeptModels: true,
};

/** Steps of a run after the parse, in order. */
export type RunStep = 'prepare' | 'position' | 'counterfactual' | NeuralModelName | 'counterfactual-model' | 'simulate' | 'model-replay';

/** Weights-file keys of the counterfactual methods. */
export const COUNTERFACTUAL_MODELS = {
  markov: 'markov',
  countingShapley: 'shapley_count',
  removal: 'removal',
  shapley: 'shapley',
} as const;

/** The model that judges the model-based methods: the article's best, the LSTM with attention. */
export const JUDGE_MODEL: NeuralModelName = 'attention';

/** `detail` says why this backend (e.g. a software GPU adapter passed over). */
export type BackendStart = { ok: true; backend: string; detail?: string } | { ok: false; error: string };

export interface PipelineCallbacks {
  onStep?: (step: RunStep, done: number, total: number, detail?: string) => void;
  onEpoch?: (model: NeuralModelName, record: EpochRecord) => void;
  signal?: AbortSignal;
  /** Told once the backend has started, before the first model trains. */
  onBackend?: (backend: string, detail?: string) => void;
  /** Starts the tfjs backend before training (the browser's WebGPU/WebGL/wasm ladder lives outside core). */
  initBackend?: (preferred?: Backend) => Promise<BackendStart>;
  /** Trained models kept between runs: a model found under its key is reused instead of trained. */
  modelStore?: ModelStore;
}

export type ModelMetrics = ClassificationMetrics & { history: EpochRecord[]; seconds: number; backend: string };

/** Which journeys the model-based methods scored. */
export interface CounterfactualSample {
  /** Test journeys (the held-out ones), or every prepared journey when there are no test journeys. */
  subset: 'test' | 'all';
  journeys: number;
  /** Journeys in that subset before the cap. */
  of: number;
  /** Events of the sampled journeys: what the model-judged replay replays. */
  events: number;
}

export interface CounterfactualRun {
  markov?: { baseConversion: number; journeys: number; states: number; seconds: number };
  sample?: CounterfactualSample;
  modelBased?: { model: string; expectedConversions: number; exactJourneys: number; sampledJourneys: number; scored: number; seconds: number };
  /** Expected conversions per pitch for every sweepable model and uniform, judged by the attention model. */
  modelReplay?: ModelReplay & { seconds: number };
}

export interface PipelineRun {
  prepared: PreparedData;
  positions: PositionAttribution[];
  /** Trained networks; the caller owns them and disposes them when replaced. */
  models: TrainedModel[];
  metrics: Record<string, ModelMetrics>;
  /** Every model's weights keyed by campaign id: the CLI weights file format. */
  weights: WeightsByModel;
  sweep: Sweep;
  backend: string | null;
  notes: string[];
  counterfactual: CounterfactualRun;
}

export type PipelineResult = { ok: true; run: PipelineRun } | { ok: false; error: string; cancelled?: boolean };

/**
 * Raw regression coefficients can be negative and are not shares: kept in
 * exports, left out of budget sweeps. So is a model with no positive weight
 * (a weakly trained model's removal effects can all be 0 or below): the
 * replay has no budget split to make from it, and one such model must not
 * stop the others from being replayed.
 */
export function sweepableWeights(weights: WeightsByModel): WeightsByModel {
  return Object.fromEntries(
    Object.entries(weights).filter(([name, w]) => !name.endsWith('_raw') && Object.values(w).some((v) => Number.isFinite(v) && v > 0)),
  );
}

/** Models sweepableWeights leaves out for want of a positive weight, for the run's notes. */
function unsweepable(weights: WeightsByModel): string[] {
  const kept = sweepableWeights(weights);
  return Object.keys(weights).filter((name) => !name.endsWith('_raw') && !kept[name]);
}

export async function runPipeline(table: EventTable, settings: PipelineSettings, callbacks: PipelineCallbacks = {}): Promise<PipelineResult> {
  const { onStep, signal } = callbacks;
  const cancelled = (): PipelineResult => ({ ok: false, error: 'The run was cancelled.', cancelled: true });
  const prepareCheck = checkPrepareSettings(settings.prepare);
  if (!prepareCheck.ok) return prepareCheck;
  const simulateCheck = checkSimulateSettings(settings.simulate);
  if (!simulateCheck.ok) return simulateCheck;
  for (const name of settings.train.models) {
    if (!(Number.isInteger(settings.train.epochs[name]) && settings.train.epochs[name] >= 1)) {
      return { ok: false, error: `Epochs for ${name} must be a whole number of at least 1.` };
    }
    if (!(Number.isInteger(settings.train.batchSize[name]) && settings.train.batchSize[name] >= 1)) {
      return { ok: false, error: `The batch size for ${name} must be a whole number of at least 1.` };
    }
  }

  // Yields between steps so a cancel message reaches the worker before the next long step.
  const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
  const notes: string[] = [];

  onStep?.('prepare', 0, 1);
  await pause();
  if (signal?.aborted) return cancelled();
  const prepared = prepareJourneys(table, settings.prepare, (p) => onStep?.('prepare', p.done, p.total, p.stage));
  onStep?.('prepare', 1, 1);
  if (prepared.journeys.count === 0) {
    return { ok: false, error: 'No journeys are left after sampling and filtering: lower the minimum touchpoints or keep more campaigns.' };
  }
  if (prepared.stats.convertedJourneys === 0) {
    return { ok: false, error: 'None of the prepared journeys converted, so there is nothing to attribute.' };
  }

  await pause();
  if (signal?.aborted) return cancelled();
  onStep?.('position', 0, 1);
  const positions = attributePositions(prepared, settings.positionModels, { halfLifeDays: settings.halfLifeDays });
  const weights: WeightsByModel = {};
  for (const p of positions) weights[p.model] = p.weights;
  onStep?.('position', 1, 1);

  const cf = settings.counterfactual ?? DEFAULT_COUNTERFACTUAL;
  const counterfactual: CounterfactualRun = {};
  await pause();
  if (signal?.aborted) return cancelled();
  if (cf.markov) {
    onStep?.('counterfactual', 0, 1, 'Markov chain');
    const began = Date.now();
    try {
      const markov = markovAttribution(prepared, {
        signal,
        onProgress: (done, total) => onStep?.('counterfactual', done, total + 1, 'Markov removal effects'),
      });
      if (markov.ok) {
        weights[COUNTERFACTUAL_MODELS.markov] = markov.weights;
        counterfactual.markov = { baseConversion: markov.baseConversion, journeys: markov.journeys, states: markov.states, seconds: (Date.now() - began) / 1000 };
      } else notes.push(`Markov chain: ${markov.error}`);
    } catch (err) {
      if (signal?.aborted) return cancelled();
      notes.push(`Markov chain: ${firstLine(err)}`);
    }
    weights[COUNTERFACTUAL_MODELS.countingShapley] = countingShapley(prepared).weights;
    onStep?.('counterfactual', 1, 1, 'done');
  } else onStep?.('counterfactual', 1, 1, 'off in the settings');

  const models: TrainedModel[] = [];
  const metrics: Record<string, ModelMetrics> = {};
  let backend: string | null = null;
  try {
    if (settings.train.models.length > 0 && callbacks.initBackend) {
      const started = await callbacks.initBackend(settings.train.backend);
      if (!started.ok) return { ok: false, error: started.error };
      backend = started.backend;
      callbacks.onBackend?.(backend, started.detail);
    }
    for (const name of settings.train.models) {
      if (signal?.aborted) throw abort();
      const epochs = settings.train.epochs[name];
      onStep?.(name, 0, epochs, `epoch 1 of ${epochs}`);
      const began = Date.now();
      const store = callbacks.modelStore;
      const key = store ? modelKey(table, prepared.settings, settings.train, name) : '';
      const kept = store ? await keptModel(store, key, prepared, name, settings.train.dropTimeFeatures, notes) : null;
      let model: TrainedModel;
      if (kept) {
        model = kept.model;
        notes.push(`${name}: reused the model kept in this browser (trained ${kept.trainedAt}).`);
      } else {
        model = await trainModel(prepared, name, settings.train, {
          signal,
          onBatchEnd: (b: BatchProgress) =>
            onStep?.(name, b.epoch - 1 + b.batch / b.batches, b.epochs, `epoch ${b.epoch} of ${b.epochs}, loss ${b.loss.toFixed(3)}`),
          onEpochEnd: (m, record) => callbacks.onEpoch?.(m, record),
        });
      }
      models.push(model);
      if (store && !kept) {
        try {
          await store.save(key, model);
        } catch (err) {
          // Quota or private browsing: the run goes on, only the next one trains again.
          notes.push(`${name}: the model could not be kept in this browser (${firstLine(err)}).`);
        }
      }
      const m = await evaluateModel(model, prepared);
      // A kept model's own backend is the one it was trained on; it scores on today's.
      const modelBackend = kept ? (backend ?? model.backend) : model.backend;
      metrics[name] = { ...m, history: model.history, seconds: (Date.now() - began) / 1000, backend: modelBackend };
      backend = modelBackend;
      for (const a of await attributionWeights(model, prepared)) weights[a.model] = a.weights;
      onStep?.(name, epochs, epochs, `done in ${metrics[name].seconds.toFixed(1)} s`);
    }
    const judge = models.find((m) => m.name === JUDGE_MODEL);
    if ((cf.modelBased || cf.modelReplay) && judge) counterfactual.sample = describeSample(prepared, cf.maxJourneys, settings.prepare.seed);
    if (cf.modelBased && judge) {
      const sampled = sampleForCounterfactual(prepared, cf.maxJourneys, settings.prepare.seed);
      const began = Date.now();
      const what = `${formatCount(counterfactual.sample!.journeys)} ${counterfactual.sample!.subset === 'test' ? 'test ' : ''}journeys`;
      onStep?.('counterfactual-model', 0, 2, `removal effects on ${what}`);
      const scorer = createScorer(judge);
      const removal = await modelRemovalEffects(sampled, scorer, {
        subset: 'test',
        signal,
        onProgress: (done, total) => onStep?.('counterfactual-model', done / total, 2, `removal effects on ${what}`),
      });
      weights[COUNTERFACTUAL_MODELS.removal] = removal.weights;
      onStep?.('counterfactual-model', 1, 2, `Shapley values on ${what}`);
      const shapley = await shapleyAttribution(sampled, scorer, {
        subset: 'test',
        signal,
        seed: settings.train.seed,
        permutations: PIPELINE_SHAPLEY_PERMUTATIONS,
        onProgress: (done, total) => onStep?.('counterfactual-model', 1 + done / Math.max(1, total), 2, `Shapley values on ${what}`),
      });
      weights[COUNTERFACTUAL_MODELS.shapley] = shapley.weights;
      counterfactual.modelBased = {
        model: judge.name,
        expectedConversions: removal.expectedConversions,
        exactJourneys: shapley.exactJourneys,
        sampledJourneys: shapley.sampledJourneys,
        scored: removal.scored + shapley.scored,
        seconds: (Date.now() - began) / 1000,
      };
      onStep?.('counterfactual-model', 2, 2, `done in ${counterfactual.modelBased.seconds.toFixed(1)} s`);
    } else {
      onStep?.('counterfactual-model', 1, 1, judge ? 'off in the settings' : 'needs the attention model');
    }
  } catch (err) {
    for (const m of models) m.dispose();
    if (signal?.aborted || (err instanceof Error && err.name === 'AbortError')) return cancelled();
    return { ok: false, error: err instanceof Error ? err.message.split('\n', 1)[0] : String(err) };
  }

  await pause();
  if (signal?.aborted) {
    for (const m of models) m.dispose();
    return cancelled();
  }
  const sweep = sweepPitches(replayInput(prepared), sweepableWeights(weights), settings.simulate, (done, total) =>
    onStep?.('simulate', done, total),
  );
  if (!sweep.ok) {
    for (const m of models) m.dispose();
    return { ok: false, error: sweep.error };
  }
  for (const name of unsweepable(weights)) notes.push(`${name}: no campaign has a positive weight, so it is left out of the budget replays.`);
  for (const s of sweep.models) {
    if (s.clippedCampaigns > 0) notes.push(`${s.model}: ${s.clippedCampaigns} negative weights were set to 0 for the replay.`);
  }
  const { ok: _ok, ...sweepData } = sweep;

  const judge = models.find((m) => m.name === JUDGE_MODEL);
  const replayPitches = settings.simulate.pitches.filter((p) => p > 0);
  if (cf.modelReplay && judge && counterfactual.sample && replayPitches.length === 0) notes.push('Model-judged replay: it needs a pitch above 0.');
  if (cf.modelReplay && judge && counterfactual.sample && replayPitches.length > 0) {
    const sample = counterfactual.sample;
    const sampled = sampleForCounterfactual(prepared, cf.maxJourneys, settings.prepare.seed);
    // The model's replay spends the same share of its (smaller) stream as the article's replay does of all events
    // (by impressions, also for a money budget: close enough for a random sample).
    const budget = settings.simulate.budget !== undefined && sweepData.events > 0 ? (settings.simulate.budget * sample.events) / sweepData.events : undefined;
    const replayWeights: WeightsByModel = { ...sweepableWeights(weights), [UNIFORM_MODEL]: Object.fromEntries(prepared.campaignIds.map((id) => [id, 1])) };
    const began = Date.now();
    onStep?.('model-replay', 0, 1, `${formatCount(sample.journeys)} journeys`);
    try {
      const replayed = await modelReplay(sampled, createScorer(judge), replayWeights, {
        pitches: replayPitches,
        budget,
        unit: settings.simulate.unit,
        subset: 'test',
        signal,
        onProgress: (done, total) => onStep?.('model-replay', done, total, `${formatCount(sample.journeys)} journeys`),
      });
      if (replayed.ok) {
        const { ok: _replayOk, ...data } = replayed;
        counterfactual.modelReplay = { ...data, seconds: (Date.now() - began) / 1000 };
      } else notes.push(`Model-judged replay: ${replayed.error}`);
    } catch (err) {
      if (signal?.aborted || (err instanceof Error && err.name === 'AbortError')) {
        for (const m of models) m.dispose();
        return cancelled();
      }
      notes.push(`Model-judged replay: ${firstLine(err)}`);
    }
    onStep?.('model-replay', 1, 1, 'done');
  } else onStep?.('model-replay', 1, 1, judge ? 'off in the settings' : 'needs the attention model');

  return { ok: true, run: { prepared, positions, models, metrics, weights, sweep: sweepData, backend, notes, counterfactual } };
}

function firstLine(err: unknown): string {
  return err instanceof Error ? err.message.split('\n', 1)[0] : String(err);
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** The journeys the model-based methods may score: the test journeys, or all when there are none. */
function candidateJourneys(prepared: PreparedData): { subset: 'test' | 'all'; journeys: number[] } {
  const test: number[] = [];
  for (let j = 0; j < prepared.journeys.count; j++) if (prepared.journeys.split[j] === Split.Test) test.push(j);
  if (test.length > 0) return { subset: 'test', journeys: test };
  return { subset: 'all', journeys: Array.from({ length: prepared.journeys.count }, (_, j) => j) };
}

function chosenJourneys(prepared: PreparedData, maxJourneys: number, seed: number): { subset: 'test' | 'all'; chosen: Uint32Array; of: number } {
  const { subset, journeys } = candidateJourneys(prepared);
  const cap = Math.max(1, Math.floor(maxJourneys));
  const pool = Uint32Array.from(journeys);
  if (pool.length > cap) createRng(seed).fork('counterfactual-sample').shuffle(pool);
  const chosen = pool.slice(0, Math.min(cap, pool.length)).sort();
  return { subset, chosen, of: journeys.length };
}

export function describeSample(prepared: PreparedData, maxJourneys: number, seed = prepared.settings.seed): CounterfactualSample {
  const { subset, chosen, of } = chosenJourneys(prepared, maxJourneys, seed);
  let events = 0;
  for (const j of chosen) events += prepared.journeys.eventOffsets[j + 1] - prepared.journeys.eventOffsets[j];
  return { subset, journeys: chosen.length, of, events };
}

/**
 * The prepared data with only the sampled journeys marked as test journeys:
 * the counterfactual core selects journeys by split ('all' or 'test'), so a
 * capped random sample travels as a view with its own split array; nothing
 * else is copied.
 */
export function sampleForCounterfactual(prepared: PreparedData, maxJourneys: number, seed: number): PreparedData {
  const { chosen } = chosenJourneys(prepared, maxJourneys, seed);
  const split = new Uint8Array(prepared.journeys.count);
  split.fill(Split.Train);
  for (const j of chosen) split[j] = Split.Test;
  return { ...prepared, journeys: { ...prepared.journeys, split } };
}

/** The kept model under `key` when it fits the prepared journeys; a failing store only adds a note. */
async function keptModel(
  store: ModelStore,
  key: string,
  prepared: PreparedData,
  name: NeuralModelName,
  dropTimeFeatures: boolean,
  notes: string[],
): Promise<{ model: TrainedModel; trainedAt: string } | null> {
  try {
    const found = await store.load(key);
    if (!found) return null;
    if (!keptModelFits(found, prepared, name, dropTimeFeatures)) {
      found.dispose();
      return null;
    }
    return { model: found, trainedAt: found.keptAt ? found.keptAt.slice(0, 16).replace('T', ' ') : 'earlier' };
  } catch (err) {
    notes.push(`${name}: the models kept in this browser could not be read (${firstLine(err)}).`);
    return null;
  }
}

function abort(): Error {
  const err = new Error('The run was cancelled.');
  err.name = 'AbortError';
  return err;
}

// -- Budget recommendation --------------------------------------------------------------------

export interface RecommendationOptions {
  model: string;
  pitch: number;
  /** Total budget; default as in the sweep (10% of the replayed impressions, or of their cost). */
  budget?: number;
  unit: SimulateSettings['unit'];
  /** Least and most budget per campaign id, in the budget's unit. */
  floor?: Record<string, number>;
  ceiling?: Record<string, number>;
  /** Largest change against current spend, as a share of it (0.5 = at most ±50%). */
  maxChange?: number;
}

export interface CampaignRecommendation {
  campaign: string;
  weight: number;
  /** The budget spread like today's impressions (or cost): what the campaign gets now. */
  current: number;
  recommended: number;
  /** recommended - current. */
  change: number;
  /** recommended / total. */
  share: number;
  /** Which limit held the campaign, if any. */
  limit?: 'floor' | 'ceiling' | 'max-change';
}

export interface Recommendation {
  model: string;
  pitch: number;
  budget: number;
  unit: SimulateSettings['unit'];
  campaigns: CampaignRecommendation[];
  /** Converted journeys the replay keeps with the recommended and with the current allocation. */
  conversions: number;
  currentConversions: number;
}

export type RecommendationResult = { ok: true; recommendation: Recommendation } | { ok: false; error: string };

/**
 * Splits the budget like the sweep (share ∝ (w/w_max)^pitch), then applies the
 * limits by water-filling: a campaign pushed past a limit is fixed there and
 * the rest of the budget is split again over the others, until none is past.
 */
export function recommendAllocation(
  prepared: PreparedData,
  weightsByModel: WeightsByModel,
  options: RecommendationOptions,
  input: ReplayInput = replayInput(prepared),
): RecommendationResult {
  const byCampaign = weightsByModel[options.model];
  if (!byCampaign) return { ok: false, error: `There are no weights for model "${options.model}".` };
  if (!(Number.isFinite(options.pitch) && options.pitch >= 0)) return { ok: false, error: 'The pitch must be a number of 0 or more.' };
  if (options.maxChange !== undefined && !(options.maxChange >= 0)) {
    return { ok: false, error: 'The largest change must be a share of 0 or more.' };
  }
  const resolved = resolveWeights(input.campaignIds, byCampaign, `"${options.model}"`);
  if (!resolved.ok) return resolved;
  const ids = input.campaignIds;
  const n = ids.length;
  const budget = options.budget ?? defaultBudget(input, options.unit);
  if (!(Number.isFinite(budget) && budget > 0)) return { ok: false, error: 'The budget must be a positive number.' };

  const current = currentAllocation(input, budget, options.unit);
  const lower = new Float64Array(n);
  const upper = new Float64Array(n).fill(Infinity);
  const lowerBy: (CampaignRecommendation['limit'] | undefined)[] = new Array(n);
  const upperBy: (CampaignRecommendation['limit'] | undefined)[] = new Array(n);
  for (let c = 0; c < n; c++) {
    if (options.maxChange !== undefined) {
      lower[c] = current[c] * Math.max(0, 1 - options.maxChange);
      upper[c] = current[c] * (1 + options.maxChange);
      lowerBy[c] = upperBy[c] = 'max-change';
    }
    const floor = options.floor?.[ids[c]];
    const ceiling = options.ceiling?.[ids[c]];
    if (floor !== undefined && floor > lower[c]) {
      lower[c] = floor;
      lowerBy[c] = 'floor';
    }
    if (ceiling !== undefined && ceiling < upper[c]) {
      upper[c] = ceiling;
      upperBy[c] = 'ceiling';
    }
    if (lower[c] > upper[c]) return { ok: false, error: `Campaign ${ids[c]}: its lower limit is above its upper limit.` };
  }
  let lowerSum = 0;
  let upperSum = 0;
  for (let c = 0; c < n; c++) {
    lowerSum += lower[c];
    upperSum += upper[c];
  }
  if (lowerSum > budget * (1 + 1e-9)) return { ok: false, error: 'The campaigns\' lower limits add up to more than the budget.' };
  if (upperSum < budget * (1 - 1e-9)) return { ok: false, error: 'The campaigns\' upper limits add up to less than the budget.' };

  // Unlimited split in float64 (no ceil yet), as campaignBudgets computes it.
  const share = campaignBudgets(resolved.weights, 1, options.pitch, 'money');
  const amount = new Float64Array(n);
  const fixed = new Uint8Array(n);
  const limit: (CampaignRecommendation['limit'] | undefined)[] = new Array(n);
  for (let round = 0; round <= n; round++) {
    let remaining = budget;
    let freeShare = 0;
    let free = 0;
    for (let c = 0; c < n; c++) {
      if (fixed[c]) remaining -= amount[c];
      else {
        freeShare += share[c];
        free++;
      }
    }
    if (free === 0) break;
    let changed = false;
    for (let c = 0; c < n; c++) {
      if (fixed[c]) continue;
      // Without any weight left among the free campaigns, the rest goes where the limits allow, evenly.
      amount[c] = freeShare > 0 ? (remaining * share[c]) / freeShare : remaining / free;
    }
    for (let c = 0; c < n; c++) {
      if (fixed[c]) continue;
      if (amount[c] < lower[c] - 1e-9) {
        amount[c] = lower[c];
        limit[c] = lowerBy[c];
        fixed[c] = 1;
        changed = true;
      } else if (amount[c] > upper[c] + 1e-9) {
        amount[c] = upper[c];
        limit[c] = upperBy[c];
        fixed[c] = 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  // Impressions are bought whole, as in the sweep's budgets.
  const recommended = options.unit === 'impressions' ? amount.map((b) => (b > 0 ? Math.ceil(b - 1e-9) : 0)) : amount;
  const currentBudgets = options.unit === 'impressions' ? current.map((b) => Math.ceil(b - 1e-9)) : current;
  let total = 0;
  for (let c = 0; c < n; c++) total += recommended[c];

  const campaigns: CampaignRecommendation[] = ids.map((campaign, c) => ({
    campaign,
    weight: resolved.weights[c],
    current: currentBudgets[c],
    recommended: recommended[c],
    change: recommended[c] - currentBudgets[c],
    share: total > 0 ? recommended[c] / total : 0,
    ...(limit[c] ? { limit: limit[c] } : {}),
  }));
  const state = new Uint8Array(input.journeyLabel.length);
  return {
    ok: true,
    recommendation: {
      model: options.model,
      pitch: options.pitch,
      budget,
      unit: options.unit,
      campaigns,
      conversions: replay(input, recommended, options.unit, state).conversions,
      currentConversions: replay(input, currentBudgets, options.unit, state).conversions,
    },
  };
}

/** Today's spend scaled to the budget: each campaign's share of the replayed impressions (or of their cost). */
export function currentAllocation(input: ReplayInput, budget: number, unit: SimulateSettings['unit']): Float64Array {
  const used = new Float64Array(input.campaignIds.length);
  let total = 0;
  for (let e = 0; e < input.events.count; e++) {
    const v = unit === 'impressions' ? 1 : input.events.cost[e];
    used[input.events.campaign[e]] += v;
    total += v;
  }
  if (total > 0) for (let c = 0; c < used.length; c++) used[c] = (budget * used[c]) / total;
  return used;
}
