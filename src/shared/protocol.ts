/**
 * Messages between the UI and the attribution worker. Both sides import this
 * module; neither imports the other's code (the UI imports only the worker's
 * type). Errors cross the boundary as plain `{name, message}` objects because
 * structured clone drops an Error's class and any extra fields.
 */
import type { ColumnMapping, FilePreview } from '../core/ingest/types';
import type { DataSummary } from '../core/summary-types';
import type { SynthTruth } from '../core/synth/types';
import { RUN_STEPS } from '../core/methods';
import type { EpochRecord } from '../core/models/metrics';
import type { PreparedData, WeightsByModel } from '../core/prepared';
import type { DefendedRecommendation, ResponseCurve } from '../core/recommend';
import type { CounterfactualRun } from '../core/run/context';
import type { RunSettings, SimulateSettings } from '../core/settings';
import type { Recommendation, RecommendationOptions, Sweep } from '../core/simulate';

/** An error that crossed the worker boundary. `code` is the core's error code when there is one. */
export interface WorkerError {
  name: string;
  message: string;
  code?: string;
}

export type JobResult<T> = { ok: true; value: T } | { ok: false; error: WorkerError };

/** Steps of a whole job, in order, each with its own progress bar: reading the file, then the run's own (core/methods.ts). */
export const PIPELINE_STEPS = ['parse', ...RUN_STEPS] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

/** Progress of one job: `done` of `total` in the step's own unit (bytes while parsing). */
export interface JobProgress {
  step: PipelineStep;
  done: number;
  total: number;
  /** Rows read so far while parsing. */
  rows?: number;
  /** A short line to show next to the bar, e.g. "epoch 2 of 5". */
  detail?: string;
}

export type ProgressListener = (progress: JobProgress) => void;

/**
 * Told when a run has started its tfjs backend (again after a fall-back):
 * `name` as tfjs calls it, `detail` why that one in a line (e.g. "wasm (SIMD,
 * single thread); passed over: ...").
 */
export type BackendListener = (backend: { name: string; detail?: string }) => void;

/** What a successful load returns: the summary is small, the table stays in the worker. */
export interface LoadedLog {
  summary: DataSummary;
  /** Wall time of the ingest alone, read by the ingest benchmark through the page. */
  elapsedMs: number;
  /** Present for the demo log: the planted truth, for later charts. */
  truth?: SynthTruth;
}

/** A load either yields a summary or asks the user to map the columns of a non-Criteo file. */
export type LoadOutcome =
  | { kind: 'loaded'; log: LoadedLog }
  | { kind: 'needs-mapping'; preview: FilePreview; message: string };

export type { ColumnMapping, FilePreview };

/** Turns anything thrown into the plain shape that crosses the boundary. */
export function toWorkerError(err: unknown): WorkerError {
  if (isWorkerError(err)) return { name: err.name, message: err.message, ...(err.code ? { code: err.code } : {}) };
  if (err instanceof Error) {
    const name = err.name === 'AbortError' ? 'AbortError' : err.name || 'Error';
    return { name, message: firstLine(err.message) || name };
  }
  return { name: 'Error', message: firstLine(String(err)) || 'Something went wrong.' };
}

export function isWorkerError(value: unknown): value is WorkerError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as WorkerError).name === 'string' &&
    typeof (value as WorkerError).message === 'string' &&
    !(value instanceof Error)
  );
}

export const CANCELLED: WorkerError = { name: 'AbortError', message: 'Cancelled.', code: 'cancelled' };

export function isCancelled(error: WorkerError): boolean {
  return error.name === 'AbortError' || error.code === 'cancelled';
}

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0].trim();
}

// -- A whole run (issue 5) ---------------------------------------------------------------------

export type { CounterfactualRun, DefendedRecommendation, EpochRecord, Recommendation, RecommendationOptions, RunSettings, SimulateSettings, Sweep, WeightsByModel };

export type LossListener = (model: string, record: EpochRecord) => void;

export interface ModelScore {
  journeys: number;
  logLoss: number;
  accuracy: number;
  auc: number;
  seconds: number;
  backend: string;
  history: EpochRecord[];
}

/** Everything the result views show; small and plain, so it also makes the saved session. */
export interface RunResults {
  settings: RunSettings;
  backend: string | null;
  stats: PreparedData['stats'];
  /** Prepared campaigns, in the replay's order. */
  campaignIds: string[];
  /** Impressions of each prepared campaign, parallel to campaignIds. */
  impressions: number[];
  /**
   * Logs with a cost column (issue 14): `spend`, each prepared campaign's cost
   * summed over every row of the loaded log, parallel to campaignIds; and
   * `judgedSpend`, its cost on the journeys the attention model's removal
   * effects and Shapley values were judged on, counted as they count them
   * (unconverted journeys 1 / negativeSamplingRate times), present with those values.
   */
  money?: {
    spend: number[];
    judgedSpend?: number[];
    /**
     * Own logs with a mapped value column: per prepared campaign, the mean
     * value of the log's conversions whose touchpoints include it (NaN when
     * none does), which turns incremental conversions into incremental value.
     */
    valuePerConversion?: number[];
  };
  /** Wall seconds per step that ran; absent in older sessions. */
  timings?: Partial<Record<string, number>>;
  weights: WeightsByModel;
  metrics: Record<string, ModelScore>;
  sweep: Sweep;
  /** Demo log only: the planted loss per impression of each campaign id, the answer the models should find. */
  truth?: Record<string, number>;
  notes: string[];
  /** Markov, the sample the model-based methods scored, and the model-judged replay; absent in older sessions. */
  counterfactual?: CounterfactualRun;
  /** The allocation the app recommends, judged on held-out journeys (issue 13); absent without the attention model and in older sessions. */
  recommendation?: DefendedRecommendation & { seconds: number };
}

/** A saved session: settings and results, never the raw data. */
export interface SavedSession {
  app: 'attribution-lab';
  version: 1;
  savedAt: string;
  source: { name: string; rows: number };
  results: RunResults;
}

// -- Response curves (issue 14) ----------------------------------------------------------------

/** A group the UI asks a response curve for: a channel and its campaign ids, or one campaign. */
export interface ResponseGroupRequest {
  key: string;
  label: string;
  members: string[];
}

/** One curve per group asked for, in the recommendation's unit, judged on its held-out journeys. */
export interface ResponseCurves {
  unit: SimulateSettings['unit'];
  journeys: number;
  curves: ResponseCurve[];
}

export type { ResponseCurve };
