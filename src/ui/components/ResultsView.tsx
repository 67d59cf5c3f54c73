import type { CampaignLabels } from '../../core/channels';
import type { Recommendation, RecommendationOptions, Sweep } from '../../core/simulate';
import type { JobResult, RunResults } from '../../shared/protocol';
import { formatCount } from '../format';
import { MetricsTable } from './MetricsTable';
import { RecommendationView } from './RecommendationView';
import { RoiView } from './RoiView';
import { WeightsView } from './WeightsView';

interface Props {
  results: RunResults;
  labels: CampaignLabels | null;
  /** Results opened from a saved session: no data in the worker, so nothing can be replayed. */
  fromSession: boolean;
  sweeping: boolean;
  onResweep: (budget: number | undefined, unit: Sweep['unit']) => void;
  onRecommend: (options: RecommendationOptions) => Promise<JobResult<Recommendation>>;
}

/** Which journeys each counterfactual method looked at: all of them for Markov, a capped sample for the model. */
function CounterfactualNote({ results }: { results: RunResults }) {
  const cf = results.counterfactual;
  if (!cf || (!cf.markov && !cf.modelBased)) return null;
  const sample = cf.sample;
  return (
    <p className="muted" data-testid="counterfactual-note" data-sample={sample?.journeys ?? ''} data-of={sample?.of ?? ''}>
      {cf.markov &&
        `Markov removal effects (first-order chain, solved exactly) and counting Shapley use all ${formatCount(cf.markov.journeys)} prepared journeys. `}
      {cf.modelBased &&
        sample &&
        `The removal effect and Shapley values judged by the ${cf.modelBased.model} model use ${formatCount(sample.journeys)} of ${formatCount(sample.of)} ${
          sample.subset === 'test' ? 'test' : 'prepared'
        } journeys, drawn at random with the run's seed (${cf.modelBased.seconds.toFixed(1)} s).`}
    </p>
  );
}

export function ResultsView({ results, labels, fromSession, sweeping, onResweep, onRecommend }: Props) {
  const s = results.stats;
  return (
    <>
      <section className="panel" data-testid="results" aria-labelledby="results-title" data-from-session={fromSession}>
        <h2 id="results-title">Evidence: attribution weights</h2>
        <p className="muted">
          {formatCount(s.convertedJourneys)} converted and {formatCount(s.unconvertedJourneys)} unconverted journeys over{' '}
          {formatCount(s.campaignsSampled)} of {formatCount(s.campaignsInData)} campaigns.
          {s.userAttributes?.length ? ` Taken as user attributes (the same in every journey of a user, kept when touchpoints are taken away): ${s.userAttributes.join(', ')}.` : ''}
          {results.truth && ' The demo log knows its planted truth: the purple series is the conversion loss per impression built into it.'}
          {fromSession && ' Opened from a saved session: load the log and run again to replay other budgets.'}
        </p>
        {results.notes.length > 0 && (
          <ul className="notes" data-testid="run-notes">
            {results.notes.map((n, i) => (
              <li key={i}>{n}</li>
            ))}
          </ul>
        )}
        <CounterfactualNote results={results} />
        <MetricsTable results={results} />
        <WeightsView results={results} labels={labels} />
      </section>
      <section className="panel" aria-label="Pitch sweep">
        <RoiView sweep={results.sweep} busy={sweeping || fromSession} onResweep={onResweep} counterfactual={results.counterfactual} />
      </section>
      {!fromSession && <RecommendationView sweep={results.sweep} defended={results.recommendation} labels={labels} onRecommend={onRecommend} />}
    </>
  );
}
