/**
 * Streaming ingest: a .tsv/.csv (optionally .gz or inside a .zip) becomes an
 * EventTable. The Criteo log takes a byte-level fast path; other logs go
 * through papaparse and a ColumnMapping. Never throws: every failure is
 * `{ok: false, error}` with one plain line for the user.
 */
import Papa from 'papaparse';
import { CRITEO_COLUMNS, type EventTable } from '../table';
import { BadRows } from './bad-rows';
import { MAX_LINE_BYTES } from './bytes';
import { CriteoBuilder } from './criteo';
import { DelimitedBuilder } from './delimited';
import { failure, IngestFailure, toIngestError } from './errors';
import { guessMapping, matchCriteo, missingColumnsMessage, readHeader, sniffContent, type HeaderInfo } from './header';
import { openText, type TextSource } from './source';
import type { ColumnMapping, FilePreview, IngestOptions, IngestResult, InputFile, PreviewResult } from './types';

export type * from './types';
export { parseTimestamp, parseFlag } from './delimited';

export const DEFAULT_MAX_BAD_ROW_SHARE = 0.01;
/** Progress is reported at most once per this many bytes of the file. */
const PROGRESS_EVERY_BYTES = 256 * 1024;

const CANCELLED = { code: 'cancelled', message: 'Loading was cancelled.' } as const;

interface Head {
  bytes: Uint8Array;
  /** Where the header line starts (after any blank lines). */
  start: number;
  /** Offsets just after each of the first line breaks found. */
  lineEnds: number[];
  eof: boolean;
}

/**
 * Reads until `lines` line breaks after the first non-blank byte were seen,
 * `maxBytes` were read, or the end. Leading blank lines are skipped.
 */
async function readHead(source: TextSource, lines: number, maxBytes: number, signal?: AbortSignal): Promise<Head> {
  let bytes = new Uint8Array(0);
  const lineEnds: number[] = [];
  let eof = false;
  let start = -1;
  let from = 0;
  while (lineEnds.length < lines && bytes.length < maxBytes) {
    const chunk = await source.read();
    if (signal?.aborted) throw new IngestFailure(CANCELLED.code, CANCELLED.message);
    if (chunk === null) {
      eof = true;
      break;
    }
    const joined = new Uint8Array(bytes.length + chunk.length);
    joined.set(bytes);
    joined.set(chunk, bytes.length);
    bytes = joined;
    if (start < 0) {
      const content = firstContent(bytes);
      if (content < 0) continue;
      start = bytes.lastIndexOf(10, content) + 1;
      from = start;
    }
    while (lineEnds.length < lines) {
      const nl = bytes.indexOf(10, from);
      if (nl < 0) break;
      lineEnds.push(nl + 1);
      from = nl + 1;
    }
  }
  return { bytes, start: Math.max(start, 0), lineEnds, eof };
}

/** Index of the first byte that is not whitespace or part of a BOM, -1 if none. */
function firstContent(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b > 32 && !(i < 3 && (b === 0xef || b === 0xbb || b === 0xbf))) return i;
  }
  return -1;
}

const decoder = new TextDecoder();

/** Sniffs the head, reads the header line and the first data line. */
function readTop(head: Head): { header: HeaderInfo; newline: '\n' | '\r\n'; dataStart: number; headerLine: number } {
  if (firstContent(head.bytes) < 0) {
    if (head.eof) failure('empty', 'The file is empty.');
    failure('line-too-long', `The file starts with more than ${MAX_LINE_BYTES / 1024} KB of blank space.`);
  }
  sniffContent(head.bytes.subarray(head.start));
  const headerEnd = head.lineEnds[0] ?? head.bytes.length;
  if (headerEnd - head.start > MAX_LINE_BYTES + 2) {
    failure('line-too-long', `Line 1 is longer than ${MAX_LINE_BYTES / 1024} KB without a line break: this is not a table with one row a line.`);
  }
  const headerText = decoder.decode(head.bytes.subarray(head.start, headerEnd));
  const secondEnd = head.lineEnds[1] ?? (head.eof ? head.bytes.length : headerEnd);
  const second = secondEnd > headerEnd ? decoder.decode(head.bytes.subarray(headerEnd, secondEnd)) : undefined;
  const header = readHeader(headerText.replace(/\n$/, ''), second);
  let headerLine = 1;
  for (let i = 0; i < head.start; i++) if (head.bytes[i] === 10) headerLine++;
  return { header, newline: headerText.endsWith('\r\n') ? '\r\n' : '\n', dataStart: headerEnd, headerLine };
}

export async function ingest(file: InputFile, options: IngestOptions = {}): Promise<IngestResult> {
  const { signal } = options;
  if (signal?.aborted) return { ok: false, error: { ...CANCELLED } };
  let source: TextSource | null = null;
  const onAbort = () => void source?.cancel();
  signal?.addEventListener('abort', onAbort);
  try {
    if (file.size === 0) failure('empty', 'The file is empty.');
    source = await openText(file);
    const table = await load(file, source, options);
    return { ok: true, table };
  } catch (err) {
    if (signal?.aborted) return { ok: false, error: { ...CANCELLED } };
    return { ok: false, error: toIngestError(err) };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await source?.cancel();
  }
}

async function load(file: InputFile, source: TextSource, options: IngestOptions): Promise<EventTable> {
  const { signal, onProgress } = options;
  const head = await readHead(source, 2, 2 * MAX_LINE_BYTES, signal);
  const { header, newline, dataStart, headerLine } = readTop(head);
  const criteo = matchCriteo(header.names);
  const notes = [...source.notes];
  if (criteo.kind === 'partial' && !options.mapping) failure('missing-columns', missingColumnsMessage(criteo.missing, header.names));
  if (criteo.kind !== 'full' && !options.mapping) {
    failure('needs-mapping', 'This is not the Criteo log: choose which columns hold the user, the time, the campaign and the conversions.');
  }
  if (criteo.kind === 'full' && options.mapping) notes.push('The Criteo columns were recognised; the column mapping was not needed.');
  const bad = new BadRows(options.maxBadRowShare ?? DEFAULT_MAX_BAD_ROW_SHARE);
  let textBytes = head.bytes.length;
  let rows = () => 0;
  let lastReport = -Infinity;
  const report = (done = false) => {
    // Once done, the whole file counts as read (a zip's directory at its end is read apart).
    const bytesRead = done ? file.size : source.bytesRead();
    if (!onProgress || (!done && bytesRead - lastReport < PROGRESS_EVERY_BYTES)) return;
    lastReport = bytesRead;
    onProgress({ bytesRead, totalBytes: file.size, rows: rows() });
  };
  /** Feeds every remaining chunk of text to `take`. */
  const pump = async (take: (chunk: Uint8Array) => void) => {
    if (head.eof) return;
    for (;;) {
      const chunk = await source.read();
      if (signal?.aborted) throw new IngestFailure(CANCELLED.code, CANCELLED.message);
      if (chunk === null) return;
      textBytes += chunk.length;
      take(chunk);
      report();
    }
  };
  const name = source.innerName ? `${file.name} (${source.innerName})` : file.name;

  let table: EventTable;
  if (criteo.kind === 'full') {
    const builder = new CriteoBuilder(header.names, criteo.index, header.delimiter, bad, expectedRows(head, source.textSize), headerLine + 1);
    rows = () => builder.goodRows;
    builder.push(head.bytes.subarray(dataStart));
    await pump((chunk) => builder.push(chunk));
    builder.end();
    bad.check(builder.goodRows);
    if (builder.goodRows === 0 && bad.count === 0) failure('header-only', 'The file has a header but no data rows.');
    table = builder.finish({ format: 'criteo', name, textBytes, notes });
  } else {
    const builder = new DelimitedBuilder(header.names, options.mapping as ColumnMapping, bad);
    rows = () => builder.goodRows;
    const parser = new Papa.Parser({ delimiter: header.delimiter, newline });
    const text = new TextDecoder();
    let partial = '';
    let line = headerLine - 1;
    const feed = (chunkText: string, final: boolean) => {
      const input = partial + chunkText;
      const result = parser.parse(input, 0, !final) as { data: string[][]; meta: { cursor: number } };
      for (const fields of result.data) {
        line++;
        if (line === headerLine) continue;
        if (newline === '\n') {
          const last = fields.length - 1;
          if (fields[last].endsWith('\r')) fields[last] = fields[last].slice(0, -1);
        }
        builder.row(fields, line);
      }
      partial = final ? '' : input.substring(result.meta.cursor);
      if (partial.length > MAX_LINE_BYTES) {
        failure('line-too-long', `Line ${line + 1} is longer than ${MAX_LINE_BYTES / 1024} KB: a line break is missing or a quote is never closed.`);
      }
    };
    feed(text.decode(head.bytes.subarray(head.start), { stream: true }), false);
    await pump((chunk) => feed(text.decode(chunk, { stream: true }), false));
    feed(text.decode(), true);
    bad.check(builder.goodRows);
    if (builder.goodRows === 0 && bad.count === 0) failure('header-only', 'The file has a header but no data rows.');
    table = builder.finish({ format: 'delimited', name, textBytes, notes });
  }
  report(true);
  return table;
}

/**
 * Rows to expect from the text size and the lines of the head, a little
 * generous (2%) so that the first chunk usually holds every row.
 */
function expectedRows(head: Head, textSize: number | undefined): number {
  if (!textSize || head.eof) return 0;
  let lines = 0;
  for (let i = head.start; i < head.bytes.length; i++) if (head.bytes[i] === 10) lines++;
  if (lines < 2) return 0;
  const bytesPerLine = (head.bytes.length - head.start) / lines;
  const rows = Math.ceil((textSize / bytesPerLine) * 1.02) + 16;
  // Past ~10 GB of table the estimate is not worth trusting with one allocation.
  return rows <= 2 ** 27 ? rows : 0;
}

/** The Criteo columns as a mapping, for the mapping step's defaults. */
const CRITEO_MAPPING: Partial<ColumnMapping> = {
  user: 'uid',
  timestamp: 'timestamp',
  timestampUnit: 'seconds',
  campaign: 'campaign',
  conversion: 'conversion',
  conversionId: 'conversion_id',
  cost: 'cost',
  click: 'click',
  categories: CRITEO_COLUMNS.filter((c) => c.startsWith('cat')),
};

export async function previewFile(file: InputFile, maxRows = 20): Promise<PreviewResult> {
  let source: TextSource | null = null;
  try {
    if (file.size === 0) failure('empty', 'The file is empty.');
    source = await openText(file);
    const head = await readHead(source, maxRows + 1, MAX_LINE_BYTES * 2);
    const { header, newline, dataStart } = readTop(head);
    const complete = head.eof ? head.bytes.length : (head.lineEnds[head.lineEnds.length - 1] ?? dataStart);
    const body = decoder.decode(head.bytes.subarray(dataStart, complete));
    const parsed = new Papa.Parser({ delimiter: header.delimiter, newline }).parse(body, 0, false) as { data: string[][] };
    const rows = parsed.data
      .map((r) => (r.length > 0 && r[r.length - 1].endsWith('\r') ? [...r.slice(0, -1), r[r.length - 1].slice(0, -1)] : r))
      .filter((r) => !(r.length === 1 && r[0].trim() === ''))
      .slice(0, maxRows);
    if (rows.length === 0 && head.eof) failure('header-only', 'The file has a header but no data rows.');
    const criteo = matchCriteo(header.names).kind === 'full';
    const preview: FilePreview = {
      format: criteo ? 'criteo' : 'delimited',
      delimiter: header.delimiter,
      header: header.names,
      rows,
      suggestedMapping: criteo ? { ...CRITEO_MAPPING } : guessMapping(header.names, rows),
    };
    if (source.innerName) preview.innerName = source.innerName;
    return { ok: true, preview };
  } catch (err) {
    return { ok: false, error: toIngestError(err) };
  } finally {
    await source?.cancel();
  }
}

