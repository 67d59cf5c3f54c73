/**
 * The sequence model that judges counterfactual journeys on the command line
 * (attribute --models removal,shapley; simulate --replay model): loaded from
 * a folder the train command wrote with --save-model, or trained on the spot
 * with the train command's flags when no folder is given.
 *
 *   --model DIR             DIR/attention (what `train --save-model DIR` writes) or a folder holding model.json itself
 *   --epochs N --batch-size N --learning-rate R --patience K --drop-time-features --backend wasm|cpu
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { useBestNodeBackend } from '../core/models/backend';
import { featureLayout } from '../core/models/inputs';
import type { JourneyScorer } from '../core/models/scorer';
import { createScorer, trainModel, type TrainedModel } from '../core/models/train';
import type { PreparedData } from '../core/prepared';
import type { TrainSettings } from '../core/settings';
import { log, progressLogger } from './command';
import { loadTable, type LoadResult } from './prepare-options';
import { readSavedModel, TRAIN_OPTIONS, trainSettingsFromFlags } from './commands/train';
import type { FlagValues } from './prepare-options';

/** Spread into a command's `parseArgs` options. */
export const MODEL_OPTIONS = {
  model: { type: 'string' },
  ...TRAIN_OPTIONS,
} as const;

export const MODEL_USAGE =
  '[--model DIR] [--epochs N] [--batch-size N] [--learning-rate R] [--patience K] [--drop-time-features] [--backend wasm|cpu]';

/** The model trained when no --model is given: the article's attention model. */
const TRAINED_MODEL = 'attention';

/**
 * Settings for training the attention model from the train command's flags.
 * `--models` belongs to the calling command (attribution models), so it is
 * never read here. Throws UsageError on a bad flag, before any data is read.
 */
export function scorerTrainSettings(values: FlagValues, seed: number): TrainSettings {
  const flags: Record<string, string | boolean | undefined> = { models: TRAINED_MODEL };
  for (const name of Object.keys(MODEL_OPTIONS)) {
    const v = values[name];
    if (name !== 'model' && (typeof v === 'string' || typeof v === 'boolean')) flags[name] = v;
  }
  return trainSettingsFromFlags(flags, seed);
}

async function hasFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export type SavedModelDir = { ok: true; dir: string } | { ok: false; error: string };

/** DIR itself when it holds model.json, else DIR/attention (the train command's layout). */
export async function findSavedModel(dir: string): Promise<SavedModelDir> {
  if (await hasFile(join(dir, 'model.json'))) return { ok: true, dir };
  const nested = join(dir, TRAINED_MODEL);
  if (await hasFile(join(nested, 'model.json'))) return { ok: true, dir: nested };
  return { ok: false, error: `No saved model in ${dir}: expected ${join(dir, 'model.json')} or ${join(nested, 'model.json')}.` };
}

/** Checks --model before the log is read, so a wrong folder fails in a second, not after minutes of reading. */
export async function checkModelFlag(dir: string | undefined): Promise<{ ok: true } | { ok: false; error: string }> {
  return dir === undefined ? { ok: true } : findSavedModel(dir);
}

/**
 * Reads the log, but first checks the --model folder when a model will be
 * needed, so that a wrong folder fails in a second rather than after a long read.
 */
export async function loadTableForModel(path: string, modelDir: string | undefined, needsModel: boolean): Promise<LoadResult> {
  if (needsModel) {
    const modelFlag = await checkModelFlag(modelDir);
    if (!modelFlag.ok) return modelFlag;
  }
  return loadTable(path);
}

/**
 * A saved model reads campaigns and category values by their prepared index,
 * so it only fits journeys prepared exactly as the ones it was trained on
 * (same log, same preparation flags and seed).
 */
export function checkModelFits(model: TrainedModel, prepared: PreparedData): { ok: true } | { ok: false; error: string } {
  const mismatch = (what: string): { ok: false; error: string } => ({
    ok: false,
    error: `The saved model does not fit these journeys (${what}); prepare them with the flags and seed it was trained with.`,
  });
  if (model.name === 'logreg') return { ok: false, error: 'The saved model is the logistic regression, which cannot score sequences; give the attention or LSTM model.' };
  const ids = prepared.campaignIds;
  if (model.campaignIds.length !== ids.length) return mismatch(`${model.campaignIds.length} campaigns, here ${ids.length}`);
  if (model.campaignIds.some((id, i) => id !== ids[i])) return mismatch('other campaigns');
  const here = featureLayout(prepared, false);
  if (model.layout.categoryColumns !== here.categoryColumns || model.layout.vocabulary !== here.vocabulary) {
    return mismatch(`category vocabulary ${model.layout.vocabulary}, here ${here.vocabulary}`);
  }
  if (model.layout.numericNames.join(',') !== here.numericNames.join(',')) return mismatch('other numeric features');
  return { ok: true };
}

export type ScorerResult =
  | { ok: true; scorer: JourneyScorer; model: TrainedModel; source: 'loaded' | 'trained'; backend: string }
  | { ok: false; error: string };

/**
 * The scorer for counterfactual journeys: from `--model DIR` when given,
 * else an attention model trained now on `prepared` with `settings`.
 * The caller disposes `model` when done.
 */
export async function sequenceScorer(prepared: PreparedData, modelDir: string | undefined, settings: TrainSettings): Promise<ScorerResult> {
  const backend = await useBestNodeBackend(settings.backend);
  if (!backend.ok) return backend;
  let model: TrainedModel;
  let source: 'loaded' | 'trained';
  if (modelDir !== undefined) {
    const found = await findSavedModel(modelDir);
    if (!found.ok) return found;
    const loaded = await readSavedModel(found.dir);
    if (!loaded.ok) return { ok: false, error: `${found.dir}: ${loaded.error}` };
    const fits = checkModelFits(loaded.model, prepared);
    if (!fits.ok) {
      loaded.model.dispose();
      return fits;
    }
    model = loaded.model;
    source = 'loaded';
    log(`scoring journeys with the ${model.name} model saved in ${found.dir} (${backend.backend} backend)`);
  } else {
    const epochs = settings.epochs[TRAINED_MODEL];
    log(
      `no --model given: training the ${TRAINED_MODEL} model first (${epochs} epoch${epochs === 1 ? '' : 's'}, ` +
        `${backend.backend} backend); save one with train --save-model DIR to skip this`,
    );
    const progress = new Map<number, (done: number, total: number) => void>();
    model = await trainModel(prepared, TRAINED_MODEL, settings, {
      onBatchEnd: (p) => {
        if (!progress.has(p.epoch)) progress.set(p.epoch, progressLogger(`training ${p.model} epoch ${p.epoch}/${p.epochs}`));
        progress.get(p.epoch)!(p.batch, p.batches);
      },
      onEpochEnd: (name, r) =>
        log(`${name} epoch ${r.epoch}: loss ${r.trainLoss.toFixed(4)}, validation loss ${r.validationLoss.toFixed(4)} (${r.seconds.toFixed(1)} s)`),
    });
    source = 'trained';
  }
  return { ok: true, scorer: createScorer(model), model, source, backend: backend.backend };
}
