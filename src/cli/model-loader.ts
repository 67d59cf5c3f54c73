/**
 * The sequence model that judges counterfactual journeys on the command line
 * (attribute --models removal,shapley; simulate --replay model): loaded from
 * a folder the train command wrote with --save-model, or trained on the spot
 * with the train command's flags when no folder is given.
 *
 *   --model DIR             DIR/attention (what `train --save-model DIR` writes) or a folder holding model.json itself
 *   --epochs N --batch-size N --learning-rate R --patience K --drop-time-features --backend wasm|cpu
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { featureLayout } from '../core/models/inputs';
import { filesToArtifacts, modelFromArtifacts, type LoadResult } from '../core/models/io';
import type { TrainedModel } from '../core/models/train';
import type { PreparedData } from '../core/prepared';
import type { RunCallbacks } from '../core/run';
import { useBestNodeBackend } from '../core/models/backend';
import type { Backend, NeuralModelName, TrainSettings } from '../core/settings';
import { log } from './command';
import { TRAINED_MODEL } from './flags';

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
  if ((model.layout.userColumns ?? 0) !== (here.userColumns ?? 0) || (model.layout.userVocabulary ?? 0) !== (here.userVocabulary ?? 0)) {
    return mismatch(`${model.layout.userColumns ?? 0} user attribute columns, here ${here.userColumns ?? 0}`);
  }
  return { ok: true };
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

/**
 * The sequence model in `--model DIR`, read before the log so that a wrong
 * folder fails at once; `provide` hands it to the run once the journeys are
 * prepared, if it fits them (else the run stops with the reason).
 */
export async function savedModelProvider(
  modelDir: string,
  backend?: Backend,
): Promise<{ ok: true; name: NeuralModelName; dir: string; provide: NonNullable<RunCallbacks['provideModel']> } | { ok: false; error: string }> {
  const found = await findSavedModel(modelDir);
  if (!found.ok) return found;
  // Reading the weights makes tensors, so the backend starts first.
  const started = await useBestNodeBackend(backend);
  if (!started.ok) return started;
  const loaded = await readSavedModel(found.dir);
  if (!loaded.ok) return { ok: false, error: `${found.dir}: ${loaded.error}` };
  const model = loaded.model;
  let handed = false;
  return {
    ok: true,
    name: model.name,
    dir: found.dir,
    provide: async (name, prepared) => {
      if (name !== model.name || handed) return null;
      const fits = checkModelFits(model, prepared);
      if (!fits.ok) {
        model.dispose();
        return fits.error;
      }
      handed = true;
      log(`scoring journeys with the ${model.name} model saved in ${found.dir}`);
      return model;
    },
  };
}

/** The network that judges counterfactual journeys in a command's run, and where it comes from. */
export interface Judge {
  name: NeuralModelName;
  source: 'loaded' | 'trained';
  /** Hands a loaded model to the run instead of training one. */
  callbacks: RunCallbacks;
}

/**
 * The judge for a command: the model saved in `--model DIR` (read now, so a
 * wrong folder fails before the log is read), else the attention model,
 * trained in the run with `train`'s settings.
 */
export async function judgeFor(modelDir: string | undefined, train: TrainSettings): Promise<{ ok: true; judge: Judge } | { ok: false; error: string }> {
  if (modelDir !== undefined) {
    const saved = await savedModelProvider(modelDir, train.backend);
    if (!saved.ok) return saved;
    return { ok: true, judge: { name: saved.name, source: 'loaded', callbacks: { provideModel: saved.provide } } };
  }
  const epochs = train.epochs[TRAINED_MODEL];
  log(`no --model given: training the ${TRAINED_MODEL} model first (${epochs} epoch${epochs === 1 ? '' : 's'}); save one with train --save-model DIR to skip this`);
  return { ok: true, judge: { name: TRAINED_MODEL, source: 'trained', callbacks: {} } };
}
