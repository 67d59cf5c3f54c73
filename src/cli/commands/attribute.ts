/**
 * `attribute FILE --models lta,first,linear,timedecay,ushape,markov,shapley_count,removal,shapley
 *   --out weights.json [--details details.json] [--model DIR] [--markov-order K] ...`
 * Attribution weights per campaign, written as a weights file (JSON, or CSV
 * when the name ends in .csv). stdout: a JSON summary.
 *
 * Position models and the two model-free counterfactual ones (markov: the
 * absorbing chain's removal effects, normalised to sum to 1; shapley_count:
 * the counting Shapley value) read the prepared events. `removal` and
 * `shapley` ask a sequence model how each journey's conversion probability
 * changes without a campaign: weights in expected conversions, negatives kept.
 */
import { writeFile } from 'node:fs/promises';
import { checkHalfLife } from '../../core/attribution/position';
import { DEFAULT_PERMUTATIONS, type JourneySubset } from '../../core/counterfactual';
import { ATTRIBUTION_METHODS, MODEL_BASED_METHODS, POSITION_MODELS, type AttributionMethod, type RunStep } from '../../core/methods';
import type { WeightsByModel } from '../../core/prepared';
import { DEFAULT_COUNTERFACTUAL, DEFAULT_HALF_LIFE_DAYS, defaultRunSettings, type RunSettings } from '../../core/settings';
import { formatWeights } from '../../core/weights';
import { log, parseArgs, printJson, UsageError, withUsageErrors, type CliCommand } from '../command';
import { INPUT_OPTIONS, INPUT_USAGE, intFlag, MODEL_OPTIONS, MODEL_USAGE, NO_ADS_OPTIONS, NO_ADS_USAGE, noAdsFromFlags, outputFormat, parseMethodList, PREPARE_OPTIONS, PREPARE_USAGE, prepareSettingsFromFlags, scorerTrainSettings } from '../flags';
import { judgeFor } from '../model-loader';
import { checkInputArgs, loadCommandInput, PREPARED_OPTIONS, PREPARED_USAGE } from '../prepared-file';
import { runCliSteps } from '../run';

const USAGE =
  `usage: npm run --silent cli -- attribute FILE [--models ${ATTRIBUTION_METHODS.join(',')}] [--out weights.json|weights.csv] ` +
  '[--details details.json] [--half-life-days D] [--markov-order K] [--journeys all|test] [--exact-up-to N] [--permutations N] ' +
  `${NO_ADS_USAGE} ${MODEL_USAGE} ${PREPARE_USAGE} ${INPUT_USAGE} ${PREPARED_USAGE}`;

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      models: { type: 'string' },
      out: { type: 'string' },
      details: { type: 'string' },
      'half-life-days': { type: 'string' },
      'markov-order': { type: 'string' },
      journeys: { type: 'string' },
      'exact-up-to': { type: 'string' },
      permutations: { type: 'string' },
      ...NO_ADS_OPTIONS,
      ...MODEL_OPTIONS,
      ...PREPARE_OPTIONS,
      ...INPUT_OPTIONS,
      ...PREPARED_OPTIONS,
    },
    allowPositionals: true,
    strict: true,
  });
  checkInputArgs(positionals, values, USAGE);
  // Without --models, the position models: nothing to train.
  const models: AttributionMethod[] = parseMethodList(values.models, ATTRIBUTION_METHODS, POSITION_MODELS);
  const halfLifeDays = values['half-life-days'] === undefined ? DEFAULT_HALF_LIFE_DAYS : Number(values['half-life-days']);
  const halfLife = checkHalfLife(halfLifeDays);
  if (!halfLife.ok) throw new UsageError(halfLife.error);
  const journeys = (values.journeys ?? 'all') as JourneySubset;
  if (journeys !== 'all' && journeys !== 'test') throw new UsageError('--journeys takes "all" or "test".');
  const markovOrder = intFlag(values['markov-order'], 'markov-order', 1, 8) ?? 1;
  const exactUpTo = intFlag(values['exact-up-to'], 'exact-up-to', 0, 20);
  const permutations = intFlag(values.permutations, 'permutations', 2, 100_000) ?? DEFAULT_PERMUTATIONS;
  const noAds = noAdsFromFlags(values);
  const flags = prepareSettingsFromFlags(values);
  if (!flags.ok) throw new UsageError(flags.error);
  const scored = models.some((m) => (MODEL_BASED_METHODS as readonly string[]).includes(m));
  const train = scored ? scorerTrainSettings(values, flags.settings.seed) : null;
  if (!scored && values.model !== undefined) log(`--model is only read by ${MODEL_BASED_METHODS.join(' and ')}; ignored.`);

  const found = train ? await judgeFor(values.model, train) : null;
  if (found && !found.ok) {
    log(found.error);
    return 1;
  }
  const loaded = await loadCommandInput(positionals, values, flags.settings);
  if (!loaded.ok) {
    log(loaded.error);
    return 1;
  }
  const judge = found?.ok ? found.judge : null;
  const defaults = defaultRunSettings();
  const settings: RunSettings = {
    ...defaults,
    prepare: loaded.prepare,
    train: train && judge ? { ...train, models: [judge.name] } : { ...defaults.train, models: [] },
    halfLifeDays,
    counterfactual: { ...DEFAULT_COUNTERFACTUAL, maxJourneys: Infinity, journeys, markovOrder, exactUpTo, permutations, noAds },
  };
  const steps: RunStep[] = ['prepare', 'position', 'counterfactual', ...(judge ? [judge.name, 'counterfactual-model' as const] : [])];
  // Only the model-based methods read the sequences; the rest skip building them.
  const result = await runCliSteps(loaded.table, settings, steps, { methods: models, features: scored, prepared: loaded.prepared }, judge?.callbacks);
  if (!result.ok) {
    log(result.error);
    return 1;
  }
  const { ctx } = result;
  const prepared = ctx.prepared!;
  const scorer = judge && ctx.models.find((m) => m.name === judge.name);
  const scorerInfo = judge && scorer ? { model: scorer.name, source: judge.source, backend: ctx.backend } : null;
  for (const m of ctx.models) m.dispose();

  // Weights in the order the models were asked for.
  const weights: WeightsByModel = Object.fromEntries(models.map((m) => [m, ctx.weights[m]]));
  const missing = models.filter((m) => !ctx.weights[m]);
  if (missing.length > 0) {
    log(`No weights for ${missing.join(', ')}.`);
    return 1;
  }
  if (values.out) await writeFile(values.out, formatWeights(weights, outputFormat(values.out)));
  if (values.details) {
    const details = {
      settings: prepared.settings,
      halfLifeDays,
      journeys,
      scorer: scorerInfo,
      models: Object.fromEntries(models.map((m) => [m, ctx.details[m]])),
    };
    await writeFile(values.details, JSON.stringify(details, null, 2) + '\n');
  }

  const s = prepared.stats;
  printJson({
    models,
    campaigns: prepared.campaignIds.length,
    campaignsInData: s.campaignsInData,
    journeys: prepared.journeys.count,
    convertedJourneys: s.convertedJourneys,
    unconvertedJourneys: s.unconvertedJourneys,
    events: prepared.events.count,
    negativeSamplingRate: prepared.negativeSamplingRate,
    settings: prepared.settings,
    halfLifeDays,
    counterfactualJourneys: journeys,
    scorer: scorerInfo,
    out: values.out ?? null,
    details: values.details ?? null,
    // Without --out the weights themselves are the output.
    ...(values.out ? {} : { weights }),
  });
  return 0;
}

export const attributeCommand: CliCommand = {
  summary: 'attribution weights: position rules, Markov removal effects, Shapley values, model-based removal effects',
  run: withUsageErrors(run),
};
