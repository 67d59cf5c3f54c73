/**
 * Every command-line flag the commands share, parsed in one place: the
 * preparation, the training, the model that judges counterfactuals, method
 * lists, pitches and the weights file's format. Usage mistakes throw
 * UsageError (exit 2) or come back as `{ok: false}` with one line to print.
 *
 *   --campaigns N|F|all     campaigns kept at random: a count, a share (0 < F < 1), or all
 *   --min-touchpoints K     drop journeys with fewer touchpoints
 *   --max-touchpoints N     pad or cut sequences to N touchpoints
 *   --keep first|last       which touchpoints a cut keeps
 *   --balance events|journeys|none
 *   --test-share S --validation-share S --min-category-count K --seed S
 *   --epochs N --batch-size N --learning-rate R --patience K --drop-time-features --backend wasm|cpu
 *   --model DIR             a model saved by `train --save-model DIR`
 *   --map ROLE=COL,...      which columns of an own log hold the user, time, campaign, conversions (see MAP_ROLES)
 *   --time-unit s|ms|iso    how that log writes its times (default: detect)
 *   --mapping FILE          a mapping saved by the app's mapping step
 *   --max-bad-rows SHARE    share of malformed rows that may be skipped
 */
import type { ColumnMapping, TimestampUnit } from '../core/ingest/types';
import { checkPrepareSettings } from '../core/prepare';
import { DEFAULT_NO_ADS, DEFAULT_PITCHES, DEFAULT_PREPARE, DEFAULT_TRAIN, NEURAL_MODELS, NO_ADS_SCORES, type Backend, type NoAdsScore, type CampaignSampling, type NeuralModelName, type PrepareSettings, type TrainSettings } from '../core/settings';
import type { WeightsFormat } from '../core/weights';
import { UsageError } from './command';

/** Spread into a command's `parseArgs` options. */
export const PREPARE_OPTIONS = {
  campaigns: { type: 'string' },
  'min-touchpoints': { type: 'string' },
  'max-touchpoints': { type: 'string' },
  keep: { type: 'string' },
  balance: { type: 'string' },
  'test-share': { type: 'string' },
  'validation-share': { type: 'string' },
  'min-category-count': { type: 'string' },
  seed: { type: 'string' },
} as const;

export const PREPARE_USAGE =
  '[--campaigns N|F|all] [--min-touchpoints K] [--max-touchpoints N] [--keep first|last] ' +
  '[--balance events|journeys|none] [--test-share S] [--validation-share S] [--min-category-count K] [--seed S]';

export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;
export type PrepareFlags = { ok: true; settings: PrepareSettings } | { ok: false; error: string };

export function parseCampaignSampling(text: string): CampaignSampling | null {
  if (text.trim().toLowerCase() === 'all') return { kind: 'all' };
  if (text.trim() === '') return null;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) return null;
  if (Number.isInteger(n)) return { kind: 'count', count: n };
  return n < 1 ? { kind: 'fraction', fraction: n } : null;
}

function numberFlag(values: FlagValues, name: string): number | string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : `--${name} must be a number, got "${String(v)}".`;
}

/** Preparation settings from flags, over `base` (the defaults); checked for ranges. */
export function prepareSettingsFromFlags(values: FlagValues, base: PrepareSettings = DEFAULT_PREPARE): PrepareFlags {
  const settings: PrepareSettings = { ...base };
  if (values.campaigns !== undefined) {
    const sampling = parseCampaignSampling(String(values.campaigns));
    if (!sampling) {
      return { ok: false, error: `--campaigns takes a count, a share between 0 and 1, or "all"; got "${String(values.campaigns)}".` };
    }
    settings.campaigns = sampling;
  }
  const numeric: [string, 'minTouchpoints' | 'maxTouchpoints' | 'testShare' | 'validationShare' | 'minCategoryCount' | 'seed'][] = [
    ['min-touchpoints', 'minTouchpoints'],
    ['max-touchpoints', 'maxTouchpoints'],
    ['test-share', 'testShare'],
    ['validation-share', 'validationShare'],
    ['min-category-count', 'minCategoryCount'],
    ['seed', 'seed'],
  ];
  for (const [flag, key] of numeric) {
    const n = numberFlag(values, flag);
    if (typeof n === 'string') return { ok: false, error: n };
    if (n !== undefined) settings[key] = n;
  }
  if (values.keep !== undefined) {
    if (values.keep !== 'first' && values.keep !== 'last') return { ok: false, error: `--keep takes "first" or "last".` };
    settings.keep = values.keep;
  }
  if (values.balance !== undefined) {
    if (values.balance !== 'events' && values.balance !== 'journeys' && values.balance !== 'none') {
      return { ok: false, error: `--balance takes "events", "journeys" or "none".` };
    }
    settings.balance = values.balance;
  }
  const check = checkPrepareSettings(settings);
  return check.ok ? { ok: true, settings } : check;
}

/** A whole-number flag within [min, max]; undefined when absent. */
export function intFlag(value: string | undefined, flag: string, min: number, max = Infinity): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = Number.isFinite(max) ? `from ${min} to ${max}` : `of at least ${min}`;
    throw new UsageError(`--${flag} must be a whole number ${range}, got "${value}".`);
  }
  return n;
}

/** The methods named in a comma-separated --models list, each once, in the order given; `fallback` when absent. */
export function parseMethodList<T extends string>(text: string | undefined, allowed: readonly T[], fallback: readonly T[]): T[] {
  if (text === undefined) return [...fallback];
  const names = [...new Set(text.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  const unknown = names.find((n) => !(allowed as readonly string[]).includes(n));
  if (unknown !== undefined) throw new UsageError(`Unknown model "${unknown}"; choose from ${allowed.join(', ')}.`);
  if (names.length === 0) throw new UsageError(`--models needs at least one of ${allowed.join(', ')}.`);
  return names as T[];
}

/** A weights file is written as CSV when its name ends in .csv, else as JSON. */
export function outputFormat(path: string): WeightsFormat {
  return path.toLowerCase().endsWith('.csv') ? 'csv' : 'json';
}

export function parsePitches(text: string | undefined): number[] {
  if (text === undefined) return [...DEFAULT_PITCHES];
  const pitches = text.split(',').map((s) => s.trim());
  const bad = pitches.find((p) => p === '' || !Number.isFinite(Number(p)) || Number(p) < 0);
  if (bad !== undefined) throw new UsageError(`--pitches takes numbers of 0 or more separated by commas; got "${text}".`);
  return pitches.map(Number);
}

const NODE_BACKENDS: readonly Backend[] = ['wasm', 'cpu'];

/** The training flags read by trainSettingsFromFlags; spread into a command's `parseArgs` options. */
export const TRAIN_OPTIONS = {
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  'learning-rate': { type: 'string' },
  patience: { type: 'string' },
  'drop-time-features': { type: 'boolean' },
  backend: { type: 'string' },
} as const;

/** Training settings from flags over DEFAULT_TRAIN; --epochs and --batch-size apply to every model. */
export function trainSettingsFromFlags(values: Record<string, string | boolean | undefined>, seed: number): TrainSettings {
  const settings: TrainSettings = {
    ...DEFAULT_TRAIN,
    epochs: { ...DEFAULT_TRAIN.epochs },
    batchSize: { ...DEFAULT_TRAIN.batchSize },
    models: parseMethodList(values.models as string | undefined, NEURAL_MODELS, DEFAULT_TRAIN.models),
    seed,
  };
  const epochs = intFlag(values.epochs as string | undefined, 'epochs', 1);
  const batch = intFlag(values['batch-size'] as string | undefined, 'batch-size', 1);
  for (const m of NEURAL_MODELS) {
    if (epochs !== undefined) settings.epochs[m] = epochs;
    if (batch !== undefined) settings.batchSize[m] = batch;
  }
  if (values['learning-rate'] !== undefined) {
    const r = Number(values['learning-rate']);
    if (!(r > 0 && Number.isFinite(r))) throw new UsageError(`--learning-rate must be a positive number, got "${String(values['learning-rate'])}".`);
    settings.learningRate = r;
  }
  if (values.patience !== undefined) {
    const p = Number(values.patience);
    if (!Number.isInteger(p) || p < 0) throw new UsageError(`--patience must be a whole number (0 = off), got "${String(values.patience)}".`);
    settings.earlyStoppingPatience = p;
  }
  settings.dropTimeFeatures = values['drop-time-features'] === true;
  if (values.backend !== undefined) {
    if (!(NODE_BACKENDS as readonly string[]).includes(String(values.backend))) {
      throw new UsageError(`--backend takes ${NODE_BACKENDS.join(' or ')} on the command line (GPU backends run in the browser).`);
    }
    settings.backend = values.backend as Backend;
  }
  return settings;
}

/** Flags of the model that judges counterfactual journeys; spread into a command's `parseArgs` options. */
export const MODEL_OPTIONS = {
  model: { type: 'string' },
  ...TRAIN_OPTIONS,
} as const;

export const MODEL_USAGE =
  '[--model DIR] [--epochs N] [--batch-size N] [--learning-rate R] [--patience K] [--drop-time-features] [--backend wasm|cpu]';

/** What the model-judged counterfactuals make of a journey left with no touchpoint; spread into a command's `parseArgs` options. */
export const NO_ADS_OPTIONS = {
  'no-ads': { type: 'string' },
} as const;

export const NO_ADS_USAGE = '[--no-ads zero|model]';

/**
 * --no-ads: 'zero' (the default, the article's convention: no touchpoint, no
 * conversion) or 'model' (the model's "this user, no ads" score, for a model
 * with user attributes; an extrapolation, since the log has no unexposed user).
 */
export function noAdsFromFlags(values: FlagValues): NoAdsScore {
  const v = values['no-ads'];
  if (v === undefined) return DEFAULT_NO_ADS;
  if (typeof v !== 'string' || !(NO_ADS_SCORES as readonly string[]).includes(v)) {
    throw new UsageError(`--no-ads takes ${NO_ADS_SCORES.join(' or ')}; got "${String(v)}".`);
  }
  return v as NoAdsScore;
}

/** The model trained when no --model is given: the article's attention model. */
export const TRAINED_MODEL: NeuralModelName = 'attention';

/**
 * Settings for training the attention model from the train command's flags.
 * `--models` belongs to the calling command (attribution models), so it is
 * never read here. Throws UsageError on a bad flag, before any data is read.
 */
export function scorerTrainSettings(values: FlagValues, seed: number): TrainSettings {
  const flags: Record<string, string | boolean | undefined> = { models: TRAINED_MODEL };
  for (const name of Object.keys(MODEL_OPTIONS)) {
    const v = values[name];
    if (name !== 'model' && (typeof v === 'string' || typeof v === 'boolean')) flags[name] = v;
  }
  return trainSettingsFromFlags(flags, seed);
}

/** The input flags every command reads through loadTable; spread into a command's `parseArgs` options. */
export const INPUT_OPTIONS = {
  map: { type: 'string' },
  'time-unit': { type: 'string' },
  mapping: { type: 'string' },
  'max-bad-rows': { type: 'string' },
} as const;

export const INPUT_USAGE =
  '[--map user=COL,time=COL,campaign=COL,conversion=COL[,conversion-id=COL][,cost=COL][,value=COL][,channel=COL][,user-attributes=COL;COL]] ' +
  '[--time-unit s|ms|iso] [--mapping FILE] [--max-bad-rows SHARE]';

type ColumnRole = 'user' | 'timestamp' | 'campaign' | 'conversion' | 'conversionId' | 'cost' | 'value' | 'channel' | 'click';
type ListRole = 'userAttributes' | 'categories';

/** --map's role names and the mapping field each fills; list roles take columns separated by ";". */
export const MAP_ROLES: Record<string, ColumnRole | ListRole> = {
  user: 'user',
  time: 'timestamp',
  campaign: 'campaign',
  conversion: 'conversion',
  'conversion-id': 'conversionId',
  cost: 'cost',
  value: 'value',
  channel: 'channel',
  'user-attributes': 'userAttributes',
  click: 'click',
  categories: 'categories',
};
const LIST_ROLES: readonly string[] = ['userAttributes', 'categories'];

export const TIME_UNITS: Record<string, TimestampUnit> = { s: 'seconds', ms: 'milliseconds', iso: 'iso', auto: 'auto' };

/**
 * The mapping a --map value names, without its rules (checkMapping's job, as
 * in the app). A malformed value is a usage mistake: UsageError.
 */
export function parseMapFlag(text: string, unit: TimestampUnit = 'auto'): Partial<ColumnMapping> {
  const roles = Object.keys(MAP_ROLES).join(', ');
  const pairs = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (pairs.length === 0) throw new UsageError(`--map takes ROLE=COLUMN pairs separated by commas; roles: ${roles}.`);
  const mapping: Record<string, unknown> = { timestampUnit: unit };
  const given = new Set<string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new UsageError(`--map takes ROLE=COLUMN pairs separated by commas; "${pair}" has no "=".`);
    const role = pair.slice(0, eq).trim().toLowerCase();
    const column = pair.slice(eq + 1).trim();
    if (!Object.hasOwn(MAP_ROLES, role)) throw new UsageError(`--map: unknown role "${role}"; roles: ${roles}.`);
    const field = MAP_ROLES[role];
    if (given.has(role)) throw new UsageError(`--map names the role "${role}" twice.`);
    given.add(role);
    if (LIST_ROLES.includes(field)) {
      const columns = column.split(';').map((c) => c.trim()).filter((c) => c !== '');
      if (columns.length === 0) throw new UsageError(`--map: "${role}=" names no column.`);
      mapping[field] = columns;
    } else {
      if (column === '') throw new UsageError(`--map: "${role}=" names no column.`);
      mapping[field] = column;
    }
  }
  return mapping as Partial<ColumnMapping>;
}

/** Where a command's mapping comes from: none (the Criteo log), --map, or a saved file. */
export type InputFlags =
  | { kind: 'criteo'; maxBadRowShare?: number }
  | { kind: 'map'; mapping: Partial<ColumnMapping>; maxBadRowShare?: number }
  | { kind: 'file'; path: string; timeUnit?: TimestampUnit; maxBadRowShare?: number };

/** Reads the input flags; usage mistakes throw UsageError before anything is read. */
export function inputFromFlags(values: FlagValues): InputFlags {
  let maxBadRowShare: number | undefined;
  const bad = values['max-bad-rows'];
  if (bad !== undefined) {
    maxBadRowShare = typeof bad === 'string' && bad.trim() !== '' ? Number(bad) : Number.NaN;
    if (!(maxBadRowShare >= 0 && maxBadRowShare <= 1)) throw new UsageError('--max-bad-rows takes a share between 0 and 1, e.g. 0.01.');
  }
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const map = text('map');
  const file = text('mapping');
  const unitText = text('time-unit');
  let timeUnit: TimestampUnit | undefined;
  if (unitText !== undefined) {
    timeUnit = Object.hasOwn(TIME_UNITS, unitText.trim().toLowerCase()) ? TIME_UNITS[unitText.trim().toLowerCase()] : undefined;
    if (timeUnit === undefined) throw new UsageError(`--time-unit takes s, ms or iso (or auto, to detect); got "${unitText}".`);
  }
  if (map !== undefined && file !== undefined) throw new UsageError('Give --map or --mapping, not both.');
  if (map !== undefined) return { kind: 'map', mapping: parseMapFlag(map, timeUnit), maxBadRowShare };
  if (file !== undefined) return { kind: 'file', path: file, timeUnit, maxBadRowShare };
  if (timeUnit !== undefined) throw new UsageError('--time-unit goes with --map or --mapping; the Criteo log needs neither.');
  return { kind: 'criteo', maxBadRowShare };
}
