import type { WorkerError } from '../../shared/protocol';
import { nextStep } from '../errors';

export function ErrorView({ error, onDismiss }: { error: WorkerError; onDismiss?: () => void }) {
  return (
    <section className="panel panel--error" role="alert" data-testid="error" data-code={error.code ?? error.name}>
      <p className="error__message">{error.message}</p>
      <p className="error__next">{nextStep(error)}</p>
      {onDismiss && (
        <button type="button" className="button button--secondary" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </section>
  );
}
