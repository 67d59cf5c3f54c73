/** Contracts of the streaming ingest. Implementation: ./index.ts. */
import type { EventTable } from '../table';

/** Anything with a name, a size and a byte stream: a browser File, or a Node Blob from fs.openAsBlob. */
export interface InputFile {
  name: string;
  size: number;
  stream(): ReadableStream<Uint8Array>;
  /**
   * Random access (File and Blob have it): lets a .zip's directory at the end
   * be read first, so the largest table inside is chosen. Without it, the
   * first table entry is taken.
   */
  slice?(start?: number, end?: number): Blob;
  /**
   * A gzip decompressor to use instead of DecompressionStream, where the
   * platform has a faster one (the CLI: Node's zlib, which inflates on
   * another thread while the parser runs, in 256 KB pieces). Gzip is still
   * told by its magic bytes; damaged data must error the returned stream.
   */
  gunzip?(compressed: ReadableStream<Uint8Array>): ReadableStream<Uint8Array>;
}

export type TimestampUnit = 'auto' | 'seconds' | 'milliseconds' | 'iso';

/**
 * Roles of a non-Criteo log's columns, by header name. Journeys follow the
 * rules in data-and-method.md ("Journeys in other logs").
 */
export interface ColumnMapping {
  user: string;
  timestamp: string;
  timestampUnit: TimestampUnit;
  /** Campaign or channel. */
  campaign: string;
  /** A 0/1 (or true/false, yes/no) flag on touchpoint rows: 1 = this journey converted. */
  conversion?: string;
  /** A conversion id on touchpoint rows (empty, -1 or 0 = none). */
  conversionId?: string;
  /** Conversion rows: rows whose `column` equals `value` are conversions, not touchpoints. */
  conversionEvent?: { column: string; value: string };
  cost?: string;
  click?: string;
  categories?: string[];
  /**
   * The value (revenue) of a conversion, on its rows: each conversion's value
   * is the largest on its rows (EventTable.conversionValues), which gives ROAS.
   */
  value?: string;
  /** A channel grouping next to the campaign (e.g. campaign = spring_sale, channel = email). Read into the table's `campaignChannels` to group campaigns in the results; never a model feature. */
  channel?: string;
  /**
   * Columns that describe the user (segment, country): read as category
   * columns and given to the models once per journey, held fixed when a
   * counterfactual takes touchpoints away (prepare/user-attributes.ts).
   */
  userAttributes?: string[];
  /** Touchpoints this long before a conversion row belong to it (default 30). */
  lookbackDays?: number;
}

export interface IngestProgress {
  /** Bytes of the file read so far (compressed bytes for .gz/.zip), and its size. */
  bytesRead: number;
  totalBytes: number;
  rows: number;
}

export interface IngestOptions {
  /** Required for non-Criteo files; a Criteo header maps itself. */
  mapping?: ColumnMapping;
  /** Share of malformed rows above which the load stops (default 0.01). */
  maxBadRowShare?: number;
  onProgress?: (p: IngestProgress) => void;
  signal?: AbortSignal;
}

export type IngestErrorCode =
  | 'empty'
  | 'header-only'
  | 'missing-columns'
  | 'duplicate-columns'
  | 'wrong-delimiter'
  | 'bad-value'
  | 'too-many-bad-rows'
  | 'truncated-gzip'
  | 'zip-no-table'
  | 'binary'
  | 'html'
  | 'line-too-long'
  | 'needs-mapping'
  | 'bad-mapping'
  | 'too-large'
  | 'cancelled'
  | 'read-error';

/** A rejected file: `message` is the one line shown to the user (UI and CLI alike). */
export interface IngestError {
  code: IngestErrorCode;
  message: string;
}

export type IngestResult = { ok: true; table: EventTable } | { ok: false; error: IngestError };

/** The first rows of a file, for the column-mapping step. */
export interface FilePreview {
  format: 'criteo' | 'delimited';
  delimiter: ',' | '\t' | ';';
  header: string[];
  rows: string[][];
  /** Roles guessed from header names. */
  suggestedMapping: Partial<ColumnMapping>;
  /** Name of the table taken from a .zip, if any. */
  innerName?: string;
}

export type PreviewResult = { ok: true; preview: FilePreview } | { ok: false; error: IngestError };
