/**
 * Failures on demand for the e2e tests: a backend that breaks during training,
 * a worker that dies, and a load slowed down so that it can be cancelled
 * mid-way whatever the machine's speed. The hooks stay off unless turned on: the bridge does
 * so only on pages opened with `?test-hooks` (the worker cannot see the
 * page's address), unit tests through WorkerDeps.
 */
import type { Backend } from '../core/settings';
import type { BackendFault } from './fallback';

export type CrashKind = 'close' | 'error';

export interface TestHooks {
  enable(): void;
  /** Training on `backend` fails as if its device were lost; null clears it. False while the hooks are off. */
  setFailBackend(backend: Backend | null): boolean;
  /** The worker dies as a crash would kill it. False while the hooks are off or nothing can kill it. */
  crash(kind: CrashKind): boolean;
  /** Each chunk a load reads waits `ms` first (0 clears it). False while the hooks are off. */
  setLoadDelay(ms: number): boolean;
  /** The wait per chunk a load starting now takes: 0 while the hooks are off or none was set. */
  loadDelayMs(): number;
  /** The fault a run asks at every step: fails the first step of a trained model on the failing backend. */
  backendFault(models: readonly string[]): BackendFault;
}

/**
 * `kill` stops the worker the way a crash would ('close': it closes itself;
 * 'error': an uncaught error); `cutLifeline` closes the page's channel first,
 * as the worker closing would.
 */
export function createTestHooks(enabled: boolean, kill: ((kind: CrashKind) => void) | undefined, cutLifeline: () => void): TestHooks {
  let on = enabled;
  let failBackend: Backend | null = null;
  let loadDelay = 0;
  return {
    enable() {
      on = true;
    },
    setFailBackend(backend) {
      if (!on) return false;
      failBackend = backend;
      return true;
    },
    setLoadDelay(ms) {
      if (!on) return false;
      loadDelay = Math.max(0, ms);
      return true;
    },
    loadDelayMs: () => (on ? loadDelay : 0),
    crash(kind) {
      if (!on || !kill) return false;
      if (kind === 'close') cutLifeline();
      kill(kind);
      return true;
    },
    // Read at each step, not when the run starts: the page may set the hook while a run is under way.
    backendFault: (models) => (backend, step) =>
      on && backend === failBackend && models.includes(step) ? `${backend} device lost (simulated by the failBackend test hook)` : null,
  };
}
