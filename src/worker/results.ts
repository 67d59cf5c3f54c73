/** The plain, small view of a run that crosses to the UI (and makes the saved session); the run itself stays in the worker. */
import { journeyWeights } from '../core/counterfactual/journey-batch';
import { sampleForCounterfactual } from '../core/counterfactual/sample';
import { Split } from '../core/prepared';
import type { RunOutput } from '../core/run';
import { DEFAULT_COUNTERFACTUAL, type RunSettings } from '../core/settings';
import type { SynthTruth } from '../core/synth/types';
import type { EventTable } from '../core/table';
import type { RunResults } from '../shared/protocol';

/**
 * Money per prepared campaign (issue 14): its spend over every row of the
 * loaded log (the cost column's sum), and its spend on the journeys the
 * attention model's removal effects and Shapley values were judged on, counted as those values
 * count them (an unconverted journey 1 / negativeSamplingRate times), so the
 * two divide into a cost per incremental conversion. Absent without a cost column.
 */
export function spendOf(run: RunOutput, settings: RunSettings, table: EventTable | undefined): RunResults['money'] {
  const { prepared } = run;
  if (!table?.hasCost) return undefined;
  const n = prepared.campaignIds.length;
  const bySource = new Map<number, number>();
  prepared.campaignSource.forEach((source, c) => bySource.set(source, c));
  const spend = new Array<number>(n).fill(0);
  for (let r = 0; r < table.rowCount; r++) {
    const c = bySource.get(table.campaign[r]);
    if (c !== undefined) spend[c] += table.cost[r];
  }
  let judgedSpend: number[] | undefined;
  if (run.weights.shapley || run.weights.removal) {
    const cf = settings.counterfactual ?? DEFAULT_COUNTERFACTUAL;
    const sampled = sampleForCounterfactual(prepared, cf.maxJourneys, settings.prepare.seed, cf.journeys ?? 'test');
    const chosen: number[] = [];
    for (let j = 0; j < sampled.journeys.count; j++) if (sampled.journeys.split[j] === Split.Test) chosen.push(j);
    const list = Uint32Array.from(chosen);
    const weight = journeyWeights(prepared.journeys.label, list, prepared.negativeSamplingRate, true);
    const weightOf = new Float64Array(prepared.journeys.count);
    list.forEach((j, i) => (weightOf[j] = weight[i]));
    judgedSpend = new Array<number>(n).fill(0);
    const { events } = prepared;
    for (let e = 0; e < events.count; e++) judgedSpend[events.campaign[e]] += events.cost[e] * weightOf[events.journey[e]];
  }
  const valuePerConversion = table.conversionValues ? valuesByCampaign(table, table.conversionValues, bySource, n) : undefined;
  return { spend, ...(judgedSpend ? { judgedSpend } : {}), ...(valuePerConversion ? { valuePerConversion } : {}) };
}

/**
 * Per prepared campaign, the mean value of the conversions whose touchpoints
 * include it (each conversion once, however many of its touchpoints are the
 * campaign's); NaN for a campaign no conversion touched.
 */
export function valuesByCampaign(table: Pick<EventTable, 'rowCount' | 'campaign' | 'conversionId'>, values: Float64Array, bySource: Map<number, number>, campaigns: number): number[] {
  const seen = new Set<number>();
  const sum = new Float64Array(campaigns);
  const count = new Float64Array(campaigns);
  for (let r = 0; r < table.rowCount; r++) {
    const k = table.conversionId[r];
    const c = bySource.get(table.campaign[r]);
    if (k < 0 || c === undefined) continue;
    const pair = k * campaigns + c;
    if (seen.has(pair)) continue;
    seen.add(pair);
    sum[c] += values[k];
    count[c]++;
  }
  return Array.from(sum, (s, c) => (count[c] > 0 ? s / count[c] : Number.NaN));
}

export function resultsOf(run: RunOutput, settings: RunSettings, truth: SynthTruth | undefined, table?: EventTable): RunResults {
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
  const money = spendOf(run, settings, table);
  return {
    settings,
    backend: run.backend,
    stats: prepared.stats,
    campaignIds: prepared.campaignIds,
    impressions,
    ...(money ? { money } : {}),
    timings: run.timings,
    weights: run.weights,
    metrics,
    sweep: run.sweep,
    counterfactual: run.counterfactual,
    ...(run.recommendation ? { recommendation: run.recommendation } : {}),
    truth: truth ? Object.fromEntries(truth.campaigns.map((c) => [c.id, c.lossPerImpression])) : undefined,
    notes: run.notes,
  };
}
