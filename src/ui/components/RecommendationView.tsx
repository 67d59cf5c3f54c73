import { campaignName, channelOf, type CampaignLabels } from '../../core/channels';
import { campaignTitle } from '../answer';
import { useEffect, useRef, useState } from 'react';
import { methodLabel } from '../../core/methods';
import type { DefendedRecommendation } from '../../core/recommend';
import type { CampaignRecommendation, Recommendation, RecommendationOptions, Sweep } from '../../core/simulate';
import type { JobResult } from '../../shared/protocol';
import { toCsv } from '../../shared/csv';
import { downloadText } from '../download';
import { formatCount, formatNumber, formatPercent } from '../format';
import { IDLE, done, failed, running, type AsyncStatus } from '../status';
import { ErrorView } from './ErrorView';

interface Props {
  sweep: Sweep;
  /** The run's recommendation judged on held-out journeys (absent without the attention model, or in an older session). */
  defended?: DefendedRecommendation;
  labels?: CampaignLabels | null;
  onRecommend: (options: RecommendationOptions) => Promise<JobResult<Recommendation>>;
}

/** Money keeps cents; impressions are whole. */
const amount = (v: number, unit: Sweep['unit']) =>
  unit === 'money' ? formatNumber(v, 2) : formatCount(v);

/** The choice in the model list that shows the run's own recommendation. */
const DEFENDED = '';

const signed = (v: number) => `${v >= 0 ? '+' : '−'}${formatNumber(Math.abs(v), 1)}`;

/** The defended recommendation as the table's rows: today's split beside it, no limits. */
function defendedRows(d: DefendedRecommendation): CampaignRecommendation[] {
  return Object.keys(d.today).map((campaign) => {
    const recommended = d.allocation[campaign] ?? 0;
    const current = d.today[campaign];
    return { campaign, weight: Number.NaN, current, recommended, change: recommended - current, share: d.budget > 0 ? recommended / d.budget : 0 };
  });
}

/**
 * Opens on the recommendation the run defends (the model-judged removal
 * effect when it beats today's split on held-out journeys by more than its
 * interval, else today's split; src/core/recommend); any method at any
 * pitch, with limits, is one choice away, replayed by the article's rule and
 * labelled so.
 */
export function RecommendationView({ sweep, defended: made, labels = null, onRecommend }: Props) {
  // Made for the run's budget and unit: after a re-sweep with another budget it no longer applies.
  const defended = made && made.unit === sweep.unit && Math.abs(made.budget - sweep.budget) <= 1e-9 * sweep.budget ? made : undefined;
  const models = sweep.models.filter((m) => m.model !== 'uniform');
  const preferred = models.find((m) => m.model === 'attention') ?? models[0];
  const [model, setModel] = useState(defended ? DEFENDED : (preferred?.model ?? ''));
  const showDefended = defended !== undefined && model === DEFENDED;
  const chosen = models.find((m) => m.model === model) ?? models.find((m) => m.model === defended?.method) ?? preferred;
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
    if (!chosen || showDefended) return;
    setPitch(chosen.best.pitch);
    void compute({ model: chosen.model, pitch: chosen.best.pitch });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sweep, model]);

  if (!chosen && !defended) return null;
  const replayed = status.state === 'done' && !showDefended ? status.value : null;
  const rec = showDefended
    ? { model: defended.method, pitch: defended.pitch, unit: defended.unit, campaigns: defendedRows(defended) }
    : replayed;

  function exportCsv() {
    if (!rec) return;
    const rows = rec.campaigns.map((c) => [c.campaign, Number.isNaN(c.weight) ? '' : c.weight, c.current, c.recommended, c.change, c.share, c.limit ?? '', campaignName(labels, c.campaign), channelOf(labels, c.campaign)]);
    downloadText(
      toCsv(['campaign', 'weight', `current_${rec.unit}`, `recommended_${rec.unit}`, 'change', 'share', 'limit', 'name', 'channel'], rows),
      rec.pitch === undefined ? `allocation-${rec.model}.csv` : `allocation-${rec.model}-pitch-${rec.pitch}.csv`,
      'text/csv',
    );
  }

  return (
    <section className="panel" aria-labelledby="rec-title">
      <h2 id="rec-title">Evidence: each method's allocation per campaign</h2>
      <form
        className="chart-controls"
        onSubmit={(e) => {
          e.preventDefault();
          if (!chosen) return;
          // Limits apply to a method's allocation replayed by the article's rule: the run's own recommendation has none.
          if (showDefended) setModel(chosen.model);
          else void compute({ model: chosen.model, pitch });
        }}
      >
        <label>
          Model{' '}
          <select data-testid="rec-model" value={showDefended ? DEFENDED : chosen?.model} onChange={(e) => setModel(e.target.value)}>
            {defended && <option value={DEFENDED}>recommended: {defended.label}</option>}
            {models.map((m) => (
              <option key={m.model} value={m.model}>
                {methodLabel(m.model)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Pitch{' '}
          <select data-testid="rec-pitch" value={pitch} disabled={showDefended || !chosen} onChange={(e) => setPitch(Number(e.target.value))}>
            {chosen?.results.map((r) => (
              <option key={r.pitch} value={r.pitch}>
                {r.pitch}
                {r.pitch === chosen?.best.pitch ? ' (best)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Largest change against today (%){' '}
          <input data-testid="rec-max-change" type="number" min={0} step="any" size={6} value={maxChange} placeholder="none" onChange={(e) => setMaxChange(e.target.value)} />
        </label>
        <button type="submit" className="button button--small" data-testid="rec-apply" disabled={status.state === 'running' || !chosen}>
          Apply limits and replay
        </button>
        <button type="button" className="button button--small button--secondary" data-testid="export-allocation" disabled={!rec} onClick={exportCsv}>
          Export CSV
        </button>
      </form>
      {status.state === 'failed' && !showDefended && <ErrorView error={status.error} />}
      {made && !defended && (
        <p data-testid="rec-defended-stale">
          The recommendation judged on held-out journeys was made for a budget of {amount(made.budget, made.unit)} {made.unit}; run again to judge this budget.
        </p>
      )}
      {showDefended && (
        <div
          data-testid="rec-defended"
          data-method={defended.method}
          data-expected={defended.expected.recommended}
          data-today={defended.expected.today}
          data-low={defended.expected.interval90[0]}
          data-high={defended.expected.interval90[1]}
        >
          <p>
            <strong>
              {defended.method === 'today' ? "Keep today's split" : `Recommended: ${defended.label}${defended.pitch !== undefined ? ` at pitch ${defended.pitch}` : ''}`}
            </strong>
            . {defended.why}
          </p>
          <p>
            Expected conversions on {formatCount(defended.journeys.test)} held-out journeys, judged by the attention model: <strong>{defended.expected.recommended.toFixed(1)}</strong>{' '}
            with this split, {formatNumber(defended.expected.today, 1)} with today&apos;s; gain {signed(defended.expected.recommended - defended.expected.today)}, 90% interval{' '}
            {signed(defended.expected.interval90[0])} to {signed(defended.expected.interval90[1])}. Pitches and the searched allocation were chosen on{' '}
            {formatCount(defended.journeys.fit)} other journeys.{' '}
            {defended.rule === 'preferred'
              ? "The recommendation weighs one comparison planned before any was judged, the removal effect against today's split, with a plain 90% interval; the table's intervals hold together over every allocation compared (Bonferroni), as comparing many needs."
              : 'The intervals hold together over every allocation compared (Bonferroni), so the one picked for ranking best keeps its 90%.'}{' '}
            Today&apos;s split is each campaign&apos;s share of the prepared{' '}
            {defended.unit === 'money' ? 'cost' : 'impressions'}, scaled to the same budget.
          </p>
          <details>
            <summary>Every allocation compared</summary>
            <div className="table-scroll">
              <table className="table" data-testid="rec-candidates">
                <thead>
                  <tr>
                    <th scope="col">Allocation</th>
                    <th scope="col" className="num-col">Pitch</th>
                    <th scope="col" className="num-col">Fit journeys</th>
                    <th scope="col" className="num-col">Held-out journeys</th>
                    <th scope="col" className="num-col">Gain against today</th>
                    <th scope="col" className="num-col">90% interval</th>
                  </tr>
                </thead>
                <tbody>
                  {defended.candidates.map((c) => (
                    <tr key={c.method} data-method={c.method} data-expected={c.test}>
                      <th scope="row">{c.label}</th>
                      <td className="num-col">{c.pitch ?? ''}</td>
                      <td className="num-col">{formatNumber(c.fit, 1)}</td>
                      <td className="num-col">{c.test.toFixed(1)}</td>
                      <td className="num-col">{signed(c.gain)}</td>
                      <td className="num-col">
                        {signed(c.interval90[0])} to {signed(c.interval90[1])}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </div>
      )}
      {replayed && (
        <p data-testid="rec-outcome" data-conversions={replayed.conversions} data-current-conversions={replayed.currentConversions}>
          The article&apos;s replay (a journey counts only if every one of its impressions was bought): with {methodLabel(replayed.model)} at pitch {replayed.pitch}, it keeps{' '}
          <strong>{formatCount(replayed.conversions)}</strong> converted journeys; spending like today keeps {formatCount(replayed.currentConversions)}. Today&apos;s split is
          each campaign&apos;s share of the replayed {replayed.unit === 'money' ? 'cost' : 'impressions'}, scaled to the same budget.
        </p>
      )}
      {rec && (
        <>
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
                    <th scope="row">{campaignTitle(labels, c.campaign)}</th>
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
                        aria-label={`Floor for campaign ${campaignTitle(labels, c.campaign)}`}
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
                        aria-label={`Ceiling for campaign ${campaignTitle(labels, c.campaign)}`}
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
