/**
 * `simulate FILE --weights weights.json|weights.csv [--budget N] [--pitches 0.1,0.5,1] [--cost]
 *   [--journeys all|test] [--replay article|model [--model DIR]]`
 * The budget replay of data-and-method.md step 8 for every model in the
 * weights file plus `uniform`, at every pitch. `--replay model` also judges
 * each budget by a sequence model (expected conversions of the journeys with
 * the touchpoints they received), next to the article's all-or-nothing count.
 * stdout: the results as JSON.
 */
import { basename } from 'node:path';
import type { RunStep } from '../../core/methods';
import type { ReplayScope } from '../../core/simulate';
import { DEFAULT_COUNTERFACTUAL, defaultRunSettings, type RunSettings, type SimulateSettings } from '../../core/settings';
import { parseWeights, weightsFormatOf } from '../../core/weights';
import { log, parseArgs, printJson, readTextFile, UsageError, withUsageErrors, type CliCommand } from '../command';
import { INPUT_OPTIONS, INPUT_USAGE, MODEL_OPTIONS, MODEL_USAGE, NO_ADS_OPTIONS, NO_ADS_USAGE, noAdsFromFlags, parsePitches, PREPARE_OPTIONS, PREPARE_USAGE, prepareSettingsFromFlags, scorerTrainSettings } from '../flags';
import { judgeFor } from '../model-loader';
import { checkInputArgs, loadCommandInput, PREPARED_OPTIONS, PREPARED_USAGE } from '../prepared-file';
import { runCliSteps } from '../run';

const USAGE =
  'usage: npm run --silent cli -- simulate FILE --weights weights.json|weights.csv [--budget N] [--pitches 0.1,0.5,1] ' +
  `[--cost] [--journeys all|test] [--replay article|model] ${NO_ADS_USAGE} ${MODEL_USAGE} ${PREPARE_USAGE} ${INPUT_USAGE} ${PREPARED_USAGE}`;

/** How a budget is judged: the article's rule alone, or also a sequence model's expected conversions. */
export type ReplayJudge = 'article' | 'model';

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
      ...NO_ADS_OPTIONS,
      ...MODEL_OPTIONS,
      ...PREPARE_OPTIONS,
      ...INPUT_OPTIONS,
      ...PREPARED_OPTIONS,
    },
    allowPositionals: true,
    strict: true,
  });
  if (!values.weights) throw new UsageError(USAGE);
  checkInputArgs(positionals, values, USAGE);
  const simulate: SimulateSettings = {
    pitches: parsePitches(values.pitches),
    unit: values.cost ? 'money' : 'impressions',
  };
  if (values.budget !== undefined) {
    const b = Number(values.budget);
    if (!(Number.isFinite(b) && b > 0)) throw new UsageError(`--budget must be a positive number; got "${values.budget}".`);
    simulate.budget = b;
  }
  const scope = (values.journeys ?? 'all') as ReplayScope;
  if (scope !== 'all' && scope !== 'test') throw new UsageError('--journeys takes "all" or "test".');
  const judge = (values.replay ?? 'article') as ReplayJudge;
  if (judge !== 'article' && judge !== 'model') throw new UsageError('--replay takes "article" or "model".');
  // The core's model replay refuses pitch 0; its equal budgets are the uniform rows anyway.
  if (judge === 'model' && simulate.pitches.some((p) => p === 0)) throw new UsageError('--replay model needs pitches above 0.');
  const noAds = noAdsFromFlags(values);
  const flags = prepareSettingsFromFlags(values);
  if (!flags.ok) throw new UsageError(flags.error);
  const train = judge === 'model' ? scorerTrainSettings(values, flags.settings.seed) : null;
  if (judge === 'article' && values.model !== undefined) log('--model is only read by --replay model; ignored.');

  const weightsText = await readTextFile(values.weights, 'weights file');
  if (weightsText === null) return 1;
  const parsed = parseWeights(weightsText, weightsFormatOf(basename(values.weights), weightsText));
  if (!parsed.ok) {
    log(parsed.error);
    return 1;
  }

  const found = train ? await judgeFor(values.model, train) : null;
  if (found && !found.ok) {
    log(found.error);
    return 1;
  }
  const judgeModel = found?.ok ? found.judge : null;
  const loaded = await loadCommandInput(positionals, values, flags.settings);
  if (!loaded.ok) {
    log(loaded.error);
    return 1;
  }
  if (simulate.unit === 'money' && !loaded.hasCost) {
    log('--cost needs a cost column, and this log has none.');
    return 1;
  }
  const defaults = defaultRunSettings();
  const settings: RunSettings = {
    ...defaults,
    prepare: loaded.prepare,
    train: train && judgeModel ? { ...train, models: [judgeModel.name] } : { ...defaults.train, models: [] },
    simulate,
    counterfactual: { ...DEFAULT_COUNTERFACTUAL, modelReplay: true, maxJourneys: Infinity, journeys: scope, noAds },
  };
  const steps: RunStep[] = ['prepare', 'simulate', ...(judgeModel ? [judgeModel.name, 'model-replay' as const] : [])];
  const result = await runCliSteps(
    loaded.table,
    settings,
    steps,
    // Only the model's replay reads the sequences.
    { weights: parsed.weights, replayScope: scope, replayFullBudget: true, features: train !== null, methods: [], prepared: loaded.prepared },
    judgeModel?.callbacks,
  );
  if (!result.ok) {
    log(result.error);
    return 1;
  }
  const { ctx } = result;
  for (const m of ctx.models) m.dispose();
  const sweep = ctx.sweep!;
  const results = sweep.models.flatMap((m) => m.results.map((r) => ({ model: m.model, pitch: r.pitch, conversions: r.conversions, spent: r.spent })));
  const replayed = ctx.counterfactual.modelReplay;
  if (train && !replayed) {
    log('The model-judged replay did not run.');
    return 1;
  }
  const rows: (typeof results[number] & { expectedConversions?: number })[] = replayed
    ? results.map((row) => {
        const point = replayed.byModel[row.model]?.find((p) => p.pitch === row.pitch);
        return { ...row, expectedConversions: point ? point.expectedConversions : Number.NaN };
      })
    : results;
  const judged = replayed
    ? { scorer: replayed.scorer, source: judgeModel?.source ?? 'trained', baseline: replayed.baseline, journeys: replayed.journeys, notes: replayed.notes }
    : null;

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
    settings: ctx.prepared!.settings,
  });
  return 0;
}

export const simulateCommand: CliCommand = {
  summary: 'budget replay: conversions per model and pitch, with a uniform baseline',
  run: withUsageErrors(run),
};
