/**
 * `attribute FILE --models lta,first,linear,timedecay,ushape --out weights.json [--details details.json]`
 * Position-based attribution weights per campaign, written as a weights file
 * (JSON, or CSV when the name ends in .csv). stdout: a JSON summary.
 */
import { writeFile } from 'node:fs/promises';
import { attributePositions, checkHalfLife } from '../../core/attribution/position';
import type { WeightsByModel } from '../../core/prepared';
import { DEFAULT_HALF_LIFE_DAYS, POSITION_MODELS, type PositionModelName } from '../../core/settings';
import { formatWeights, type WeightsFormat } from '../../core/weights';
import { log, parseArgs, printJson, UsageError, type CliCommand } from '../command';
import { loadTable, PREPARE_OPTIONS, PREPARE_USAGE, prepareForCli, prepareSettingsFromFlags } from '../prepare-options';

const USAGE =
  'usage: npm run --silent cli -- attribute FILE [--models lta,first,linear,timedecay,ushape] [--out weights.json|weights.csv] ' +
  `[--details details.json] [--half-life-days D] ${PREPARE_USAGE}`;

export function parseModels(text: string | undefined): PositionModelName[] {
  if (text === undefined) return [...POSITION_MODELS];
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = names.filter((n) => !(POSITION_MODELS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new UsageError(`Unknown model "${unknown[0]}"; choose from ${POSITION_MODELS.join(', ')}.`);
  if (names.length === 0) throw new UsageError(`--models needs at least one of ${POSITION_MODELS.join(', ')}.`);
  return [...new Set(names)] as PositionModelName[];
}

function formatOf(path: string): WeightsFormat {
  return path.toLowerCase().endsWith('.csv') ? 'csv' : 'json';
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      models: { type: 'string' },
      out: { type: 'string' },
      details: { type: 'string' },
      'half-life-days': { type: 'string' },
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
  const flags = prepareSettingsFromFlags(values);
  if (!flags.ok) throw new UsageError(flags.error);

  const loaded = await loadTable(positionals[0]);
  if (!loaded.ok) {
    log(loaded.error);
    return 1;
  }
  const prepared = prepareForCli(loaded.table, flags.settings, { features: false });
  const results = attributePositions(prepared, models, { halfLifeDays });
  const weights: WeightsByModel = Object.fromEntries(results.map((r) => [r.model, r.weights]));

  if (values.out) await writeFile(values.out, formatWeights(weights, formatOf(values.out)));
  if (values.details) {
    const details = {
      settings: prepared.settings,
      halfLifeDays,
      models: Object.fromEntries(results.map((r) => [r.model, r.details])),
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
    out: values.out ?? null,
    details: values.details ?? null,
    // Without --out the weights themselves are the output.
    ...(values.out ? {} : { weights }),
  });
  return 0;
}

export const attributeCommand: CliCommand = {
  summary: 'position-based attribution weights (last-touch, first-touch, linear, time-decay, U-shaped)',
  async run(args) {
    try {
      return await run(args);
    } catch (err) {
      // parseArgs throws TypeErrors with a one-line message for unknown or malformed flags.
      if (err instanceof UsageError || (err instanceof TypeError && 'code' in err)) {
        log(err.message);
        return 2;
      }
      throw err;
    }
  },
};
