/**
 * The worker's functions, free of any messaging so that the same code runs in
 * Node under Vitest. `attribution.worker.ts` exposes one instance over comlink.
 *
 * The instance keeps the loaded table between calls: the summary, the mapping
 * retry and (later) preparation and sweeps read it without parsing again.
 */
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
import type { Backend, SimulateSettings } from '../core/settings';
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

export const DEMO_FILE_NAME = 'demo.tsv';

export interface WorkerDeps {
  /** Picks and starts a tfjs backend (the browser ladder in ./backends.ts; tests pass their own). */
  initBackend?: (preferred?: Backend) => Promise<BackendStart>;
}

export function createWorkerApi(deps: WorkerDeps = {}) {
  let table: EventTable | undefined;
  let truth: SynthTruth | undefined;
  /** The last run: prepared journeys and trained models stay here so sweeps and recommendations skip retraining. */
  let run: PipelineRun | undefined;
  /** One controller per running job, so `cancel(jobId)` reaches the right one. */
  const jobs = new Map<number, AbortController>();

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
        dropRun();
        const result = await runPipeline(table, settings, {
          signal: controller.signal,
          initBackend: deps.initBackend,
          onStep: (step, done, total, detail) => report?.({ step, done, total, detail }),
          onEpoch: (model, record) => onLoss?.(model, record),
          // Not throttled: it comes once and the UI shows it for the whole run.
          onBackend: (backend, backendDetail) => onProgress?.({ step: 'position', done: 1, total: 1, backend, backendDetail }),
        });
        if (!result.ok) return { ok: false, error: result.cancelled ? CANCELLED : { name: 'RunError', message: result.error } };
        run = result.run;
        return { ok: true, value: resultsOf(run, settings, truth) };
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

    /** Whether a table is loaded, and its row count: lets the UI recover after a reload of the page state. */
    async loadedRows(): Promise<number | null> {
      return table ? table.rowCount : null;
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
