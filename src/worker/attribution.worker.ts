/**
 * The comlink shell: one api instance per worker, holding the loaded table,
 * the prepared journeys and the trained models between calls.
 */
import * as tf from '@tensorflow/tfjs';
import { expose } from 'comlink';
import { createWorkerApi } from './api';
import { startBrowserBackend } from './backends';
import { browserModelStore } from './model-store';

/** Set when the running GPU backend's device goes away; cleared when another backend starts. */
let lostReason: string | null = null;

/** The slice of tfjs's WebGPU backend we read: its GPUDevice's `lost` promise. */
interface WebGpuBackendLike {
  device?: { lost?: Promise<{ message?: string; reason?: string }> };
}

function watchDevice(backend: string): void {
  lostReason = null;
  if (backend !== 'webgpu') return;
  const lost = (tf.backend() as unknown as WebGpuBackendLike).device?.lost;
  // A lost device makes the next kernel throw with a vague message; this says why.
  void lost?.then((info) => {
    if (tf.getBackend() === 'webgpu') lostReason = `WebGPU device lost (${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''})`;
  });
}

const api = createWorkerApi({
  initBackend: async (preferred) => {
    const choice = await startBrowserBackend(preferred);
    if (!choice.ok) return { ok: false, error: choice.error };
    watchDevice(choice.backend);
    return { ok: true, backend: choice.backend, detail: choice.reason };
  },
  backendLost: () => lostReason,
  modelStore: browserModelStore(),
  crash: (kind) => {
    if (kind === 'close') self.close();
    // Thrown outside any promise, so the browser reports it as the worker's uncaught error.
    else setTimeout(() => {
      throw new Error('Simulated uncaught error in the worker (test hook)');
    });
  },
});
export type WorkerApi = typeof api;
expose(api);
