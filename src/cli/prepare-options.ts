/**
 * Preparation flags shared by the commands that prepare journeys (attribute,
 * simulate, train), and the load-then-prepare step they all start with.
 *
 *   --campaigns N|F|all     campaigns kept at random: a count, a share (0 < F < 1), or all
 *   --min-touchpoints K     drop journeys with fewer touchpoints
 *   --max-touchpoints N     pad or cut sequences to N touchpoints
 *   --keep first|last       which touchpoints a cut keeps
 *   --balance events|journeys|none
 *   --test-share S --validation-share S --min-category-count K --seed S
 */
import { ingest } from '../core/ingest';
import { checkPrepareSettings, prepareJourneys, type PrepareOptions } from '../core/prepare';
import type { PreparedData } from '../core/prepared';
import { DEFAULT_PREPARE, type CampaignSampling, type PrepareSettings } from '../core/settings';
import type { EventTable } from '../core/table';
import { log, progressLogger } from './command';
import { openInputFile } from './input';

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

export type LoadResult = { ok: true; table: EventTable } | { ok: false; error: string };

/** Reads and parses a log, with progress on stderr. */
export async function loadTable(path: string): Promise<LoadResult> {
  let file;
  try {
    file = await openInputFile(path);
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  const progress = progressLogger('reading');
  const result = await ingest(file, { onProgress: (p) => progress(p.bytesRead, p.totalBytes) });
  if (!result.ok) return { ok: false, error: result.error.message };
  const t = result.table;
  log(`read ${t.rowCount} rows, ${t.userCount} users, ${t.campaignIds.length} campaigns`);
  return { ok: true, table: t };
}

/** Journey preparation with progress on stderr; the same core call the app's worker makes. */
export function prepareForCli(table: EventTable, settings: PrepareSettings, options: PrepareOptions = {}): PreparedData {
  let stage = '';
  const prepared = prepareJourneys(
    table,
    settings,
    (p) => {
      if (p.stage === stage) return;
      stage = p.stage;
      log(`preparing: ${stage}`);
    },
    options,
  );
  const s = prepared.stats;
  log(
    `prepared ${prepared.journeys.count} journeys (${s.convertedJourneys} converted), ` +
      `${prepared.events.count} events, ${prepared.campaignIds.length} campaigns`,
  );
  return prepared;
}
