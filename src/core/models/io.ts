/**
 * Saving and loading trained models in tfjs's own format (model.json plus a
 * binary weights file), through any tf.io handler: 'indexeddb://name' in the
 * browser, the pure file conversion below for Node (the CLI writes the files;
 * tfjs-node's file:// handler is not available here).
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../random';
import { createNetwork, disposeNetwork, variableShapes, type NetworkConfig } from './networks';
import type { TrainedModel } from './train';

/** What model.json's modelTopology holds for our networks (not a Keras topology): the trained model without its tensors. */
type SavedTopology = {
  format: 'attribution-lab-network';
  version: 1;
  config: NetworkConfig;
} & Pick<TrainedModel, 'name' | 'layout' | 'campaignIds' | 'negativeSamplingRate' | 'history' | 'keptEpoch' | 'backend' | 'seed'>;

/**
 * The model in tfjs's artifact form. Reads the weights asynchronously: on the
 * webgpu backend a synchronous read goes through OffscreenCanvas 'webgpu'
 * contexts, and inside our worker (Chromium 156) that lost the device
 * ("A valid external Instance reference no longer exists") a moment later.
 */
export async function modelArtifacts(model: TrainedModel): Promise<tf.io.ModelArtifacts> {
  const topology: SavedTopology = {
    format: 'attribution-lab-network',
    version: 1,
    name: model.name,
    config: model.network.config,
    layout: model.layout,
    campaignIds: model.campaignIds,
    negativeSamplingRate: model.negativeSamplingRate,
    history: model.history,
    keptEpoch: model.keptEpoch,
    backend: model.backend,
    seed: model.seed,
  };
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Float32Array[] = [];
  for (const [name, variable] of model.network.variables) {
    specs.push({ name, shape: variable.shape, dtype: 'float32' });
    parts.push((await variable.data()) as Float32Array);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const data = new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return {
    modelTopology: topology as unknown as object,
    format: 'attribution-lab-network',
    generatedBy: `TensorFlow.js tfjs-core v${tf.version_core}`,
    convertedBy: null,
    weightSpecs: specs,
    weightData: data.buffer,
  };
}

export type LoadResult = { ok: true; model: TrainedModel } | { ok: false; error: string };

export function modelFromArtifacts(artifacts: tf.io.ModelArtifacts): LoadResult {
  const topology = artifacts.modelTopology as unknown as SavedTopology | undefined;
  if (!topology || topology.format !== 'attribution-lab-network') return { ok: false, error: 'This is not a model saved by this app.' };
  if (!artifacts.weightSpecs || !artifacts.weightData) return { ok: false, error: 'The saved model has no weights.' };
  const buffer = artifacts.weightData instanceof ArrayBuffer ? artifacts.weightData : tf.io.concatenateArrayBuffers(artifacts.weightData);
  const values = new Map<string, Float32Array>();
  let at = 0;
  for (const spec of artifacts.weightSpecs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.dtype !== 'float32' || (at + size) * 4 > buffer.byteLength) return { ok: false, error: `The saved weights are damaged (${spec.name}).` };
    values.set(spec.name, new Float32Array(buffer.slice(at * 4, (at + size) * 4)));
    at += size;
  }
  for (const [name, shape] of variableShapes(topology.config)) {
    const value = values.get(name);
    if (!value || value.length !== shape.reduce((a, b) => a * b, 1)) return { ok: false, error: `The saved model lacks the weights "${name}".` };
  }
  // Every value is given, so the generator is never drawn from.
  const network = createNetwork(topology.config, createRng(0), 'auto', values);
  return {
    ok: true,
    model: {
      name: topology.name,
      network,
      layout: topology.layout,
      campaignIds: topology.campaignIds,
      negativeSamplingRate: topology.negativeSamplingRate,
      history: topology.history,
      keptEpoch: topology.keptEpoch,
      backend: topology.backend,
      seed: topology.seed,
      dispose: () => disposeNetwork(network),
    },
  };
}

/** Saves through a tf.io handler or a URL tfjs knows ('indexeddb://attention' in the browser). */
export async function saveModel(model: TrainedModel, target: tf.io.IOHandler | string): Promise<tf.io.SaveResult> {
  const handler = typeof target === 'string' ? tf.io.getSaveHandlers(target)[0] : target;
  if (!handler?.save) throw new Error(`No way to save a model to ${String(target)}.`);
  return handler.save(await modelArtifacts(model));
}

export async function loadModel(source: tf.io.IOHandler | string): Promise<LoadResult> {
  const handler = typeof source === 'string' ? tf.io.getLoadHandlers(source)[0] : source;
  if (!handler?.load) return { ok: false, error: `No way to load a model from ${String(source)}.` };
  try {
    return modelFromArtifacts(await handler.load());
  } catch (err) {
    return { ok: false, error: `The model could not be read: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** The two files of tfjs's format, for writing to disk: model.json and the weights it names. */
export function artifactsToFiles(artifacts: tf.io.ModelArtifacts, weightsName = 'weights.bin'): { modelJson: string; weights: Uint8Array } {
  const json = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
  };
  const data = artifacts.weightData;
  const buffer = data === undefined ? new ArrayBuffer(0) : data instanceof ArrayBuffer ? data : tf.io.concatenateArrayBuffers(data);
  return { modelJson: JSON.stringify(json), weights: new Uint8Array(buffer) };
}

export type FilesResult = { ok: true; artifacts: tf.io.ModelArtifacts } | { ok: false; error: string };

/** The reverse of artifactsToFiles: model.json text and the bytes of its single weights file. */
export function filesToArtifacts(modelJson: string, weights: Uint8Array): FilesResult {
  let json: { modelTopology?: object; format?: string; generatedBy?: string; convertedBy?: string | null; weightsManifest?: { weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(modelJson);
  } catch {
    return { ok: false, error: 'model.json is not valid JSON.' };
  }
  if (!json.weightsManifest?.length) return { ok: false, error: 'model.json lists no weights.' };
  const copy = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return {
    ok: true,
    artifacts: {
      modelTopology: json.modelTopology,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy ?? null,
      weightSpecs: json.weightsManifest.flatMap((m) => m.weights),
      weightData: copy,
    },
  };
}
