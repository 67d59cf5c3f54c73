/**
 * Ties this worker's life to things the page can watch: one end of a channel
 * (the browser closes it with the worker; Node and some browsers tell the
 * other end) and a Web Lock, which the browser releases when the worker dies,
 * however it dies. See AttributionBridge for the page's side.
 */
export interface Lifeline {
  /** Resolves once the lock is held, so the page can queue its own request behind it. */
  hold(port: unknown, lockName?: string): Promise<void>;
  /** Closes the port, as the worker's end closing would (the crash test hook). */
  cut(): void;
}

export function createLifeline(): Lifeline {
  /** Kept so the bridge's end of it closes when this worker dies. */
  let port: unknown;
  return {
    async hold(given, lockName) {
      port = given;
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
    cut() {
      (port as { close?: () => void } | undefined)?.close?.();
    },
  };
}
