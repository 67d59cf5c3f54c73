/**
 * Trained models kept in this browser's IndexedDB through tfjs's own
 * 'indexeddb://' handler, one entry per model key (see core/model-store.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { MODEL_STORE_PREFIX, type ModelStore } from '../core/model-store';
import { loadModel, saveModel } from '../core/models/io';

export interface KeptModelStore extends ModelStore {
  /** Deletes every model this app kept; resolves to how many there were. */
  forget(): Promise<number>;
  /** Deletes one kept model (no error when it is not there). */
  remove(key: string): Promise<void>;
}

const SCHEME = 'indexeddb://';

async function keptPaths(): Promise<Record<string, tf.io.ModelArtifactsInfo>> {
  const all = await tf.io.listModels();
  return Object.fromEntries(Object.entries(all).filter(([path]) => path.startsWith(SCHEME + MODEL_STORE_PREFIX)));
}

export function browserModelStore(): KeptModelStore {
  return {
    async load(key) {
      const path = SCHEME + MODEL_STORE_PREFIX + key;
      // listModels first: loading a missing model throws, and a miss is the common case.
      const info = (await keptPaths())[path];
      if (!info) return null;
      const loaded = await loadModel(path);
      if (!loaded.ok) throw new Error(loaded.error);
      return { ...loaded.model, keptAt: info.dateSaved instanceof Date ? info.dateSaved.toISOString() : String(info.dateSaved) };
    },
    async save(key, model) {
      await saveModel(model, SCHEME + MODEL_STORE_PREFIX + key);
    },
    async remove(key) {
      const path = SCHEME + MODEL_STORE_PREFIX + key;
      if ((await keptPaths())[path]) await tf.io.removeModel(path);
    },
    async forget() {
      const paths = Object.keys(await keptPaths());
      for (const path of paths) await tf.io.removeModel(path);
      return paths.length;
    },
  };
}
