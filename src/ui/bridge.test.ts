/**
 * The bridge against the real worker api over a MessageChannel: the same
 * comlink messaging as the browser's worker, in Node. What the api itself
 * does is tested on both sides of comlink in src/worker/api.test.ts; these
 * cases are the bridge's own: one job at a time, cancel by signal, listeners,
 * restarts.
 */
import { expose } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { useBackend as switchBackend } from '../core/models/backend';
import { generateSynthetic } from '../core/synth/generate';
import type { JobProgress } from '../shared/protocol';
import { defaultRunSettings } from '../core/settings';
import { createWorkerApi } from '../worker/api';
import { AttributionBridge, WORKER_STOPPED_CODE, type WorkerLike, type WorkerRestart } from './bridge';

const ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) p.close();
});

/** Workers started so far by the bridge under test, newest last. */
let started = 0;

/**
 * A worker in process. Its crash hook does what a dying worker does to the
 * page's side: 'close' closes its ports (as `self.close()` would), 'error'
 * fires the worker's error event (as an uncaught error would).
 */
function inProcessBridge(testHooks = true, crashOnLoadInWorker?: number): AttributionBridge {
  return new AttributionBridge(
    () => {
      const { port1, port2 } = new MessageChannel();
      ports.push(port1, port2);
      started++;
      const crashOnLoad = started === crashOnLoadInWorker;
      const api = createWorkerApi({
        // Plain-JS cpu: the browser's backend ladder needs a browser.
        initBackend: () => switchBackend('cpu'),
        testHooks: true,
        crash: (kind) => {
          if (kind === 'close') port2.close();
          else port1.dispatchEvent(Object.assign(new Event('error'), { message: 'Uncaught Error: boom' }));
        },
      });
      if (crashOnLoad) {
        // This worker dies reading any file, as one out of memory would.
        api.loadFile = async () => {
          await api.__simulateCrash('close');
          return new Promise(() => undefined);
        };
      }
      expose(api, port2);
      return port1 as unknown as WorkerLike;
    },
    { testHooks },
  );
}

function nextRestart(bridge: AttributionBridge): Promise<WorkerRestart> {
  return new Promise((resolve) => {
    const stop = bridge.onRestart((event) => {
      stop();
      resolve(event);
    });
  });
}

function criteoFile(users: number): File {
  const parts: string[] = [];
  generateSynthetic({ seed: 9, users, campaigns: 6 }, (t) => parts.push(t));
  return new File(parts, 'small.tsv');
}

describe('AttributionBridge', () => {
  it('loads through the worker and reports progress', async () => {
    const bridge = inProcessBridge();
    const progress: JobProgress[] = [];
    const result = await bridge.loadFile(criteoFile(100), undefined, { onProgress: (p) => progress.push(p) });
    expect(result.ok && result.value.kind).toBe('loaded');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.step === 'parse')).toBe(true);
  });

  it('answers an aborted signal with a cancelled error without calling the worker', async () => {
    const bridge = inProcessBridge();
    const controller = new AbortController();
    controller.abort();
    const result = await bridge.loadFile(criteoFile(50), undefined, { signal: controller.signal });
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ name: 'AbortError' }) });
  });

  it('cancels a run in the worker while a model trains', async () => {
    const bridge = inProcessBridge();
    await bridge.loadFile(criteoFile(300), undefined);
    const settings = defaultRunSettings();
    settings.prepare.campaigns = { kind: 'all' };
    settings.train.models = ['logreg'];
    settings.train.epochs.logreg = 500;
    settings.train.batchSize.logreg = 8;
    const controller = new AbortController();
    const steps: string[] = [];
    const started = Date.now();
    // Aborted at the first training report: the job is surely running in the worker by then.
    const result = await bridge.run(settings, {
      signal: controller.signal,
      onProgress: (p) => {
        steps.push(p.step);
        if (p.step === 'logreg') controller.abort();
      },
    });
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ name: 'AbortError' }) });
    expect(steps).toContain('logreg');
    expect(steps).not.toContain('simulate');
    // 500 epochs would take minutes; the cancel lands within a batch or two.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('passes the backend to onBackend, apart from progress and losses', async () => {
    const bridge = inProcessBridge();
    await bridge.loadFile(criteoFile(200), undefined);
    const settings = defaultRunSettings();
    settings.prepare.campaigns = { kind: 'all' };
    settings.train.models = ['logreg'];
    settings.train.epochs.logreg = 1;
    const backends: { name: string; detail?: string }[] = [];
    const progress: JobProgress[] = [];
    let losses = 0;
    const result = await bridge.run(settings, {
      onProgress: (p) => progress.push(p),
      onLoss: () => losses++,
      onBackend: (b) => backends.push(b),
    });
    expect(result.ok && result.value.backend).toBe('cpu');
    expect(backends).toEqual([{ name: 'cpu' }]);
    expect(losses).toBeGreaterThan(0);
    expect(progress.some((p) => 'backend' in p)).toBe(false);
  });

  it('runs jobs one at a time, in call order', async () => {
    const bridge = inProcessBridge();
    const order: string[] = [];
    const settings = defaultRunSettings();
    settings.train.models = [];
    // The run is queued behind the load, so it finds the table loaded.
    const load = bridge.loadFile(criteoFile(200), undefined).then((r) => (order.push('load'), r));
    const run = bridge.run(settings).then((r) => (order.push('run'), r));
    const [loaded, ran] = await Promise.all([load, run]);
    expect(loaded.ok).toBe(true);
    expect(ran.ok).toBe(true);
    expect(order).toEqual(['load', 'run']);
  });

  it('returns worker failures as plain {name, message} values', async () => {
    const bridge = inProcessBridge();
    const result = await bridge.resweep({ pitches: [1], unit: 'impressions' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(Object.getPrototypeOf(result.error)).toBe(Object.prototype);
      expect(result.error).toEqual({ name: 'StateError', message: 'Run the models first.' });
    }
  });
});

describe('AttributionBridge after the worker dies', () => {
  it.each(['close', 'error'] as const)('restarts the worker and reloads the log after a crash by %s', async (kind) => {
    const bridge = inProcessBridge();
    const loaded = await bridge.loadFile(criteoFile(120), undefined);
    if (!(loaded.ok && loaded.value.kind === 'loaded')) throw new Error('not loaded');
    const before = started;
    const restart = nextRestart(bridge);
    expect(await bridge.simulateCrash(kind)).toBe(true);
    const event = await restart;
    expect(started).toBe(before + 1);
    expect(event.message).toBe('The worker stopped; it was restarted and your file was reloaded.');
    expect(event.reloaded?.summary.rows).toBe(loaded.value.log.summary.rows);
    // The new worker holds the table: a run needs no new load.
    const settings = defaultRunSettings();
    settings.train.models = [];
    settings.prepare.campaigns = { kind: 'all' };
    const ran = await bridge.run(settings);
    expect(ran.ok).toBe(true);
  });

  it('fails the job in flight with a plain worker-stopped error, then reloads', async () => {
    const bridge = inProcessBridge();
    await bridge.loadFile(criteoFile(300), undefined);
    const settings = defaultRunSettings();
    settings.prepare.campaigns = { kind: 'all' };
    settings.train.models = ['logreg'];
    settings.train.epochs.logreg = 500;
    settings.train.batchSize.logreg = 8;
    const restart = nextRestart(bridge);
    let crashed = false;
    const result = await bridge.run(settings, {
      onProgress: (p) => {
        if (p.step !== 'logreg' || crashed) return;
        crashed = true;
        void bridge.simulateCrash('close');
      },
    });
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ name: 'WorkerStopped', code: WORKER_STOPPED_CODE }) });
    if (!result.ok) expect(Object.getPrototypeOf(result.error)).toBe(Object.prototype);
    expect((await restart).reloaded).not.toBeNull();
  });

  it('restarts without a reload when no log was loaded', async () => {
    const bridge = inProcessBridge();
    await bridge.memory();
    const restart = nextRestart(bridge);
    await bridge.simulateCrash('error');
    expect(await restart).toMatchObject({ reloaded: null, message: 'The worker stopped; it was restarted.' });
    const memory = await bridge.memory();
    expect(memory.ok).toBe(true);
  });

  it('refuses the crash hook when test hooks are off', async () => {
    const bridge = inProcessBridge(false);
    await bridge.memory();
    expect(await bridge.simulateCrash('close')).toBe(false);
    expect(await bridge.setFailBackend('cpu')).toBe(false);
    expect(await bridge.setLoadDelay(50)).toBe(false);
  });

  it('slows a load chunk by chunk with the load-delay hook, and the same file reads the same', async () => {
    const bridge = inProcessBridge();
    const fast = await bridge.loadFile(criteoFile(100), undefined);
    // A 100-user log reads in milliseconds: the wait is what takes the time.
    expect(await bridge.setLoadDelay(400)).toBe(true);
    const started = performance.now();
    const slow = await bridge.loadFile(criteoFile(100), undefined);
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);
    expect(slow.ok && fast.ok && slow.value.kind === 'loaded' && fast.value.kind === 'loaded').toBe(true);
    if (slow.ok && fast.ok && slow.value.kind === 'loaded' && fast.value.kind === 'loaded') {
      expect(slow.value.log.summary).toEqual(fast.value.log.summary);
    }
  });

  it('gives up, without a loop, when the new worker dies reading the file again', async () => {
    started = 0;
    const bridge = inProcessBridge(true, 2);
    await bridge.loadFile(criteoFile(100), undefined);
    const restart = nextRestart(bridge);
    await bridge.simulateCrash('close');
    const event = await restart;
    expect(event.reloaded).toBeNull();
    expect(event.message).toMatch(/^The worker stopped and was restarted, but your file could not be read again \(.+\)\. Load it again\.$/);
    const settings = defaultRunSettings();
    settings.train.models = [];
    const ran = await bridge.run(settings);
    expect(ran).toEqual({ ok: false, error: { name: 'StateError', message: 'Load a log before running the models.' } });
    // The first worker, the one that died reloading, and a fresh one for the run: no third reload.
    expect(started).toBe(3);
  });
});
