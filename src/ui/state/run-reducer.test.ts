import { describe, expect, it } from 'vitest';
import { defaultRunSettings } from '../../core/settings';
import type { Sweep } from '../../core/simulate';
import { CANCELLED, type RunResults } from '../../shared/protocol';
import { initialRunState, runReducer, type RunAction, type RunState } from './run-reducer';

const SWEEP: Sweep = { budget: 1, unit: 'impressions', events: 6, models: [] };

function results(backend: string | null = 'wasm'): RunResults {
  return {
    settings: defaultRunSettings(),
    backend,
    stats: {
      campaignsInData: 2,
      campaignsSampled: 2,
      journeysBeforeFilter: 3,
      journeysAfterFilter: 3,
      convertedJourneys: 1,
      unconvertedJourneys: 2,
      convertedEvents: 2,
      unconvertedEvents: 4,
    },
    campaignIds: ['a', 'b'],
    impressions: [3, 3],
    weights: { lta: { a: 0.5, b: 0 } },
    metrics: {},
    sweep: SWEEP,
    notes: [],
  };
}

const reduce = (actions: RunAction[], state: RunState = initialRunState()) => actions.reduce(runReducer, state);
const LOSS = { epoch: 1, trainLoss: 0.7, validationLoss: 0.6, seconds: 1 };

describe('run reducer', () => {
  it('starts idle with the steps the default settings ask for', () => {
    const s = initialRunState();
    expect(s.status).toEqual({ state: 'idle' });
    expect(s.steps[0]).toBe('parse');
    expect(s.steps).toContain('attention');
  });

  it('a run starts with the log read, folds progress, losses and the backend, and finishes with its results', () => {
    const s = reduce([
      { type: 'start', runId: 1 },
      { type: 'progress', runId: 1, progress: { step: 'logreg', done: 1, total: 2, detail: 'epoch 1 of 2' } },
      { type: 'loss', runId: 1, model: 'logreg', record: LOSS },
      { type: 'backend', runId: 1, backend: { name: 'wasm', detail: 'wasm (SIMD)' } },
    ]);
    expect(s.status).toEqual({ state: 'running', progress: { step: 'logreg', done: 1, total: 2, detail: 'epoch 1 of 2' } });
    expect(s.progress.parse).toEqual({ done: 1, total: 1, detail: undefined });
    expect(s.progress.position?.done).toBe(1);
    expect(s.losses).toEqual([{ model: 'logreg', epoch: 1, trainLoss: 0.7, validationLoss: 0.6 }]);
    expect(s.backend).toEqual({ name: 'wasm', detail: 'wasm (SIMD)' });

    const value = results('wasm');
    const finished = runReducer(s, { type: 'finished', runId: 1, result: { ok: true, value } });
    expect(finished.status).toEqual({ state: 'done', value });
    expect(finished.results).toEqual({ value, fromSession: false });
    for (const step of finished.steps) expect(finished.progress[step]?.done).toBe(finished.progress[step]?.total);
    // The callback's line is kept when the result names the same backend.
    expect(finished.backend).toEqual({ name: 'wasm', detail: 'wasm (SIMD)' });
  });

  it.each([
    ['another backend than the callback said', { name: 'wasm', detail: 'why' }, 'cpu', { name: 'cpu' }],
    ['no callback', null, 'webgl', { name: 'webgl' }],
    ['no backend (nothing trained)', { name: 'wasm' }, null, { name: 'wasm' }],
  ])('after a run with %s, the backend shown is the result’s', (_name, told, named, shown) => {
    const actions: RunAction[] = [{ type: 'start', runId: 1 }];
    if (told) actions.push({ type: 'backend', runId: 1, backend: told });
    actions.push({ type: 'finished', runId: 1, result: { ok: true, value: results(named) } });
    expect(reduce(actions).backend).toEqual(shown);
  });

  it.each([
    ['a cancel', CANCELLED, { state: 'idle' }],
    ['a failure', { name: 'Error', message: 'boom' }, { state: 'failed', error: { name: 'Error', message: 'boom' } }],
  ])('%s ends the run as %j', (_name, error, status) => {
    const s = reduce([{ type: 'start', runId: 1 }, { type: 'finished', runId: 1, result: { ok: false, error } }]);
    expect(s.status).toEqual(status);
    expect(s.results).toBeNull();
  });

  it('drops messages of a run that is no longer current', () => {
    const s = reduce([
      { type: 'start', runId: 1 },
      { type: 'start', runId: 2 },
      { type: 'progress', runId: 1, progress: { step: 'simulate', done: 1, total: 1 } },
      { type: 'loss', runId: 1, model: 'logreg', record: LOSS },
      { type: 'backend', runId: 1, backend: { name: 'cpu' } },
      { type: 'finished', runId: 1, result: { ok: false, error: CANCELLED } },
    ]);
    expect(s.status).toEqual({ state: 'running', progress: null });
    expect(s.progress.simulate).toBeUndefined();
    expect(s.losses).toEqual([]);
    expect(s.backend).toBeNull();
    // A reset (a new file) makes the run in flight stale too.
    const reset = reduce([{ type: 'reset', runId: 3 }, { type: 'finished', runId: 2, result: { ok: true, value: results() } }], s);
    expect(reset.status).toEqual({ state: 'idle' });
    expect(reset.results).toBeNull();
  });

  it('a new run or a new log clears a run’s results but keeps a session opened from disk', () => {
    const ran = reduce([{ type: 'start', runId: 1 }, { type: 'finished', runId: 1, result: { ok: true, value: results() } }]);
    expect(runReducer(ran, { type: 'start', runId: 2 }).results).toBeNull();
    expect(runReducer(ran, { type: 'reset', runId: 2 }).results).toBeNull();

    const opened = runReducer(initialRunState(), { type: 'session-opened', results: results() });
    expect(runReducer(opened, { type: 'start', runId: 1 }).results?.fromSession).toBe(true);
    expect(runReducer(opened, { type: 'reset', runId: 1 }).results?.fromSession).toBe(true);
  });

  it('opening a session takes its settings and clears an earlier error', () => {
    const saved = { ...results(), settings: { ...defaultRunSettings(), train: { ...defaultRunSettings().train, models: ['logreg' as const] } } };
    const s = reduce([{ type: 'action-failed', error: { name: 'SessionError', message: 'not JSON' } }, { type: 'session-opened', results: saved }]);
    expect(s.actionError).toBeNull();
    expect(s.settings.train.models).toEqual(['logreg']);
    expect(s.steps).not.toContain('attention');
    expect(s.results).toEqual({ value: saved, fromSession: true });
  });

  it('settings change the steps shown, except those of a run under way', () => {
    const logregOnly = { ...defaultRunSettings(), train: { ...defaultRunSettings().train, models: ['logreg' as const] } };
    expect(runReducer(initialRunState(), { type: 'settings', settings: logregOnly }).steps).not.toContain('lstm');
    const during = reduce([{ type: 'start', runId: 1 }, { type: 'settings', settings: logregOnly }]);
    expect(during.steps).toContain('lstm');
    expect(during.settings).toBe(logregOnly);
  });

  it('a re-sweep replaces the sweep on screen, or leaves an error to dismiss', () => {
    const ran = reduce([{ type: 'start', runId: 1 }, { type: 'finished', runId: 1, result: { ok: true, value: results() } }]);
    const sweeping = runReducer(ran, { type: 'sweep-started' });
    expect(sweeping.sweeping).toBe(true);
    const next: Sweep = { ...SWEEP, budget: 2, unit: 'money' };
    const swept = runReducer(sweeping, { type: 'sweep-finished', result: { ok: true, value: next } });
    expect(swept.sweeping).toBe(false);
    expect(swept.results?.value.sweep).toBe(next);
    expect(ran.results?.value.sweep).toBe(SWEEP);

    const error = { name: 'Error', message: 'no data' };
    const failedSweep = runReducer(sweeping, { type: 'sweep-finished', result: { ok: false, error } });
    expect(failedSweep).toMatchObject({ sweeping: false, actionError: error });
    expect(failedSweep.results?.value.sweep).toBe(SWEEP);
    expect(runReducer(failedSweep, { type: 'dismiss-error' }).actionError).toBeNull();
  });
});
