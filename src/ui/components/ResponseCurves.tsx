import { useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CampaignLabels } from '../../core/channels';
import { toCsv } from '../../shared/csv';
import type { DefendedRecommendation, JobProgress, JobResult, ResponseCurves, ResponseGroupRequest } from '../../shared/protocol';
import { isCancelled } from '../../shared/protocol';
import { formatAmount, responseGroups, type Level } from '../answer';
import type { JobOptions } from '../bridge';
import { downloadText } from '../download';
import { formatCount, formatNumber } from '../format';
import { PALETTE } from '../palette';
import { ChartActions } from './ChartActions';
import { ChartTable } from './ChartTable';

export type DrawCurves = (groups: ResponseGroupRequest[], options: JobOptions) => Promise<JobResult<ResponseCurves>>;

interface Props {
  rec: DefendedRecommendation;
  labels: CampaignLabels | null;
  level: Level;
  onCurves: DrawCurves;
  /** Told the curves once drawn (null when they are judged again), for the report. */
  onDrawn?: (curves: ResponseCurves | null) => void;
}

type Status =
  | { state: 'idle' }
  | { state: 'running'; progress: JobProgress | null }
  | { state: 'cancelled' }
  | { state: 'failed'; message: string }
  | { state: 'done'; value: ResponseCurves };

const COLOURS = [PALETTE.blue, PALETTE.orange, PALETTE.green, PALETTE.vermillion, PALETTE.sky, PALETTE.purple, PALETTE.black, PALETTE.yellow];

/** The points as a spreadsheet reads them: one row per group and multiple. */
export function responseCsv(curves: ResponseCurves): string {
  return toCsv(
    ['group', 'multiple of today', `budget (${curves.unit})`, 'incremental expected conversions'],
    curves.curves.flatMap((c) => c.points.map((p) => [c.label, p.multiple, p.amount, p.incremental])),
  );
}

/**
 * Response curves (issue 14): per channel, or per campaign with the largest
 * budgets today, the expected incremental conversions as its budget goes
 * from zero to twice today's while the rest stays at today's. Judged only
 * once the section is opened, like the what-if; a closed section costs the
 * worker nothing.
 */
export function ResponseCurvesView({ rec, labels, level, onCurves, onDrawn }: Props) {
  const [open, setOpen] = useState(false);
  const [status, setStatus] = useState<Status>({ state: 'idle' });
  const [attempt, setAttempt] = useState(0);
  const abort = useRef<AbortController | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  const groups = useMemo(() => responseGroups(rec, labels, level), [rec, labels, level]);
  const groupsKey = JSON.stringify(groups);

  useEffect(() => {
    if (!open) return;
    const controller = new AbortController();
    abort.current = controller;
    setStatus({ state: 'running', progress: null });
    onDrawn?.(null);
    void onCurves(groups, { signal: controller.signal, onProgress: (progress) => setStatus({ state: 'running', progress }) }).then((r) => {
      if (abort.current !== controller) return;
      abort.current = null;
      if (r.ok) {
        setStatus({ state: 'done', value: r.value });
        onDrawn?.(r.value);
      }
      else setStatus(isCancelled(r.error) ? { state: 'cancelled' } : { state: 'failed', message: r.error.message });
    });
    return () => {
      if (abort.current === controller) abort.current = null;
      controller.abort();
    };
    // `groups` is followed through its key: the same groups again are no reason to judge again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, groupsKey, onCurves, attempt]);

  const what = level === 'channel' ? 'channel' : `campaign (the ${groups.length} with the largest budgets today)`;
  return (
    <details className="fold response" data-testid="response-curves" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>Response curves: expected incremental conversions from no budget to twice today&apos;s</summary>
      <p className="muted">
        One curve per {what}: its budget goes from nothing to twice today&apos;s ({level === 'channel' ? 'its campaigns keeping today\u2019s split, ' : ''}every
        other campaign at today&apos;s), judged by the attention model on the same {formatCount(rec.journeys.test)} held-out journeys as the answer. Each point is
        the expected conversions minus those with that budget at zero; a curve that flattens shows diminishing returns.
      </p>
      {status.state === 'running' && (
        <div className="progress-row" role="status" data-testid="response-progress">
          <progress aria-label="Response curves judged" max={status.progress?.total || 1} value={status.progress ? status.progress.done : undefined} />
          <span className="muted">{status.progress?.detail ?? 'Starting…'}</span>
          <button type="button" className="button button--small button--secondary" data-testid="response-cancel" onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        </div>
      )}
      {(status.state === 'cancelled' || status.state === 'failed') && (
        <p role="status" data-testid="response-stopped">
          <span className={status.state === 'failed' ? 'form-problem' : 'muted'}>{status.state === 'failed' ? status.message : 'Cancelled.'}</span>{' '}
          <button type="button" className="button button--small button--secondary" data-testid="response-again" onClick={() => setAttempt((a) => a + 1)}>
            Judge again
          </button>
        </p>
      )}
      {status.state === 'done' && <Chart curves={status.value} target={ref} level={level} />}
    </details>
  );
}

function Chart({ curves, target, level }: { curves: ResponseCurves; target: RefObject<HTMLDivElement | null>; level: Level }) {
  const list = curves.curves;
  const multiples = list[0]?.points.map((p) => p.multiple) ?? [];
  const data = multiples.map((multiple, i) => {
    const row: Record<string, number> = { multiple };
    list.forEach((c, g) => (row[`g${g}`] = c.points[i].incremental));
    return row;
  });
  const unit = curves.unit;
  return (
    <figure className="chart">
      <figcaption>
        Expected incremental conversions against the budget, as a multiple of today&apos;s <ChartActions target={target} name="response-curves" />{' '}
        <button
          type="button"
          className="button button--small button--secondary"
          data-testid="response-csv"
          onClick={() => downloadText(responseCsv(curves), 'response-curves.csv', 'text/csv')}
        >
          CSV
        </button>
      </figcaption>
      <div ref={target} data-testid="response-chart" data-groups={list.length} data-unit={unit}>
        <ResponsiveContainer width="100%" height={320}>
          <LineChart data={data} margin={{ top: 8, right: 24, bottom: 24, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="multiple"
              type="number"
              domain={[0, 'dataMax']}
              ticks={multiples}
              tickFormatter={(v: number) => `${v}×`}
              label={{ value: "budget, × today's", position: 'insideBottom', offset: -12 }}
            />
            <YAxis width={72} tickFormatter={(v: number) => formatNumber(v, 1)} label={{ value: 'conversions added', angle: -90, position: 'insideLeft' }} />
            <Tooltip formatter={(v, n) => [formatNumber(Number(v), 2), list[Number(String(n).slice(1))]?.label ?? String(n)]} labelFormatter={(m) => `${m}× today's budget`} />
            <Legend verticalAlign="top" formatter={(v) => list[Number(String(v).slice(1))]?.label ?? String(v)} />
            {list.map((c, g) => (
              <Line
                key={c.key}
                dataKey={`g${g}`}
                stroke={COLOURS[g % COLOURS.length]}
                strokeDasharray={g >= COLOURS.length ? '6 4' : undefined}
                isAnimationActive={false}
                dot={{ r: 3 }}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <table className="table" data-testid="response-table">
        <thead>
          <tr>
            <th scope="col">{level === 'channel' ? 'Channel' : 'Campaign'}</th>
            <th scope="col" className="num-col">Today&apos;s budget</th>
            <th scope="col" className="num-col">Incremental at today&apos;s</th>
            <th scope="col" className="num-col">At twice today&apos;s</th>
          </tr>
        </thead>
        <tbody>
          {list.map((c) => {
            const at = (m: number) => c.points.find((p) => p.multiple === m)?.incremental ?? Number.NaN;
            return (
              <tr key={c.key} data-key={c.key} data-points={c.points.length} data-first={c.points[0]?.incremental} data-today={at(1)} data-double={at(2)}>
                <th scope="row">{c.label}</th>
                <td className="num-col">{formatAmount(c.today, unit)}</td>
                <td className="num-col">{formatNumber(at(1), 2)}</td>
                <td className="num-col">{formatNumber(at(2), 2)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <ChartTable
        caption="Expected incremental conversions per budget multiple"
        columns={[level === 'channel' ? 'Channel' : 'Campaign', ...multiples.map((m) => `${formatNumber(m, m % 1 ? 2 : 0)}× today's`)]}
        rows={list.map((c) => [c.label, ...c.points.map((p) => p.incremental)])}
        format={(v) => formatNumber(v, 2)}
        testId="response-points-table"
      />
    </figure>
  );
}
