import { describe, expect, it } from 'vitest';
import { STEP_LABELS } from '../core/methods';
import { PIPELINE_STEPS } from '../shared/protocol';
import { activeSteps, completeAll, foldProgress, overallShare, stepLabel } from './run-progress';

describe('run progress', () => {
  const OFF = { markov: false, modelBased: false, modelReplay: false, recommend: false, maxJourneys: 100 };
  it.each([
    [['logreg', 'lstm', 'attention'], OFF, ['parse', 'prepare', 'position', 'logreg', 'lstm', 'attention', 'simulate']],
    [['attention'], OFF, ['parse', 'prepare', 'position', 'attention', 'simulate']],
    [[], OFF, ['parse', 'prepare', 'position', 'simulate']],
    [
      ['logreg', 'lstm', 'attention'],
      undefined,
      ['parse', 'prepare', 'position', 'counterfactual', 'logreg', 'lstm', 'attention', 'counterfactual-model', 'simulate', 'model-replay', 'recommend'],
    ],
    // Without the attention model there is nothing to judge the model-based steps.
    [['logreg'], undefined, ['parse', 'prepare', 'position', 'counterfactual', 'logreg', 'simulate']],
    [['attention'], { ...OFF, modelReplay: true }, ['parse', 'prepare', 'position', 'attention', 'simulate', 'model-replay']],
    [['attention'], { ...OFF, recommend: true }, ['parse', 'prepare', 'position', 'attention', 'simulate', 'recommend']],
  ])('models %j with counterfactual %j run steps %j', (models, counterfactual, steps) =>
    expect(activeSteps(models, counterfactual)).toEqual(steps),
  );

  it('marks earlier steps finished and counts each step equally', () => {
    const steps = activeSteps(['attention'], { markov: false, modelBased: false, modelReplay: false, recommend: false, maxJourneys: 100 });
    const state = foldProgress({}, { step: 'attention', done: 1, total: 2 }, steps);
    expect(state.parse).toEqual({ done: 1, total: 1, detail: undefined });
    expect(state.position?.done).toBe(1);
    expect(state.simulate).toBeUndefined();
    // parse, prepare, position done, attention half, simulate not started: 3.5 of 5.
    expect(overallShare(state, steps)).toBeCloseTo(3.5 / 5, 10);
    expect(overallShare(completeAll(state, steps), steps)).toBe(1);
  });

  it('labels every bar with the catalog’s words, and the log’s read as before', () => {
    expect(stepLabel('parse')).toBe('Read the log');
    expect(stepLabel('attention')).toBe('LSTM with attention');
    for (const step of PIPELINE_STEPS) expect(stepLabel(step)).toBe(step === 'parse' ? 'Read the log' : STEP_LABELS[step]);
  });
});
