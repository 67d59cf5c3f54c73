/**
 * The steps of a run, one function each over the run context. The loop in
 * ./index.ts calls them in order and handles cancel, timing, progress and
 * disposal; a step only does its own work and reports its own progress.
 *
 * A new method goes into the catalog (../methods.ts) and into the step of
 * its family below.
 */
import { attributePositions } from '../attribution/position';
import { countingShapley, describeSample, markovAttribution, modelRemovalEffects, modelReplay, sampleForCounterfactual, shapleyAttribution } from '../counterfactual';
import { budgetMethods, JUDGE_MODEL, type RunStep } from '../methods';
import { keptModelFits, modelKey } from '../model-store';
import { attributionWeights, createScorer, evaluateModel, trainModel, type TrainedModel } from '../models/train';
import { checkPrepareSettings, prepareJourneys } from '../prepare';
import { defendedRecommendation, type RecommendInput } from '../recommend';
import { limitsForCampaigns } from '../recommend/limits';
import type { WeightsByModel } from '../prepared';
import { DEFAULT_COUNTERFACTUAL, PIPELINE_SHAPLEY_PERMUTATIONS, type CounterfactualSettings, type NeuralModelName } from '../settings';
import { checkSimulateSettings, replayInput, sweepPitches, UNIFORM_MODEL } from '../simulate';
import { abortError, firstLine, preparedOf, RunError, wants, type RunContext } from './context';

/** Reports a step's progress: `done` of `total` in the step's own unit, with a short line to show. */
export type StepProgress = (done: number, total: number, detail?: string) => void;

export interface Step {
  /** Why the step does nothing in this run (shown beside its bar), or null when it runs. */
  skip?(ctx: RunContext): string | null;
  run(ctx: RunContext, progress: StepProgress): Promise<void> | void;
}

function counterfactualSettings(ctx: RunContext): CounterfactualSettings {
  return ctx.settings.counterfactual ?? DEFAULT_COUNTERFACTUAL;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Checks every setting before any work, so a bad value fails in a moment rather than after the preparation. */
export function checkRunSettings(ctx: RunContext): void {
  const { settings } = ctx;
  for (const check of [checkPrepareSettings(settings.prepare), checkSimulateSettings(settings.simulate)]) {
    if (!check.ok) throw new RunError(check.error);
  }
  for (const name of settings.train.models) {
    if (!(Number.isInteger(settings.train.epochs[name]) && settings.train.epochs[name] >= 1)) {
      throw new RunError(`Epochs for ${name} must be a whole number of at least 1.`);
    }
    if (!(Number.isInteger(settings.train.batchSize[name]) && settings.train.batchSize[name] >= 1)) {
      throw new RunError(`The batch size for ${name} must be a whole number of at least 1.`);
    }
  }
}

const prepare: Step = {
  skip: (ctx) => (ctx.prepared ? 'prepared before the run' : null),
  run(ctx, progress) {
    if (!ctx.table) throw new Error('A run without prepared journeys needs a table.');
    const needsFeatures = ctx.options.features ?? true;
    const prepared = prepareJourneys(ctx.table, ctx.settings.prepare, (p) => progress(p.done, p.total, p.stage), {
      features: needsFeatures,
      journeys: ctx.options.journeys,
    });
    if (prepared.journeys.count === 0) {
      throw new RunError('No journeys are left after sampling and filtering: lower the minimum touchpoints or keep more campaigns.');
    }
    if (prepared.stats.convertedJourneys === 0) throw new RunError('None of the prepared journeys converted, so there is nothing to attribute.');
    ctx.prepared = prepared;
  },
};

const position: Step = {
  skip: (ctx) => (ctx.settings.positionModels.some((m) => wants(ctx, m)) ? null : 'none asked for'),
  run(ctx) {
    const names = ctx.settings.positionModels.filter((m) => wants(ctx, m));
    ctx.positions = attributePositions(preparedOf(ctx), names, { halfLifeDays: ctx.settings.halfLifeDays });
    for (const p of ctx.positions) {
      ctx.weights[p.model] = p.weights;
      ctx.details[p.model] = p.details;
    }
  },
};

/** Markov removal effects and counting Shapley: counterfactuals that need no model. */
const counting: Step = {
  skip: (ctx) => (!counterfactualSettings(ctx).markov ? 'off in the settings' : !wants(ctx, 'markov') && !wants(ctx, 'shapley_count') ? 'none asked for' : null),
  run(ctx, progress) {
    const prepared = preparedOf(ctx);
    const cf = counterfactualSettings(ctx);
    if (wants(ctx, 'markov')) {
      progress(0, 1, 'Markov chain');
      const began = Date.now();
      try {
        const markov = markovAttribution(prepared, {
          order: cf.markovOrder,
          subset: cf.journeys,
          signal: ctx.callbacks.signal,
          onProgress: (done, total) => progress(done, total + 1, 'Markov removal effects'),
        });
        if (markov.ok) {
          ctx.weights.markov = markov.weights;
          ctx.counterfactual.markov = { baseConversion: markov.baseConversion, journeys: markov.journeys, states: markov.states, seconds: (Date.now() - began) / 1000 };
          if (!markov.converged) ctx.notes.push(`Markov chain: some solves stopped before the tolerance (${markov.sweeps} sweeps).`);
          ctx.details.markov = {
            order: markov.order,
            states: markov.states,
            journeys: markov.journeys,
            weightedJourneys: markov.weightedJourneys,
            baseConversion: markov.baseConversion,
            sweeps: markov.sweeps,
            converged: markov.converged,
            campaigns: prepared.campaignIds.map((campaign, c) => ({
              campaign,
              weight: markov.weights[campaign],
              removalEffect: markov.removalEffects[c],
              conversionWithout: markov.conversionWithout[c],
            })),
          };
        } else ctx.notes.push(`Markov chain: ${markov.error}`);
      } catch (err) {
        if (ctx.callbacks.signal?.aborted) throw abortError();
        ctx.notes.push(`Markov chain: ${firstLine(err)}`);
      }
    }
    if (wants(ctx, 'shapley_count')) {
      const result = countingShapley(prepared, { subset: cf.journeys });
      ctx.weights.shapley_count = result.weights;
      ctx.details.shapley_count = { journeys: result.journeys, convertedJourneys: result.convertedJourneys, campaigns: result.campaigns };
    }
    progress(1, 1, 'done');
  },
};

/** Starts the tfjs backend once, before the first network trains or scores. */
async function ensureBackend(ctx: RunContext): Promise<void> {
  if (ctx.backend !== null || !ctx.callbacks.initBackend) return;
  const started = await ctx.callbacks.initBackend(ctx.settings.train.backend);
  if (!started.ok) throw new RunError(started.error);
  ctx.backend = started.backend;
  ctx.backendDetail = started.detail;
  ctx.callbacks.onBackend?.(started.backend, started.detail);
}

/** The kept model for this run when the store has one that fits; a failing store only adds a note. */
async function keptModel(ctx: RunContext, name: NeuralModelName, key: string): Promise<{ model: TrainedModel; trainedAt: string } | null> {
  const store = ctx.callbacks.modelStore;
  if (!store || !ctx.table) return null;
  try {
    const found = await store.load(key);
    if (!found) return null;
    if (!keptModelFits(found, preparedOf(ctx), name, ctx.settings.train.dropTimeFeatures)) {
      found.dispose();
      return null;
    }
    return { model: found, trainedAt: found.keptAt ? found.keptAt.slice(0, 16).replace('T', ' ') : 'earlier' };
  } catch (err) {
    ctx.notes.push(`${name}: the models kept in this browser could not be read (${firstLine(err)}).`);
    return null;
  }
}

/** The model for this step: given by the caller, kept from an earlier run, or trained now. */
async function obtainModel(ctx: RunContext, name: NeuralModelName, progress: StepProgress): Promise<{ model: TrainedModel; kept: boolean }> {
  const prepared = preparedOf(ctx);
  const provided = await ctx.callbacks.provideModel?.(name, prepared);
  if (typeof provided === 'string') throw new RunError(provided);
  if (provided) return { model: provided, kept: true };
  // Kept models are keyed by the table they came from; journeys prepared elsewhere have none.
  const store = ctx.table ? ctx.callbacks.modelStore : undefined;
  const key = store && ctx.table ? modelKey(ctx.table, prepared.settings, ctx.settings.train, name) : '';
  const kept = await keptModel(ctx, name, key);
  if (kept) {
    ctx.notes.push(`${name}: reused the model kept in this browser (trained ${kept.trainedAt}).`);
    return { model: kept.model, kept: true };
  }
  const model = await trainModel(prepared, name, ctx.settings.train, {
    signal: ctx.callbacks.signal,
    onBatchEnd: (b) => progress(b.epoch - 1 + b.batch / b.batches, b.epochs, `epoch ${b.epoch} of ${b.epochs}, loss ${b.loss.toFixed(3)}`),
    onEpochEnd: (m, record) => ctx.callbacks.onEpoch?.(m, record),
  });
  if (store) {
    try {
      await store.save(key, model);
    } catch (err) {
      // Quota or private browsing: the run goes on, only the next one trains again.
      ctx.notes.push(`${name}: the model could not be kept in this browser (${firstLine(err)}).`);
    }
  }
  return { model, kept: false };
}

/** Trains (or reuses) one network, evaluates it on the test journeys and reads its attribution weights. */
function neural(name: NeuralModelName): Step {
  return {
    skip: (ctx) => (ctx.settings.train.models.includes(name) ? null : 'not chosen'),
    async run(ctx, progress) {
      const epochs = ctx.settings.train.epochs[name];
      // The backend starts (and is told) before the first progress of the model, as the page shows it.
      await ensureBackend(ctx);
      progress(0, epochs, `epoch 1 of ${epochs}`);
      if (ctx.callbacks.signal?.aborted) throw abortError();
      const began = Date.now();
      const prepared = preparedOf(ctx);
      const { model, kept } = await obtainModel(ctx, name, progress);
      ctx.models.push(model);
      const metrics = await evaluateModel(model, prepared);
      // A kept model's own backend is the one it was trained on; it scores on today's.
      const backend = kept ? (ctx.backend ?? model.backend) : model.backend;
      ctx.metrics[name] = { ...metrics, history: model.history, seconds: (Date.now() - began) / 1000, backend };
      ctx.backend = backend;
      for (const a of await attributionWeights(model, prepared)) {
        ctx.weights[a.model] = a.weights;
        if (a.eventCounts) ctx.eventCounts[a.model] = a.eventCounts;
      }
      progress(epochs, epochs, `done in ${ctx.metrics[name].seconds.toFixed(1)} s`);
    },
  };
}

/** The network that judges counterfactual journeys: the attention model, or the one sequence model the caller gave. */
export function judgeOf(ctx: RunContext): TrainedModel | undefined {
  return ctx.models.find((m) => m.name === JUDGE_MODEL) ?? (ctx.callbacks.provideModel ? ctx.models.find((m) => m.name !== 'logreg') : undefined);
}

/** The journeys the model-based methods score, as a view whose test split marks them. */
function counterfactualJourneys(ctx: RunContext) {
  const cf = counterfactualSettings(ctx);
  const prepared = preparedOf(ctx);
  const subset = cf.journeys ?? 'test';
  ctx.counterfactual.sample = describeSample(prepared, cf.maxJourneys, ctx.settings.prepare.seed, subset);
  return sampleForCounterfactual(prepared, cf.maxJourneys, ctx.settings.prepare.seed, subset);
}

/** The removal effects' bootstrap (issue 14: incremental conversions with a 90% interval per campaign and channel). */
const REMOVAL_INTERVAL_LEVEL = 0.9;
const REMOVAL_RESAMPLES = 200;

/** Removal effects and Shapley values judged by a trained network. */
const modelBased: Step = {
  skip: (ctx) =>
    !counterfactualSettings(ctx).modelBased
      ? 'off in the settings'
      : !wants(ctx, 'removal') && !wants(ctx, 'shapley')
        ? 'none asked for'
        : judgeOf(ctx)
          ? null
          : 'needs the attention model',
  async run(ctx, progress) {
    const judge = judgeOf(ctx)!;
    const cf = counterfactualSettings(ctx);
    const sampled = counterfactualJourneys(ctx);
    const sample = ctx.counterfactual.sample!;
    const began = Date.now();
    const what = `${formatCount(sample.journeys)} ${sample.subset === 'test' ? 'test ' : ''}journeys`;
    const scorer = createScorer(judge);
    const signal = ctx.callbacks.signal;
    let expectedConversions = 0;
    let scored = 0;
    let exactJourneys = 0;
    let sampledJourneys = 0;
    if (wants(ctx, 'removal')) {
      progress(0, 2, `removal effects on ${what}`);
      const removal = await modelRemovalEffects(sampled, scorer, {
        subset: 'test',
        signal,
        noAds: cf.noAds,
        bootstrap: { seed: ctx.settings.train.seed, level: REMOVAL_INTERVAL_LEVEL, replicates: REMOVAL_RESAMPLES },
        onProgress: (done, total) => progress(done / total, 2, `removal effects on ${what}`),
      });
      if (removal.resamples) {
        ctx.counterfactual.removalBootstrap = {
          level: REMOVAL_INTERVAL_LEVEL,
          campaigns: removal.campaigns.map((c) => c.campaign),
          drop: removal.campaigns.map((c) => c.drop),
          resamples: removal.resamples,
        };
      }
      ctx.weights.removal = removal.weights;
      ctx.details.removal = {
        scorer: removal.model,
        journeys: removal.journeys,
        distinctJourneys: removal.distinctJourneys,
        expectedConversions: removal.expectedConversions,
        campaigns: removal.campaigns,
      };
      expectedConversions = removal.expectedConversions;
      scored += removal.scored;
    }
    if (wants(ctx, 'shapley')) {
      progress(1, 2, `Shapley values on ${what}`);
      const shapley = await shapleyAttribution(sampled, scorer, {
        subset: 'test',
        signal,
        seed: ctx.settings.train.seed,
        exactUpTo: cf.exactUpTo,
        noAds: cf.noAds,
        permutations: cf.permutations ?? PIPELINE_SHAPLEY_PERMUTATIONS,
        onProgress: (done, total) => progress(1 + done / Math.max(1, total), 2, `Shapley values on ${what}`),
      });
      ctx.weights.shapley = shapley.weights;
      ctx.details.shapley = {
        scorer: shapley.model,
        journeys: shapley.journeys,
        distinctJourneys: shapley.distinctJourneys,
        exactJourneys: shapley.exactJourneys,
        sampledJourneys: shapley.sampledJourneys,
        expectedConversions: shapley.expectedConversions,
        noAdsConversions: shapley.noAdsConversions,
        campaigns: shapley.campaigns,
      };
      if (!wants(ctx, 'removal')) expectedConversions = shapley.expectedConversions;
      exactJourneys = shapley.exactJourneys;
      sampledJourneys = shapley.sampledJourneys;
      scored += shapley.scored;
    }
    ctx.counterfactual.modelBased = { model: judge.name, expectedConversions, exactJourneys, sampledJourneys, scored, seconds: (Date.now() - began) / 1000 };
    progress(2, 2, `done in ${ctx.counterfactual.modelBased.seconds.toFixed(1)} s`);
  },
};

/** What the sweep replays: the weights the caller gave, as they are, or the run's methods that can split a budget. */
function replayedWeights(ctx: RunContext): WeightsByModel {
  return ctx.options.weights ?? budgetMethods(ctx.weights);
}

/** The article's replay of every method's budget at every pitch. */
const simulate: Step = {
  run(ctx, progress) {
    const prepared = preparedOf(ctx);
    const sweep = sweepPitches(replayInput(prepared, ctx.options.replayScope), replayedWeights(ctx), ctx.settings.simulate, progress);
    if (!sweep.ok) throw new RunError(sweep.error);
    if (!ctx.options.weights) {
      for (const name of Object.keys(ctx.weights)) {
        if (!name.endsWith('_raw') && !replayedWeights(ctx)[name]) ctx.notes.push(`${name}: no campaign has a positive weight, so it is left out of the budget replays.`);
      }
    }
    for (const s of sweep.models) {
      if (s.missingCampaigns > 0 && ctx.options.weights) ctx.notes.push(`${s.model}: ${s.missingCampaigns} replayed campaigns have no weight and get 0.`);
      if (s.clippedCampaigns > 0) ctx.notes.push(`${s.model}: ${s.clippedCampaigns} negative weights were set to 0 for the replay.`);
    }
    const { ok: _ok, ...data } = sweep;
    ctx.sweep = data;
  },
};

/** Expected conversions of every method's budget at every pitch, judged by the network on the sampled journeys. */
const modelReplayStep: Step = {
  skip: (ctx) =>
    !counterfactualSettings(ctx).modelReplay
      ? 'off in the settings'
      : !judgeOf(ctx)
        ? 'needs the attention model'
        : ctx.settings.simulate.pitches.some((p) => p > 0)
          ? null
          : 'it needs a pitch above 0',
  async run(ctx, progress) {
    const prepared = preparedOf(ctx);
    const sweep = ctx.sweep!;
    const sampled = counterfactualJourneys(ctx);
    const sample = ctx.counterfactual.sample!;
    const pitches = ctx.settings.simulate.pitches.filter((p) => p > 0);
    // The model's replay spends the same share of its (smaller) stream as the article's replay does of all events
    // (by impressions, also for a money budget: close enough for a random sample).
    const budget = ctx.options.replayFullBudget
      ? sweep.budget
      : ctx.settings.simulate.budget !== undefined && sweep.events > 0
        ? (ctx.settings.simulate.budget * sample.events) / sweep.events
        : undefined;
    const given = Object.fromEntries(Object.entries(replayedWeights(ctx)).filter(([name]) => name !== UNIFORM_MODEL));
    const weights: WeightsByModel = { ...given, [UNIFORM_MODEL]: Object.fromEntries(prepared.campaignIds.map((id) => [id, 1])) };
    const began = Date.now();
    const what = `${formatCount(sample.journeys)} journeys`;
    progress(0, 1, what);
    try {
      const replayed = await modelReplay(sampled, createScorer(judgeOf(ctx)!), weights, {
        pitches,
        budget,
        unit: ctx.settings.simulate.unit,
        subset: 'test',
        signal: ctx.callbacks.signal,
        noAds: counterfactualSettings(ctx).noAds,
        onProgress: (done, total) => progress(done, total, what),
      });
      if (replayed.ok) {
        const { ok: _replayOk, ...data } = replayed;
        ctx.counterfactual.modelReplay = { ...data, seconds: (Date.now() - began) / 1000 };
      } else ctx.notes.push(`Model-judged replay: ${replayed.error}`);
    } catch (err) {
      if (ctx.callbacks.signal?.aborted || (err instanceof Error && err.name === 'AbortError')) throw abortError();
      ctx.notes.push(`Model-judged replay: ${firstLine(err)}`);
    }
    progress(1, 1, 'done');
  },
};

/**
 * What the recommendation reads of a run: its methods' weights, the attention
 * model as judge, the sweep's pitches, budget and unit, and the journeys the
 * model-based methods sample. The CLI's `recommend` reads the same.
 */
export function recommendInput(ctx: RunContext): Omit<RecommendInput, 'signal' | 'onProgress'> {
  const cf = counterfactualSettings(ctx);
  return {
    prepared: preparedOf(ctx),
    scorer: createScorer(judgeOf(ctx)!),
    weights: replayedWeights(ctx),
    pitches: ctx.settings.simulate.pitches,
    budget: ctx.sweep?.budget ?? ctx.settings.simulate.budget,
    unit: ctx.settings.simulate.unit,
    maxJourneys: cf.maxJourneys,
    journeys: cf.journeys,
    seed: ctx.settings.prepare.seed,
    noAds: cf.noAds,
    ...(cf.limits ? { limits: limitsForCampaigns(cf.limits, preparedOf(ctx).campaignIds).limits } : {}),
  };
}

/** The allocation the app can defend: every method's, one searched against the model, and today's, judged on held-out journeys (src/core/recommend). */
const recommendStep: Step = {
  skip: (ctx) => (counterfactualSettings(ctx).recommend === false ? 'off in the settings' : !judgeOf(ctx) ? 'needs the attention model' : null),
  async run(ctx, progress) {
    const began = Date.now();
    const limits = counterfactualSettings(ctx).limits;
    const dropped = limits ? limitsForCampaigns(limits, preparedOf(ctx).campaignIds).dropped : [];
    if (dropped.length > 0) {
      const named = dropped.slice(0, 5).join(', ') + (dropped.length > 5 ? ` and ${dropped.length - 5} more` : '');
      ctx.notes.push(`Recommendation: the limits on ${dropped.length} campaign${dropped.length === 1 ? '' : 's'} (${named}) do not apply: the preparation did not keep ${dropped.length === 1 ? 'it' : 'them'}.`);
    }
    try {
      const result = await defendedRecommendation({ ...recommendInput(ctx), signal: ctx.callbacks.signal, onProgress: progress });
      if (result.ok) ctx.recommendation = { ...result.recommendation, seconds: (Date.now() - began) / 1000 };
      else ctx.notes.push(`Recommendation: ${result.error}`);
    } catch (err) {
      if (ctx.callbacks.signal?.aborted || (err instanceof Error && err.name === 'AbortError')) throw abortError();
      ctx.notes.push(`Recommendation: ${firstLine(err)}`);
    }
  },
};

/** Every step, keyed by name; a run takes them in RUN_STEPS order. */
export const STEPS: Record<RunStep, Step> = {
  prepare,
  position,
  counterfactual: counting,
  logreg: neural('logreg'),
  lstm: neural('lstm'),
  attention: neural('attention'),
  'counterfactual-model': modelBased,
  simulate,
  'model-replay': modelReplayStep,
  recommend: recommendStep,
};
