/**
 * The bridge against the real worker api over a MessageChannel: the same
 * comlink messaging as the browser's worker, in Node.
 */
import { expose } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { useBackend } from '../core/models/backend';
import { generateSynthetic } from '../core/synth/generate';
import type { JobProgress } from '../shared/protocol';
import { defaultRunSettings } from '../shared/run-settings';
import { createWorkerApi } from '../worker/api';
import { AttributionBridge, type WorkerLike } from './bridge';

const ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) p.close();
});

function inProcessBridge(): AttributionBridge {
  return new AttributionBridge(() => {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    // Plain-JS cpu: the browser's backend ladder needs a browser.
    expose(createWorkerApi({ initBackend: () => useBackend('cpu') }), port2);
    return port1 as unknown as WorkerLike;
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
