import type { JobResult, Recommendation, RecommendationOptions, RunResults, Sweep } from '../../shared/protocol';
import { formatCount } from '../format';
import { MetricsTable } from './MetricsTable';
import { RecommendationView } from './RecommendationView';
import { RoiView } from './RoiView';
import { WeightsView } from './WeightsView';

interface Props {
  results: RunResults;
  /** Results opened from a saved session: no data in the worker, so nothing can be replayed. */
  fromSession: boolean;
  sweeping: boolean;
  onResweep: (budget: number | undefined, unit: Sweep['unit']) => void;
  onRecommend: (options: RecommendationOptions) => Promise<JobResult<Recommendation>>;
}

export function ResultsView({ results, fromSession, sweeping, onResweep, onRecommend }: Props) {
  const s = results.stats;
  return (
    <>
      <section className="panel" data-testid="results" aria-labelledby="results-title" data-from-session={fromSession}>
        <h2 id="results-title">Attribution weights</h2>
        <p className="muted">
          {formatCount(s.convertedJourneys)} converted and {formatCount(s.unconvertedJourneys)} unconverted journeys over{' '}
          {formatCount(s.campaignsSampled)} of {formatCount(s.campaignsInData)} campaigns.
          {results.truth && ' The demo log knows its planted truth: the purple series is the conversion loss per impression built into it.'}
          {fromSession && ' Opened from a saved session: load the log and run again to replay other budgets.'}
        </p>
        {results.notes.length > 0 && (
          <ul className="notes">
            {results.notes.map((n, i) => (
              <li key={i}>{n}</li>
            ))}
          </ul>
        )}
        <MetricsTable results={results} />
        <WeightsView results={results} />
      </section>
      <section className="panel" aria-label="Pitch sweep">
        <RoiView sweep={results.sweep} busy={sweeping || fromSession} onResweep={onResweep} />
      </section>
      {!fromSession && <RecommendationView sweep={results.sweep} onRecommend={onRecommend} />}
    </>
  );
}
