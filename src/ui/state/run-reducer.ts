/**
 * Everything the page knows about the run, in one immutable value: the
 * settings being edited, the run's status and per-step progress, the live
 * losses, the backend, the results on screen and whether a re-sweep is under
 * way. The hooks (../hooks) send it actions; this module is pure, so each
 * transition is tested without React or a worker.
 */
import type { EpochRecord } from '../../core/models/metrics';
import { defaultRunSettings, type RunSettings } from '../../core/settings';
import type { Sweep } from '../../core/simulate';
import { isCancelled, type JobProgress, type JobResult, type PipelineStep, type RunResults, type WorkerError } from '../../shared/protocol';
import { activeSteps, completeAll, foldProgress, type RunProgress } from '../run-progress';
import { IDLE, done, failed, running, type AsyncStatus } from '../status';

export interface LossPoint {
  model: string;
  epoch: number;
  trainLoss: number;
  validationLoss: number;
}

/** The compute backend training runs on, and why that one in a line (e.g. "fell back from wasm"). */
export interface BackendInUse {
  name: string;
  detail?: string;
}

/** Results on screen: the last finished run, or a session opened from disk (no data behind it in the worker). */
export interface ShownResults {
  value: RunResults;
  fromSession: boolean;
}

export interface RunState {
  settings: RunSettings;
  /**
   * The current run: a message from a run that is no longer current (a
   * progress report or result arriving after a reset or a newer run) carries
   * another id and changes nothing.
   */
  runId: number;
  status: AsyncStatus<RunResults, JobProgress>;
  /** The steps of the current run, fixed when it starts; before any run, those the settings ask for. */
  steps: readonly PipelineStep[];
  progress: RunProgress;
  losses: readonly LossPoint[];
  backend: BackendInUse | null;
  results: ShownResults | null;
  sweeping: boolean;
  /** A re-sweep or a session file that failed; shown until dismissed. */
  actionError: WorkerError | null;
}

export type RunAction =
  | { type: 'settings'; settings: RunSettings }
  /** `runId` is the hook's count of runs started and reset; messages of the run carry it back. */
  | { type: 'start'; runId: number }
  | { type: 'progress'; runId: number; progress: JobProgress }
  | { type: 'loss'; runId: number; model: string; record: EpochRecord }
  | { type: 'backend'; runId: number; backend: BackendInUse }
  | { type: 'finished'; runId: number; result: JobResult<RunResults> }
  /** A new log is coming: the run and its results go, a session opened from disk stays. */
  | { type: 'reset'; runId: number }
  | { type: 'sweep-started' }
  | { type: 'sweep-finished'; result: JobResult<Sweep> }
  | { type: 'session-opened'; results: RunResults }
  | { type: 'action-failed'; error: WorkerError }
  | { type: 'dismiss-error' };

export function initialRunState(settings: RunSettings = defaultRunSettings()): RunState {
  return {
    settings,
    runId: 0,
    status: IDLE,
    steps: stepsOf(settings),
    progress: {},
    losses: [],
    backend: null,
    results: null,
    sweeping: false,
    actionError: null,
  };
}

const stepsOf = (settings: RunSettings) => activeSteps(settings.train.models, settings.counterfactual);

/** A session opened from disk outlives a run or a new log; a run's own results do not. */
const keepSession = (results: ShownResults | null) => (results?.fromSession ? results : null);

export function runReducer(state: RunState, action: RunAction): RunState {
  switch (action.type) {
    case 'settings':
      // The bars of a run under way stay as that run started; the next run takes the new steps.
      return { ...state, settings: action.settings, steps: state.status.state === 'running' ? state.steps : stepsOf(action.settings) };
    case 'start': {
      const steps = stepsOf(state.settings);
      return {
        ...state,
        runId: action.runId,
        status: running<JobProgress>(),
        steps,
        // The log was read at load: its bar starts full.
        progress: foldProgress({}, { step: 'parse', done: 1, total: 1 }, steps),
        losses: [],
        backend: null,
        // The worker lets go of the last run's journeys and models when a new one starts.
        results: keepSession(state.results),
      };
    }
    case 'progress':
      if (action.runId !== state.runId || state.status.state !== 'running') return state;
      return { ...state, status: running(action.progress), progress: foldProgress(state.progress, action.progress, state.steps) };
    case 'loss': {
      if (action.runId !== state.runId || state.status.state !== 'running') return state;
      const { epoch, trainLoss, validationLoss } = action.record;
      return { ...state, losses: [...state.losses, { model: action.model, epoch, trainLoss, validationLoss }] };
    }
    case 'backend':
      if (action.runId !== state.runId || state.status.state !== 'running') return state;
      return { ...state, backend: action.backend };
    case 'finished': {
      if (action.runId !== state.runId || state.status.state !== 'running') return state;
      const result = action.result;
      if (!result.ok) return { ...state, status: isCancelled(result.error) ? IDLE : failed(result.error) };
      const name = result.value.backend;
      return {
        ...state,
        status: done(result.value),
        progress: completeAll(state.progress, state.steps),
        // The callback's line says more (why this backend); the result only names it.
        backend: name && state.backend?.name !== name ? { name } : state.backend,
        results: { value: result.value, fromSession: false },
      };
    }
    case 'reset':
      return {
        ...state,
        runId: action.runId,
        status: IDLE,
        steps: stepsOf(state.settings),
        progress: {},
        losses: [],
        results: keepSession(state.results),
      };
    case 'sweep-started':
      return { ...state, sweeping: true };
    case 'sweep-finished': {
      const result = action.result;
      if (!result.ok) return { ...state, sweeping: false, actionError: result.error };
      const results = state.results && { ...state.results, value: { ...state.results.value, sweep: result.value } };
      return { ...state, sweeping: false, results };
    }
    case 'session-opened':
      return {
        ...state,
        settings: action.results.settings,
        steps: state.status.state === 'running' ? state.steps : stepsOf(action.results.settings),
        results: { value: action.results, fromSession: true },
        actionError: null,
      };
    case 'action-failed':
      return { ...state, actionError: action.error };
    case 'dismiss-error':
      return { ...state, actionError: null };
  }
}
