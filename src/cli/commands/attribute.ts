/**
 * `attribute FILE --models lta,first,linear,timedecay,ushape,markov,shapley_count,removal,shapley
 *   --out weights.json [--details details.json] [--model DIR] [--markov-order K] ...`
 * Attribution weights per campaign, written as a weights file (JSON, or CSV
 * when the name ends in .csv). stdout: a JSON summary.
 *
 * Position models and the two model-free counterfactual ones (markov: the
 * absorbing chain's removal effects, normalised to sum to 1; shapley_count:
 * the counting Shapley value) read the prepared events. `removal` and
 * `shapley` ask a sequence model how each journey's conversion probability
 * changes without a campaign: weights in expected conversions, negatives kept.
 */
import { writeFile } from 'node:fs/promises';
import { attributePositions, checkHalfLife } from '../../core/attribution/position';
import { countingShapley, markovAttribution, modelRemovalEffects, shapleyAttribution, type JourneySubset } from '../../core/counterfactual';
import type { PreparedData, WeightsByModel } from '../../core/prepared';
import { DEFAULT_HALF_LIFE_DAYS, POSITION_MODELS, type PositionModelName } from '../../core/settings';
import { formatWeights, type WeightsFormat } from '../../core/weights';
import { log, parseArgs, printJson, progressLogger, UsageError, withUsageErrors, type CliCommand } from '../command';
import { loadTableForModel, MODEL_OPTIONS, MODEL_USAGE, scorerTrainSettings, sequenceScorer } from '../model-loader';
import { PREPARE_OPTIONS, PREPARE_USAGE, prepareForCli, prepareSettingsFromFlags } from '../prepare-options';

/** Counterfactual models without a neural model. */
const COUNTING_MODELS = ['markov', 'shapley_count'] as const;
/** Counterfactual models that score journeys with a sequence model. */
const SCORED_MODELS = ['removal', 'shapley'] as const;
export const ATTRIBUTION_MODELS = [...POSITION_MODELS, ...COUNTING_MODELS, ...SCORED_MODELS] as const;
export type AttributionModelName = (typeof ATTRIBUTION_MODELS)[number];

const USAGE =
  `usage: npm run --silent cli -- attribute FILE [--models ${ATTRIBUTION_MODELS.join(',')}] [--out weights.json|weights.csv] ` +
  '[--details details.json] [--half-life-days D] [--markov-order K] [--journeys all|test] [--exact-up-to N] [--permutations N] ' +
  `${MODEL_USAGE} ${PREPARE_USAGE}`;

/** Models named in --models; the position models when none is given (nothing to train). */
export function parseModels(text: string | undefined): AttributionModelName[] {
  if (text === undefined) return [...POSITION_MODELS];
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = names.filter((n) => !(ATTRIBUTION_MODELS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new UsageError(`Unknown model "${unknown[0]}"; choose from ${ATTRIBUTION_MODELS.join(', ')}.`);
  if (names.length === 0) throw new UsageError(`--models needs at least one of ${ATTRIBUTION_MODELS.join(', ')}.`);
  return [...new Set(names)] as AttributionModelName[];
}

function formatOf(path: string): WeightsFormat {
  return path.toLowerCase().endsWith('.csv') ? 'csv' : 'json';
}

function wholeFlag(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${value}".`);
  return n;
}

interface CounterfactualFlags {
  markovOrder: number;
  journeys: JourneySubset;
  exactUpTo?: number;
  permutations?: number;
}

/** One model's weights and what the details file shows about them. */
interface ModelOutput {
  weights: Record<string, number>;
  details: unknown;
}

function countingModels(prepared: PreparedData, models: AttributionModelName[], flags: CounterfactualFlags): Map<string, ModelOutput> | string {
  const out = new Map<string, ModelOutput>();
  if (models.includes('markov')) {
    const markov = markovAttribution(prepared, { order: flags.markovOrder, subset: flags.journeys, onProgress: progressLogger('markov removals') });
    if (!markov.ok) return markov.error;
    if (!markov.converged) log(`markov: some solves stopped before the tolerance (${markov.sweeps} sweeps).`);
    out.set('markov', {
      weights: markov.weights,
      details: {
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
      },
    });
  }
  if (models.includes('shapley_count')) {
    const counting = countingShapley(prepared, { subset: flags.journeys });
    out.set('shapley_count', {
      weights: counting.weights,
      details: { journeys: counting.journeys, convertedJourneys: counting.convertedJourneys, campaigns: counting.campaigns },
    });
  }
  return out;
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      models: { type: 'string' },
      out: { type: 'string' },
      details: { type: 'string' },
      'half-life-days': { type: 'string' },
      'markov-order': { type: 'string' },
      journeys: { type: 'string' },
      'exact-up-to': { type: 'string' },
      permutations: { type: 'string' },
      ...MODEL_OPTIONS,
      ...PREPARE_OPTIONS,
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const models = parseModels(values.models);
  const halfLifeDays = values['half-life-days'] === undefined ? DEFAULT_HALF_LIFE_DAYS : Number(values['half-life-days']);
  const halfLife = checkHalfLife(halfLifeDays);
  if (!halfLife.ok) throw new UsageError(halfLife.error);
  const journeys = (values.journeys ?? 'all') as JourneySubset;
  if (journeys !== 'all' && journeys !== 'test') throw new UsageError('--journeys takes "all" or "test".');
  const cf: CounterfactualFlags = {
    markovOrder: wholeFlag(values['markov-order'], 'markov-order', 1, 8) ?? 1,
    journeys,
    exactUpTo: wholeFlag(values['exact-up-to'], 'exact-up-to', 0, 20),
    permutations: wholeFlag(values.permutations, 'permutations', 2, 100_000),
  };
  const flags = prepareSettingsFromFlags(values);
  if (!flags.ok) throw new UsageError(flags.error);
  const scored = models.filter((m): m is (typeof SCORED_MODELS)[number] => (SCORED_MODELS as readonly string[]).includes(m));
  const trainSettings = scored.length > 0 ? scorerTrainSettings(values, flags.settings.seed) : null;
  if (scored.length === 0 && values.model !== undefined) log(`--model is only read by ${SCORED_MODELS.join(' and ')}; ignored.`);

  const loaded = await loadTableForModel(positionals[0], values.model, trainSettings !== null);
  if (!loaded.ok) {
    log(loaded.error);
    return 1;
  }
  // Only the model-based methods read the sequences; the rest skip building them.
  const prepared = prepareForCli(loaded.table, flags.settings, { features: scored.length > 0 });

  const outputs = new Map<string, ModelOutput>();
  const positionNames = models.filter((m): m is PositionModelName => (POSITION_MODELS as readonly string[]).includes(m));
  for (const r of positionNames.length > 0 ? attributePositions(prepared, positionNames, { halfLifeDays }) : []) {
    outputs.set(r.model, { weights: r.weights, details: r.details });
  }
  const counting = countingModels(prepared, models, cf);
  if (typeof counting === 'string') {
    log(counting);
    return 1;
  }
  for (const [name, o] of counting) outputs.set(name, o);

  let scorerInfo: { model: string; source: string; backend: string } | null = null;
  if (trainSettings) {
    const got = await sequenceScorer(prepared, values.model, trainSettings);
    if (!got.ok) {
      log(got.error);
      return 1;
    }
    scorerInfo = { model: got.model.name, source: got.source, backend: got.backend };
    try {
      if (scored.includes('removal')) {
        const r = await modelRemovalEffects(prepared, got.scorer, { subset: journeys, onProgress: progressLogger('removal effects') });
        outputs.set('removal', {
          weights: r.weights,
          details: {
            scorer: r.model,
            journeys: r.journeys,
            distinctJourneys: r.distinctJourneys,
            expectedConversions: r.expectedConversions,
            campaigns: r.campaigns,
          },
        });
      }
      if (scored.includes('shapley')) {
        const s = await shapleyAttribution(prepared, got.scorer, {
          subset: journeys,
          exactUpTo: cf.exactUpTo,
          permutations: cf.permutations,
          seed: flags.settings.seed,
          onProgress: progressLogger('shapley values'),
        });
        outputs.set('shapley', {
          weights: s.weights,
          details: {
            scorer: s.model,
            journeys: s.journeys,
            distinctJourneys: s.distinctJourneys,
            exactJourneys: s.exactJourneys,
            sampledJourneys: s.sampledJourneys,
            expectedConversions: s.expectedConversions,
            campaigns: s.campaigns,
          },
        });
      }
    } finally {
      got.model.dispose();
    }
  }

  // Weights in the order the models were asked for.
  const weights: WeightsByModel = Object.fromEntries(models.map((m) => [m, outputs.get(m)!.weights]));
  if (values.out) await writeFile(values.out, formatWeights(weights, formatOf(values.out)));
  if (values.details) {
    const details = {
      settings: prepared.settings,
      halfLifeDays,
      journeys,
      scorer: scorerInfo,
      models: Object.fromEntries(models.map((m) => [m, outputs.get(m)!.details])),
    };
    await writeFile(values.details, JSON.stringify(details, null, 2) + '\n');
  }

  const s = prepared.stats;
  printJson({
    models,
    campaigns: prepared.campaignIds.length,
    campaignsInData: s.campaignsInData,
    journeys: prepared.journeys.count,
    convertedJourneys: s.convertedJourneys,
    unconvertedJourneys: s.unconvertedJourneys,
    events: prepared.events.count,
    negativeSamplingRate: prepared.negativeSamplingRate,
    settings: prepared.settings,
    halfLifeDays,
    counterfactualJourneys: journeys,
    scorer: scorerInfo,
    out: values.out ?? null,
    details: values.details ?? null,
    // Without --out the weights themselves are the output.
    ...(values.out ? {} : { weights }),
  });
  return 0;
}

export const attributeCommand: CliCommand = {
  summary: 'attribution weights: position rules, Markov removal effects, Shapley values, model-based removal effects',
  run: withUsageErrors(run),
};
