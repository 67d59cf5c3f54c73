/**
 * Progress callbacks cross the worker boundary as messages; a parser reporting
 * every chunk would flood the UI thread. Keep at most one call per interval,
 * always let the first and the final (done >= total) call through.
 */
export function throttleProgress<P extends { done: number; total: number }>(
  send: (p: P) => void,
  intervalMs = 100,
  now: () => number = () => Date.now(),
): (p: P) => void {
  let last = -Infinity;
  return (p) => {
    const t = now();
    const final = p.total > 0 && p.done >= p.total;
    if (!final && t - last < intervalMs) return;
    last = t;
    send(p);
  };
}
