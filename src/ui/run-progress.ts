/** Per-step and whole-run progress of a run, folded from the worker's progress messages. */
import { JUDGE_MODEL, NEURAL_MODELS, STEP_LABELS } from '../core/methods';
import { DEFAULT_COUNTERFACTUAL, type CounterfactualSettings } from '../core/settings';
import { PIPELINE_STEPS, type JobProgress, type PipelineStep } from '../shared/protocol';

/** What the progress panel calls each step: the catalog's words for the run's own. */
export function stepLabel(step: PipelineStep): string {
  return step === 'parse' ? 'Read the log' : STEP_LABELS[step];
}

export interface StepState {
  done: number;
  total: number;
  detail?: string;
}

export type RunProgress = Partial<Record<PipelineStep, StepState>>;

const isNeural = (step: PipelineStep): step is (typeof NEURAL_MODELS)[number] => (NEURAL_MODELS as readonly string[]).includes(step);

/**
 * Steps a run goes through: the parse happened at load; neural steps only for
 * the models asked for; counterfactual steps as switched on (all unless told),
 * the model-judged ones only with the judging model trained.
 */
export function activeSteps(models: readonly string[], counterfactual: CounterfactualSettings = DEFAULT_COUNTERFACTUAL): PipelineStep[] {
  const judged = models.includes(JUDGE_MODEL);
  return PIPELINE_STEPS.filter((s) => {
    if (isNeural(s)) return models.includes(s);
    if (s === 'counterfactual') return counterfactual.markov;
    if (s === 'counterfactual-model') return judged && counterfactual.modelBased;
    if (s === 'model-replay') return judged && counterfactual.modelReplay;
    if (s === 'recommend') return judged && counterfactual.recommend !== false;
    return true;
  });
}

/** A message for one step also means every earlier step is finished (the worker runs them in order). */
export function foldProgress(state: RunProgress, p: JobProgress, steps: readonly PipelineStep[]): RunProgress {
  const step = p.step;
  const next: RunProgress = { ...state };
  const at = steps.indexOf(step);
  for (let i = 0; i < at; i++) {
    const s = steps[i];
    const prev = next[s];
    next[s] = { done: prev?.total || 1, total: prev?.total || 1, detail: prev?.detail };
  }
  next[step] = { done: p.done, total: p.total, detail: p.detail };
  return next;
}

/** Share 0..1 of the run done, each step counting equally. */
export function overallShare(state: RunProgress, steps: readonly PipelineStep[]): number {
  if (steps.length === 0) return 0;
  let sum = 0;
  for (const s of steps) {
    const st = state[s];
    if (st && st.total > 0) sum += Math.min(1, st.done / st.total);
  }
  return sum / steps.length;
}

export function completeAll(state: RunProgress, steps: readonly PipelineStep[]): RunProgress {
  const next: RunProgress = { ...state };
  for (const s of steps) next[s] = { done: next[s]?.total || 1, total: next[s]?.total || 1, detail: next[s]?.detail };
  return next;
}
