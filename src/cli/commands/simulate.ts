/**
 * `simulate FILE --weights weights.json|weights.csv [--budget N] [--pitches 0.1,0.5,1] [--cost]`
 * The budget replay of data-and-method.md step 8 for every model in the
 * weights file plus `uniform`, at every pitch. stdout: the results as JSON.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { replayInput, sweepPitches, type ReplayScope } from '../../core/simulate';
import { DEFAULT_PITCHES, type SimulateSettings } from '../../core/settings';
import { parseWeights, weightsFormatOf } from '../../core/weights';
import { log, parseArgs, printJson, progressLogger, UsageError, type CliCommand } from '../command';
import { loadTable, PREPARE_OPTIONS, PREPARE_USAGE, prepareForCli, prepareSettingsFromFlags } from '../prepare-options';

const USAGE =
  'usage: npm run --silent cli -- simulate FILE --weights weights.json|weights.csv [--budget N] [--pitches 0.1,0.5,1] ' +
  `[--cost] [--replay all|test] ${PREPARE_USAGE}`;

export function parsePitches(text: string | undefined): number[] {
  if (text === undefined) return [...DEFAULT_PITCHES];
  const pitches = text.split(',').map((s) => s.trim());
  const bad = pitches.find((p) => p === '' || !Number.isFinite(Number(p)) || Number(p) < 0);
  if (bad !== undefined) throw new UsageError(`--pitches takes numbers of 0 or more separated by commas; got "${text}".`);
  return pitches.map(Number);
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      weights: { type: 'string' },
      budget: { type: 'string' },
      pitches: { type: 'string' },
      cost: { type: 'boolean' },
      replay: { type: 'string' },
      ...PREPARE_OPTIONS,
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1 || !values.weights) throw new UsageError(USAGE);
  const settings: SimulateSettings = {
    pitches: parsePitches(values.pitches),
    unit: values.cost ? 'money' : 'impressions',
  };
  if (values.budget !== undefined) {
    const b = Number(values.budget);
    if (!(Number.isFinite(b) && b > 0)) throw new UsageError(`--budget must be a positive number; got "${values.budget}".`);
    settings.budget = b;
  }
  const scope = (values.replay ?? 'all') as ReplayScope;
  if (scope !== 'all' && scope !== 'test') throw new UsageError('--replay takes "all" or "test".');
  const flags = prepareSettingsFromFlags(values);
  if (!flags.ok) throw new UsageError(flags.error);

  let weightsText: string;
  try {
    weightsText = await readFile(values.weights, 'utf8');
  } catch {
    log(`Cannot read the weights file ${values.weights}.`);
    return 1;
  }
  const parsed = parseWeights(weightsText, weightsFormatOf(basename(values.weights), weightsText));
  if (!parsed.ok) {
    log(parsed.error);
    return 1;
  }

  const loaded = await loadTable(positionals[0]);
  if (!loaded.ok) {
    log(loaded.error);
    return 1;
  }
  if (settings.unit === 'money' && !loaded.table.hasCost) {
    log('--cost needs a cost column, and this log has none.');
    return 1;
  }
  const prepared = prepareForCli(loaded.table, flags.settings, { features: false });
  const sweep = sweepPitches(replayInput(prepared, scope), parsed.weights, settings, progressLogger('replaying'));
  if (!sweep.ok) {
    log(sweep.error);
    return 1;
  }
  for (const m of sweep.models) {
    if (m.missingCampaigns > 0) log(`${m.model}: ${m.missingCampaigns} replayed campaigns have no weight and get 0.`);
    if (m.clippedCampaigns > 0) log(`${m.model}: ${m.clippedCampaigns} negative weights were set to 0.`);
  }

  printJson({
    budget: sweep.budget,
    unit: sweep.unit,
    events: sweep.events,
    results: sweep.models.flatMap((m) =>
      m.results.map((r) => ({ model: m.model, pitch: r.pitch, conversions: r.conversions, spent: r.spent })),
    ),
    best: Object.fromEntries(sweep.models.map((m) => [m.model, m.best])),
    missingCampaigns: Object.fromEntries(sweep.models.map((m) => [m.model, m.missingCampaigns])),
    clippedCampaigns: Object.fromEntries(sweep.models.map((m) => [m.model, m.clippedCampaigns])),
    replay: scope,
    settings: prepared.settings,
  });
  return 0;
}

export const simulateCommand: CliCommand = {
  summary: 'budget replay: conversions per model and pitch, with a uniform baseline',
  async run(args) {
    try {
      return await run(args);
    } catch (err) {
      if (err instanceof UsageError || (err instanceof TypeError && 'code' in err)) {
        log(err.message);
        return 2;
      }
      throw err;
    }
  },
};
