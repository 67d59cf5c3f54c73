import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { methodColour } from '../../core/methods';
import type { JobProgress, PipelineStep, RunResults } from '../../shared/protocol';
import { formatNumber, formatPercent } from '../format';
import { ChartTable } from './ChartTable';
import { overallShare, stepLabel, type RunProgress } from '../run-progress';
import type { BackendInUse, LossPoint } from '../state/run-reducer';
import type { AsyncStatus } from '../status';
import { ErrorView } from './ErrorView';

interface Props {
  status: AsyncStatus<RunResults, JobProgress>;
  steps: readonly PipelineStep[];
  progress: RunProgress;
  losses: readonly LossPoint[];
  backend: BackendInUse | null;
  canRun: boolean;
  onRun: () => void;
  onCancel: () => void;
}

export function RunPanel({ status, steps, progress, losses, backend, canRun, onRun, onCancel }: Props) {
  const runningNow = status.state === 'running';
  const share = overallShare(progress, steps);
  const showProgress = status.state !== 'idle';
  return (
    <section className="panel" aria-labelledby="run-title">
      <div className="run-head">
        <h2 id="run-title">Compare attribution models</h2>
        <div className="run-actions">
          <button type="button" className="button" data-testid="run" disabled={!canRun || runningNow} onClick={onRun}>
            {status.state === 'done' ? 'Run again' : 'Run'}
          </button>
          <button type="button" className="button button--secondary" data-testid="cancel" disabled={!runningNow} onClick={onCancel}>
            Cancel
          </button>
        </div>
        <p className="run-status" data-testid="status" data-state={status.state} aria-live="polite">
          {status.state === 'idle' && 'Ready to run.'}
          {status.state === 'running' && `Running… ${formatPercent(share)}`}
          {status.state === 'done' && 'Finished.'}
          {status.state === 'failed' && (status.error.name === 'AbortError' ? 'Cancelled.' : 'The run failed.')}
        </p>
        <p className="muted" data-testid="backend-in-use" data-backend={backend?.name ?? ''}>
          Compute backend: {backend ? (backend.detail ?? backend.name) : 'chosen when the first model trains'}
        </p>
      </div>
      {status.state === 'failed' && status.error.name !== 'AbortError' && <ErrorView error={status.error} />}
      {showProgress && (
        <details className="fold" data-testid="run-details" open={runningNow || undefined}>
          <summary>Steps, timings and training curves</summary>
          <div className="run-progress">
            <div className="step-row step-row--total" data-testid="progress" data-share={share.toFixed(4)}>
              <span className="step-label">Whole run</span>
              <progress max={1} value={share} aria-label="Whole run" />
              <span className="step-detail">{formatPercent(share)}</span>
            </div>
            {steps.map((s) => {
              const st = progress[s];
              const stepShare = st && st.total > 0 ? Math.min(1, st.done / st.total) : 0;
              return (
                <div className="step-row" key={s} data-testid={`progress-${s}`} data-share={stepShare.toFixed(4)}>
                  <span className="step-label">{stepLabel(s)}</span>
                  <progress max={1} value={stepShare} aria-label={stepLabel(s)} />
                  <span className="step-detail">{st?.detail ?? (stepShare >= 1 ? 'done' : '')}</span>
                </div>
              );
            })}
          </div>
          {status.state === 'done' && status.value.timings && (
            <p className="muted" data-testid="step-timings">
              Seconds per step:{' '}
              {Object.entries(status.value.timings)
                .map(([step, t]) => `${stepLabel(step as PipelineStep)} ${formatNumber(t ?? 0, 1)}`)
                .join(', ')}
              .
            </p>
          )}
          {losses.length > 0 && <LossChart losses={losses} />}
        </details>
      )}
    </section>
  );
}

function LossChart({ losses }: { losses: readonly LossPoint[] }) {
  const models = [...new Set(losses.map((l) => l.model))];
  const epochs = Math.max(...losses.map((l) => l.epoch));
  const data = Array.from({ length: epochs }, (_, i) => {
    const row: Record<string, number> = { epoch: i + 1 };
    for (const l of losses) {
      if (l.epoch !== i + 1) continue;
      row[`${l.model} train`] = l.trainLoss;
      if (Number.isFinite(l.validationLoss)) row[`${l.model} validation`] = l.validationLoss;
    }
    return row;
  });
  return (
    <figure className="chart" data-testid="loss-chart" data-points={losses.length}>
      <figcaption>Loss per epoch (solid: training, dashed: validation)</figcaption>
      <ResponsiveContainer width="100%" height={240}>
        <LineChart data={data} margin={{ top: 8, right: 24, bottom: 20, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="epoch" allowDecimals={false} label={{ value: 'epoch', position: 'insideBottom', offset: -10 }} />
          <YAxis width={56} domain={['auto', 'auto']} tickFormatter={(v: number) => formatNumber(v, 2)} />
          <Tooltip formatter={(v) => formatNumber(Number(v), 4)} />
          <Legend verticalAlign="top" />
          {models.flatMap((m, i) => [
            <Line key={`${m}-t`} dataKey={`${m} train`} stroke={methodColour(m, i)} isAnimationActive={false} dot />,
            <Line
              key={`${m}-v`}
              dataKey={`${m} validation`}
              stroke={methodColour(m, i)}
              strokeDasharray="5 4"
              isAnimationActive={false}
              dot
            />,
          ])}
        </LineChart>
      </ResponsiveContainer>
      <ChartTable
        caption="Loss per epoch"
        columns={['Epoch', ...models.flatMap((m) => [`${m} training`, `${m} validation`])]}
        rows={data.map((row) => [String(row.epoch), ...models.flatMap((m) => [row[`${m} train`] ?? Number.NaN, row[`${m} validation`] ?? Number.NaN])])}
        format={(v) => formatNumber(v, 4)}
        testId="loss-table"
      />
    </figure>
  );
}
