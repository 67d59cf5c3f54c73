import { describe, expect, it } from 'vitest';
import { UsageError } from '../command';
import { DEFAULT_TRAIN, NEURAL_MODELS } from '../../core/settings';
import { parseMethodList, trainSettingsFromFlags } from '../flags';

const parseNeuralModels = (text: string | undefined) => parseMethodList(text, NEURAL_MODELS, DEFAULT_TRAIN.models);

describe('train command flags', () => {
  it.each([
    { text: undefined, models: ['logreg', 'lstm', 'attention'] },
    { text: 'attention', models: ['attention'] },
    { text: 'lstm, logreg,lstm', models: ['lstm', 'logreg'] },
  ])('--models $text', ({ text, models }) => {
    expect(parseNeuralModels(text)).toEqual(models);
  });

  it.each([
    { flags: { models: 'lta' }, error: /Unknown model "lta"/ },
    { flags: { models: ',' }, error: /at least one/ },
    { flags: { epochs: '0' }, error: /--epochs must be a whole number/ },
    { flags: { 'batch-size': '2.5' }, error: /--batch-size/ },
    { flags: { 'learning-rate': '-1' }, error: /--learning-rate/ },
    { flags: { patience: 'x' }, error: /--patience/ },
    { flags: { backend: 'webgpu' }, error: /wasm or cpu/ },
  ])('rejects $flags with one line', ({ flags, error }) => {
    expect(() => trainSettingsFromFlags(flags, 1)).toThrow(UsageError);
    expect(() => trainSettingsFromFlags(flags, 1)).toThrow(error);
  });

  it('applies --epochs and --batch-size to every model and keeps the seed', () => {
    const s = trainSettingsFromFlags({ epochs: '3', 'batch-size': '32', 'drop-time-features': true, backend: 'cpu', patience: '2' }, 9);
    expect(s.epochs).toEqual({ logreg: 3, lstm: 3, attention: 3 });
    expect(s.batchSize).toEqual({ logreg: 32, lstm: 32, attention: 32 });
    expect(s).toMatchObject({ seed: 9, dropTimeFeatures: true, backend: 'cpu', earlyStoppingPatience: 2 });
  });
});
