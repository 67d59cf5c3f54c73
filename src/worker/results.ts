/** The plain, small view of a run that crosses to the UI (and makes the saved session); the run itself stays in the worker. */
import type { RunOutput } from '../core/run';
import type { RunSettings } from '../core/settings';
import type { SynthTruth } from '../core/synth/types';
import type { RunResults } from '../shared/protocol';

export function resultsOf(run: RunOutput, settings: RunSettings, truth: SynthTruth | undefined): RunResults {
  const { prepared } = run;
  const impressions = new Array<number>(prepared.campaignIds.length).fill(0);
  for (let e = 0; e < prepared.events.count; e++) impressions[prepared.events.campaign[e]]++;
  const metrics: RunResults['metrics'] = {};
  for (const [name, m] of Object.entries(run.metrics)) {
    metrics[name] = {
      journeys: m.journeys,
      logLoss: m.logLoss,
      accuracy: m.accuracy,
      auc: m.auc,
      seconds: m.seconds,
      backend: m.backend,
      history: m.history,
    };
  }
  return {
    settings,
    backend: run.backend,
    stats: prepared.stats,
    campaignIds: prepared.campaignIds,
    impressions,
    weights: run.weights,
    metrics,
    sweep: run.sweep,
    counterfactual: run.counterfactual,
    ...(run.recommendation ? { recommendation: run.recommendation } : {}),
    truth: truth ? Object.fromEntries(truth.campaigns.map((c) => [c.id, c.lossPerImpression])) : undefined,
    notes: run.notes,
  };
}
