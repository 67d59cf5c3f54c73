import type { RunResults } from '../../shared/protocol';
import { formatCount, formatNumber } from '../format';
import { methodLabel } from '../../core/methods';

const fixed = (v: number, digits = 3) => formatNumber(v, digits);

/** Held-out (test split) metrics of each trained model, on the balanced scale it was trained on. */
export function MetricsTable({ results }: { results: RunResults }) {
  const rows = Object.entries(results.metrics);
  if (rows.length === 0) return null;
  return (
    <figure className="chart">
      <figcaption>Held-out test journeys: lower log-loss and higher accuracy and AUC are better</figcaption>
      <table className="table" data-testid="metrics">
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col" className="num-col">Log-loss</th>
            <th scope="col" className="num-col">Accuracy</th>
            <th scope="col" className="num-col">AUC</th>
            <th scope="col" className="num-col">Test journeys</th>
            <th scope="col" className="num-col">Training time</th>
            <th scope="col">Backend</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, m]) => (
            <tr key={name} data-model={name}>
              <th scope="row">{methodLabel(name)}</th>
              <td className="num-col" data-metric="logLoss" data-value={m.logLoss}>{fixed(m.logLoss)}</td>
              <td className="num-col" data-metric="accuracy" data-value={m.accuracy}>{fixed(m.accuracy)}</td>
              <td className="num-col" data-metric="auc" data-value={m.auc}>{fixed(m.auc)}</td>
              <td className="num-col" data-value={m.journeys}>{formatCount(m.journeys)}</td>
              <td className="num-col">{formatNumber(m.seconds, 1)} s</td>
              <td>{m.backend}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
