import { useEffect, useRef, useState } from 'react';
import { methodLabel } from '../../core/methods';
import type { Recommendation, RecommendationOptions, Sweep } from '../../core/simulate';
import type { JobResult } from '../../shared/protocol';
import { toCsv } from '../../shared/csv';
import { downloadText } from '../download';
import { formatCount, formatPercent } from '../format';
import { IDLE, done, failed, running, type AsyncStatus } from '../status';
import { ErrorView } from './ErrorView';

interface Props {
  sweep: Sweep;
  onRecommend: (options: RecommendationOptions) => Promise<JobResult<Recommendation>>;
}

/** Money keeps cents; impressions are whole. */
const amount = (v: number, unit: Sweep['unit']) =>
  unit === 'money' ? v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : formatCount(v);

export function RecommendationView({ sweep, onRecommend }: Props) {
  const models = sweep.models.filter((m) => m.model !== 'uniform');
  const preferred = models.find((m) => m.model === 'attention') ?? models[0];
  const [model, setModel] = useState(preferred?.model ?? '');
  const chosen = models.find((m) => m.model === model) ?? preferred;
  const [pitch, setPitch] = useState<number>(chosen?.best.pitch ?? 1);
  const [maxChange, setMaxChange] = useState('');
  const [floors, setFloors] = useState<Record<string, string>>({});
  const [ceilings, setCeilings] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<AsyncStatus<Recommendation, null>>(IDLE);
  const latest = useRef(0);

  async function compute(next: { model: string; pitch: number }) {
    const ticket = ++latest.current;
    const limits = (texts: Record<string, string>) => {
      const out: Record<string, number> = {};
      for (const [id, t] of Object.entries(texts)) if (t.trim() !== '' && Number.isFinite(Number(t))) out[id] = Number(t);
      return Object.keys(out).length ? out : undefined;
    };
    const change = maxChange.trim() === '' ? undefined : Number(maxChange) / 100;
    setStatus(running(null));
    const result = await onRecommend({
      model: next.model,
      pitch: next.pitch,
      budget: sweep.budget,
      unit: sweep.unit,
      floor: limits(floors),
      ceiling: limits(ceilings),
      maxChange: change,
    });
    if (ticket !== latest.current) return;
    setStatus(result.ok ? done(result.value) : failed(result.error));
  }

  // A new sweep (budget or unit) or another model: recompute at that model's best pitch.
  useEffect(() => {
    if (!chosen) return;
    setPitch(chosen.best.pitch);
    void compute({ model: chosen.model, pitch: chosen.best.pitch });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sweep, model]);

  if (!chosen) return null;
  const rec = status.state === 'done' ? status.value : null;

  function exportCsv() {
    if (!rec) return;
    const rows = rec.campaigns.map((c) => [c.campaign, c.weight, c.current, c.recommended, c.change, c.share, c.limit ?? '']);
    downloadText(
      toCsv(['campaign', 'weight', `current_${rec.unit}`, `recommended_${rec.unit}`, 'change', 'share', 'limit'], rows),
      `allocation-${rec.model}-pitch-${rec.pitch}.csv`,
      'text/csv',
    );
  }

  return (
    <section className="panel" aria-labelledby="rec-title">
      <h2 id="rec-title">Recommended budget per campaign</h2>
      <form
        className="chart-controls"
        onSubmit={(e) => {
          e.preventDefault();
          void compute({ model: chosen.model, pitch });
        }}
      >
        <label>
          Model{' '}
          <select data-testid="rec-model" value={chosen.model} onChange={(e) => setModel(e.target.value)}>
            {models.map((m) => (
              <option key={m.model} value={m.model}>
                {methodLabel(m.model)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Pitch{' '}
          <select data-testid="rec-pitch" value={pitch} onChange={(e) => setPitch(Number(e.target.value))}>
            {chosen.results.map((r) => (
              <option key={r.pitch} value={r.pitch}>
                {r.pitch}
                {r.pitch === chosen.best.pitch ? ' (best)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Largest change against today (%){' '}
          <input data-testid="rec-max-change" type="number" min={0} step="any" size={6} value={maxChange} placeholder="none" onChange={(e) => setMaxChange(e.target.value)} />
        </label>
        <button type="submit" className="button button--small" data-testid="rec-apply" disabled={status.state === 'running'}>
          Apply limits and replay
        </button>
        <button type="button" className="button button--small button--secondary" data-testid="export-allocation" disabled={!rec} onClick={exportCsv}>
          Export CSV
        </button>
      </form>
      {status.state === 'failed' && <ErrorView error={status.error} />}
      {rec && (
        <>
          <p data-testid="rec-outcome" data-conversions={rec.conversions} data-current-conversions={rec.currentConversions}>
            With {methodLabel(rec.model)} at pitch {rec.pitch}, the replay keeps <strong>{formatCount(rec.conversions)}</strong> converted journeys;
            spending like today keeps {formatCount(rec.currentConversions)}. Today&apos;s split is each campaign&apos;s share of the replayed{' '}
            {rec.unit === 'money' ? 'cost' : 'impressions'}, scaled to the same budget.
          </p>
          <div className="table-scroll table-scroll--tall">
            <table className="table" data-testid="recommendation" data-model={rec.model} data-pitch={rec.pitch}>
              <thead>
                <tr>
                  <th scope="col">Campaign</th>
                  <th scope="col" className="num-col">Today</th>
                  <th scope="col" className="num-col">Recommended</th>
                  <th scope="col" className="num-col">Change</th>
                  <th scope="col" className="num-col">Share</th>
                  <th scope="col">Held by</th>
                  <th scope="col">Floor</th>
                  <th scope="col">Ceiling</th>
                </tr>
              </thead>
              <tbody>
                {rec.campaigns.map((c) => (
                  <tr key={c.campaign} data-campaign={c.campaign} data-recommended={c.recommended}>
                    <th scope="row">{c.campaign}</th>
                    <td className="num-col">{amount(c.current, rec.unit)}</td>
                    <td className="num-col">{amount(c.recommended, rec.unit)}</td>
                    <td className={`num-col ${c.change < 0 ? 'down' : c.change > 0 ? 'up' : ''}`}>
                      {c.change > 0 ? '+' : ''}
                      {amount(c.change, rec.unit)}
                    </td>
                    <td className="num-col">{formatPercent(c.share)}</td>
                    <td>{c.limit ?? ''}</td>
                    <td>
                      <input
                        className="limit-input"
                        type="number"
                        min={0}
                        step="any"
                        aria-label={`Floor for campaign ${c.campaign}`}
                        value={floors[c.campaign] ?? ''}
                        onChange={(e) => setFloors({ ...floors, [c.campaign]: e.target.value })}
                      />
                    </td>
                    <td>
                      <input
                        className="limit-input"
                        type="number"
                        min={0}
                        step="any"
                        aria-label={`Ceiling for campaign ${c.campaign}`}
                        value={ceilings[c.campaign] ?? ''}
                        onChange={(e) => setCeilings({ ...ceilings, [c.campaign]: e.target.value })}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
