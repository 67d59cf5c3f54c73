/**
 * The worker's functions, free of any messaging so that the same code runs in
 * Node under Vitest. `attribution.worker.ts` exposes one instance over comlink.
 *
 * The instance keeps the loaded table between calls: the summary, the mapping
 * retry and (later) preparation and sweeps read it without parsing again.
 *
 * A run whose tfjs backend breaks during training (a lost WebGPU device, out of
 * GPU or wasm memory) is run again on the next backend down the ladder
 * (webgpu -> webgl -> wasm -> cpu). The retry wraps runPipeline from outside
 * instead of retrying only the failed model inside it, so every model of one
 * run trains on one backend and the metrics compare like with like; preparing
 * is seeded, so the retry sees the same journeys.
 */
import * as tf from '@tensorflow/tfjs';
import { ingest, previewFile } from '../core/ingest';
import type { ColumnMapping, IngestError, InputFile } from '../core/ingest/types';
import { summarize } from '../core/summary';
import { DEMO_SYNTH_OPTIONS, generateSynthetic } from '../core/synth/generate';
import type { SynthTruth } from '../core/synth/types';
import type { EventTable } from '../core/table';
import {
  recommendAllocation,
  runPipeline,
  sweepableWeights,
  type BackendStart,
  type PipelineRun,
  type PipelineSettings,
  type Recommendation,
  type RecommendationOptions,
} from '../core/pipeline';
import { BACKEND_ORDER, type Backend, type SimulateSettings } from '../core/settings';
import { replayInput, sweepPitches, type Sweep } from '../core/simulate';
import {
  CANCELLED,
  toWorkerError,
  type JobResult,
  type LoadOutcome,
  type LossListener,
  type ProgressListener,
  type RunResults,
  type WorkerError,
} from '../shared/protocol';
import { throttleProgress } from '../shared/throttle';
import type { KeptModelStore } from './model-store';
import type { ModelStore } from '../core/model-store';

export const DEMO_FILE_NAME = 'demo.tsv';

export interface WorkerDeps {
  /** Picks and starts a tfjs backend (the browser ladder in ./backends.ts; tests pass their own). */
  initBackend?: (preferred?: Backend) => Promise<BackendStart>;
  /** Why the running backend broke (e.g. "WebGPU device lost: ..."), or null while it is healthy. */
  backendLost?: () => string | null;
  /** Stops this worker the way a crash would; the worker shell closes itself or throws uncaught. */
  crash?: (kind: CrashKind) => void;
  /** Unit tests turn the test hooks on here; in the browser the bridge turns them on for `?test-hooks` pages. */
  testHooks?: boolean;
  /** Trained models kept between runs (IndexedDB in the browser); runs with reuse on load and save through it. */
  modelStore?: KeptModelStore;
}

export type CrashKind = 'close' | 'error';

/** What the worker holds, for the leak checks: tfjs's own count and the typed arrays of the table and the last run. */
export interface WorkerMemory {
  /** Null until a run has started a tfjs backend (asking earlier would start one). */
  backend: string | null;
  numTensors: number;
  numBytes: number;
  heldArrays: number;
  heldBytes: number;
}

/** Messages of a backend that broke rather than of bad data: worth a retry on the next backend. */
const BACKEND_FAILURE =
  /device (was |is )?lost|context (was |is )?lost|CONTEXT_LOST|out of memory|allocation failed|could not allocate|failed to allocate|memory access out of bounds|\bOOM\b/i;

export const BACKEND_FAILED_CODE = 'backend-failed';

export function createWorkerApi(deps: WorkerDeps = {}) {
  let table: EventTable | undefined;
  let truth: SynthTruth | undefined;
  /** The last run: prepared journeys and trained models stay here so sweeps and recommendations skip retraining. */
  let run: PipelineRun | undefined;
  /** One controller per running job, so `cancel(jobId)` reaches the right one. */
  const jobs = new Map<number, AbortController>();
  let testHooks = deps.testHooks === true;
  /** Test hook: training on this backend fails as if its device were lost. */
  let failBackend: Backend | null = null;
  /** Kept so the bridge's end of it closes when this worker dies (see AttributionBridge). */
  let lifeline: unknown;
  let backendStarted = false;

  function dropRun(): void {
    for (const m of run?.models ?? []) m.dispose();
    run = undefined;
  }

  /** Registers a job's controller before its first await, so a cancel sent right after the call finds it. */
  function startJob(jobId: number): AbortController {
    const controller = new AbortController();
    jobs.set(jobId, controller);
    return controller;
  }
  async function load(
    jobId: number,
    file: InputFile,
    mapping: ColumnMapping | undefined,
    onProgress: ProgressListener | undefined,
    demoTruth: SynthTruth | undefined,
  ): Promise<JobResult<LoadOutcome>> {
    const controller = startJob(jobId);
    try {
      const report = onProgress ? throttleProgress(onProgress) : undefined;
      const started = performance.now();
      const result = await ingest(file, {
        mapping,
        signal: controller.signal,
        onProgress: report
          ? (p) => report({ step: 'parse', done: p.bytesRead, total: p.totalBytes, rows: p.rows })
          : undefined,
      });
      const elapsedMs = performance.now() - started;
      if (!result.ok) {
        if (result.error.code === 'needs-mapping') {
          const preview = await previewFile(file);
          if (!preview.ok) return { ok: false, error: fromIngestError(preview.error) };
          return { ok: true, value: { kind: 'needs-mapping', preview: preview.preview, message: result.error.message } };
        }
        return { ok: false, error: fromIngestError(result.error) };
      }
      if (controller.signal.aborted) return { ok: false, error: CANCELLED };
      const loaded = result.table;
      dropRun();
      table = loaded;
      truth = demoTruth;
      onProgress?.({ step: 'parse', done: file.size, total: file.size, rows: loaded.rowCount });
      return { ok: true, value: { kind: 'loaded', log: { summary: summarize(loaded), elapsedMs, truth } } };
    } catch (err) {
      return { ok: false, error: controller.signal.aborted ? CANCELLED : toWorkerError(err) };
    } finally {
      jobs.delete(jobId);
    }
  }

  return {
    /** Aborts a running job; a finished or unknown job is ignored. */
    async cancel(jobId: number): Promise<void> {
      jobs.get(jobId)?.abort();
    },

    /** Parses a dropped or picked file; `mapping` is required for logs that are not Criteo's. */
    async loadFile(
      jobId: number,
      file: InputFile,
      mapping?: ColumnMapping,
      onProgress?: ProgressListener,
    ): Promise<JobResult<LoadOutcome>> {
      return load(jobId, file, mapping, onProgress, undefined);
    },

    /**
     * Generates the demo log as TSV text and loads it through the same ingest a
     * dropped file takes, so the demo exercises the real parser.
     */
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
     * Prepares, attributes, trains and sweeps; keeps the prepared journeys and
     * models for later sweeps. Progress per step; `onLoss` gets every epoch's losses.
     */
    async run(
      jobId: number,
      settings: PipelineSettings,
      onProgress?: ProgressListener,
      onLoss?: LossListener,
    ): Promise<JobResult<RunResults>> {
      const controller = startJob(jobId);
      try {
        if (!table) return { ok: false, error: { name: 'StateError', message: 'Load a log before running the models.' } };
        const report = onProgress ? throttleProgress(onProgress) : undefined;
        const failures: BackendFailure[] = [];
        const kept = settings.reuseKeptModels === false ? undefined : deps.modelStore;
        for (;;) {
          dropRun();
          const attempt = attemptStore(kept, failures.length > 0);
          let current: string | null = null;
          let simulated: string | null = null;
          const result = await runPipeline(table, settings, {
            signal: controller.signal,
            initBackend: deps.initBackend ? (preferred) => startBackend(preferred, failures) : undefined,
            onStep: (step, done, total, detail) => {
              if (testHooks && current !== null && current === failBackend && (settings.train.models as string[]).includes(step) && simulated === null) {
                simulated = `${current} device lost (simulated by the failBackend test hook)`;
                throw new Error(simulated);
              }
              report?.({ step, done, total, detail });
            },
            onEpoch: (model, record) => onLoss?.(model, record),
            modelStore: attempt.store,
            // Not throttled: it comes once per backend and the UI shows it for the whole run.
            onBackend: (backend, backendDetail) => {
              current = backend;
              backendStarted = true;
              onProgress?.({ step: 'position', done: 1, total: 1, backend, backendDetail });
            },
          });
          if (result.ok) {
            run = result.run;
            for (const f of failures) run.notes.push(`Training fell back from ${f.backend}: ${f.reason}.`);
            return { ok: true, value: resultsOf(run, settings, truth) };
          }
          if (result.cancelled) return { ok: false, error: CANCELLED };
          const reason = current === null ? null : (simulated ?? deps.backendLost?.() ?? (BACKEND_FAILURE.test(result.error) ? result.error : null));
          if (current === null || reason === null) return { ok: false, error: { name: 'RunError', message: result.error } };
          failures.push({ backend: current, reason });
          await attempt.discard();
          if (nextBackends(failures).length === 0) {
            return { ok: false, error: { name: 'BackendError', code: BACKEND_FAILED_CODE, message: everyBackendFailed(failures) } };
          }
        }
      } catch (err) {
        return { ok: false, error: controller.signal.aborted ? CANCELLED : toWorkerError(err) };
      } finally {
        jobs.delete(jobId);
      }
    },

    /** Replays the pitches again for another budget or unit, with the weights of the last run: no retraining. */
    async resweep(_jobId: number, simulate: SimulateSettings): Promise<JobResult<Sweep>> {
      if (!run) return { ok: false, error: { name: 'StateError', message: 'Run the models first.' } };
      const sweep = sweepPitches(replayInput(run.prepared), sweepableWeights(run.weights), simulate);
      if (!sweep.ok) return { ok: false, error: { name: 'SweepError', message: sweep.error } };
      const { ok: _ok, ...data } = sweep;
      run.sweep = data;
      return { ok: true, value: data };
    },

    /** One model's budget per campaign at one pitch, with limits, replayed like the sweep. */
    async recommend(_jobId: number, options: RecommendationOptions): Promise<JobResult<Recommendation>> {
      if (!run) return { ok: false, error: { name: 'StateError', message: 'Run the models first.' } };
      const result = recommendAllocation(run.prepared, run.weights, options);
      if (!result.ok) return { ok: false, error: { name: 'RecommendationError', message: result.error } };
      return { ok: true, value: result.recommendation };
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
      return table ? table.rowCount : null;
    },

    /** tfjs tensors and the typed arrays this worker holds: the leak checks compare these between runs. */
    async memory(): Promise<WorkerMemory> {
      const held = countArrays([table, run?.prepared, run?.positions, run?.weights]);
      if (!backendStarted) return { backend: null, numTensors: 0, numBytes: 0, ...held };
      const m = tf.memory();
      return { backend: tf.getBackend(), numTensors: m.numTensors, numBytes: m.numBytes, ...held };
    },

    /**
     * Ties this worker's life to things the page can watch: one end of a
     * channel (the browser closes it with the worker; Node and some browsers
     * tell the other end) and a Web Lock, which the browser releases when the
     * worker dies, however it dies. Resolves once the lock is held, so the
     * page can queue its own request behind it.
     */
    async holdLifeline(port: unknown, lockName?: string): Promise<void> {
      lifeline = port;
      const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
      if (!lockName || !locks) return;
      await new Promise<void>((held) => {
        void locks.request(lockName, () => {
          held();
          // Never settles: the lock is let go only when this worker ends.
          return new Promise<never>(() => undefined);
        });
      });
    },

    /**
     * Test hooks stay off unless turned on: the bridge does so only on pages
     * opened with `?test-hooks` (the worker cannot see the page's address).
     */
    async __enableTestHooks(): Promise<void> {
      testHooks = true;
    },

    /** Test hook: training on `backend` fails as if its device were lost; null clears it. */
    async __setFailBackend(backend: Backend | null): Promise<boolean> {
      if (!testHooks) return false;
      failBackend = backend;
      return true;
    },

    /** Test hook: the worker dies as a crash would kill it ('close': it closes itself; 'error': an uncaught error). */
    async __simulateCrash(kind: CrashKind = 'close'): Promise<boolean> {
      if (!testHooks || !deps.crash) return false;
      if (kind === 'close') closePort(lifeline);
      deps.crash(kind);
      return true;
    },
  };

  /**
   * The first try takes the user's choice (or the best); after a failure, the
   * backends below every failed one, in ladder order, so a fallback never
   * climbs back to a slower software GPU adapter.
   */
  async function startBackend(preferred: Backend | undefined, failures: BackendFailure[]): Promise<BackendStart> {
    const init = deps.initBackend!;
    if (failures.length === 0) return init(preferred);
    const tried: string[] = [];
    for (const candidate of nextBackends(failures)) {
      const started = await init(candidate);
      if (started.ok && !failures.some((f) => f.backend === started.backend)) {
        // The ladder calls a named backend "as asked"; here the fallback asked, not the user.
        const what = (started.detail ?? started.backend).replace(/, as asked$/, '');
        const from = failures.map((f) => `${f.backend} (${f.reason})`).join(', then ');
        return { ok: true, backend: started.backend, detail: `${what}; fell back from ${from}` };
      }
      tried.push(started.ok ? `${candidate} started ${started.backend} instead` : started.error);
    }
    return { ok: false, error: `${everyBackendFailed(failures)} ${tried.join('; ')}`.trim() };
  }
}

interface BackendFailure {
  backend: string;
  reason: string;
}

function nextBackends(failures: BackendFailure[]): Backend[] {
  const lowest = Math.max(...failures.map((f) => BACKEND_ORDER.indexOf(f.backend as Backend)));
  return BACKEND_ORDER.slice(lowest + 1);
}

function everyBackendFailed(failures: BackendFailure[]): string {
  const list = failures.map((f) => `${f.backend}: ${f.reason}`).join('; ');
  return `Training failed on every backend left to try (${list}). Try fewer campaigns, shorter journeys or a smaller batch size.`;
}

function closePort(port: unknown): void {
  (port as { close?: () => void } | undefined)?.close?.();
}

/** Typed arrays reachable from `roots` (two levels of plain objects and arrays deep), each buffer counted once. */
function countArrays(roots: unknown[]): { heldArrays: number; heldBytes: number } {
  const buffers = new Set<ArrayBufferLike>();
  const seen = new Set<object>();
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      buffers.add(value.buffer);
      return;
    }
    if (depth > 4) return;
    for (const child of Array.isArray(value) ? value : Object.values(value)) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  let heldBytes = 0;
  for (const b of buffers) heldBytes += b.byteLength;
  return { heldArrays: buffers.size, heldBytes };
}

/**
 * The model store as one attempt of a run sees it. Models trained on a backend
 * that then failed (a lost WebGPU device reads back zeros) must not be kept:
 * `discard` removes what the attempt saved. A retry after a failure neither
 * loads nor saves, so it cannot pick up what the failed attempt left.
 */
function attemptStore(store: KeptModelStore | undefined, retrying: boolean): { store: ModelStore | undefined; discard(): Promise<void> } {
  if (!store || retrying) return { store: undefined, discard: async () => {} };
  const saved: string[] = [];
  return {
    store: {
      load: (key) => store.load(key),
      save: async (key, model) => {
        await store.save(key, model);
        saved.push(key);
      },
    },
    discard: async () => {
      for (const key of saved) await store.remove(key).catch(() => undefined);
    },
  };
}

function resultsOf(run: PipelineRun, settings: PipelineSettings, truth: SynthTruth | undefined): RunResults {
  const { prepared } = run;
  const impressions = new Array<number>(prepared.campaignIds.length).fill(0);
  for (let e = 0; e < prepared.events.count; e++) impressions[prepared.events.campaign[e]]++;
  const metrics: RunResults['metrics'] = {};
  for (const [name, m] of Object.entries(run.metrics)) {
    metrics[name] = {
      journeys: m.journeys,
      logLoss: m.logLoss,
      accuracy: m.accuracy,
      auc: m.auc,
      seconds: m.seconds,
      backend: m.backend,
      history: m.history,
    };
  }
  return {
    settings,
    backend: run.backend,
    stats: prepared.stats,
    campaignIds: prepared.campaignIds,
    impressions,
    weights: run.weights,
    metrics,
    sweep: run.sweep,
    counterfactual: run.counterfactual,
    truth: truth ? Object.fromEntries(truth.campaigns.map((c) => [c.id, c.lossPerImpression])) : undefined,
    notes: run.notes,
  };
}

export function makeDemoFile(): { file: File; truth: SynthTruth } {
  const parts: string[] = [];
  const truth = generateSynthetic(DEMO_SYNTH_OPTIONS, (text) => parts.push(text));
  return { file: new File(parts, DEMO_FILE_NAME, { type: 'text/tab-separated-values' }), truth };
}

function fromIngestError(error: IngestError): WorkerError {
  if (error.code === 'cancelled') return CANCELLED;
  return { name: 'IngestError', message: error.message, code: error.code };
}

export type WorkerApiShape = ReturnType<typeof createWorkerApi>;
