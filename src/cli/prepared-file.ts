/**
 * `--prepared FILE`: start a command from touchpoints the SQL export prepared
 * (docs/warehouse.md) instead of a log. The settings come from the file's
 * first line when it is the script's settings comment, else from FILE.settings,
 * which the DuckDB script writes beside its output. Preparation flags given
 * on the command line must agree with them: they cannot change a preparation
 * that is already done (except --max-touchpoints and --keep, which only cut
 * the sequences the models read).
 *
 * A FILE ending in .parquet (the DuckDB script's `--out x.parquet`) is read
 * with hyparquet, its settings from its metadata or FILE.settings. The
 * reading itself is ../core/prepare/prepared-file.ts, which the app's worker
 * shares; this module reads the bytes from disk and checks the flags.
 */
import { readFile } from 'node:fs/promises';
import { preparedFromRows } from '../core/prepare/from-rows';
import { isParquetName, preparedFileRows, preparedFileSettings, settingsMismatch, type PreparedFileInput } from '../core/prepare/prepared-file';
import type { PreparedData } from '../core/prepared';
import type { PrepareSettings } from '../core/settings';
import type { EventTable } from '../core/table';
import { UsageError } from './command';
import { prepareSettingsFromFlags, type FlagValues } from './flags';
import { loadTable } from './run';

export const PREPARED_OPTIONS = { prepared: { type: 'string' } } as const;
export const PREPARED_USAGE = '[--prepared FILE (touchpoints prepared by export-sql, .csv or .parquet, instead of the log)]';

export type PreparedLoad = { ok: true; prepared: PreparedData; settings: PrepareSettings } | { ok: false; error: string };

/** Throws UsageError unless exactly one of a log FILE and --prepared FILE is given. */
export function checkInputArgs(positionals: string[], values: FlagValues, usage: string): void {
  const prepared = typeof values.prepared === 'string';
  if (prepared ? positionals.length !== 0 : positionals.length !== 1) throw new UsageError(prepared ? `Give the log or --prepared FILE, not both. ${usage}` : usage);
  if (prepared && (values.map !== undefined || values.mapping !== undefined)) throw new UsageError('--map and --mapping describe a log; a prepared file needs neither.');
}

/** FILE and FILE.settings from disk, for the pure reader of ../core/prepare/prepared-file.ts. */
async function readInput(path: string): Promise<PreparedFileInput | null> {
  let data: ArrayBuffer | string;
  try {
    if (isParquetName(path)) {
      const bytes = await readFile(path);
      data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    } else {
      data = await readFile(path, 'utf8');
    }
  } catch {
    return null;
  }
  let sideSettings: string | undefined;
  try {
    sideSettings = await readFile(`${path}.settings`, 'utf8');
  } catch {
    sideSettings = undefined;
  }
  return { name: path, data, sideSettings };
}

export async function loadPrepared(path: string, values: FlagValues): Promise<PreparedLoad> {
  const input = await readInput(path);
  if (!input) return { ok: false, error: isParquetName(path) ? `${path} cannot be read as Parquet: no such file.` : `Cannot read the prepared file ${path}.` };
  const fileSettings = preparedFileSettings(input);
  if (!fileSettings.ok) return fileSettings;
  const flags = prepareSettingsFromFlags(values, fileSettings.settings);
  if (!flags.ok) throw new UsageError(flags.error);
  const mismatch = settingsMismatch(fileSettings.settings, flags.settings);
  if (mismatch) return { ok: false, error: `${path} was prepared with ${mismatch.file}; the command asks for ${mismatch.asked}.` };
  const rows = await preparedFileRows(input);
  if (!rows.ok) return rows;
  return { ok: true, prepared: preparedFromRows(rows.rows, flags.settings), settings: flags.settings };
}

export type CommandInput =
  | { ok: true; table: EventTable | null; prepared?: PreparedData; prepare: PrepareSettings; hasCost: boolean }
  | { ok: false; error: string };

/**
 * A command's input: the log FILE (prepared by the run with `prepare`), or
 * --prepared FILE (its own settings, which the flags must agree with).
 * Pass `prepared` on to runCliSteps; the run then skips its prepare step.
 */
export async function loadCommandInput(positionals: string[], values: FlagValues, prepare: PrepareSettings): Promise<CommandInput> {
  if (typeof values.prepared === 'string') {
    const loaded = await loadPrepared(values.prepared, values);
    if (!loaded.ok) return loaded;
    return { ok: true, table: null, prepared: loaded.prepared, prepare: loaded.settings, hasCost: loaded.prepared.events.cost.some((c) => c > 0) };
  }
  const loaded = await loadTable(positionals[0], values);
  if (!loaded.ok) return loaded;
  return { ok: true, table: loaded.table, prepare, hasCost: loaded.table.hasCost };
}
