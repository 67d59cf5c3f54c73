/**
 * One suite, two hosts (duckdb-wasm's habit): every case runs against the
 * worker's functions in process and against the same functions exposed over
 * comlink across a MessageChannel, the messaging the browser's worker uses.
 * The bridge's own cases (queue, cancel by signal, restarts) are in
 * src/ui/bridge.test.ts.
 */
import { expose, proxy, wrap } from 'comlink';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { groupJourneys } from '../core/journeys';
import { useBackend } from '../core/models/backend';
import { modelArtifacts, modelFromArtifacts } from '../core/models/io';
import { defaultRunSettings, type Backend } from '../core/settings';
import { generateSynthetic } from '../core/synth/generate';
import type { JobProgress } from '../shared/protocol';
import { BACKEND_FAILED_CODE, createWorkerApi, type WorkerApiShape, type WorkerDeps } from './api';
import type { KeptModelStore } from './model-store';

// Passes through to the real grouping, counting calls: a run must reuse the grouping made at load.
vi.mock('../core/journeys', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../core/journeys')>();
  return { ...actual, groupJourneys: vi.fn(actual.groupJourneys) };
});

interface ApiHost {
  name: string;
  create(deps?: WorkerDeps): WorkerApiShape;
  /**
   * Whether a listener's throw reaches the worker's run. Over comlink the
   * listener runs on the page's side and its error stays there.
   */
  listenerThrowsIntoRun: boolean;
  /**
   * Whether a cancel sent during a load reaches it. Node reads an in-memory
   * File without giving the event loop a turn, so over comlink the cancel
   * message waits behind the whole load (a browser's file reads do yield).
   */
  cancelReachesLoad: boolean;
  /** Resolves once the listeners have heard everything the worker told them (over comlink they lag the result). */
  settle(): Promise<void>;
}

const ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) p.close();
});

const inProcess: ApiHost = { name: 'in process', create: (deps) => createWorkerApi(deps), listenerThrowsIntoRun: true, cancelReachesLoad: true, settle: async () => {} };

/** The api behind comlink; function arguments are proxied, as the bridge proxies its listeners. */
const overComlink: ApiHost = {
  name: 'over comlink',
  listenerThrowsIntoRun: false,
  cancelReachesLoad: false,
  // Each listener has its own port, so its last calls can land after the job's result.
  settle: () => new Promise((resolve) => setTimeout(resolve, 20)),
  create(deps) {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    expose(createWorkerApi(deps), port2);
    const remote = wrap<WorkerApiShape>(port1) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    return new Proxy({} as WorkerApiShape, {
      get: (_target, name) =>
        // Not a thenable: an async function returning this object must not await it.
        name === 'then' || typeof name !== 'string'
          ? undefined
          : (...args: unknown[]) => remote[name](...args.map((a) => (typeof a === 'function' ? proxy(a) : a))),
    });
  },
};

function criteoFile(seed: number, users: number) {
  const parts: string[] = [];
  const truth = generateSynthetic({ seed, users, campaigns: 8 }, (t) => parts.push(t));
  return { file: new File(parts, 'small.tsv'), truth };
}

/** Position models only: the worker's bookkeeping is under test here, not training. */
function quickSettings() {
  const s = defaultRunSettings();
  s.train.models = [];
  s.prepare.campaigns = { kind: 'all' };
  return s;
}

/** Node's ladder is wasm then cpu; a started backend is reported with a detail line like the browser's. */
const nodeBackends: WorkerDeps['initBackend'] = async (preferred) => {
  const started = await useBackend(preferred ?? 'wasm');
  return started.ok ? { ok: true, backend: started.backend, detail: `${started.backend} (node)` } : started;
};

/** One tiny logistic regression: enough to start a backend and train on it. */
function trainingSettings() {
  const s = quickSettings();
  s.train.models = ['logreg'];
  s.train.epochs.logreg = 1;
  s.train.batchSize.logreg = 32;
  return s;
}

/** A kept-model store in memory, round-tripping through tfjs artifacts like IndexedDB does. */
function memoryKeptStore() {
  const kept = new Map<string, Awaited<ReturnType<typeof modelArtifacts>>>();
  const loads: string[] = [];
  const store: KeptModelStore = {
    async load(key) {
      loads.push(key);
      const artifacts = kept.get(key);
      if (!artifacts) return null;
      const loaded = modelFromArtifacts(artifacts);
      return loaded.ok ? loaded.model : null;
    },
    async save(key, model) {
      kept.set(key, await modelArtifacts(model));
    },
    async remove(key) {
      kept.delete(key);
    },
    async forget() {
      const n = kept.size;
      kept.clear();
      return n;
    },
  };
  return { store, kept, loads };
}

describe.each([inProcess, overComlink])('worker api, $name', (host) => {
  async function loadedApi(deps: WorkerDeps) {
    const api = host.create(deps);
    const loaded = await api.loadFile(1, criteoFile(6, 200).file);
    expect(loaded.ok).toBe(true);
    return api;
  }

  describe('loading and running', () => {
    it("loads a Criteo file and summarises it with the generator's counts", async () => {
      const api = host.create();
      const { file, truth } = criteoFile(3, 150);
      const progress: JobProgress[] = [];
      const result = await api.loadFile(1, file, undefined, (p) => progress.push(p));
      await host.settle();
      expect(result.ok).toBe(true);
      if (!result.ok || result.value.kind !== 'loaded') throw new Error('not loaded');
      const s = result.value.log.summary;
      expect({ rows: s.rows, users: s.users, journeys: s.journeys, convertedJourneys: s.convertedJourneys }).toEqual({
        rows: truth.counts.rows,
        users: truth.counts.users,
        journeys: truth.counts.journeys,
        convertedJourneys: truth.counts.convertedJourneys,
      });
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.every((p) => p.step === 'parse')).toBe(true);
      expect(progress.at(-1)).toMatchObject({ step: 'parse', done: file.size, total: file.size });
      expect(await api.loadedRows()).toBe(truth.counts.rows);
    });

    it("asks for a mapping, with a preview, when the columns are not Criteo's", async () => {
      const api = host.create();
      const file = new File(['user,time,channel,converted\nu1,2024-01-01T00:00:00Z,email,1\n'], 'own.csv');
      const result = await api.loadFile(1, file);
      expect(result.ok && result.value.kind).toBe('needs-mapping');
      if (result.ok && result.value.kind === 'needs-mapping') expect(result.value.preview.header).toContain('channel');
    });

    it.each([
      ['an HTML page', '<!doctype html><html><body>hi</body></html>\n', 'html'],
      ['an empty file', '', 'empty'],
    ])('turns %s into a plain error with the core code', async (_name, text, code) => {
      const api = host.create();
      const result = await api.loadFile(1, new File([text], 'x.tsv'));
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe(code);
        expect(result.error.message).not.toContain('\n');
        expect(Object.getPrototypeOf(result.error)).toBe(Object.prototype);
      }
    });

    // Registered only where the host can deliver it (see the host's flag), rather than reported as skipped.
    if (host.cancelReachesLoad) it('reports a cancelled load as cancelled', async () => {
      const api = host.create();
      const { file } = criteoFile(4, 400);
      const pending = api.loadFile(7, file);
      await api.cancel(7);
      const result = await pending;
      expect(result).toEqual({ ok: false, error: expect.objectContaining({ name: 'AbortError' }) });
      expect(await api.loadedRows()).toBeNull();
    });

    it('refuses to run before a log is loaded', async () => {
      const result = await host.create().run(1, quickSettings());
      expect(result).toEqual({ ok: false, error: { name: 'StateError', message: 'Load a log before running the models.' } });
    });

    it('returns failures as plain {name, message} values', async () => {
      const result = await host.create().resweep(1, { pitches: [1], unit: 'impressions' });
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(Object.getPrototypeOf(result.error)).toBe(Object.prototype);
        expect(result.error).toEqual({ name: 'StateError', message: 'Run the models first.' });
      }
    });

    it('runs, then re-sweeps another budget and recommends without running again', async () => {
      const api = host.create();
      await api.loadFile(1, criteoFile(5, 300).file);
      const steps = new Set<string>();
      const ran = await api.run(2, quickSettings(), (p) => steps.add(p.step));
      await host.settle();
      expect(ran.ok).toBe(true);
      if (!ran.ok) return;
      expect([...steps]).toEqual(expect.arrayContaining(['prepare', 'position', 'simulate']));
      expect(ran.value.campaignIds.length).toBe(ran.value.impressions.length);
      expect(ran.value.sweep.models.map((m) => m.model)).toEqual(expect.arrayContaining(['lta', 'uniform']));

      const budget = ran.value.sweep.budget / 2;
      const swept = await api.resweep(3, { ...quickSettings().simulate, budget });
      expect(swept.ok && swept.value.budget).toBe(budget);

      const rec = await api.recommend(4, { model: 'lta', pitch: 1, unit: 'impressions', budget });
      expect(rec.ok).toBe(true);
      if (rec.ok) {
        const total = rec.value.campaigns.reduce((a, c) => a + c.recommended, 0);
        // Whole impressions per campaign: the ceil adds less than one per campaign.
        expect(total).toBeGreaterThanOrEqual(budget);
        expect(total).toBeLessThan(budget + rec.value.campaigns.length);
      }
      // No attention model, no recommendation: nothing to judge response curves with (the e2e spec runs them for real).
      const curves = await api.responseCurves(5, [{ key: 'a', label: 'a', members: [ran.value.campaignIds[0]] }]);
      expect(curves).toEqual({ ok: false, error: { name: 'StateError', message: 'Run the models with the recommendation first.' } });
    });

    it('groups the journeys once per load, not again on each run', async () => {
      const grouped = vi.mocked(groupJourneys);
      const api = host.create();
      const before = grouped.mock.calls.length;
      await api.loadFile(1, criteoFile(5, 200).file);
      expect(grouped.mock.calls.length).toBe(before + 1);
      for (const job of [2, 3]) expect((await api.run(job, quickSettings())).ok).toBe(true);
      expect(grouped.mock.calls.length).toBe(before + 1);
    });

    it('cancels a run while a model trains', async () => {
      const api = await loadedApi({ initBackend: nodeBackends });
      const settings = trainingSettings();
      settings.train.epochs.logreg = 500;
      settings.train.batchSize.logreg = 8;
      const steps: string[] = [];
      const started = Date.now();
      // Cancelled at the first training report: the run is surely under way by then.
      const result = await api.run(2, settings, (p) => {
        steps.push(p.step);
        if (p.step === 'logreg') void api.cancel(2);
      });
      await host.settle();
      expect(result).toEqual({ ok: false, error: expect.objectContaining({ name: 'AbortError' }) });
      expect(steps).toContain('logreg');
      expect(steps).not.toContain('simulate');
      // 500 epochs would take minutes; the cancel lands within a batch or two.
      expect(Date.now() - started).toBeLessThan(20_000);
    });

    it('tells the backend through its own listener, never as progress', async () => {
      const api = await loadedApi({ initBackend: nodeBackends });
      const progress: JobProgress[] = [];
      const backends: { name: string; detail?: string }[] = [];
      const result = await api.run(2, trainingSettings(), (p) => progress.push(p), undefined, (b) => backends.push(b));
      await host.settle();
      expect(result.ok && result.value.backend).toBe('wasm');
      expect(backends).toEqual([{ name: 'wasm', detail: 'wasm (node)' }]);
      expect(progress.some((p) => 'backend' in p || 'backendDetail' in p)).toBe(false);
    });
  });

  describe('backend failures', () => {
    it('falls back from a failing backend to the next one and says so', async () => {
      const api = await loadedApi({ initBackend: nodeBackends, testHooks: true });
      expect(await api.__setFailBackend('wasm')).toBe(true);
      const backends: { name: string; detail?: string }[] = [];
      const result = await api.run(2, trainingSettings(), undefined, undefined, (b) => backends.push(b));
      await host.settle();
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.value.backend).toBe('cpu');
      expect(result.value.metrics.logreg.backend).toBe('cpu');
      expect(result.value.notes.join(' ')).toContain('fell back from wasm');
      expect(backends.map((b) => b.name)).toEqual(['wasm', 'cpu']);
      expect(backends.find((b) => b.name === 'cpu')?.detail).toMatch(/^cpu \(node\); fell back from wasm \(.*device lost/);
    });

    it.each<[string, Backend | undefined]>([
      ['the best backend', undefined],
      ['a backend the user chose', 'cpu'],
    ])('stops with a plain message when the last backend fails, starting from %s', async (_name, chosen) => {
      const api = await loadedApi({ initBackend: nodeBackends, testHooks: true });
      await api.__setFailBackend('cpu');
      const settings = trainingSettings();
      settings.train.backend = chosen ?? 'cpu';
      const result = await api.run(2, settings);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error).toMatchObject({ name: 'BackendError', code: BACKEND_FAILED_CODE });
      expect(result.error.message).toContain('cpu:');
      expect(result.error.message).not.toContain('\n');
      expect(Object.getPrototypeOf(result.error)).toBe(Object.prototype);
    });

    it('honours no test hook unless they are turned on', async () => {
      const api = await loadedApi({ initBackend: nodeBackends });
      expect(await api.__setFailBackend('wasm')).toBe(false);
      expect(await api.__simulateCrash('close')).toBe(false);
      const result = await api.run(2, trainingSettings());
      expect(result.ok && result.value.backend).toBe('wasm');
    });

    it('refuses bad settings before any backend starts, without a retry', async () => {
      let starts = 0;
      const api = await loadedApi({ initBackend: (p) => (starts++, nodeBackends(p)) });
      const settings = trainingSettings();
      settings.train.batchSize.logreg = 0;
      const refused = await api.run(2, settings);
      expect(refused).toEqual({ ok: false, error: expect.objectContaining({ name: 'RunError' }) });
      expect(starts).toBe(0);
    });

    if (host.listenerThrowsIntoRun) it.each([
      ['a lost device', 'WebGPU device lost (destroyed)', 2, true],
      ['a failure the backend did not cause', null, 1, false],
    ])('after %s, retries on the next backend only when the backend broke', async (_name, lostReason, expectedStarts, retried) => {
      let lost: string | null = null;
      let starts = 0;
      const api = await loadedApi({
        initBackend: async () => {
          starts++;
          // The first start stands in for a GPU backend (Node has none) whose device is then lost.
          const first = starts === 1;
          lost = first ? lostReason : null;
          const started = await nodeBackends('wasm');
          return first && started.ok ? { ...started, backend: 'webgpu' } : started;
        },
        backendLost: () => lost,
      });
      let failedOnce = false;
      // A lost device makes the next kernel throw something vague; an epoch listener throwing stands in for it.
      const result = await api.run(2, trainingSettings(), undefined, () => {
        if (failedOnce) return;
        failedOnce = true;
        throw new Error('vague kernel failure');
      });
      expect(starts).toBe(expectedStarts);
      expect(result.ok).toBe(retried);
      if (result.ok) expect(result.value.notes.join(' ')).toContain(`fell back from webgpu: ${lostReason}`);
      else expect(result.error).toMatchObject({ name: 'RunError', message: 'vague kernel failure' });
    });

    it('brings tfjs tensors back to the same count after each run', async () => {
      const api = await loadedApi({ initBackend: nodeBackends });
      expect((await api.memory()).backend).toBeNull();
      const counts: number[] = [];
      for (const job of [2, 3, 4]) {
        const result = await api.run(job, trainingSettings());
        expect(result.ok).toBe(true);
        counts.push((await api.memory()).numTensors);
      }
      // The first run leaves one trained model in place; the next runs replace it, they do not add to it.
      expect(counts[0]).toBeGreaterThan(0);
      expect(counts[1]).toBe(counts[0]);
      expect(counts[2]).toBe(counts[0]);
      const memory = await api.memory();
      expect(memory.heldArrays).toBeGreaterThan(0);
      expect(memory.heldBytes).toBeGreaterThan(0);
    });
  });

  describe('models kept in the browser', () => {
    it('a retry after a backend failure trains afresh: it neither reuses nor keeps models', async () => {
      const { store, kept, loads } = memoryKeptStore();
      const api = await loadedApi({ initBackend: nodeBackends, modelStore: store, testHooks: true });
      expect((await api.run(2, trainingSettings())).ok).toBe(true);
      expect(kept.size).toBe(1);
      const loadsBefore = loads.length;

      expect(await api.__setFailBackend('wasm')).toBe(true);
      const retried = await api.run(3, trainingSettings());
      if (!retried.ok) throw new Error(retried.error.message);
      expect(retried.value.backend).toBe('cpu');
      // A model from the store could have come from the backend that just failed: the retry trains.
      expect(retried.value.notes.some((n) => n.includes('reused the model kept'))).toBe(false);
      expect(loads.length).toBe(loadsBefore);
      expect(kept.size).toBe(1);
    });

    it('reuses a kept model on the second run, skips the store when reuse is off, and forgets them', async () => {
      const { store, kept, loads } = memoryKeptStore();
      const api = await loadedApi({ initBackend: nodeBackends, modelStore: store });
      const first = await api.run(2, trainingSettings());
      expect(first.ok).toBe(true);
      expect(kept.size).toBe(1);
      const second = await api.run(3, trainingSettings());
      if (!second.ok || !first.ok) throw new Error('run failed');
      expect(second.value.notes.some((n) => n.startsWith('logreg: reused the model kept in this browser'))).toBe(true);
      expect(second.value.weights.logreg).toEqual(first.value.weights.logreg);

      const loadsBefore = loads.length;
      const off = await api.run(4, { ...trainingSettings(), reuseKeptModels: false });
      expect(off.ok && off.value.notes.some((n) => n.includes('reused'))).toBe(false);
      expect(loads.length).toBe(loadsBefore);

      expect(await api.forgetKeptModels()).toEqual({ ok: true, value: 1 });
      expect(kept.size).toBe(0);
    });

    it('reports a store that cannot delete as a plain error', async () => {
      const { store } = memoryKeptStore();
      const api = host.create({ modelStore: { ...store, forget: () => Promise.reject(new Error('blocked\nstack')) } });
      expect(await api.forgetKeptModels()).toEqual({
        ok: false,
        error: { name: 'StoreError', message: 'The kept models could not be deleted: blocked' },
      });
    });
  });
});
