/**
 * The columnar impression log every other module reads.
 *
 * One entry per accepted row, in file order. No row objects: a 16.5 M-row
 * Criteo file must fit in about 40 bytes a row (see README, issue 16's peak memory).
 */

/** Criteo Attribution Modeling for Bidding, in file order. Found by name, never by position. */
export const CRITEO_COLUMNS = [
  'timestamp',
  'uid',
  'campaign',
  'conversion',
  'conversion_timestamp',
  'conversion_id',
  'attribution',
  'click',
  'click_pos',
  'click_nb',
  'cost',
  'cpo',
  'time_since_last_click',
  'cat1',
  'cat2',
  'cat3',
  'cat4',
  'cat5',
  'cat6',
  'cat7',
  'cat8',
  'cat9',
] as const;

export type CriteoColumn = (typeof CRITEO_COLUMNS)[number];

/** The category columns the article feeds the models (cat7 and cat9 are left out there). */
export const MODEL_CATEGORY_COLUMNS = ['cat1', 'cat2', 'cat3', 'cat4', 'cat5', 'cat6', 'cat8'] as const;

/**
 * A category column: dense indexes into its dictionary, in the narrowest
 * array that holds them. The ingest starts every column as bytes and widens
 * it (to 16, then 32 bits) only when its dictionary outgrows it, so the
 * Criteo log's nine columns (at most ~2 k values each) take 1 or 2 bytes a
 * row rather than 4. Readers index it like any array; code that makes a
 * parallel copy keeps the width (`emptyCategoryColumn`).
 */
export type CategoryColumn = Uint8Array | Uint16Array | Uint32Array;

/** The largest index a column of this width holds. */
export function categoryLimit(column: CategoryColumn): number {
  return column.BYTES_PER_ELEMENT === 1 ? 0xff : column.BYTES_PER_ELEMENT === 2 ? 0xffff : 0xffffffff;
}

/** The narrowest column type that holds indexes up to `max`. */
export function categoryColumnType(max: number): { new (length: number): CategoryColumn } {
  return max <= 0xff ? Uint8Array : max <= 0xffff ? Uint16Array : Uint32Array;
}

/** A zeroed column of `length` rows as wide as `like`. */
export function emptyCategoryColumn(like: CategoryColumn, length: number): CategoryColumn {
  return like.BYTES_PER_ELEMENT === 1 ? new Uint8Array(length) : like.BYTES_PER_ELEMENT === 2 ? new Uint16Array(length) : new Uint32Array(length);
}

/** `column` copied into the narrowest type that holds `max` (the column itself when it is that type already). */
export function fitCategoryColumn(column: CategoryColumn, max: number): CategoryColumn {
  const Type = categoryColumnType(max);
  if (column instanceof Type) return column;
  const out = new Type(column.length);
  out.set(column);
  return out;
}

/**
 * Timestamps in seconds: a Uint32Array when every value is a whole number of
 * seconds in 0..2^32-1 (the Criteo log's 0..~2.67 M: 4 bytes a row instead of
 * 8), else a Float64Array. Readers index it like any array.
 */
export type TimeColumn = Float64Array | Uint32Array;

/** Whether `t` fits a Uint32Array time column exactly (a whole number of seconds in 0..2^32-1). */
export function fitsWholeSeconds(t: number): boolean {
  return t >>> 0 === t;
}

export interface SkippedRow {
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  reason: string;
}

export interface EventTable {
  rowCount: number;
  /** Seconds. Criteo: 0..~2.67 M since the log's start; other logs: Unix epoch seconds. See `TimeColumn`. */
  timestamp: TimeColumn;
  /** Dense user index, 0..userCount-1, in order of first appearance. */
  user: Uint32Array;
  userCount: number;
  /**
   * The user id of each dense user index, as a number, when the log's user ids
   * are whole numbers (Criteo's format). Sampling hashes these, as the SQL
   * export does; without them it hashes the dense index.
   */
  userKeys?: Float64Array | Uint32Array;
  /**
   * Dense campaign index into `campaignIds`, in order of first appearance, as
   * narrow as the number of campaigns allows (see `CategoryColumn`).
   */
  campaign: CategoryColumn;
  /** Original campaign (or channel) ids, as written in the file. */
  campaignIds: string[];
  /** 1 if this impression preceded a conversion (Criteo's `conversion`). */
  conversion: Uint8Array;
  /** Dense conversion index, 0..conversionCount-1, or -1 when the row has no conversion. */
  conversionId: Int32Array;
  conversionCount: number;
  /** The conversion id of each dense conversion index, as a number (see `userKeys`). */
  conversionKeys?: Float64Array | Uint32Array;
  /** 1 if the impression was clicked; all 0 when the log has no click column. */
  click: Uint8Array;
  /** Price paid for the impression; all 0 when the log has no cost column (see `hasCost`). */
  cost: Float32Array;
  /**
   * Each conversion's value (revenue), by conversion index, when an own log
   * maps a value column: the largest value on the conversion's rows. Absent
   * otherwise (Criteo's log has no conversion value).
   */
  conversionValues?: Float64Array;
  hasCost: boolean;
  /** Seconds since the user's last click, -1 if none or unknown. */
  timeSinceLastClick: Float32Array;
  /**
   * An own log's mapped channel column (issue 14): each campaign's channel,
   * the value on most of its rows, parallel to `campaignIds`. Groups campaigns
   * in the results; no model reads it.
   */
  campaignChannels?: { column: string; values: string[] };
  /** Names of the categorical columns, e.g. cat1..cat9. */
  categoryNames: string[];
  /**
   * One dense-index column per categorical column, parallel to
   * `categoryNames`, each as narrow as its dictionary allows (see `CategoryColumn`).
   */
  categories: CategoryColumn[];
  /** Original category values per column, indexed by the dense index. */
  categoryIds: string[][];
  /** Category columns the mapping named as user attributes (own logs); they are models' journey-level inputs. */
  userAttributeNames?: string[];
  /** Rows that were skipped as malformed, with the first few examples. */
  skipped: { count: number; examples: SkippedRow[] };
  source: {
    format: 'criteo' | 'delimited';
    /** Name of the file, and of the table inside a .zip when there was one. */
    name: string;
    /** Bytes of plain text read (after decompression). */
    textBytes: number;
    /** Any notes the user should see (e.g. "took data.tsv from archive.zip"). */
    notes: string[];
  };
}

/** Every typed array of a table, for transferring it between threads without copying. */
export function tableBuffers(table: EventTable): ArrayBuffer[] {
  const arrays: ArrayBufferView[] = [
    table.timestamp,
    table.user,
    table.campaign,
    table.conversion,
    table.conversionId,
    table.click,
    table.cost,
    table.timeSinceLastClick,
    ...table.categories,
  ];
  if (table.userKeys) arrays.push(table.userKeys);
  if (table.conversionKeys) arrays.push(table.conversionKeys);
  const seen = new Set<ArrayBuffer>();
  for (const a of arrays) seen.add(a.buffer as ArrayBuffer);
  return [...seen];
}

/** Bytes held by the typed arrays of a table (the dictionaries not counted). */
export function tableByteLength(table: EventTable): number {
  let bytes = 0;
  for (const b of tableBuffers(table)) bytes += b.byteLength;
  return bytes;
}
