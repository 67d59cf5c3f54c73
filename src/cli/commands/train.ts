/**
 * `train FILE --models logreg,lstm,attention --out weights.json --metrics metrics.json
 *   [--epochs N] [--batch-size N] [--learning-rate R] [--patience K] [--drop-time-features]
 *   [--backend wasm|cpu] [--seed S] [--save-model DIR]` plus the preparation flags.
 * Trains the neural models on the prepared journeys, writes their attribution
 * weights (logreg, logreg_raw, attention) and held-out metrics. stdout: a JSON summary.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useBestNodeBackend } from '../../core/models/backend';
import { artifactsToFiles, modelArtifacts } from '../../core/models/io';
import { DEFAULT_COUNTERFACTUAL, defaultRunSettings } from '../../core/settings';
import { formatWeights } from '../../core/weights';
import { log, parseArgs, printJson, UsageError, withUsageErrors, type CliCommand } from '../command';
import { INPUT_OPTIONS, INPUT_USAGE, outputFormat, PREPARE_OPTIONS, PREPARE_USAGE, prepareSettingsFromFlags, TRAIN_OPTIONS, trainSettingsFromFlags } from '../flags';
import { checkInputArgs, loadCommandInput, PREPARED_OPTIONS, PREPARED_USAGE } from '../prepared-file';
import { runCliSteps } from '../run';

const USAGE =
  'usage: npm run --silent cli -- train FILE [--models logreg,lstm,attention] [--out weights.json|weights.csv] [--metrics metrics.json] ' +
  '[--epochs N] [--batch-size N] [--learning-rate R] [--patience K] [--drop-time-features] [--backend wasm|cpu] [--save-model DIR] ' +
  `${PREPARE_USAGE} ${INPUT_USAGE} ${PREPARED_USAGE}`;

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      models: { type: 'string' },
      out: { type: 'string' },
      metrics: { type: 'string' },
      'save-model': { type: 'string' },
      ...TRAIN_OPTIONS,
      ...PREPARE_OPTIONS,
      ...INPUT_OPTIONS,
      ...PREPARED_OPTIONS,
    },
    allowPositionals: true,
    strict: true,
  });
  checkInputArgs(positionals, values, USAGE);
  const flags = prepareSettingsFromFlags(values);
  if (!flags.ok) throw new UsageError(flags.error);
  const train = trainSettingsFromFlags(values, flags.settings.seed);

  const backend = await useBestNodeBackend(train.backend);
  if (!backend.ok) {
    log(backend.error);
    return 1;
  }
  log(`training on the ${backend.backend} backend`);
  const loaded = await loadCommandInput(positionals, values, flags.settings);
  if (!loaded.ok) {
    log(loaded.error);
    return 1;
  }
  const settings = { ...defaultRunSettings(), prepare: loaded.prepare, train, counterfactual: { ...DEFAULT_COUNTERFACTUAL } };
  const result = await runCliSteps(loaded.table, settings, ['prepare', ...train.models], { prepared: loaded.prepared });
  if (!result.ok) {
    log(result.error);
    return 1;
  }
  const { ctx } = result;
  const prepared = ctx.prepared!;
  const { weights } = ctx;
  const metrics: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(ctx.metrics)) {
    const counts = ctx.eventCounts[name];
    metrics[name] = { ...m, ...(counts ? { attentionEventCounts: counts } : {}) };
  }
  try {
    if (values.out && Object.keys(weights).length > 0) await writeFile(values.out, formatWeights(weights, outputFormat(values.out)));
    else if (values.out) log('No weights to write: the LSTM alone gives metrics only.');
    if (values.metrics) await writeFile(values.metrics, JSON.stringify(metrics, null, 2) + '\n');
    const saveDir = values['save-model'];
    if (saveDir) {
      for (const model of ctx.models) {
        const dir = join(saveDir, model.name);
        await mkdir(dir, { recursive: true });
        const files = artifactsToFiles(await modelArtifacts(model));
        await writeFile(join(dir, 'model.json'), files.modelJson);
        await writeFile(join(dir, 'weights.bin'), files.weights);
      }
    }
  } finally {
    for (const model of ctx.models) model.dispose();
  }

  printJson({
    models: train.models,
    backend: backend.backend,
    journeys: prepared.journeys.count,
    campaigns: prepared.campaignIds.length,
    negativeSamplingRate: prepared.negativeSamplingRate,
    settings: { prepare: prepared.settings, train },
    ...(values.prepared ? { preparedFile: values.prepared } : {}),
    metrics: Object.fromEntries(
      Object.entries(ctx.metrics).map(([name, m]) => [name, { logLoss: m.logLoss, accuracy: m.accuracy, auc: m.auc, seconds: m.seconds }]),
    ),
    out: values.out ?? null,
    metricsFile: values.metrics ?? null,
    savedModels: values['save-model'] ?? null,
    ...(values.out ? {} : { weights }),
  });
  return 0;
}

export const trainCommand: CliCommand = {
  summary: 'train the neural models (logistic regression, LSTM, LSTM with attention): weights and held-out metrics',
  run: withUsageErrors(run),
};
