/**
 * One run is a list of steps over one context (./steps.ts). This loop is the
 * only place that sequences them: the worker runs every step, each CLI
 * command the ones it needs. It yields between steps so a cancel reaches the
 * worker, times each step, reports it, and disposes the trained models when
 * the run fails or is cancelled.
 */
import { RUN_STEPS, type RunStep } from '../methods';
import type { PreparedData, WeightsByModel } from '../prepared';
import type { RunSettings } from '../settings';
import type { Sweep } from '../simulate';
import type { EventTable } from '../table';
import type { PositionAttribution } from '../attribution/position';
import type { TrainedModel } from '../models/train';
import { abortError, createRunContext, firstLine, RunError, type CounterfactualRun, type ModelMetrics, type RunCallbacks, type RunContext, type RunOptions } from './context';
import { checkRunSettings, STEPS } from './steps';

export * from './context';
export { judgeOf, recommendInput } from './steps';

/** What the app keeps of a run: the worker holds it for later sweeps and recommendations. */
export interface RunOutput {
  prepared: PreparedData;
  positions: PositionAttribution[];
  /** Trained networks; the caller owns them and disposes them when replaced. */
  models: TrainedModel[];
  metrics: Record<string, ModelMetrics>;
  weights: WeightsByModel;
  sweep: Sweep;
  backend: string | null;
  notes: string[];
  counterfactual: CounterfactualRun;
  /** Absent when the recommend step did not run (no attention model, or off). */
  recommendation?: RunContext['recommendation'];
  timings: Partial<Record<RunStep, number>>;
}

export type RunOutcome = { ok: true; run: RunOutput } | { ok: false; error: string; cancelled?: boolean };
export type StepsOutcome = { ok: true; ctx: RunContext } | { ok: false; error: string; cancelled?: boolean };

// Yields between steps so a cancel message reaches the worker before the next long step.
const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Runs `steps` (in RUN_STEPS order) over `ctx`. On failure the context's models are disposed. */
export async function runSteps(ctx: RunContext, steps: readonly RunStep[] = RUN_STEPS): Promise<StepsOutcome> {
  const { onStep, signal } = ctx.callbacks;
  const cancelled = { ok: false as const, error: 'The run was cancelled.', cancelled: true };
  try {
    checkRunSettings(ctx);
    for (const name of RUN_STEPS.filter((s) => steps.includes(s))) {
      const step = STEPS[name];
      if (signal?.aborted) throw abortError();
      const skipped = step.skip?.(ctx) ?? null;
      if (skipped !== null) {
        onStep?.(name, 1, 1, skipped);
        continue;
      }
      onStep?.(name, 0, 1);
      await pause();
      if (signal?.aborted) throw abortError();
      const began = Date.now();
      await step.run(ctx, (done, total, detail) => onStep?.(name, done, total, detail));
      ctx.timings[name] = (Date.now() - began) / 1000;
      onStep?.(name, 1, 1, 'done');
    }
    return { ok: true, ctx };
  } catch (err) {
    for (const m of ctx.models) m.dispose();
    ctx.models = [];
    if (signal?.aborted || (err instanceof Error && err.name === 'AbortError')) return cancelled;
    if (err instanceof RunError) return { ok: false, error: err.message };
    return { ok: false, error: firstLine(err) };
  }
}

/** The app's whole run: every step, on every method. `table` is null when options.prepared holds journeys prepared elsewhere. */
export async function runAttribution(table: EventTable | null, settings: RunSettings, callbacks: RunCallbacks = {}, options: RunOptions = {}): Promise<RunOutcome> {
  const result = await runSteps(createRunContext(table, settings, callbacks, options));
  if (!result.ok) return result;
  const { prepared, positions, models, metrics, weights, sweep, backend, notes, counterfactual, recommendation, timings } = result.ctx;
  return {
    ok: true,
    run: { prepared: prepared!, positions, models, metrics, weights, sweep: sweep!, backend, notes, counterfactual, ...(recommendation ? { recommendation } : {}), timings },
  };
}
