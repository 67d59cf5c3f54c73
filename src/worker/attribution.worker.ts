/**
 * The comlink shell: one api instance per worker, holding the loaded table,
 * the prepared journeys and the trained models between calls.
 */
import { expose } from 'comlink';
import { createWorkerApi } from './api';
import { startBrowserBackend } from './backends';

const api = createWorkerApi({
  initBackend: async (preferred) => {
    const choice = await startBrowserBackend(preferred);
    return choice.ok ? { ok: true, backend: choice.backend, detail: choice.reason } : { ok: false, error: choice.error };
  },
});
export type WorkerApi = typeof api;
expose(api);
