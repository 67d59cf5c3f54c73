/**
 * The one owner of the attribution worker. Components call these methods and
 * never see comlink: the worker starts on the first call, jobs run one at a
 * time in call order, each takes an AbortSignal, and every failure comes back
 * as a `{ok: false, error: {name, message}}` value instead of a rejection.
 *
 * A worker that dies (closes itself, throws uncaught, runs out of memory) is
 * replaced: the job it was running fails with a `worker-stopped` error, a new
 * worker starts and the last loaded log is read again, and listeners of
 * `onRestart` hear about it. The bridge keeps the File (or "the demo") rather
 * than keeping the table alive in a second worker: a table worker would have
 * to copy the whole table (up to ~1.5 GB of typed arrays) to the training
 * worker for every run, or share it, which needs cross-origin isolation that
 * this app turns off (see vite.config.ts). Parsing again costs seconds, and
 * only after a crash.
 */
import { proxy, transfer, wrap, type Endpoint, type Remote } from 'comlink';
import type { CampaignLabels } from '../core/channels';
import type { Backend } from '../core/settings';
import type { CrashKind, WorkerMemory } from '../worker/api';
import type { WorkerApi } from '../worker/attribution.worker';
import {
  CANCELLED,
  toWorkerError,
  type BackendListener,
  type ColumnMapping,
  type JobResult,
  type LoadedLog,
  type LoadOutcome,
  type LossListener,
  type ProgressListener,
  type Recommendation,
  type RecommendationOptions,
  type ResponseCurves,
  type ResponseGroupRequest,
  type RunResults,
  type RunSettings,
  type SimulateSettings,
  type Sweep,
  type WorkerError,
} from '../shared/protocol';

export interface JobOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

/** A run's listeners beside progress: each epoch's losses (the live curves) and each backend it starts. */
export interface RunOptions extends JobOptions {
  onLoss?: LossListener;
  onBackend?: BackendListener;
}

/** What the bridge needs of a worker; tests hand in one end of a MessageChannel. */
export type WorkerLike = Endpoint & { terminate?(): void; close?(): void };

export interface BridgeOptions {
  /** Lets `simulateCrash`, `setFailBackend` and `setLoadDelay` reach the worker; the app sets it for `?test-hooks` pages only. */
  testHooks?: boolean;
}

/** What `onRestart` listeners hear after a worker died and was replaced. */
export interface WorkerRestart {
  /** Why the old worker stopped, as far as the browser said. */
  reason: string;
  /** The log read again into the new worker, or null when there was none or reading it failed. */
  reloaded: LoadedLog | null;
  /** One line for the user. */
  message: string;
}

export const WORKER_STOPPED_CODE = 'worker-stopped';

/** The last log that loaded, kept to read it again into a new worker. */
type LoadSource = { kind: 'file'; file: File; mapping: ColumnMapping | undefined } | { kind: 'demo' } | { kind: 'prepared'; files: File[] };

type Call<T> = (api: Remote<WorkerApi>, jobId: number, onProgress: ProgressListener | undefined) => Promise<JobResult<T>>;

export class AttributionBridge {
  constructor(
    private readonly createWorker: () => WorkerLike = startWorker,
    private readonly options: BridgeOptions = {},
  ) {}

  #worker: WorkerLike | undefined;
  #api: Remote<WorkerApi> | undefined;
  #lifeline: MessagePort | undefined;
  /** Withdraws the request for the worker's lock, so a worker we stop on purpose is not taken for a crash. */
  #unwatch: (() => void) | undefined;
  /** Rejects the job in flight when the worker itself dies (script failed to load, out of memory). */
  #crashed: ((error: unknown) => void) | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #nextJobId = 1;
  #source: LoadSource | undefined;
  /** Set when a worker died holding a log: the next job reads it again first. */
  #reload: { source: LoadSource; reason: string } | undefined;
  #reloading = false;
  #failBackend: Backend | null = null;
  #loadDelayMs = 0;
  readonly #restartListeners = new Set<(event: WorkerRestart) => void>();

  loadFile(file: File, mapping: ColumnMapping | undefined, options: JobOptions = {}): Promise<JobResult<LoadOutcome>> {
    return this.#load(options, { kind: 'file', file, mapping });
  }

  loadDemo(options: JobOptions = {}): Promise<JobResult<LoadOutcome>> {
    return this.#load(options, { kind: 'demo' });
  }

  /** A prepared file from the SQL export (with its .settings file when it has one) instead of a log. */
  loadPrepared(files: File[], options: JobOptions = {}): Promise<JobResult<LoadOutcome>> {
    return this.#load(options, { kind: 'prepared', files });
  }

  /** Told after a dead worker was replaced (and its log read again); returns the unsubscribe. */
  onRestart(listener: (event: WorkerRestart) => void): () => void {
    this.#restartListeners.add(listener);
    return () => this.#restartListeners.delete(listener);
  }

  /** The worker's tfjs tensors and held typed arrays, for leak checks. */
  memory(): Promise<JobResult<WorkerMemory>> {
    return this.#run({}, async (api) => ({ ok: true, value: await api.memory() }));
  }

  /** Deletes the trained models kept in this browser (IndexedDB); the value is how many there were. */
  forgetKeptModels(): Promise<JobResult<number>> {
    return this.#run({}, (api) => api.forgetKeptModels());
  }

  /**
   * Test hook: kills the worker now, even mid-job (it skips the queue). False
   * when the hooks are off or no worker is running.
   */
  async simulateCrash(kind: CrashKind = 'close'): Promise<boolean> {
    const api = this.#api;
    if (!this.options.testHooks || !api) return false;
    // The reply never comes when the worker closes itself: don't wait for it.
    void api.__simulateCrash(kind).catch(() => undefined);
    return true;
  }

  /** Test hook: training on `backend` fails as if its device were lost (kept across worker restarts). */
  async setFailBackend(backend: Backend | null): Promise<boolean> {
    if (!this.options.testHooks) return false;
    this.#failBackend = backend;
    if (this.#api) await this.#api.__setFailBackend(backend);
    return true;
  }

  /** Test hook: each chunk a load reads waits `ms` first, so a load can be cancelled mid-way; 0 clears it. */
  async setLoadDelay(ms: number): Promise<boolean> {
    if (!this.options.testHooks) return false;
    this.#loadDelayMs = ms;
    return this.#start().__setLoadDelay(ms);
  }

  /** A whole run; `onLoss` gets each epoch's losses for the live curves, `onBackend` each backend it starts. */
  run(settings: RunSettings, options: RunOptions = {}): Promise<JobResult<RunResults>> {
    return this.#run(options, async (api, jobId, onProgress) => {
      // Like progress, these come over their own ports: once the job has settled, late ones are dropped.
      let live = true;
      const onLoss = liveProxy(options.onLoss, () => live);
      const onBackend = liveProxy(options.onBackend, () => live);
      try {
        return await api.run(jobId, settings, onProgress, onLoss, onBackend);
      } finally {
        live = false;
      }
    });
  }

  /** The pitch sweep again for another budget or unit, on the weights the worker kept. */
  resweep(simulate: SimulateSettings, options: JobOptions = {}): Promise<JobResult<Sweep>> {
    return this.#run(options, (api, jobId) => api.resweep(jobId, simulate));
  }

  /** What-if: the expected conversions of one allocation on the recommendation's held-out journeys. */
  judgeAllocation(allocation: Record<string, number>, options: JobOptions = {}): Promise<JobResult<{ expected: number; total: number }>> {
    return this.#run(options, (api, jobId) => api.judgeAllocation(jobId, allocation));
  }

  /** Response curves for groups of campaigns, judged like the what-if; progress after each group. */
  responseCurves(groups: ResponseGroupRequest[], options: JobOptions = {}): Promise<JobResult<ResponseCurves>> {
    return this.#run(options, (api, jobId, onProgress) => api.responseCurves(jobId, groups, onProgress));
  }

  /** Campaign names kept, channels from a column of the loaded log. */
  channelLabels(column: string, names: CampaignLabels | null, options: JobOptions = {}): Promise<JobResult<CampaignLabels>> {
    return this.#run(options, (api, jobId) => api.channelLabels(jobId, column, names));
  }

  recommend(request: RecommendationOptions, options: JobOptions = {}): Promise<JobResult<Recommendation>> {
    return this.#run(options, (api, jobId) => api.recommend(jobId, request));
  }

  /** Stops the worker; the next call starts a fresh one (and the loaded data is gone). */
  dispose(): void {
    this.#stop();
    this.#source = undefined;
    this.#reload = undefined;
  }

  #stop(): void {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#api = undefined;
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#lifeline?.close();
    this.#lifeline = undefined;
    if (worker?.terminate) worker.terminate();
    else worker?.close?.();
  }

  #start(): Remote<WorkerApi> {
    if (this.#api) return this.#api;
    const worker = this.createWorker();
    const died = (reason: string) => {
      if (this.#worker === worker) this.#died(reason);
    };
    worker.addEventListener('error', ((event: ErrorEvent) => {
      event.preventDefault?.();
      died(event.message || 'the worker failed');
    }) as EventListener);
    const api = wrap<WorkerApi>(worker);
    // Nothing tells the page when a worker closes itself or is killed for memory. Two
    // things do: a Web Lock the worker holds is granted to our waiting request when the
    // worker ends (Chromium 156: the port's close event below did not fire), and a port
    // whose other end lives in the worker gets `close` where MessagePort has that event (Node).
    const { port1, port2 } = new MessageChannel();
    port1.addEventListener('close', () => died('the worker closed'));
    port1.start();
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    const lockName = locks ? `attribution-worker-${crypto.randomUUID()}` : undefined;
    const watch = new AbortController();
    this.#unwatch = () => watch.abort();
    void api
      .holdLifeline(transfer(port2, [port2]), lockName)
      .then(() => {
        if (!locks || !lockName || watch.signal.aborted) return;
        return locks.request(lockName, { signal: watch.signal }, () => died('the worker closed'));
      })
      .catch(() => undefined);
    if (this.options.testHooks) {
      void api.__enableTestHooks().catch(() => undefined);
      if (this.#failBackend) void api.__setFailBackend(this.#failBackend).catch(() => undefined);
      if (this.#loadDelayMs) void api.__setLoadDelay(this.#loadDelayMs).catch(() => undefined);
    }
    this.#worker = worker;
    this.#lifeline = port1;
    this.#api = api;
    return api;
  }

  /** The worker is gone: fail the job in flight, and read the last log again into a new worker. */
  #died(reason: string): void {
    this.#stop();
    this.#crashed?.(Object.assign(new Error(`The worker stopped during this job (${reason}); it may have run out of memory.`), { name: 'WorkerStopped' }));
    // A death while reading the log again is reported by #reloadFirst, which gives up instead of looping.
    if (this.#reloading) return;
    if (!this.#source) {
      this.#tell({ reason, reloaded: null, message: 'The worker stopped; it was restarted.' });
      return;
    }
    this.#reload = { source: this.#source, reason };
    // Queued like a job, so the log is back before anything else runs, and soon, for the summary on screen.
    void this.#run({}, async () => ({ ok: true, value: undefined }));
  }

  #tell(event: WorkerRestart): void {
    for (const listener of this.#restartListeners) listener(event);
  }

  #load(options: JobOptions, source: LoadSource): Promise<JobResult<LoadOutcome>> {
    return this.#run(options, async (api, jobId, onProgress) => {
      const result = await loadInto(api, jobId, source, onProgress);
      // Only a log that loaded replaces the one kept: a failed load leaves the worker's table as it was.
      if (result.ok && result.value.kind === 'loaded') this.#source = source;
      return result;
    });
  }

  /** Reads the kept log into the new worker before the next job; a second death while reading gives up. */
  async #reloadFirst(): Promise<void> {
    const pending = this.#reload;
    if (!pending) return;
    this.#reload = undefined;
    this.#reloading = true;
    const crash = new Promise<never>((_, reject) => (this.#crashed = reject));
    let result: JobResult<LoadOutcome>;
    try {
      result = await Promise.race([loadInto(this.#start(), this.#nextJobId++, pending.source, undefined), crash]);
    } catch (err) {
      result = { ok: false, error: toWorkerError(err) };
    } finally {
      this.#crashed = undefined;
      this.#reloading = false;
    }
    if (result.ok && result.value.kind === 'loaded') {
      this.#tell({
        reason: pending.reason,
        reloaded: result.value.log,
        message: 'The worker stopped; it was restarted and your file was reloaded.',
      });
      return;
    }
    this.#source = undefined;
    const why = result.ok ? 'it now needs its columns mapped' : result.error.message;
    this.#tell({
      reason: pending.reason,
      reloaded: null,
      message: `The worker stopped and was restarted, but your file could not be read again (${why}). Load it again.`,
    });
  }

  #run<T>(options: JobOptions, call: Call<T>): Promise<JobResult<T>> {
    const job = this.#queue.then(async (): Promise<JobResult<T>> => {
      const { signal } = options;
      if (signal?.aborted) return { ok: false, error: CANCELLED };
      await this.#reloadFirst();
      if (signal?.aborted) return { ok: false, error: CANCELLED };
      const api = this.#start();
      const jobId = this.#nextJobId++;
      const onAbort = () => void api.cancel(jobId);
      signal?.addEventListener('abort', onAbort, { once: true });
      const crash = new Promise<never>((_, reject) => (this.#crashed = reject));
      // Progress comes over its own MessagePort, so a message can land after the job's result:
      // once the job has settled, late ones are dropped instead of putting the UI back to "running".
      let live = true;
      try {
        const progress = liveProxy(options.onProgress, () => live);
        return await Promise.race([call(api, jobId, progress), crash]);
      } catch (err) {
        return { ok: false, error: signal?.aborted ? CANCELLED : crashError(err) };
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

function loadInto(
  api: Remote<WorkerApi>,
  jobId: number,
  source: LoadSource,
  onProgress: ProgressListener | undefined,
): Promise<JobResult<LoadOutcome>> {
  if (source.kind === 'prepared') return api.loadPrepared(jobId, source.files);
  return source.kind === 'demo' ? api.loadDemo(jobId, onProgress) : api.loadFile(jobId, source.file, source.mapping, onProgress);
}

/** A listener the worker can call over comlink, silent once `live` says the job has settled. */
function liveProxy<A extends unknown[]>(listener: ((...args: A) => void) | undefined, live: () => boolean): ((...args: A) => void) | undefined {
  return listener ? proxy((...args: A) => void (live() && listener(...args))) : undefined;
}

function crashError(err: unknown): WorkerError {
  const error = toWorkerError(err);
  return error.name === 'WorkerStopped' ? { ...error, code: WORKER_STOPPED_CODE } : error;
}

function startWorker(): WorkerLike {
  // Vite bundles the worker only when it sees this literal form.
  return new Worker(new URL('../worker/attribution.worker.ts', import.meta.url), { type: 'module' });
}

/** `?test-hooks` in the page's address turns the failure hooks on (e2e only). */
function pageWantsTestHooks(): boolean {
  return typeof location !== 'undefined' && new URLSearchParams(location.search).has('test-hooks');
}

/** The app has one worker; components reach it through this instance (or a test's own). */
export const bridge = new AttributionBridge(startWorker, { testHooks: pageWantsTestHooks() });

export interface TestHooks {
  crashWorker(kind?: CrashKind): Promise<boolean>;
  failBackend(backend: Backend | null): Promise<boolean>;
  slowLoad(ms: number): Promise<boolean>;
  memory(): Promise<JobResult<WorkerMemory>>;
}

if (pageWantsTestHooks()) {
  // Playwright reaches the worker through this; it exists only on `?test-hooks` pages.
  const hooks: TestHooks = {
    crashWorker: (kind) => bridge.simulateCrash(kind),
    failBackend: (backend) => bridge.setFailBackend(backend),
    slowLoad: (ms) => bridge.setLoadDelay(ms),
    memory: () => bridge.memory(),
  };
  (globalThis as unknown as { __attributionTestHooks: TestHooks }).__attributionTestHooks = hooks;
}
