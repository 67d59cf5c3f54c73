/**
 * The worker's functions: one flat object of async functions, free of any
 * messaging, so the same code runs in Node under Vitest. `attribution.worker.ts`
 * exposes one instance over comlink; the UI imports only its type.
 *
 * The instance keeps the loaded log (table and journeys) and the last run
 * between calls: runs, sweeps and recommendations read them without parsing,
 * grouping or training again. The backend fall-back is in ./fallback.ts, the
 * test hooks in ./test-hooks.ts, the lifeline in ./lifeline.ts.
 */
import { labelsFromTable, type CampaignLabels } from '../core/channels';
import type { ColumnMapping, InputFile } from '../core/ingest/types';
import { budgetMethods, JUDGE_MODEL } from '../core/methods';
import { createScorer } from '../core/models/train';
import { heldOutJudge, responseCurves, type AllocationJudge } from '../core/recommend';
import type { RunOutput } from '../core/run';
import { DEFAULT_COUNTERFACTUAL, type Backend, type RunSettings, type SimulateSettings } from '../core/settings';
import { recommendAllocation, replayInput, sweepPitches, type Recommendation, type RecommendationOptions, type Sweep } from '../core/simulate';
import type { SynthTruth } from '../core/synth/types';
import {
  toWorkerError,
  type BackendListener,
  type JobResult,
  type LoadOutcome,
  type LossListener,
  type ProgressListener,
  type DefendedRecommendation,
  type ResponseCurves,
  type ResponseGroupRequest,
  type RunResults,
  type WorkerError,
} from '../shared/protocol';
import { throttleProgress } from '../shared/throttle';
import { runWithFallback, type FallbackDeps } from './fallback';
import { createJobs } from './jobs';
import { createLifeline } from './lifeline';
import { makeDemoFile, readLog, type LoadedData } from './load';
import { workerMemory, type WorkerMemory } from './memory';
import type { KeptModelStore } from './model-store';
import { preparedFor, preparedSettingsFor, readPreparedInput, type PickedFile, type PreparedInput } from './prepared';
import { resultsOf } from './results';
import { createTestHooks, type CrashKind } from './test-hooks';

export { BACKEND_FAILED_CODE } from './fallback';
export { DEMO_FILE_NAME, makeDemoFile } from './load';
export type { WorkerMemory } from './memory';
export type { CrashKind } from './test-hooks';

export interface WorkerDeps extends Pick<FallbackDeps, 'initBackend' | 'backendLost'> {
  /** Stops this worker the way a crash would; the worker shell closes itself or throws uncaught. */
  crash?: (kind: CrashKind) => void;
  /** Unit tests turn the test hooks on here; in the browser the bridge turns them on for `?test-hooks` pages. */
  testHooks?: boolean;
  /** Trained models kept between runs (IndexedDB in the browser); runs with reuse on load and save through it. */
  modelStore?: KeptModelStore;
}

const NOT_LOADED = { ok: false, error: { name: 'StateError', message: 'Load a log before running the models.' } } as const;
const NO_RECOMMENDATION = { ok: false, error: { name: 'StateError', message: 'Run the models with the recommendation first.' } } as const;
const NOT_RUN = { ok: false, error: { name: 'StateError', message: 'Run the models first.' } } as const;

export function createWorkerApi(deps: WorkerDeps = {}) {
  let loaded: LoadedData | undefined;
  /** A prepared file (the SQL export's) loaded instead of a log; at most one of the two is set. */
  let preparedInput: PreparedInput | undefined;
  /** The last run: prepared journeys and trained models stay here so sweeps and recommendations skip retraining. */
  let last: RunOutput | undefined;
  /** The settings of the last run, and the what-if judge built from it on first use (its cache of scored journeys kept between calls). */
  let lastSettings: RunSettings | undefined;
  let whatIf: AllocationJudge | undefined;
  let backendStarted = false;
  const jobs = createJobs();
  const lifeline = createLifeline();
  const hooks = createTestHooks(deps.testHooks === true, deps.crash, () => lifeline.cut());

  function dropRun(): void {
    for (const m of last?.models ?? []) m.dispose();
    last = undefined;
    lastSettings = undefined;
    whatIf = undefined;
  }

  /** The what-if judge of the last run's recommendation, built on first use and kept (with its cache of scored journeys). */
  function whatIfJudge(): { ok: true; judge: AllocationJudge; rec: DefendedRecommendation; ids: string[] } | typeof NO_RECOMMENDATION | { ok: false; error: WorkerError } {
    const rec = last?.recommendation;
    const model = last?.models.find((m) => m.name === JUDGE_MODEL);
    if (!last || !lastSettings || !rec || !model) return NO_RECOMMENDATION;
    if (!whatIf) {
      const cf = lastSettings.counterfactual ?? DEFAULT_COUNTERFACTUAL;
      const made = heldOutJudge({
        prepared: last.prepared,
        scorer: createScorer(model),
        unit: rec.unit,
        budget: rec.budget,
        maxJourneys: cf.maxJourneys,
        journeys: cf.journeys,
        seed: lastSettings.prepare.seed,
        noAds: cf.noAds,
      });
      if (!made.ok) return { ok: false, error: { name: 'WhatIfError', message: made.error } };
      whatIf = made.judge;
    }
    return { ok: true, judge: whatIf, rec, ids: last.prepared.campaignIds };
  }

  function load(jobId: number, file: InputFile, mapping?: ColumnMapping, onProgress?: ProgressListener, truth?: SynthTruth): Promise<JobResult<LoadOutcome>> {
    return jobs.run<LoadOutcome>(jobId, async (signal) => {
      const read = await readLog(file, { mapping, signal, onProgress, truth, chunkDelayMs: hooks.loadDelayMs() });
      if (!read.ok) return read;
      if (read.value.kind !== 'loaded') return { ok: true, value: read.value };
      dropRun();
      loaded = read.value.data;
      preparedInput = undefined;
      return { ok: true, value: { kind: 'loaded', log: read.value.log } };
    });
  }

  return {
    /** Aborts a running job; a finished or unknown job is ignored. */
    async cancel(jobId: number): Promise<void> {
      jobs.cancel(jobId);
    },

    /** Parses a dropped or picked file; `mapping` is required for logs that are not Criteo's. */
    async loadFile(jobId: number, file: InputFile, mapping?: ColumnMapping, onProgress?: ProgressListener): Promise<JobResult<LoadOutcome>> {
      return load(jobId, file, mapping, onProgress);
    },

    /**
     * A prepared file from the SQL export (and its FILE.settings when picked
     * with it) instead of a log: runs then skip their prepare step. A bad file
     * fails with one line and leaves what was loaded as it was.
     */
    async loadPrepared(jobId: number, files: PickedFile[]): Promise<JobResult<LoadOutcome>> {
      return jobs.run<LoadOutcome>(jobId, async (signal) => {
        const read = await readPreparedInput(files, signal);
        if (!read.ok) return read;
        dropRun();
        loaded = undefined;
        preparedInput = read.value.input;
        return { ok: true, value: { kind: 'loaded', log: read.value.log } };
      });
    },

    /** Generates the demo log as TSV text and loads it through the same ingest a dropped file takes. */
    async loadDemo(jobId: number, onProgress?: ProgressListener): Promise<JobResult<LoadOutcome>> {
      let demo: { file: File; truth: SynthTruth };
      try {
        demo = makeDemoFile();
      } catch (err) {
        return { ok: false, error: toWorkerError(err) };
      }
      return load(jobId, demo.file, undefined, onProgress, demo.truth);
    },

    /**
     * A whole run on the loaded log, falling back to the next backend when one
     * breaks; keeps the prepared journeys and models for later sweeps. Progress
     * per step, every epoch's losses to `onLoss`, each backend started to `onBackend`.
     */
    async run(
      jobId: number,
      settings: RunSettings,
      onProgress?: ProgressListener,
      onLoss?: LossListener,
      onBackend?: BackendListener,
    ): Promise<JobResult<RunResults>> {
      return jobs.run(jobId, async (signal) => {
        if (!loaded && !preparedInput) return NOT_LOADED;
        const { table, journeys, truth } = loaded ?? { table: null, journeys: undefined, truth: undefined };
        // On a prepared file: its own preparation settings (the run's cut of the sequences), and its journeys.
        const input = preparedInput;
        if (input) settings = { ...settings, prepare: preparedSettingsFor(input, settings.prepare) };
        dropRun();
        const report = onProgress ? throttleProgress(onProgress) : undefined;
        const result = await runWithFallback(
          table,
          settings,
          {
            signal,
            onStep: (step, done, total, detail) => report?.({ step, done, total, detail }),
            onEpoch: (model, record) => onLoss?.(model, record),
            onBackend: (name, detail) => {
              backendStarted = true;
              onBackend?.({ name, detail });
            },
          },
          input ? { prepared: preparedFor(input, settings.prepare) } : { journeys },
          {
            initBackend: deps.initBackend,
            backendLost: deps.backendLost,
            modelStore: settings.reuseKeptModels === false ? undefined : deps.modelStore,
            fault: hooks.backendFault(settings.train.models),
          },
        );
        if (!result.ok) return result;
        last = result.value;
        lastSettings = settings;
        return { ok: true, value: resultsOf(last, settings, truth, table ?? undefined) };
      });
    },

    /** Replays the pitches again for another budget or unit, with the weights of the last run: no retraining. */
    async resweep(_jobId: number, simulate: SimulateSettings): Promise<JobResult<Sweep>> {
      if (!last) return NOT_RUN;
      const sweep = sweepPitches(replayInput(last.prepared), budgetMethods(last.weights), simulate);
      if (!sweep.ok) return { ok: false, error: { name: 'SweepError', message: sweep.error } };
      const { ok: _ok, ...data } = sweep;
      last.sweep = data;
      return { ok: true, value: data };
    },

    /** One model's budget per campaign at one pitch, with limits, replayed like the sweep. */
    async recommend(_jobId: number, options: RecommendationOptions): Promise<JobResult<Recommendation>> {
      if (!last) return NOT_RUN;
      const result = recommendAllocation(last.prepared, last.weights, options);
      if (!result.ok) return { ok: false, error: { name: 'RecommendationError', message: result.error } };
      return { ok: true, value: result.recommendation };
    },

    /**
     * What-if (issue 14): the expected conversions of one allocation (amount
     * per campaign id, in the recommendation's unit) on the recommendation's
     * held-out journeys, judged by the attention model as the recommendation
     * judged its candidates.
     */
    async judgeAllocation(jobId: number, allocation: Record<string, number>): Promise<JobResult<{ expected: number; total: number }>> {
      return jobs.run(jobId, async () => {
        const rec = last?.recommendation;
        if (!last || !rec) return NO_RECOMMENDATION;
        const ids = last.prepared.campaignIds;
        const amounts = ids.map((id) => allocation[id] ?? 0);
        if (amounts.some((a) => !(Number.isFinite(a) && a >= 0))) return { ok: false, error: { name: 'WhatIfError', message: 'Each budget must be a number of 0 or more.' } };
        const judge = whatIfJudge();
        if (!judge.ok) return judge;
        const expected = await judge.judge.reset(amounts.map((a) => a / rec.budget));
        return { ok: true, value: { expected, total: amounts.reduce((s, a) => s + a, 0) } };
      });
    },

    /**
     * Response curves (issue 14): per group of campaign ids (a channel, or one
     * campaign), the expected incremental conversions as the group's budget
     * goes from zero to twice today's, the other campaigns held at today's,
     * judged like the what-if. Progress after each group.
     */
    async responseCurves(jobId: number, groups: ResponseGroupRequest[], onProgress?: ProgressListener): Promise<JobResult<ResponseCurves>> {
      return jobs.run(jobId, async (signal) => {
        const made = whatIfJudge();
        if (!made.ok) return made;
        const { judge, rec, ids } = made;
        const index = new Map(ids.map((id, c) => [id, c]));
        const unknown = groups.flatMap((g) => g.members).find((id) => !index.has(id));
        if (unknown !== undefined) return { ok: false, error: { name: 'ResponseError', message: `Campaign "${unknown}" is not in the last run.` } };
        const today = ids.map((id) => (rec.today[id] ?? 0) / rec.budget);
        const curves = await responseCurves(
          judge,
          today,
          groups.map((g) => ({ key: g.key, label: g.label, campaigns: g.members.map((id) => index.get(id)!) })),
          {
            budget: rec.budget,
            signal,
            onProgress: (done, total, group) => onProgress?.({ step: 'recommend', done, total, detail: `${group} (${done} of ${total})` }),
          },
        );
        return { ok: true, value: { unit: rec.unit, journeys: judge.journeys.length, curves } };
      });
    },

    /** Campaigns grouped by a column of the loaded log (issue 14): each campaign's channel is its most common value there. */
    async channelLabels(_jobId: number, column: string, names?: CampaignLabels | null): Promise<JobResult<CampaignLabels>> {
      if (!loaded) return NOT_LOADED;
      const result = labelsFromTable(loaded.table, column, names);
      return result.ok ? { ok: true, value: result.labels } : { ok: false, error: { name: 'ChannelError', message: result.reason } };
    },

    /** Deletes every model kept in this browser; the value is how many were deleted. */
    async forgetKeptModels(): Promise<JobResult<number>> {
      if (!deps.modelStore) return { ok: true, value: 0 };
      try {
        return { ok: true, value: await deps.modelStore.forget() };
      } catch (err) {
        return { ok: false, error: { name: 'StoreError', message: `The kept models could not be deleted: ${err instanceof Error ? err.message.split('\n', 1)[0] : String(err)}` } };
      }
    },

    /** Whether a table is loaded, and its row count: lets the UI recover after a reload of the page state. */
    async loadedRows(): Promise<number | null> {
      return loaded ? loaded.table.rowCount : preparedInput ? preparedInput.rows.count : null;
    },

    /** tfjs tensors and the typed arrays this worker holds: the leak checks compare these between runs. */
    async memory(): Promise<WorkerMemory> {
      return workerMemory(backendStarted, [loaded?.table, loaded?.journeys, preparedInput?.rows, last?.prepared, last?.positions, last?.weights]);
    },

    /** See ./lifeline.ts: resolves once the lock is held. */
    async holdLifeline(port: unknown, lockName?: string): Promise<void> {
      return lifeline.hold(port, lockName);
    },

    /** Test hook switch; the bridge calls it on `?test-hooks` pages only. */
    async __enableTestHooks(): Promise<void> {
      hooks.enable();
    },

    /** Test hook: training on `backend` fails as if its device were lost; null clears it. */
    async __setFailBackend(backend: Backend | null): Promise<boolean> {
      return hooks.setFailBackend(backend);
    },

    /** Test hook: each chunk a load reads waits `ms` first, so an e2e test can cancel it mid-way; 0 clears it. */
    async __setLoadDelay(ms: number): Promise<boolean> {
      return hooks.setLoadDelay(ms);
    },

    /** Test hook: the worker dies as a crash would kill it ('close': it closes itself; 'error': an uncaught error). */
    async __simulateCrash(kind: CrashKind = 'close'): Promise<boolean> {
      return hooks.crash(kind);
    },
  };
}

export type WorkerApiShape = ReturnType<typeof createWorkerApi>;
