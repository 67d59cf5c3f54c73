import { campaignName, type CampaignLabels } from '../../core/channels';
import { useMemo, useRef, useState, type FormEvent } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  type YAxisTickContentProps,
} from 'recharts';
import { isTotalsMethod, methodColour, methodLabel, orderMethods } from '../../core/methods';
import type { RunResults } from '../../shared/protocol';
import { asShares, pearson, spearman } from '../../shared/stats';
import { formatCount, formatNumber, formatPercent } from '../format';
import { ChartActions } from './ChartActions';
import { ChartTable } from './ChartTable';

const WINDOW = 15;
/** Shown side by side until the user picks others: the article's three, plus the planted truth on demo data. */
const SHOWN_FIRST = ['lta', 'logreg', 'attention', 'truth'];

type SortKey = 'campaign' | 'impressions' | string;

export function WeightsView({ results, labels = null }: { results: RunResults; labels?: CampaignLabels | null }) {
  const ids = results.campaignIds;
  const all = useMemo(() => {
    const byModel: Record<string, Record<string, number>> = {};
    // Raw regression coefficients are not shares: in the export, not in the chart.
    for (const [m, w] of Object.entries(results.weights)) if (!m.endsWith('_raw')) byModel[m] = w;
    if (results.truth) byModel.truth = results.truth;
    return byModel;
  }, [results]);
  const available = useMemo(() => orderMethods(Object.keys(all)), [all]);
  const [shown, setShown] = useState<string[]>(() => available.filter((m) => SHOWN_FIRST.includes(m)));
  const series = useMemo(
    () => available.filter((m) => shown.includes(m)).map((m) => ({ model: m, shares: asShares(ids, all[m]) })),
    [available, shown, all, ids],
  );
  const closest = useMemo(() => truthRanking(results, available), [results, available]);

  const [sortKey, setSortKey] = useState<SortKey>(series[0]?.model ?? 'campaign');
  const [start, setStart] = useState(0);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<string | null>(null);
  const chartRef = useRef<HTMLDivElement>(null);
  const scatterRef = useRef<HTMLDivElement>(null);

  const order = useMemo(() => {
    const idx = ids.map((_, i) => i);
    // A hidden model cannot order the chart: the first one shown does instead.
    const key = series.find((s) => s.model === sortKey) ?? (sortKey === 'impressions' || sortKey === 'campaign' ? undefined : series[0]);
    if (key) idx.sort((a, b) => key.shares[b] - key.shares[a] || a - b);
    else if (sortKey === 'impressions') idx.sort((a, b) => results.impressions[b] - results.impressions[a] || a - b);
    else idx.sort((a, b) => ids[a].localeCompare(ids[b], 'en', { numeric: true }));
    return idx;
  }, [ids, series, sortKey, results.impressions]);

  const windowStart = Math.min(start, Math.max(0, order.length - WINDOW));
  const data = order.slice(windowStart, windowStart + WINDOW).map((i) => {
    const row: Record<string, string | number> = { campaign: ids[i] };
    for (const s of series) row[s.model] = s.shares[i];
    return row;
  });

  function find(event: FormEvent) {
    event.preventDefault();
    const q = query.trim();
    const at = order.findIndex((i) => ids[i] === q);
    const loose = at >= 0 ? at : order.findIndex((i) => ids[i].includes(q));
    if (!q || loose < 0) {
      setFound(null);
      return;
    }
    setFound(ids[order[loose]]);
    setStart(Math.max(0, loose - Math.floor(WINDOW / 2)));
  }

  const x = series.find((s) => s.model === 'lta');
  const y = series.find((s) => s.model === 'attention') ?? series.find((s) => s.model === 'logreg');
  const correlation = x && y ? pearson(x.shares, y.shares) : Number.NaN;
  const points = x && y ? ids.map((id, i) => ({ campaign: id, x: x.shares[i], y: y.shares[i] })) : [];

  return (
    <div className="summary-grid">
      <figure className="chart">
        <figcaption>
          Attribution weight per campaign, as a share of each model's total{' '}
          <ChartActions target={chartRef} name="weights" />
        </figcaption>
        <fieldset className="chart-controls inline-fieldset" data-testid="weights-models">
          <legend>Models side by side</legend>
          {available.map((m) => (
            <label key={m} className="check">
              <input
                type="checkbox"
                data-testid={`weights-model-${m}`}
                checked={shown.includes(m)}
                onChange={(e) => setShown(e.target.checked ? [...shown, m] : shown.filter((k) => k !== m))}
              />
              {methodLabel(m)}
            </label>
          ))}
        </fieldset>
        {closest.length > 0 && (
          <p className="muted" data-testid="truth-ranking" data-models={closest.map((c) => c.model).join(',')}>
            Closest to the planted truth (Spearman rank correlation with its loss per impression; totals such as Markov and Shapley
            are divided by the campaign's impressions first):{' '}
            {closest.map((c, i) => (
              <span key={c.model} data-model={c.model} data-value={c.rho}>
                {i > 0 && ' · '}
                {methodLabel(c.model)} {Number.isFinite(c.rho) ? formatNumber(c.rho, 2) : 'n/a'}
              </span>
            ))}
          </p>
        )}
        <div className="chart-controls">
          <label>
            Sort by{' '}
            <select data-testid="weights-sort" value={sortKey} onChange={(e) => { setSortKey(e.target.value); setStart(0); }}>
              {series.map((s) => (
                <option key={s.model} value={s.model}>{methodLabel(s.model)} weight</option>
              ))}
              <option value="impressions">impressions</option>
              <option value="campaign">campaign id</option>
            </select>
          </label>
          <form onSubmit={find} className="inline-form">
            <label>
              Find campaign{' '}
              <input data-testid="weights-search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="id" size={10} />
            </label>
            <button type="submit" className="button button--small" data-testid="weights-find">Find</button>
          </form>
          <button type="button" className="button button--small button--secondary" data-testid="weights-prev" disabled={windowStart === 0} onClick={() => setStart(Math.max(0, windowStart - WINDOW))}>
            ◀ Previous
          </button>
          <span className="muted">
            {formatCount(windowStart + 1)}–{formatCount(Math.min(order.length, windowStart + WINDOW))} of {formatCount(order.length)}
          </span>
          <button type="button" className="button button--small button--secondary" data-testid="weights-next" disabled={windowStart + WINDOW >= order.length} onClick={() => setStart(windowStart + WINDOW)}>
            Next ▶
          </button>
        </div>
        <div ref={chartRef} data-testid="weights-chart" data-campaigns={ids.length} data-window-start={windowStart} data-found={found ?? ''} data-models={series.map((s) => s.model).join(',')}>
          <ResponsiveContainer width="100%" height={Math.max(260, data.length * 30 + 60)}>
            <BarChart data={data} layout="vertical" margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" horizontal={false} />
              <XAxis type="number" tickFormatter={(v: number) => formatPercent(v)} />
              <YAxis
                type="category"
                dataKey="campaign"
                width={110}
                interval={0}
                tick={(props: YAxisTickContentProps) => {
                  const id = String(props.payload.value);
                  const hit = id === found;
                  return (
                    <text x={props.x} y={props.y} dy={4} textAnchor="end" fontSize={12} fontWeight={hit ? 700 : 400} fill={hit ? '#000' : '#333'}>
                      {hit ? `▶ ${campaignName(labels, id)}` : campaignName(labels, id)}
                    </text>
                  );
                }}
              />
              <Tooltip formatter={(v, n) => [formatPercent(Number(v)), methodLabel(String(n))]} />
              <Legend formatter={(v) => methodLabel(String(v))} />
              {series.map((s) => (
                <Bar key={s.model} dataKey={s.model} fill={methodColour(s.model)} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
        <ChartTable
          caption="Share of the credit per campaign and method, in the chart's order"
          columns={['Campaign', ...series.map((s) => methodLabel(s.model))]}
          rows={order.map((i) => [campaignName(labels, ids[i]), ...series.map((s) => s.shares[i])])}
          format={formatPercent}
          testId="weights-table"
        />
      </figure>
      {points.length > 0 && x && y && (
        <figure className="chart">
          <figcaption>
            {methodLabel(y.model)} against last-touch, one dot per campaign <ChartActions target={scatterRef} name="weights-scatter" />
          </figcaption>
          <p className="muted" data-testid="weights-correlation" data-value={correlation}>
            Correlation (Pearson): {Number.isFinite(correlation) ? formatNumber(correlation, 3) : 'not defined'}
          </p>
          <div ref={scatterRef} data-testid="weights-scatter" data-correlation={correlation}>
            <ResponsiveContainer width="100%" height={300}>
              <ScatterChart margin={{ top: 8, right: 24, bottom: 24, left: 8 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis type="number" dataKey="x" name="last-touch" tickFormatter={(v: number) => formatPercent(v)} label={{ value: 'last-touch share', position: 'insideBottom', offset: -12 }} />
                <YAxis type="number" dataKey="y" name={methodLabel(y.model)} tickFormatter={(v: number) => formatPercent(v)} width={64} />
                <Tooltip formatter={(v) => formatPercent(Number(v))} />
                <Scatter data={points} fill={methodColour(y.model)} isAnimationActive={false} />
              </ScatterChart>
            </ResponsiveContainer>
          </div>
          <ChartTable
            caption={`${methodLabel(y.model)} against last-touch per campaign`}
            columns={['Campaign', 'last-touch share', `${methodLabel(y.model)} share`]}
            rows={points.map((p) => [campaignName(labels, p.campaign), p.x, p.y])}
            format={formatPercent}
            testId="weights-scatter-table"
          />
        </figure>
      )}
    </div>
  );
}

/**
 * Spearman correlation of each model's weights with the planted loss per
 * impression, best first. Ranks, not values: models put weights on different
 * scales. Totals over journeys (Markov, Shapley, removal) grow with a
 * campaign's reach, so they are compared per impression like the truth.
 */
function truthRanking(results: RunResults, models: readonly string[]): { model: string; rho: number }[] {
  const truth = results.truth;
  if (!truth) return [];
  const ids = results.campaignIds;
  const target = ids.map((id) => truth[id] ?? 0);
  return models
    .filter((m) => m !== 'truth')
    .map((m) => {
      const w = results.weights[m] ?? {};
      const values = ids.map((id, i) => {
        const v = w[id] ?? 0;
        return isTotalsMethod(m) ? (results.impressions[i] > 0 ? v / results.impressions[i] : 0) : v;
      });
      return { model: m, rho: spearman(values, target) };
    })
    .sort((a, b) => (Number.isFinite(b.rho) ? b.rho : -2) - (Number.isFinite(a.rho) ? a.rho : -2));
}
