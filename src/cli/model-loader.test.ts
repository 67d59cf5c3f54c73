import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from './command';
import { scorerTrainSettings } from './flags';
import { checkModelFlag, findSavedModel } from './model-loader';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'h12-loader-'));
  mkdirSync(join(dir, 'saved', 'attention'), { recursive: true });
  writeFileSync(join(dir, 'saved', 'attention', 'model.json'), '{}');
  mkdirSync(join(dir, 'flat'));
  writeFileSync(join(dir, 'flat', 'model.json'), '{}');
  mkdirSync(join(dir, 'empty'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('finding a saved model', () => {
  it.each([
    { given: 'saved', found: 'saved/attention' },
    { given: 'saved/attention', found: 'saved/attention' },
    { given: 'flat', found: 'flat' },
  ])('$given -> $found', async ({ given, found }) => {
    expect(await findSavedModel(join(dir, given))).toEqual({ ok: true, dir: join(dir, found) });
  });

  it.each(['empty', 'nowhere'])('refuses %s with one line', async (given) => {
    const r = await findSavedModel(join(dir, given));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).not.toContain('\n');
  });

  it('accepts no --model at all (the model is trained then)', async () => {
    expect(await checkModelFlag(undefined)).toEqual({ ok: true });
  });
});

describe('training flags for the scorer', () => {
  it('trains the attention model whatever --models names, with the train command flags', () => {
    const s = scorerTrainSettings({ models: 'markov,removal', epochs: '2', 'batch-size': '16', model: 'x', 'drop-time-features': true }, 7);
    expect(s.models).toEqual(['attention']);
    expect(s.epochs.attention).toBe(2);
    expect(s.batchSize.attention).toBe(16);
    expect(s).toMatchObject({ seed: 7, dropTimeFeatures: true });
  });

  it.each([{ epochs: '0' }, { backend: 'webgl' }, { 'learning-rate': 'fast' }])('rejects %o', (flags) => {
    expect(() => scorerTrainSettings(flags, 1)).toThrow(UsageError);
  });
});
