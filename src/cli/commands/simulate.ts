/**
 * `simulate FILE --weights weights.json|weights.csv [--budget N] [--pitches 0.1,0.5,1] [--cost]
 *   [--journeys all|test] [--replay article|model [--model DIR]]`
 * The budget replay of data-and-method.md step 8 for every model in the
 * weights file plus `uniform`, at every pitch. `--replay model` also judges
 * each budget by a sequence model (expected conversions of the journeys with
 * the touchpoints they received), next to the article's all-or-nothing count.
 * stdout: the results as JSON.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { modelReplay, type ModelReplay } from '../../core/counterfactual';
import type { WeightsByModel } from '../../core/prepared';
import { replayInput, sweepPitches, UNIFORM_MODEL, type ReplayScope } from '../../core/simulate';
import { DEFAULT_PITCHES, type SimulateSettings } from '../../core/settings';
import { parseWeights, weightsFormatOf } from '../../core/weights';
import { log, parseArgs, printJson, progressLogger, UsageError, withUsageErrors, type CliCommand } from '../command';
import { loadTableForModel, MODEL_OPTIONS, MODEL_USAGE, scorerTrainSettings, sequenceScorer } from '../model-loader';
import { PREPARE_OPTIONS, PREPARE_USAGE, prepareForCli, prepareSettingsFromFlags } from '../prepare-options';

const USAGE =
  'usage: npm run --silent cli -- simulate FILE --weights weights.json|weights.csv [--budget N] [--pitches 0.1,0.5,1] ' +
  `[--cost] [--journeys all|test] [--replay article|model] ${MODEL_USAGE} ${PREPARE_USAGE}`;

/** How a budget is judged: the article's rule alone, or also a sequence model's expected conversions. */
export type ReplayJudge = 'article' | 'model';

export function parsePitches(text: string | undefined): number[] {
  if (text === undefined) return [...DEFAULT_PITCHES];
  const pitches = text.split(',').map((s) => s.trim());
  const bad = pitches.find((p) => p === '' || !Number.isFinite(Number(p)) || Number(p) < 0);
  if (bad !== undefined) throw new UsageError(`--pitches takes numbers of 0 or more separated by commas; got "${text}".`);
  return pitches.map(Number);
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      weights: { type: 'string' },
      budget: { type: 'string' },
      pitches: { type: 'string' },
      cost: { type: 'boolean' },
      journeys: { type: 'string' },
      replay: { type: 'string' },
      ...MODEL_OPTIONS,
      ...PREPARE_OPTIONS,
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1 || !values.weights) throw new UsageError(USAGE);
  const settings: SimulateSettings = {
    pitches: parsePitches(values.pitches),
    unit: values.cost ? 'money' : 'impressions',
  };
  if (values.budget !== undefined) {
    const b = Number(values.budget);
    if (!(Number.isFinite(b) && b > 0)) throw new UsageError(`--budget must be a positive number; got "${values.budget}".`);
    settings.budget = b;
  }
  const scope = (values.journeys ?? 'all') as ReplayScope;
  if (scope !== 'all' && scope !== 'test') throw new UsageError('--journeys takes "all" or "test".');
  const judge = (values.replay ?? 'article') as ReplayJudge;
  if (judge !== 'article' && judge !== 'model') throw new UsageError('--replay takes "article" or "model".');
  // The core's model replay refuses pitch 0; its equal budgets are the uniform rows anyway.
  if (judge === 'model' && settings.pitches.some((p) => p === 0)) throw new UsageError('--replay model needs pitches above 0.');
  const flags = prepareSettingsFromFlags(values);
  if (!flags.ok) throw new UsageError(flags.error);
  const trainSettings = judge === 'model' ? scorerTrainSettings(values, flags.settings.seed) : null;
  if (judge === 'article' && values.model !== undefined) log('--model is only read by --replay model; ignored.');

  let weightsText: string;
  try {
    weightsText = await readFile(values.weights, 'utf8');
  } catch {
    log(`Cannot read the weights file ${values.weights}.`);
    return 1;
  }
  const parsed = parseWeights(weightsText, weightsFormatOf(basename(values.weights), weightsText));
  if (!parsed.ok) {
    log(parsed.error);
    return 1;
  }

  const loaded = await loadTableForModel(positionals[0], values.model, trainSettings !== null);
  if (!loaded.ok) {
    log(loaded.error);
    return 1;
  }
  if (settings.unit === 'money' && !loaded.table.hasCost) {
    log('--cost needs a cost column, and this log has none.');
    return 1;
  }
  // Only the model's replay reads the sequences.
  const prepared = prepareForCli(loaded.table, flags.settings, { features: judge === 'model' });
  const sweep = sweepPitches(replayInput(prepared, scope), parsed.weights, settings, progressLogger('replaying'));
  if (!sweep.ok) {
    log(sweep.error);
    return 1;
  }
  for (const m of sweep.models) {
    if (m.missingCampaigns > 0) log(`${m.model}: ${m.missingCampaigns} replayed campaigns have no weight and get 0.`);
    if (m.clippedCampaigns > 0) log(`${m.model}: ${m.clippedCampaigns} negative weights were set to 0.`);
  }

  const results = sweep.models.flatMap((m) =>
    m.results.map((r) => ({ model: m.model, pitch: r.pitch, conversions: r.conversions, spent: r.spent })),
  );

  let judged: { scorer: string; source: string; baseline: number; journeys: number; notes: string[] } | null = null;
  let rows: (typeof results[number] & { expectedConversions?: number })[] = results;
  if (trainSettings) {
    const got = await sequenceScorer(prepared, values.model, trainSettings);
    if (!got.ok) {
      log(got.error);
      return 1;
    }
    // The same models as the article's sweep, uniform included, on the same budget.
    const uniform: Record<string, number> = Object.fromEntries(prepared.campaignIds.map((id) => [id, 1]));
    const replayWeights: WeightsByModel = {
      ...Object.fromEntries(Object.entries(parsed.weights).filter(([name]) => name !== UNIFORM_MODEL)),
      [UNIFORM_MODEL]: uniform,
    };
    let byModel: ModelReplay['byModel'];
    try {
      const r = await modelReplay(prepared, got.scorer, replayWeights, {
        pitches: settings.pitches,
        budget: sweep.budget,
        unit: settings.unit,
        subset: scope,
        onProgress: progressLogger('model replay'),
      });
      if (!r.ok) {
        log(r.error);
        return 1;
      }
      for (const note of r.notes) log(`model replay: ${note}`);
      judged = { scorer: r.scorer, source: got.source, baseline: r.baseline, journeys: r.journeys, notes: r.notes };
      byModel = r.byModel;
    } finally {
      got.model.dispose();
    }
    rows = results.map((row) => {
      const point = byModel[row.model]?.find((p) => p.pitch === row.pitch);
      return { ...row, expectedConversions: point ? point.expectedConversions : Number.NaN };
    });
  }

  printJson({
    budget: sweep.budget,
    unit: sweep.unit,
    events: sweep.events,
    results: rows,
    best: Object.fromEntries(sweep.models.map((m) => [m.model, m.best])),
    missingCampaigns: Object.fromEntries(sweep.models.map((m) => [m.model, m.missingCampaigns])),
    clippedCampaigns: Object.fromEntries(sweep.models.map((m) => [m.model, m.clippedCampaigns])),
    journeys: scope,
    replay: judge,
    // Expected conversions when every replayed impression is bought, and which model judged.
    ...(judged ? { modelReplay: judged } : {}),
    settings: prepared.settings,
  });
  return 0;
}

export const simulateCommand: CliCommand = {
  summary: 'budget replay: conversions per model and pitch, with a uniform baseline',
  run: withUsageErrors(run),
};
