/**
 * What the steps of one run share: the loaded table, the settings, what the
 * caller asked for, and what each step adds (prepared journeys, weights,
 * trained models, the sweep). Every step reads and writes this one object.
 */
import type { PositionAttribution } from '../attribution/position';
import type { CounterfactualSample, JourneySubset, ModelReplay } from '../counterfactual';
import type { JourneyIndex } from '../journeys';
import type { ModelStore } from '../model-store';
import type { ClassificationMetrics } from '../models/metrics';
import type { EpochRecord, TrainedModel } from '../models/train';
import type { PreparedData, WeightsByModel } from '../prepared';
import type { RunStep } from '../methods';
import type { Backend, NeuralModelName, RunSettings } from '../settings';
import type { DefendedRecommendation } from '../recommend';
import type { Sweep } from '../simulate';
import type { EventTable } from '../table';

/** `detail` says why this backend (e.g. a software GPU adapter passed over). */
export type BackendStart = { ok: true; backend: string; detail?: string } | { ok: false; error: string };

export interface RunCallbacks {
  onStep?: (step: RunStep, done: number, total: number, detail?: string) => void;
  onEpoch?: (model: NeuralModelName, record: EpochRecord) => void;
  signal?: AbortSignal;
  /** Told once the backend has started, before the first model trains. */
  onBackend?: (backend: string, detail?: string) => void;
  /** Starts the tfjs backend before training (the browser's WebGPU/WebGL/wasm ladder lives outside core). */
  initBackend?: (preferred?: Backend) => Promise<BackendStart>;
  /** Trained models kept between runs: a model found under its key is reused instead of trained. */
  modelStore?: ModelStore;
  /**
   * A model to use instead of training one (the CLI's `--model DIR`): null
   * means train it; a string is an error for the user (the model does not fit).
   */
  provideModel?: (name: NeuralModelName, prepared: PreparedData) => Promise<TrainedModel | string | null>;
}

/** What a caller may narrow beyond the settings (the CLI's flags); the app leaves every field at its default. */
export interface RunOptions {
  /** Methods to compute; all when absent. */
  methods?: readonly string[];
  /** Weights given rather than computed (a weights file); the sweep replays them all as they are. */
  weights?: WeightsByModel;
  /** Journeys the article's replay replays: every prepared journey (default) or the test ones. */
  replayScope?: JourneySubset;
  /** The model-judged replay spends the sweep's budget on its journeys as is, instead of scaling it to the sample. */
  replayFullBudget?: boolean;
  /** Build the sequences even when no step of this run reads them (off: position models and replays alone skip them). */
  features?: boolean;
  /** A journey grouping of the same table computed at load, so a run does not group again. */
  journeys?: JourneyIndex;
  /** Journeys prepared elsewhere: the run skips the prepare step and starts from these. */
  prepared?: PreparedData;
}

export type ModelMetrics = ClassificationMetrics & { history: EpochRecord[]; seconds: number; backend: string };

export interface CounterfactualRun {
  markov?: { baseConversion: number; journeys: number; states: number; seconds: number };
  sample?: CounterfactualSample;
  modelBased?: { model: string; expectedConversions: number; exactJourneys: number; sampledJourneys: number; scored: number; seconds: number };
  /**
   * The attention model's removal effect per campaign (prepared order) and
   * each seeded journey resample's, so that a campaign's or a channel's
   * incremental conversions get a 90% interval from the same resamples (issue 14).
   */
  removalBootstrap?: { level: number; campaigns: string[]; drop: number[]; resamples: number[][] };
  /** Expected conversions per pitch for every sweepable model and uniform, judged by the attention model. */
  modelReplay?: ModelReplay & { seconds: number };
}

export interface RunContext {
  /** Null when the run starts from journeys prepared elsewhere (options.prepared). */
  readonly table: EventTable | null;
  readonly settings: RunSettings;
  readonly callbacks: RunCallbacks;
  readonly options: RunOptions;
  /** Set by the prepare step; every later step reads it. */
  prepared?: PreparedData;
  positions: PositionAttribution[];
  /** Every method's weights keyed by campaign id: the CLI weights file format. */
  weights: WeightsByModel;
  /** What a method's step says beyond its weights (the CLI's --details file). */
  details: Record<string, unknown>;
  /** Trained networks; owned by the caller once the run succeeds, disposed by the loop when it fails. */
  models: TrainedModel[];
  metrics: Record<string, ModelMetrics>;
  /** Attention: touchpoints behind each campaign's weight. */
  eventCounts: Record<string, Record<string, number>>;
  backend: string | null;
  backendDetail?: string;
  counterfactual: CounterfactualRun;
  sweep?: Sweep;
  /** The allocation the app recommends, judged by the attention model on held-out journeys. */
  recommendation?: DefendedRecommendation & { seconds: number };
  notes: string[];
  /** Wall seconds per step that ran. */
  timings: Partial<Record<RunStep, number>>;
}

export function createRunContext(table: EventTable | null, settings: RunSettings, callbacks: RunCallbacks = {}, options: RunOptions = {}): RunContext {
  return {
    table,
    settings,
    callbacks,
    options,
    prepared: options.prepared,
    positions: [],
    weights: {},
    details: {},
    models: [],
    metrics: {},
    eventCounts: {},
    backend: null,
    counterfactual: {},
    notes: [],
    timings: {},
  };
}

/** Whether the caller wants this method computed. */
export function wants(ctx: RunContext, method: string): boolean {
  return ctx.options.methods === undefined || ctx.options.methods.includes(method);
}

/** The prepared journeys; a step that runs before the prepare step is a programming error. */
export function preparedOf(ctx: RunContext): PreparedData {
  if (!ctx.prepared) throw new Error('The journeys are not prepared yet.');
  return ctx.prepared;
}

/** A failure the user can act on: the loop ends the run with this message. */
export class RunError extends Error {
  override name = 'RunError';
}

export function abortError(): Error {
  const err = new Error('The run was cancelled.');
  err.name = 'AbortError';
  return err;
}

export function firstLine(err: unknown): string {
  return err instanceof Error ? err.message.split('\n', 1)[0] : String(err);
}
