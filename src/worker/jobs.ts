/**
 * The jobs running in one worker, each with its own AbortController, so that
 * `cancel(jobId)` from the bridge reaches the right one.
 */
import { CANCELLED, toWorkerError, type JobResult } from '../shared/protocol';

export interface Jobs {
  /** Aborts a running job; a finished or unknown job is ignored. */
  cancel(jobId: number): void;
  /**
   * Runs `work` as job `jobId`. Whatever it throws comes back as a plain
   * error, or as cancelled once the job was aborted.
   */
  run<T>(jobId: number, work: (signal: AbortSignal) => Promise<JobResult<T>>): Promise<JobResult<T>>;
}

export function createJobs(): Jobs {
  const running = new Map<number, AbortController>();
  return {
    cancel(jobId) {
      running.get(jobId)?.abort();
    },
    async run(jobId, work) {
      // Registered before the first await, so a cancel sent right after the call finds it.
      const controller = new AbortController();
      running.set(jobId, controller);
      try {
        return await work(controller.signal);
      } catch (err) {
        return { ok: false, error: controller.signal.aborted ? CANCELLED : toWorkerError(err) };
      } finally {
        running.delete(jobId);
      }
    },
  };
}
