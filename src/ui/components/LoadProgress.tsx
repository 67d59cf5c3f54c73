import type { JobProgress } from '../../shared/protocol';
import { formatBytes, formatCount } from '../format';

export function LoadProgress({ label, progress, onCancel }: { label: string; progress: JobProgress | null; onCancel: () => void }) {
  const total = progress?.total ?? 0;
  const done = progress?.done ?? 0;
  return (
    <section className="panel" data-testid="progress" data-done={done} data-total={total} aria-live="polite">
      <div className="progress-row">
        <label className="progress-label" htmlFor="load-progress">
          {label}
        </label>
        <progress id="load-progress" max={total || 1} value={total ? done : undefined} />
        <button type="button" className="button button--secondary" data-testid="cancel-load" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <p className="muted">
        {total ? `${formatBytes(done)} of ${formatBytes(total)}` : 'Starting…'}
        {progress?.rows !== undefined ? ` · ${formatCount(progress.rows)} rows` : ''}
      </p>
    </section>
  );
}
