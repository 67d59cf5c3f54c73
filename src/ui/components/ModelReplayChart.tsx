import { useRef } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CounterfactualRun } from '../../core/run/context';
import { methodColour, methodLabel, orderMethods } from '../../core/methods';
import { formatCount, formatNumber, formatPercent } from '../format';
import { ChartTable } from './ChartTable';
import { ChartActions } from './ChartActions';

type ModelReplay = NonNullable<CounterfactualRun['modelReplay']>;

interface Props {
  replay: ModelReplay;
  sample?: CounterfactualRun['sample'];
  /** The article's replay was redrawn with another budget or unit since the run: this one keeps the run's. */
  stale: boolean;
}

/** Expected conversions per pitch, judged by the attention model, beside the article's all-or-nothing count. */
export function ModelReplayChart({ replay, sample, stale }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const models = orderMethods(Object.keys(replay.byModel).filter((m) => m !== 'uniform')).concat(replay.byModel.uniform ? ['uniform'] : []);
  const pitches = replay.byModel[models[0]]?.map((p) => p.pitch) ?? [];
  const data = pitches.map((pitch, i) => {
    const row: Record<string, number> = { pitch };
    for (const m of models) row[m] = replay.byModel[m][i].expectedConversions;
    return row;
  });
  const best = models.map((m) => {
    const points = replay.byModel[m];
    let top = points[0];
    for (const p of points) if (p.expectedConversions > top.expectedConversions) top = p;
    return { model: m, pitch: top.pitch, expected: top.expectedConversions };
  });
  const uniformBest = best.find((b) => b.model === 'uniform')?.expected ?? 0;
  const unitWord = replay.unit === 'money' ? 'in cost units' : 'impressions';

  return (
    <figure className="chart">
      <figcaption>
        Expected conversions judged by the {replay.scorer} model, against the pitch <ChartActions target={ref} name="roi-model" />
      </figcaption>
      <p className="muted">
        Every impression with budget left is bought and no journey is cut; the model then scores each journey on the touchpoints it
        still received, so a campaign shown to people who convert anyway costs little when it loses budget.
      </p>
      <p className="muted" data-testid="roi-model-sample" data-journeys={replay.journeys} data-of={sample?.of ?? ''}>
        Replayed {formatCount(replay.journeys)}
        {sample ? ` of ${formatCount(sample.of)} ${sample.subset === 'test' ? 'test' : 'prepared'} journeys` : ' journeys'} (drawn at
        random with the run's seed; the cap is in the run settings), {formatCount(replay.replayedEvents)} impressions, budget{' '}
        {formatCount(Math.round(replay.budget))} {unitWord}. With every impression bought the model expects{' '}
        {formatCount(Math.round(replay.baseline * 10) / 10)} conversions (dashed line). The model's probabilities are corrected for the
        balancing (prior correction), so they do not sit near the 50% it was trained on.
        {stale && ' The budget or unit of the article\'s replay has changed since the run: this chart keeps the run\'s.'}
      </p>
      <div ref={ref} data-testid="roi-model-chart" data-models={models.join(',')} data-budget={replay.budget} data-baseline={replay.baseline}>
        <ResponsiveContainer width="100%" height={320}>
          <LineChart data={data} margin={{ top: 8, right: 24, bottom: 24, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="pitch" type="number" domain={['dataMin', 'dataMax']} ticks={pitches} label={{ value: 'pitch', position: 'insideBottom', offset: -12 }} />
            <YAxis width={72} tickFormatter={(v: number) => formatCount(Math.round(v))} domain={['auto', 'auto']} label={{ value: 'expected conversions', angle: -90, position: 'insideLeft' }} />
            <Tooltip formatter={(v, n) => [formatNumber(Number(v), 1), methodLabel(String(n))]} labelFormatter={(p) => `pitch ${p}`} />
            <Legend verticalAlign="top" formatter={(v) => methodLabel(String(v))} />
            <ReferenceLine y={replay.baseline} stroke="#555d66" strokeDasharray="2 4" />
            {models.map((m, i) => (
              <Line
                key={m}
                dataKey={m}
                stroke={methodColour(m, i)}
                strokeDasharray={m === 'uniform' ? '6 4' : undefined}
                isAnimationActive={false}
                dot={{ r: 3 }}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <ChartTable
        caption="Expected conversions per pitch and method"
        columns={['Pitch', ...models.map((m) => methodLabel(m))]}
        rows={data.map((row) => [String(row.pitch), ...models.map((m) => row[m])])}
        format={(v) => formatNumber(v, 1)}
        testId="roi-model-table"
      />
      <table className="table" data-testid="roi-model-best">
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col" className="num-col">Best pitch</th>
            <th scope="col" className="num-col">Expected conversions there</th>
            <th scope="col" className="num-col">Against uniform</th>
          </tr>
        </thead>
        <tbody>
          {best.map((b) => (
            <tr key={b.model} data-model={b.model} data-best-pitch={b.pitch} data-best-expected={b.expected}>
              <th scope="row">{methodLabel(b.model)}</th>
              <td className="num-col">{b.pitch}</td>
              <td className="num-col">{formatNumber(b.expected, 1)}</td>
              <td className="num-col">{uniformBest > 0 ? formatPercent((b.expected - uniformBest) / uniformBest) : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
