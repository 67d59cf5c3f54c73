import { describe, expect, it } from 'vitest';
import { activeSteps, completeAll, foldProgress, overallShare } from './run-progress';

describe('run progress', () => {
  it.each([
    [['logreg', 'lstm', 'attention'], ['parse', 'prepare', 'position', 'logreg', 'lstm', 'attention', 'simulate']],
    [['attention'], ['parse', 'prepare', 'position', 'attention', 'simulate']],
    [[], ['parse', 'prepare', 'position', 'simulate']],
  ])('models %j run steps %j', (models, steps) => expect(activeSteps(models)).toEqual(steps));

  it('marks earlier steps finished and counts each step equally', () => {
    const steps = activeSteps(['attention']);
    const state = foldProgress({}, { step: 'attention', done: 1, total: 2 }, steps);
    expect(state.parse).toEqual({ done: 1, total: 1, detail: undefined });
    expect(state.position?.done).toBe(1);
    expect(state.simulate).toBeUndefined();
    // parse, prepare, position done, attention half, simulate not started: 3.5 of 5.
    expect(overallShare(state, steps)).toBeCloseTo(3.5 / 5, 10);
    expect(overallShare(completeAll(state, steps), steps)).toBe(1);
  });
});
