/**
 * Trained models kept between runs (IndexedDB in the browser): the key that
 * says when a kept model is the one a run would train, and the check that it
 * still reads the prepared journeys. The storage itself lives outside core.
 */
import { featureLayout } from './models/inputs';
import type { TrainedModel } from './models/train';
import type { PreparedData } from './prepared';
import type { NeuralModelName, PrepareSettings, TrainSettings } from './settings';
import type { EventTable } from './table';

/** A kept model, with when it was trained (ISO date) when the store knows it. */
export type KeptModel = TrainedModel & { keptAt?: string };

export interface ModelStore {
  load(key: string): Promise<KeptModel | null>;
  save(key: string, model: TrainedModel): Promise<void>;
}

/** Prefix of every kept model's key in the browser's IndexedDB model store. */
export const MODEL_STORE_PREFIX = 'attribution-lab-';

/** JSON with sorted keys, so the same settings give the same text whatever order they were built in. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Two FNV-1a 32-bit hashes with different offsets: 16 hex characters, short enough for a store name. */
function hashText(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/**
 * Key of one model of one run: the data (a fingerprint, not its bytes), the
 * preparation, and the training settings that change that model's weights.
 * The backend is left out: the same seed trains the same model on each, up to float error.
 */
export function modelKey(table: EventTable, prepare: PrepareSettings, train: TrainSettings, model: NeuralModelName): string {
  return hashText(
    stableJson({
      data: { rows: table.rowCount, users: table.userCount, campaigns: table.campaignIds.length, name: table.source.name, textBytes: table.source.textBytes },
      prepare,
      train: {
        epochs: train.epochs[model],
        batchSize: train.batchSize[model],
        learningRate: train.learningRate,
        seed: train.seed,
        dropTimeFeatures: train.dropTimeFeatures,
        patience: train.earlyStoppingPatience,
      },
      model,
    }),
  );
}

/**
 * A kept model reads campaigns and category values by prepared index, so it
 * is reused only when those line up exactly (a hash collision or an older
 * preparation code must not give silently wrong weights).
 */
export function keptModelFits(model: TrainedModel, prepared: PreparedData, name: NeuralModelName, dropTimeFeatures: boolean): boolean {
  if (model.name !== name) return false;
  const ids = prepared.campaignIds;
  if (model.campaignIds.length !== ids.length || model.campaignIds.some((id, i) => id !== ids[i])) return false;
  const here = featureLayout(prepared, dropTimeFeatures);
  return (
    model.layout.categoryColumns === here.categoryColumns &&
    model.layout.vocabulary === here.vocabulary &&
    model.layout.numericNames.join(',') === here.numericNames.join(',') &&
    model.layout.numericUsed.join(',') === here.numericUsed.join(',') &&
    (model.layout.userColumns ?? 0) === (here.userColumns ?? 0) &&
    (model.layout.userVocabulary ?? 0) === (here.userVocabulary ?? 0)
  );
}
