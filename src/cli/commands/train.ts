/**
 * `train FILE --models logreg,lstm,attention --out weights.json --metrics metrics.json
 *   [--epochs N] [--batch-size N] [--learning-rate R] [--patience K] [--drop-time-features]
 *   [--backend wasm|cpu] [--seed S] [--save-model DIR]` plus the preparation flags.
 * Trains the neural models on the prepared journeys, writes their attribution
 * weights (logreg, logreg_raw, attention) and held-out metrics. stdout: a JSON summary.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useBestNodeBackend } from '../../core/models/backend';
import { artifactsToFiles, filesToArtifacts, modelArtifacts, modelFromArtifacts, type LoadResult } from '../../core/models/io';
import { trainAll } from '../../core/models/train';
import type { WeightsByModel } from '../../core/prepared';
import { DEFAULT_TRAIN, type Backend, type NeuralModelName, type TrainSettings } from '../../core/settings';
import { formatWeights } from '../../core/weights';
import { log, parseArgs, printJson, progressLogger, UsageError, withUsageErrors, type CliCommand } from '../command';
import { loadTable, PREPARE_OPTIONS, PREPARE_USAGE, prepareForCli, prepareSettingsFromFlags } from '../prepare-options';

const USAGE =
  'usage: npm run --silent cli -- train FILE [--models logreg,lstm,attention] [--out weights.json|weights.csv] [--metrics metrics.json] ' +
  '[--epochs N] [--batch-size N] [--learning-rate R] [--patience K] [--drop-time-features] [--backend wasm|cpu] [--save-model DIR] ' +
  PREPARE_USAGE;

const NEURAL_MODELS: readonly NeuralModelName[] = ['logreg', 'lstm', 'attention'];
const NODE_BACKENDS: readonly Backend[] = ['wasm', 'cpu'];

/** The training flags read by trainSettingsFromFlags; spread into a command's `parseArgs` options. */
export const TRAIN_OPTIONS = {
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  'learning-rate': { type: 'string' },
  patience: { type: 'string' },
  'drop-time-features': { type: 'boolean' },
  backend: { type: 'string' },
} as const;

export function parseNeuralModels(text: string | undefined): NeuralModelName[] {
  if (text === undefined) return [...DEFAULT_TRAIN.models];
  const names = [...new Set(text.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  const unknown = names.find((n) => !(NEURAL_MODELS as readonly string[]).includes(n));
  if (unknown !== undefined) throw new UsageError(`Unknown model "${unknown}"; choose from ${NEURAL_MODELS.join(', ')}.`);
  if (names.length === 0) throw new UsageError(`--models needs at least one of ${NEURAL_MODELS.join(', ')}.`);
  return names as NeuralModelName[];
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a whole number of at least 1, got "${value}".`);
  return n;
}

/** Training settings from flags over DEFAULT_TRAIN; --epochs and --batch-size apply to every model. */
export function trainSettingsFromFlags(values: Record<string, string | boolean | undefined>, seed: number): TrainSettings {
  const settings: TrainSettings = {
    ...DEFAULT_TRAIN,
    epochs: { ...DEFAULT_TRAIN.epochs },
    batchSize: { ...DEFAULT_TRAIN.batchSize },
    models: parseNeuralModels(values.models as string | undefined),
    seed,
  };
  const epochs = positiveInt(values.epochs as string | undefined, 'epochs');
  const batch = positiveInt(values['batch-size'] as string | undefined, 'batch-size');
  for (const m of NEURAL_MODELS) {
    if (epochs !== undefined) settings.epochs[m] = epochs;
    if (batch !== undefined) settings.batchSize[m] = batch;
  }
  if (values['learning-rate'] !== undefined) {
    const r = Number(values['learning-rate']);
    if (!(r > 0 && Number.isFinite(r))) throw new UsageError(`--learning-rate must be a positive number, got "${String(values['learning-rate'])}".`);
    settings.learningRate = r;
  }
  if (values.patience !== undefined) {
    const p = Number(values.patience);
    if (!Number.isInteger(p) || p < 0) throw new UsageError(`--patience must be a whole number (0 = off), got "${String(values.patience)}".`);
    settings.earlyStoppingPatience = p;
  }
  settings.dropTimeFeatures = values['drop-time-features'] === true;
  if (values.backend !== undefined) {
    if (!(NODE_BACKENDS as readonly string[]).includes(String(values.backend))) {
      throw new UsageError(`--backend takes ${NODE_BACKENDS.join(' or ')} on the command line (GPU backends run in the browser).`);
    }
    settings.backend = values.backend as Backend;
  }
  return settings;
}

/** Reads a model saved by --save-model (DIR/<model>/model.json and weights.bin). */
export async function readSavedModel(dir: string): Promise<LoadResult> {
  let json: string;
  let weights: Uint8Array;
  try {
    json = await readFile(join(dir, 'model.json'), 'utf8');
    weights = new Uint8Array(await readFile(join(dir, 'weights.bin')));
  } catch {
    return { ok: false, error: `No saved model in ${dir} (model.json and weights.bin).` };
  }
  const parsed = filesToArtifacts(json, weights);
  return parsed.ok ? modelFromArtifacts(parsed.artifacts) : parsed;
}

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
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const flags = prepareSettingsFromFlags(values);
  if (!flags.ok) throw new UsageError(flags.error);
  const settings = trainSettingsFromFlags(values, flags.settings.seed);

  const backend = await useBestNodeBackend(settings.backend);
  if (!backend.ok) {
    log(backend.error);
    return 1;
  }
  log(`training on the ${backend.backend} backend`);
  const loaded = await loadTable(positionals[0]);
  if (!loaded.ok) {
    log(loaded.error);
    return 1;
  }
  const prepared = prepareForCli(loaded.table, flags.settings);
  const progress = new Map<string, (done: number, total: number) => void>();
  const result = await trainAll(prepared, settings, {
    onBatchEnd: (p) => {
      const key = `${p.model} epoch ${p.epoch}/${p.epochs}`;
      if (!progress.has(key)) progress.set(key, progressLogger(`training ${key}`));
      progress.get(key)!(p.batch, p.batches);
    },
    onEpochEnd: (model, r) =>
      log(`${model} epoch ${r.epoch}: loss ${r.trainLoss.toFixed(4)}, validation loss ${r.validationLoss.toFixed(4)} (${r.seconds.toFixed(1)} s)`),
  });

  const weights: WeightsByModel = Object.fromEntries(result.attributions.map((a) => [a.model, a.weights]));
  const metrics: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(result.metrics)) {
    const counts = result.attributions.find((a) => a.model === name)?.eventCounts;
    metrics[name] = { ...m, ...(counts ? { attentionEventCounts: counts } : {}) };
  }
  if (values.out && Object.keys(weights).length > 0) {
    await writeFile(values.out, formatWeights(weights, values.out.toLowerCase().endsWith('.csv') ? 'csv' : 'json'));
  } else if (values.out) log('No weights to write: the LSTM alone gives metrics only.');
  if (values.metrics) await writeFile(values.metrics, JSON.stringify(metrics, null, 2) + '\n');
  const saveDir = values['save-model'];
  if (saveDir) {
    for (const model of result.models) {
      const dir = join(saveDir, model.name);
      await mkdir(dir, { recursive: true });
      const files = artifactsToFiles(await modelArtifacts(model));
      await writeFile(join(dir, 'model.json'), files.modelJson);
      await writeFile(join(dir, 'weights.bin'), files.weights);
    }
  }
  for (const model of result.models) model.dispose();

  printJson({
    models: settings.models,
    backend: backend.backend,
    journeys: prepared.journeys.count,
    campaigns: prepared.campaignIds.length,
    negativeSamplingRate: prepared.negativeSamplingRate,
    settings: { prepare: prepared.settings, train: settings },
    metrics: Object.fromEntries(
      Object.entries(result.metrics).map(([name, m]) => [name, { logLoss: m.logLoss, accuracy: m.accuracy, auc: m.auc, seconds: m.seconds }]),
    ),
    out: values.out ?? null,
    metricsFile: values.metrics ?? null,
    savedModels: saveDir ?? null,
    ...(values.out ? {} : { weights }),
  });
  return 0;
}

export const trainCommand: CliCommand = {
  summary: 'train the neural models (logistic regression, LSTM, LSTM with attention): weights and held-out metrics',
  run: withUsageErrors(run),
};
