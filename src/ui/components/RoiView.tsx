import { useEffect, useRef, useState, type FormEvent } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { methodColour, methodLabel } from '../../core/methods';
import type { CounterfactualRun } from '../../core/run/context';
import type { Sweep } from '../../core/simulate';
import { formatCount, formatPercent } from '../format';
import { ChartActions } from './ChartActions';
import { ChartTable } from './ChartTable';
import { ModelReplayChart } from './ModelReplayChart';

interface Props {
  sweep: Sweep;
  busy: boolean;
  /** Replays with another total budget or unit; the worker keeps the weights, nothing retrains. */
  onResweep: (budget: number | undefined, unit: Sweep['unit']) => void;
  /** The model-judged replay and the journeys it scored, when the run made one. */
  counterfactual?: CounterfactualRun;
}

type ReplayKind = 'article' | 'model';

export function RoiView({ sweep, busy, onResweep, counterfactual }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const [kind, setKind] = useState<ReplayKind>('article');
  const modelReplay = counterfactual?.modelReplay;
  // ResultsView is keyed per run, so the first sweep seen is the run's: the one the model-judged replay matches.
  const runSweep = useRef({ budget: sweep.budget, unit: sweep.unit });
  const [budgetText, setBudgetText] = useState(String(round(sweep.budget)));
  const [unit, setUnit] = useState<Sweep['unit']>(sweep.unit);
  const [problem, setProblem] = useState<string | null>(null);
  const pitches = sweep.models[0]?.results.map((r) => r.pitch) ?? [];
  const data = pitches.map((pitch, i) => {
    const row: Record<string, number> = { pitch };
    for (const m of sweep.models) row[m.model] = m.results[i].conversions;
    return row;
  });

  // A new sweep (another budget or unit) resets the form to what was replayed.
  useEffect(() => {
    setBudgetText(String(round(sweep.budget)));
    setUnit(sweep.unit);
  }, [sweep.budget, sweep.unit]);

  function apply(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    // Another unit starts from its default budget: 10% of the replayed impressions, or of their cost.
    if (unit !== sweep.unit) return onResweep(undefined, unit);
    const text = budgetText.trim();
    if (text === '') return onResweep(undefined, unit);
    const budget = Number(text);
    if (!(Number.isFinite(budget) && budget > 0)) return setProblem('The budget must be a positive number.');
    onResweep(budget, unit);
  }

  const toggle = (
    <fieldset className="chart-controls inline-fieldset" data-testid="roi-kind" data-kind={kind}>
      <legend>Which replay</legend>
      <label className="check">
        <input type="radio" name="roi-kind" data-testid="roi-kind-article" checked={kind === 'article'} onChange={() => setKind('article')} />
        Article's replay (count of journeys never cut)
      </label>
      <label className="check">
        <input
          type="radio"
          name="roi-kind"
          data-testid="roi-kind-model"
          checked={kind === 'model'}
          disabled={!modelReplay}
          onChange={() => setKind('model')}
        />
        Model-judged replay (expected conversions, journeys may miss impressions)
        {!modelReplay && ' — needs the attention model and the option in the run settings'}
      </label>
    </fieldset>
  );

  if (kind === 'model' && modelReplay) {
    return (
      <>
        {toggle}
        <ModelReplayChart
          replay={modelReplay}
          sample={counterfactual?.sample}
          stale={sweep.budget !== runSweep.current.budget || sweep.unit !== runSweep.current.unit}
        />
      </>
    );
  }

  return (
    <>
    {toggle}
    <figure className="chart">
      <figcaption>
        Conversions kept by the budget replay, against the pitch <ChartActions target={ref} name="roi" />
      </figcaption>
      <p className="muted">
        The article's rule: events are replayed in time order, and a journey whose next impression finds its campaign's budget spent is cut
        and counts as lost, even if it would have converted without that impression.
      </p>
      <form className="chart-controls" onSubmit={apply}>
        <fieldset className="inline-fieldset" disabled={busy}>
          <legend className="visually-hidden">Budget unit</legend>
          <label className="check">
            <input type="radio" name="budget-unit" data-testid="budget-unit-impressions" checked={unit === 'impressions'} onChange={() => setUnit('impressions')} />
            impression budget
          </label>
          <label className="check">
            <input type="radio" name="budget-unit" data-testid="budget-unit-money" checked={unit === 'money'} onChange={() => setUnit('money')} />
            money budget (uses the cost column)
          </label>
        </fieldset>
        <label>
          Total budget{' '}
          <input data-testid="budget-total" type="number" min={0} step="any" value={budgetText} disabled={busy} onChange={(e) => setBudgetText(e.target.value)} />
        </label>
        <button type="submit" className="button button--small" data-testid="budget-apply" disabled={busy}>
          Replay
        </button>
        {problem && <span className="form-problem" role="alert">{problem}</span>}
      </form>
      <p className="muted">
        Budget {formatCount(round(sweep.budget))} {sweep.unit === 'money' ? 'in cost units' : 'impressions'} over{' '}
        {formatCount(sweep.events)} replayed impressions. A larger pitch gives more to the campaigns a model rates highest; the ring marks each
        model's best pitch.
      </p>
      <div ref={ref} data-testid="roi-chart" data-budget={sweep.budget} data-unit={sweep.unit} data-models={sweep.models.map((m) => m.model).join(',')}>
        <ResponsiveContainer width="100%" height={320}>
          <LineChart data={data} margin={{ top: 8, right: 24, bottom: 24, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="pitch" type="number" domain={['dataMin', 'dataMax']} ticks={pitches} label={{ value: 'pitch', position: 'insideBottom', offset: -12 }} />
            <YAxis width={72} tickFormatter={formatCount} domain={['auto', 'auto']} label={{ value: 'conversions', angle: -90, position: 'insideLeft' }} />
            <Tooltip formatter={(v, n) => [formatCount(Number(v)), methodLabel(String(n))]} labelFormatter={(p) => `pitch ${p}`} />
            <Legend verticalAlign="top" formatter={(v) => methodLabel(String(v))} />
            {sweep.models.map((m, i) => (
              <Line
                key={m.model}
                dataKey={m.model}
                stroke={methodColour(m.model, i)}
                strokeDasharray={m.model === 'uniform' ? '6 4' : undefined}
                isAnimationActive={false}
                dot={(props: { cx?: number; cy?: number; payload?: { pitch: number }; index?: number }) => {
                  const best = props.payload?.pitch === m.best.pitch;
                  return (
                    <circle
                      key={`${m.model}-${props.index}`}
                      cx={props.cx}
                      cy={props.cy}
                      r={best ? 7 : 3}
                      fill={best ? '#fff' : methodColour(m.model, i)}
                      stroke={methodColour(m.model, i)}
                      strokeWidth={best ? 3 : 1}
                      className={best ? 'best-point' : undefined}
                    />
                  );
                }}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <ChartTable
        caption="Conversions kept per pitch and method"
        columns={['Pitch', ...sweep.models.map((m) => methodLabel(m.model))]}
        rows={data.map((row) => [String(row.pitch), ...sweep.models.map((m) => row[m.model])])}
        format={formatCount}
        testId="roi-table"
      />
      <table className="table" data-testid="roi-best">
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col" className="num-col">Best pitch</th>
            <th scope="col" className="num-col">Conversions there</th>
            <th scope="col" className="num-col">Against uniform</th>
          </tr>
        </thead>
        <tbody>
          {sweep.models.map((m) => {
            const uniform = sweep.models.find((u) => u.model === 'uniform');
            // Equal weights give the same budgets at every pitch: one number to beat.
            const base = uniform?.best.conversions ?? 0;
            return (
              <tr key={m.model} data-model={m.model} data-best-pitch={m.best.pitch} data-best-conversions={m.best.conversions}>
                <th scope="row">{methodLabel(m.model)}</th>
                <td className="num-col">{m.best.pitch}</td>
                <td className="num-col" data-value={m.best.conversions}>{formatCount(m.best.conversions)}</td>
                <td className="num-col">{base > 0 ? formatPercent((m.best.conversions - base) / base) : '–'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </figure>
    </>
  );
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
