/**
 * The run, its re-sweeps and recommendations, and the kept models: the only
 * way components reach the worker for them. State lives in one reducer
 * (../state/run-reducer.ts); this hook holds the AbortController and tags each
 * run's messages with its id so a stale one is dropped there.
 */
import { useCallback, useEffect, useReducer, useRef, type Dispatch } from 'react';
import type { RunSettings } from '../../core/settings';
import type { Recommendation, RecommendationOptions, Sweep } from '../../core/simulate';
import type { JobResult, ResponseCurves, ResponseGroupRequest } from '../../shared/protocol';
import { bridge, type JobOptions } from '../bridge';
import { initialRunState, runReducer, type RunAction, type RunState } from '../state/run-reducer';

export interface RunHandle {
  state: RunState;
  /** For the session hook, which opens saved results into the same state. */
  dispatch: Dispatch<RunAction>;
  setSettings: (settings: RunSettings) => void;
  /** `hasCost`: the loaded log has a cost column, so the run's budget is in money; otherwise in impressions. */
  start: (options?: { hasCost?: boolean }) => Promise<void>;
  cancel: () => void;
  /** A new log is coming: stop the run and clear its results. */
  reset: () => void;
  /** The pitch sweep again for another budget or unit; nothing retrains. */
  resweep: (budget: number | undefined, unit: Sweep['unit']) => Promise<void>;
  recommend: (options: RecommendationOptions) => Promise<JobResult<Recommendation>>;
  /** What-if: one allocation judged like the recommendation's candidates. */
  judgeAllocation: (allocation: Record<string, number>) => Promise<JobResult<{ expected: number; total: number }>>;
  /** Response curves for groups of campaigns; cancelled through `signal`. */
  responseCurves: (groups: ResponseGroupRequest[], options: JobOptions) => Promise<JobResult<ResponseCurves>>;
  forgetKeptModels: () => Promise<JobResult<number>>;
  dismissError: () => void;
}

export function useRun(): RunHandle {
  const [state, dispatch] = useReducer(runReducer, undefined, () => initialRunState());
  const abort = useRef<AbortController | null>(null);
  const runs = useRef(0);

  useEffect(() => () => abort.current?.abort(), []);

  const start = async (options: { hasCost?: boolean } = {}) => {
    abort.current?.abort();
    const unit = options.hasCost ? 'money' : 'impressions';
    const settings = { ...state.settings, simulate: { ...state.settings.simulate, unit } } satisfies RunSettings;
    const controller = new AbortController();
    abort.current = controller;
    const runId = ++runs.current;
    dispatch({ type: 'start', runId });
    const result = await bridge.run(settings, {
      signal: controller.signal,
      onProgress: (progress) => dispatch({ type: 'progress', runId, progress }),
      onLoss: (model, record) => dispatch({ type: 'loss', runId, model, record }),
      onBackend: ({ name, detail }) => dispatch({ type: 'backend', runId, backend: { name, detail } }),
    });
    if (abort.current === controller) abort.current = null;
    dispatch({ type: 'finished', runId, result });
  };

  const reset = useCallback(() => {
    abort.current?.abort();
    dispatch({ type: 'reset', runId: ++runs.current });
  }, []);

  const resweep = async (budget: number | undefined, unit: Sweep['unit']) => {
    if (!state.results || state.results.fromSession) return;
    dispatch({ type: 'sweep-started' });
    const result = await bridge.resweep({ ...state.settings.simulate, budget, unit });
    dispatch({ type: 'sweep-finished', result });
  };

  return {
    state,
    dispatch,
    setSettings: useCallback((settings: RunSettings) => dispatch({ type: 'settings', settings }), []),
    start,
    cancel: useCallback(() => abort.current?.abort(), []),
    reset,
    resweep,
    recommend: useCallback((options: RecommendationOptions) => bridge.recommend(options), []),
    judgeAllocation: useCallback((allocation: Record<string, number>) => bridge.judgeAllocation(allocation), []),
    responseCurves: useCallback((groups: ResponseGroupRequest[], options: JobOptions) => bridge.responseCurves(groups, options), []),
    forgetKeptModels: useCallback(() => bridge.forgetKeptModels(), []),
    dismissError: useCallback(() => dispatch({ type: 'dismiss-error' }), []),
  };
}
