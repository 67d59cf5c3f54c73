/**
 * The one owner of the attribution worker. Components call these methods and
 * never see comlink: the worker starts on the first call, jobs run one at a
 * time in call order, each takes an AbortSignal, and every failure comes back
 * as a `{ok: false, error: {name, message}}` value instead of a rejection.
 */
import { proxy, wrap, type Endpoint, type Remote } from 'comlink';
import type { WorkerApi } from '../worker/attribution.worker';
import {
  CANCELLED,
  toWorkerError,
  type ColumnMapping,
  type JobResult,
  type LoadOutcome,
  type LossListener,
  type PipelineSettings,
  type ProgressListener,
  type Recommendation,
  type RecommendationOptions,
  type RunResults,
  type SimulateSettings,
  type Sweep,
} from '../shared/protocol';

export interface JobOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

/** What the bridge needs of a worker; tests hand in one end of a MessageChannel. */
export type WorkerLike = Endpoint & { terminate?(): void };

type Call<T> = (api: Remote<WorkerApi>, jobId: number, onProgress: ProgressListener | undefined) => Promise<JobResult<T>>;

export class AttributionBridge {
  constructor(private readonly createWorker: () => WorkerLike = startWorker) {}

  #worker: WorkerLike | undefined;
  #api: Remote<WorkerApi> | undefined;
  /** Rejects the job in flight when the worker itself dies (script failed to load, out of memory). */
  #crashed: ((error: unknown) => void) | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #nextJobId = 1;

  loadFile(file: File, mapping: ColumnMapping | undefined, options: JobOptions = {}): Promise<JobResult<LoadOutcome>> {
    return this.#run(options, (api, jobId, onProgress) => api.loadFile(jobId, file, mapping, onProgress));
  }

  loadDemo(options: JobOptions = {}): Promise<JobResult<LoadOutcome>> {
    return this.#run(options, (api, jobId, onProgress) => api.loadDemo(jobId, onProgress));
  }

  /** A whole run; `onLoss` gets each epoch's losses for the live curves. */
  run(settings: PipelineSettings, options: JobOptions & { onLoss?: LossListener } = {}): Promise<JobResult<RunResults>> {
    return this.#run(options, async (api, jobId, onProgress) => {
      const listener = options.onLoss;
      let live = true;
      const onLoss = listener ? proxy<LossListener>((model, record) => live && listener(model, record)) : undefined;
      try {
        return await api.run(jobId, settings, onProgress, onLoss);
      } finally {
        live = false;
      }
    });
  }

  /** The pitch sweep again for another budget or unit, on the weights the worker kept. */
  resweep(simulate: SimulateSettings, options: JobOptions = {}): Promise<JobResult<Sweep>> {
    return this.#run(options, (api, jobId) => api.resweep(jobId, simulate));
  }

  recommend(request: RecommendationOptions, options: JobOptions = {}): Promise<JobResult<Recommendation>> {
    return this.#run(options, (api, jobId) => api.recommend(jobId, request));
  }

  /** Stops the worker; the next call starts a fresh one (and the loaded data is gone). */
  dispose(): void {
    this.#worker?.terminate?.();
    this.#worker = undefined;
    this.#api = undefined;
  }

  #start(): Remote<WorkerApi> {
    if (this.#api) return this.#api;
    const worker = this.createWorker();
    worker.addEventListener('error', ((event: ErrorEvent) => {
      event.preventDefault?.();
      const message = event.message || 'The background worker stopped. Reload the page and try again.';
      this.dispose();
      this.#crashed?.(new Error(message));
    }) as EventListener);
    this.#worker = worker;
    this.#api = wrap<WorkerApi>(worker);
    return this.#api;
  }

  #run<T>(options: JobOptions, call: Call<T>): Promise<JobResult<T>> {
    const job = this.#queue.then(async (): Promise<JobResult<T>> => {
      const { signal } = options;
      if (signal?.aborted) return { ok: false, error: CANCELLED };
      const api = this.#start();
      const jobId = this.#nextJobId++;
      const onAbort = () => void api.cancel(jobId);
      signal?.addEventListener('abort', onAbort, { once: true });
      const crash = new Promise<never>((_, reject) => (this.#crashed = reject));
      // Progress comes over its own MessagePort, so a message can land after the job's result:
      // once the job has settled, late ones are dropped instead of putting the UI back to "running".
      let live = true;
      const listener = options.onProgress;
      try {
        const progress = listener ? proxy<ProgressListener>((p) => live && listener(p)) : undefined;
        return await Promise.race([call(api, jobId, progress), crash]);
      } catch (err) {
        return { ok: false, error: signal?.aborted ? CANCELLED : toWorkerError(err) };
      } finally {
        live = false;
        this.#crashed = undefined;
        signal?.removeEventListener('abort', onAbort);
      }
    });
    this.#queue = job.catch(() => undefined);
    return job;
  }
}

function startWorker(): WorkerLike {
  // Vite bundles the worker only when it sees this literal form.
  return new Worker(new URL('../worker/attribution.worker.ts', import.meta.url), { type: 'module' });
}

/** The app has one worker; components reach it through this instance (or a test's own). */
export const bridge = new AttributionBridge();
