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
 * with hyparquet, its settings from FILE.settings; its cells go through the
 * same row parser as the CSV's, so both give the same PreparedData.
 */
import { readFile } from 'node:fs/promises';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import Papa from 'papaparse';
import { parsePreparedRows, preparedFromRows } from '../core/prepare/from-rows';
import { parseSettingsLine, SETTINGS_MARKER } from '../core/prepare/sql';
import type { PreparedData } from '../core/prepared';
import type { PrepareSettings } from '../core/settings';
import type { EventTable } from '../core/table';
import { UsageError } from './command';
import { prepareSettingsFromFlags, type FlagValues } from './flags';
import { loadTable } from './run';

export const PREPARED_OPTIONS = { prepared: { type: 'string' } } as const;
export const PREPARED_USAGE = '[--prepared FILE (touchpoints prepared by export-sql, .csv or .parquet, instead of the log)]';

/** Settings that shape which rows a prepared file holds. */
const FIXED: (keyof PrepareSettings)[] = ['campaigns', 'minTouchpoints', 'balance', 'testShare', 'validationShare', 'minCategoryCount', 'seed'];

export type PreparedLoad = { ok: true; prepared: PreparedData; settings: PrepareSettings } | { ok: false; error: string };

/** Throws UsageError unless exactly one of a log FILE and --prepared FILE is given. */
export function checkInputArgs(positionals: string[], values: FlagValues, usage: string): void {
  const prepared = typeof values.prepared === 'string';
  if (prepared ? positionals.length !== 0 : positionals.length !== 1) throw new UsageError(prepared ? `Give the log or --prepared FILE, not both. ${usage}` : usage);
  if (prepared && (values.map !== undefined || values.mapping !== undefined)) throw new UsageError('--map and --mapping describe a log; a prepared file needs neither.');
}

type Cells = { ok: true; header: string[]; cells: string[][] } | { ok: false; error: string };

/** A Parquet value as the CSV would spell it: null as empty, integers (bigint) and doubles as their digits. */
function parquetCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? '';
}

/** The header and cells of a Parquet file, or one line saying why not. */
async function readParquetCells(path: string): Promise<Cells> {
  try {
    const file = await asyncBufferFromFile(path);
    const metadata = await parquetMetadataAsync(file);
    const header = parquetSchema(metadata).children.map((c) => c.element.name);
    let rows: unknown[][] = [];
    await parquetRead({ file, metadata, onComplete: (data: unknown[][]) => (rows = data) });
    return { ok: true, header, cells: rows.map((row) => row.map(parquetCell)) };
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ok: false, error: `${path} cannot be read as Parquet: ${why}` };
  }
}

async function readSideSettings(path: string): Promise<PrepareSettings | null | undefined> {
  try {
    return parseSettingsLine((await readFile(`${path}.settings`, 'utf8')).trim());
  } catch {
    return undefined;
  }
}

export async function loadPrepared(path: string, values: FlagValues): Promise<PreparedLoad> {
  const parquet = path.toLowerCase().endsWith('.parquet');
  let text = '';
  if (!parquet) {
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return { ok: false, error: `Cannot read the prepared file ${path}.` };
    }
  }
  let fileSettings: PrepareSettings | null | undefined;
  if (!parquet && text.startsWith(SETTINGS_MARKER)) {
    const end = text.indexOf('\n');
    fileSettings = parseSettingsLine(text.slice(0, end < 0 ? text.length : end).trimEnd());
    text = end < 0 ? '' : text.slice(end + 1);
  } else {
    fileSettings = await readSideSettings(path);
    if (fileSettings === undefined) {
      const where = parquet ? `${path}.settings` : `a first line "${SETTINGS_MARKER.trim()} ..." nor ${path}.settings`;
      return { ok: false, error: `${path}: no settings, ${parquet ? 'no' : 'neither'} ${where} (the export-sql script writes it).` };
    }
  }
  if (!fileSettings) return { ok: false, error: `${path}: the settings line cannot be read.` };

  const flags = prepareSettingsFromFlags(values, fileSettings);
  if (!flags.ok) throw new UsageError(flags.error);
  const differ = FIXED.filter((key) => JSON.stringify(flags.settings[key]) !== JSON.stringify(fileSettings[key]));
  if (differ.length > 0) {
    const show = (s: PrepareSettings) => differ.map((k) => `${k} ${JSON.stringify(s[k])}`).join(', ');
    return { ok: false, error: `${path} was prepared with ${show(fileSettings)}; the command asks for ${show(flags.settings)}.` };
  }
  let table: Cells;
  if (parquet) {
    table = await readParquetCells(path);
  } else {
    const [header, ...cells] = Papa.parse<string[]>(text, { skipEmptyLines: true }).data;
    table = header ? { ok: true, header, cells } : { ok: false, error: `${path} is empty.` };
  }
  if (!table.ok) return table;
  const rows = parsePreparedRows(table.header, table.cells);
  if (!rows.ok) return { ok: false, error: `${path}: ${rows.error}` };
  if (rows.rows.count === 0) return { ok: false, error: `${path} holds no touchpoints.` };
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
