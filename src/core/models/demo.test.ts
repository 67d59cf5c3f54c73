/**
 * On a demo-like log (the synthetic generator, planted truth, a smaller
 * audience than the app's demo so the test takes seconds), each model must
 * predict held-out conversions clearly better than chance.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../ingest';
import { prepareJourneys } from '../prepare';
import type { PreparedData } from '../prepared';
import { DEFAULT_PREPARE, DEFAULT_TRAIN } from '../settings';
import { DEMO_SYNTH_OPTIONS, generateSynthetic } from '../synth/generate';
import { useBackend } from './backend';
import { evaluateModel, trainModel } from './train';

let prepared: PreparedData;

beforeAll(async () => {
  expect((await useBackend('wasm')).ok).toBe(true);
  const parts: string[] = [];
  generateSynthetic({ ...DEMO_SYNTH_OPTIONS, users: 9000, campaigns: 20 }, (t) => parts.push(t));
  const blob = new Blob(parts);
  const loaded = await ingest({ name: 'demo.tsv', size: blob.size, stream: () => blob.stream() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  prepared = prepareJourneys(loaded.table, { ...DEFAULT_PREPARE, campaigns: { kind: 'all' } });
});

describe('held-out ROC-AUC on a demo-like log', () => {
  it.each(['logreg', 'lstm', 'attention'] as const)('%s is clearly above chance', async (name) => {
    // Fewer epochs than the article's and a larger step, to keep the test short.
    const settings = { ...DEFAULT_TRAIN, epochs: { logreg: 4, lstm: 2, attention: 2 }, learningRate: 0.005 };
    const model = await trainModel(prepared, name, settings);
    const metrics = await evaluateModel(model, prepared);
    model.dispose();
    expect(metrics.journeys).toBeGreaterThan(100);
    expect(metrics.auc).toBeGreaterThan(0.6);
  });
});
