/**
 * A prepared file (the touchpoints the SQL export writes, docs/warehouse.md)
 * read from its bytes: pure, so the CLI's `--prepared FILE` and the app's
 * worker share it. CSV or Parquet (hyparquet, in Node and the browser alike).
 *
 * The settings the SQL was made for come from, in order: the CSV's first line
 * when it is the script's settings comment; the Parquet file's key-value
 * metadata (`attribution_lab_settings`, which the DuckDB script writes); the
 * side file FILE.settings that the DuckDB script writes beside its output.
 * The cells of both formats go through the same row parser, so both give the
 * same PreparedData.
 */
import { parquetMetadata, parquetRead, parquetSchema, type FileMetaData } from 'hyparquet';
import Papa from 'papaparse';
import type { PrepareSettings } from '../settings';
import { parsePreparedRows, type PreparedRows } from './from-rows';
import { parseSettingsLine, SETTINGS_MARKER } from './sql';

/** The Parquet key-value metadata key that holds the settings line. */
export const PARQUET_SETTINGS_KEY = 'attribution_lab_settings';

/** Settings that shape which rows a prepared file holds (the others only cut the sequences the models read). */
export const FIXED_PREPARE_KEYS: (keyof PrepareSettings)[] = ['campaigns', 'minTouchpoints', 'balance', 'testShare', 'validationShare', 'minCategoryCount', 'seed'];

/** A prepared file as bytes (or text), and the text of its side file FILE.settings when there is one. */
export interface PreparedFileInput {
  /** The file's name (or path), for messages and to tell Parquet from CSV. */
  name: string;
  data: ArrayBuffer | string;
  /** Contents of FILE.settings; undefined when there is none. */
  sideSettings?: string;
}

export type PreparedSettingsRead = { ok: true; settings: PrepareSettings } | { ok: false; error: string };
export type PreparedRowsRead = { ok: true; rows: PreparedRows } | { ok: false; error: string };

export function isParquetName(name: string): boolean {
  return name.toLowerCase().endsWith('.parquet');
}

function text(data: ArrayBuffer | string): string {
  return typeof data === 'string' ? data : new TextDecoder().decode(data);
}

function buffer(data: ArrayBuffer | string): ArrayBuffer {
  if (typeof data !== 'string') return data;
  const bytes = new TextEncoder().encode(data);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function why(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

function metadataOf(file: PreparedFileInput): { ok: true; metadata: FileMetaData; buffer: ArrayBuffer } | { ok: false; error: string } {
  try {
    const b = buffer(file.data);
    return { ok: true, metadata: parquetMetadata(b), buffer: b };
  } catch (err) {
    return { ok: false, error: `${file.name} cannot be read as Parquet: ${why(err)}` };
  }
}

/** The settings the file was prepared with, or one line saying why there are none. */
export function preparedFileSettings(file: PreparedFileInput): PreparedSettingsRead {
  const parquet = isParquetName(file.name);
  let line: string | undefined;
  if (parquet) {
    const read = metadataOf(file);
    if (!read.ok) return read;
    line = read.metadata.key_value_metadata?.find((kv) => kv.key === PARQUET_SETTINGS_KEY)?.value;
  } else {
    const head = text(file.data).slice(0, 4096);
    if (head.startsWith(SETTINGS_MARKER)) {
      const end = head.indexOf('\n');
      line = (end < 0 ? head : head.slice(0, end)).trimEnd();
    }
  }
  const side = file.sideSettings?.trim();
  if (line !== undefined && side !== undefined && side !== line) {
    return { ok: false, error: `${file.name} and ${file.name}.settings give different settings: they come from different exports.` };
  }
  line ??= side;
  if (line === undefined) {
    const where = parquet ? `no settings in its metadata nor ${file.name}.settings` : `neither a first line "${SETTINGS_MARKER.trim()} ..." nor ${file.name}.settings`;
    return { ok: false, error: `${file.name}: no settings, ${where} (the export-sql script writes it).` };
  }
  const settings = parseSettingsLine(line);
  return settings && wellFormed(settings) ? { ok: true, settings } : { ok: false, error: `${file.name}: the settings line cannot be read.` };
}

/** Whether a parsed settings line has every preparation setting, of the right kind. */
function wellFormed(s: PrepareSettings): boolean {
  const numbers = [s.minTouchpoints, s.maxTouchpoints, s.testShare, s.validationShare, s.minCategoryCount, s.seed];
  const c = s.campaigns as PrepareSettings['campaigns'] | undefined;
  return (
    numbers.every((n) => typeof n === 'number' && Number.isFinite(n)) &&
    s.maxTouchpoints >= 1 &&
    (s.keep === 'first' || s.keep === 'last') &&
    (s.balance === 'events' || s.balance === 'journeys' || s.balance === 'none') &&
    typeof c === 'object' &&
    c !== null &&
    (c.kind === 'all' || (c.kind === 'count' && typeof c.count === 'number') || (c.kind === 'fraction' && typeof c.fraction === 'number'))
  );
}

/** A Parquet value as the CSV would spell it: null as empty, integers (bigint) and doubles as their digits. */
function parquetCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? '';
}

/** The prepared touchpoints of the file, or one line saying what is wrong with it. */
export async function preparedFileRows(file: PreparedFileInput): Promise<PreparedRowsRead> {
  let header: string[] | undefined;
  let cells: string[][];
  if (isParquetName(file.name)) {
    const read = metadataOf(file);
    if (!read.ok) return read;
    try {
      header = parquetSchema(read.metadata).children.map((c) => c.element.name);
      let rows: unknown[][] = [];
      await parquetRead({ file: read.buffer, metadata: read.metadata, onComplete: (data: unknown[][]) => (rows = data) });
      cells = rows.map((row) => row.map(parquetCell));
    } catch (err) {
      return { ok: false, error: `${file.name} cannot be read as Parquet: ${why(err)}` };
    }
  } else {
    let body = text(file.data);
    if (body.startsWith(SETTINGS_MARKER)) {
      const end = body.indexOf('\n');
      body = end < 0 ? '' : body.slice(end + 1);
    }
    [header, ...cells] = Papa.parse<string[]>(body, { skipEmptyLines: true }).data;
  }
  if (!header) return { ok: false, error: `${file.name} is empty.` };
  const rows = parsePreparedRows(header, cells);
  if (!rows.ok) return { ok: false, error: `${file.name}: ${rows.error}` };
  if (rows.rows.count === 0) return { ok: false, error: `${file.name} holds no touchpoints.` };
  return rows;
}

/** The fixed settings where `asked` differs from the file's, as "a 1, b 2" for each side; null when they agree. */
export function settingsMismatch(file: PrepareSettings, asked: PrepareSettings): { file: string; asked: string } | null {
  const differ = FIXED_PREPARE_KEYS.filter((key) => JSON.stringify(asked[key]) !== JSON.stringify(file[key]));
  if (differ.length === 0) return null;
  const show = (s: PrepareSettings) => differ.map((k) => `${k} ${JSON.stringify(s[k])}`).join(', ');
  return { file: show(file), asked: show(asked) };
}

/** One line for a summary: the settings the SQL prepared with. */
export function describePreparedSettings(s: PrepareSettings): string {
  const campaigns = s.campaigns.kind === 'all' ? 'every campaign' : s.campaigns.kind === 'count' ? `${s.campaigns.count} campaigns` : `${s.campaigns.fraction * 100}% of the campaigns`;
  return (
    `${campaigns}, journeys of at least ${s.minTouchpoints} touchpoints, ${s.balance === 'none' ? 'not balanced' : `balanced by ${s.balance}`}, ` +
    `test ${s.testShare * 100}%, validation ${s.validationShare * 100}%, categories seen fewer than ${s.minCategoryCount} times merged, seed ${s.seed}`
  );
}
