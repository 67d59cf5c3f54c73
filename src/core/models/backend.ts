/**
 * tfjs backend selection that works anywhere `src/core` runs: Node (CLI,
 * tests, benchmarks) and the worker. Node has no GPU backend here
 * (tfjs-node cannot install: it downloads a native library), so wasm and cpu
 * are the choices; the browser's WebGPU/WebGL ladder is in src/worker/backends.ts.
 */
import * as tf from '@tensorflow/tfjs';
// Registers the 'wasm' backend; its .wasm files are found next to the package in Node.
import '@tensorflow/tfjs-backend-wasm';
import type { Backend } from '../settings';

export type BackendResult = { ok: true; backend: Backend } | { ok: false; error: string };

/** Switches tfjs to `name`; the answer says which backend is now active. */
export async function useBackend(name: Backend): Promise<BackendResult> {
  if (tf.getBackend() === name) return { ok: true, backend: name };
  let switched: boolean;
  try {
    switched = await tf.setBackend(name);
    await tf.ready();
  } catch (err) {
    return { ok: false, error: `The ${name} backend could not start: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!switched) return { ok: false, error: `The ${name} backend is not available here.` };
  return { ok: true, backend: name };
}

/** Node order: wasm (SIMD) is 3-4x faster than plain-JS cpu for these models. */
export async function useBestNodeBackend(preferred?: Backend): Promise<BackendResult> {
  if (preferred) return useBackend(preferred);
  const wasm = await useBackend('wasm');
  return wasm.ok ? wasm : useBackend('cpu');
}

/** Name of the active backend, as our Backend type (tensorflow's names match ours). */
export function activeBackend(): Backend {
  return tf.getBackend() as Backend;
}

/**
 * Whether the active backend can differentiate tf.gather natively (its gradient
 * is UnsortedSegmentSum, missing on wasm): decides how embeddings train.
 */
export function hasNativeGatherGrad(): boolean {
  return tf.getKernel('UnsortedSegmentSum', tf.getBackend()) !== undefined;
}
