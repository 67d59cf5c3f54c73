/**
 * `recommend FILE [prepare and train options] [--budget B] [--cost] [--seed S] --out allocation.json`
 * The app's recommendation on the command line: the run's own steps up to the
 * attention model and the model-based methods, then the recommend step, which
 * judges every method's allocation, one searched against the model, and
 * today's split on held-out journeys (src/core/recommend). The file holds
 * exactly {method, why, unit, budget, allocation, expected}; stdout a JSON
 * summary (the same object when there is no --out).
 */
import { writeFile } from 'node:fs/promises';
import type { RunStep } from '../../core/methods';
import type { DefendedRecommendation } from '../../core/recommend';
import { checkMaxChange, parseLimitsFile } from '../../core/recommend/limits';
import { DEFAULT_COUNTERFACTUAL, defaultRunSettings, type RunSettings } from '../../core/settings';
import { log, parseArgs, printJson, readTextFile, UsageError, withUsageErrors, type CliCommand } from '../command';
import { INPUT_OPTIONS, INPUT_USAGE, NO_ADS_OPTIONS, NO_ADS_USAGE, noAdsFromFlags, PREPARE_OPTIONS, PREPARE_USAGE, prepareSettingsFromFlags, TRAIN_OPTIONS, trainSettingsFromFlags, type FlagValues } from '../flags';
import { checkInputArgs, loadCommandInput, PREPARED_OPTIONS, PREPARED_USAGE } from '../prepared-file';
import { runCliSteps } from '../run';

const USAGE =
  'usage: npm run --silent cli -- recommend FILE [--budget B] [--cost] [--max-change R] [--limits limits.csv] [--out allocation.json] ' +
  `[--epochs N] [--batch-size N] [--learning-rate R] [--patience K] [--drop-time-features] [--backend wasm|cpu] ${NO_ADS_USAGE} ${PREPARE_USAGE} ${INPUT_USAGE} ${PREPARED_USAGE}`;

/** Every step of the app's run but the two replays, whose results the recommendation does not read. */
export const RECOMMEND_STEPS: readonly RunStep[] = ['prepare', 'position', 'counterfactual', 'logreg', 'lstm', 'attention', 'counterfactual-model', 'recommend'];

export const RECOMMEND_OPTIONS = {
  budget: { type: 'string' },
  cost: { type: 'boolean' },
  'max-change': { type: 'string' },
  limits: { type: 'string' },
  out: { type: 'string' },
  ...NO_ADS_OPTIONS,
  ...TRAIN_OPTIONS,
  ...PREPARE_OPTIONS,
  ...INPUT_OPTIONS,
  ...PREPARED_OPTIONS,
} as const;

/** The app's default settings with the flags applied: the run the app would make on this log. */
export function recommendSettings(values: FlagValues): RunSettings {
  const flags = prepareSettingsFromFlags(values);
  if (!flags.ok) throw new UsageError(flags.error);
  const defaults = defaultRunSettings();
  const train = trainSettingsFromFlags({ ...(values as Record<string, string | boolean | undefined>), models: undefined }, flags.settings.seed);
  const settings: RunSettings = {
    ...defaults,
    prepare: flags.settings,
    train,
    simulate: { ...defaults.simulate, unit: values.cost ? 'money' : 'impressions' },
    counterfactual: { ...DEFAULT_COUNTERFACTUAL, recommend: true, noAds: noAdsFromFlags(values) },
  };
  if (values.budget !== undefined) {
    const b = Number(values.budget);
    if (!(typeof values.budget === 'string' && Number.isFinite(b) && b > 0)) throw new UsageError(`--budget must be a positive number; got "${String(values.budget)}".`);
    settings.simulate.budget = b;
  }
  if (values['max-change'] !== undefined) {
    const r = Number(values['max-change']);
    const problem = typeof values['max-change'] === 'string' && values['max-change'].trim() !== '' ? checkMaxChange(r) : 'no value';
    if (problem) throw new UsageError(`--max-change takes a share of 0 or more (0.5 = at most ±50% of today's amount per campaign); got "${String(values['max-change'])}".`);
    settings.counterfactual = { ...settings.counterfactual!, limits: { maxChange: r } };
  }
  return settings;
}

/** The allocation file: exactly these fields (issue 13). */
export function allocationFile(r: DefendedRecommendation) {
  return { method: r.method, why: r.why, unit: r.unit, budget: r.budget, allocation: r.allocation, expected: r.expected };
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: RECOMMEND_OPTIONS, allowPositionals: true, strict: true });
  checkInputArgs(positionals, values, USAGE);
  const settings = recommendSettings(values);
  const loaded = await loadCommandInput(positionals, values, settings.prepare);
  if (!loaded.ok) {
    log(loaded.error);
    return 1;
  }
  settings.prepare = loaded.prepare;
  if (typeof values.limits === 'string') {
    const text = await readTextFile(values.limits, 'limits file');
    if (text === null) return 1;
    const campaignIds = loaded.table ? loaded.table.campaignIds : loaded.prepared!.campaignIds;
    const limits = parseLimitsFile(text, campaignIds);
    if (!limits.ok) {
      log(limits.reason);
      return 1;
    }
    settings.counterfactual = { ...settings.counterfactual!, limits: { ...settings.counterfactual!.limits, ...limits.limits } };
  }
  if (settings.simulate.unit === 'money' && !loaded.hasCost) {
    log('--cost needs a cost column, and this log has none.');
    return 1;
  }
  const result = await runCliSteps(loaded.table, settings, RECOMMEND_STEPS, { prepared: loaded.prepared });
  if (!result.ok) {
    log(result.error);
    return 1;
  }
  const { ctx } = result;
  for (const m of ctx.models) m.dispose();
  const rec = ctx.recommendation;
  if (!rec) {
    log('No recommendation was made.');
    return 1;
  }
  const file = allocationFile(rec);
  if (values.out) await writeFile(values.out, JSON.stringify(file, null, 2) + '\n');
  printJson(
    values.out
      ? {
          out: values.out,
          method: rec.method,
          label: rec.label,
          ...(rec.pitch !== undefined ? { pitch: rec.pitch } : {}),
          why: rec.why,
          unit: rec.unit,
          budget: rec.budget,
          // Today's split of the same budget, beside the allocation in the file.
          today: rec.today,
          expected: rec.expected,
          candidates: rec.candidates,
          journeys: rec.journeys,
          // Journeys the model scored (each distinct set of served touchpoints once) and moves the search made.
          scored: rec.scored,
          optimiserMoves: rec.optimiserMoves,
          seconds: rec.seconds,
          settings: ctx.prepared!.settings,
          ...(settings.counterfactual?.limits ? { limits: settings.counterfactual.limits } : {}),
          notes: ctx.notes.filter((n) => n.startsWith('Recommendation:')),
        }
      : file,
  );
  return 0;
}

export const recommendCommand: CliCommand = {
  summary: 'the recommended budget per campaign, judged by the attention model on held-out journeys',
  run: withUsageErrors(run),
};
