/**
 * A run whose tfjs backend breaks during training (a lost WebGPU device, out
 * of GPU or wasm memory) is run again on the next backend down the ladder
 * (webgpu -> webgl -> wasm -> cpu). The retry wraps runAttribution from
 * outside instead of retrying only the failed model inside it, so every model
 * of one run trains on one backend and the metrics compare like with like;
 * preparing is seeded, so the retry sees the same journeys.
 */
import type { ModelStore } from '../core/model-store';
import type { RunStep } from '../core/methods';
import { runAttribution, type BackendStart, type RunCallbacks, type RunOptions, type RunOutput } from '../core/run';
import { BACKEND_ORDER, type Backend, type RunSettings } from '../core/settings';
import type { EventTable } from '../core/table';
import { CANCELLED, type JobResult } from '../shared/protocol';
import type { KeptModelStore } from './model-store';

/** Messages of a backend that broke rather than of bad data: worth a retry on the next backend. */
const BACKEND_FAILURE =
  /device (was |is )?lost|context (was |is )?lost|CONTEXT_LOST|out of memory|allocation failed|could not allocate|failed to allocate|memory access out of bounds|\bOOM\b/i;

export const BACKEND_FAILED_CODE = 'backend-failed';

/**
 * Breaks a backend on purpose (the failBackend test hook, ./test-hooks.ts):
 * asked at every step report with the backend in use; a reason fails the
 * attempt as if that backend's device were lost.
 */
export type BackendFault = (backend: string, step: RunStep) => string | null;

export interface FallbackDeps {
  /** Picks and starts a tfjs backend; without it the run uses whatever tfjs has. */
  initBackend?: (preferred?: Backend) => Promise<BackendStart>;
  /** Why the running backend broke (e.g. "WebGPU device lost: ..."), or null while it is healthy. */
  backendLost?: () => string | null;
  /** Where trained models are kept between runs; undefined when reuse is off. */
  modelStore?: KeptModelStore;
  fault?: BackendFault;
}

export type FallbackCallbacks = Pick<RunCallbacks, 'onStep' | 'onEpoch' | 'onBackend' | 'signal'>;

interface BackendFailure {
  backend: string;
  reason: string;
}

/**
 * runAttribution, again on the next backend each time the backend breaks; a
 * run that succeeds after falling back says so in its notes ("Training fell
 * back from webgpu: ...").
 */
export async function runWithFallback(
  table: EventTable | null,
  settings: RunSettings,
  callbacks: FallbackCallbacks,
  options: RunOptions,
  deps: FallbackDeps,
): Promise<JobResult<RunOutput>> {
  const failures: BackendFailure[] = [];
  for (;;) {
    const attempt = attemptStore(deps.modelStore, failures.length > 0);
    let current: string | null = null;
    let simulated: string | null = null;
    const { initBackend } = deps;
    const result = await runAttribution(
      table,
      settings,
      {
        signal: callbacks.signal,
        initBackend: initBackend ? (preferred) => startBackend(initBackend, preferred, failures) : undefined,
        onStep: (step, done, total, detail) => {
          const fault = current !== null && simulated === null ? (deps.fault?.(current, step) ?? null) : null;
          if (fault !== null) {
            simulated = fault;
            throw new Error(fault);
          }
          callbacks.onStep?.(step, done, total, detail);
        },
        onEpoch: callbacks.onEpoch,
        onBackend: (backend, detail) => {
          current = backend;
          callbacks.onBackend?.(backend, detail);
        },
        modelStore: attempt.store,
      },
      options,
    );
    if (result.ok) {
      for (const f of failures) result.run.notes.push(`Training fell back from ${f.backend}: ${f.reason}.`);
      return { ok: true, value: result.run };
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
}

/**
 * The first try takes the user's choice (or the best); after a failure, the
 * backends below every failed one, in ladder order, so a fallback never
 * climbs back to a slower software GPU adapter.
 */
async function startBackend(
  init: (preferred?: Backend) => Promise<BackendStart>,
  preferred: Backend | undefined,
  failures: BackendFailure[],
): Promise<BackendStart> {
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

function nextBackends(failures: BackendFailure[]): Backend[] {
  const lowest = Math.max(...failures.map((f) => BACKEND_ORDER.indexOf(f.backend as Backend)));
  return BACKEND_ORDER.slice(lowest + 1);
}

function everyBackendFailed(failures: BackendFailure[]): string {
  const list = failures.map((f) => `${f.backend}: ${f.reason}`).join('; ');
  return `Training failed on every backend left to try (${list}). Try fewer campaigns, shorter journeys or a smaller batch size.`;
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
