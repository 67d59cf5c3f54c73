/**
 * What the first lines say: is it text at all, which delimiter, which
 * columns, is it the Criteo log, and which column plays which role.
 */
import Papa from 'papaparse';
import { CRITEO_COLUMNS } from '../table';
import { failure, listNames, oneLine, quote } from './errors';
import type { ColumnMapping, TimestampUnit } from './types';

export type Delimiter = ',' | '\t' | ';';
const DELIMITERS: readonly Delimiter[] = ['\t', ',', ';'];
const DELIMITER_NAMES: Record<Delimiter, string> = { '\t': 'tabs', ',': 'commas', ';': 'semicolons' };

/** Rejects bytes that are not a text table: binary files, web pages. `head` is the first plain-text bytes. */
export function sniffContent(head: Uint8Array): void {
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
    failure('binary', 'The file is UTF-16 text: save it again as UTF-8 (CSV UTF-8 in Excel).');
  }
  const signatures: [number[], string][] = [
    [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
    [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
    [[0xff, 0xd8, 0xff], 'a JPEG image'],
    [[0xd0, 0xcf, 0x11, 0xe0], 'an old Excel or Office file (save it as CSV first)'],
    [[0x50, 0x4b, 0x03, 0x04], 'a zip archive inside another archive'],
  ];
  for (const [magic, what] of signatures) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) failure('binary', `The file is ${what}, not a table.`);
  }
  const n = Math.min(head.length, 65536);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = head[i];
    if (b === 0) failure('binary', 'The file is binary data, not a text table.');
    if (b < 9 || (b > 13 && b < 32 && b !== 27)) control++;
  }
  if (control > n / 100) failure('binary', 'The file is binary data, not a text table.');
  let start = 0;
  while (start < n && (head[start] <= 32 || head[start] === 0xef || head[start] === 0xbb || head[start] === 0xbf)) start++;
  if (head[start] === 0x3c /* < */) {
    const text = new TextDecoder().decode(head.subarray(start, Math.min(n, start + 2048))).toLowerCase();
    if (/^<(!doctype|html|head|body|\?xml|!--|meta|script|div)/.test(text) || text.includes('<html')) {
      failure('html', 'This is a web page (HTML), not a table: the download probably saved a site page instead of the data file.');
    }
  }
}

/** Counts of each delimiter outside double quotes. */
function delimiterCounts(line: string): Record<Delimiter, number> {
  const counts: Record<Delimiter, number> = { '\t': 0, ',': 0, ';': 0 };
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\t' || ch === ',' || ch === ';')) counts[ch]++;
  }
  return counts;
}

export function detectDelimiter(line: string): Delimiter | null {
  const counts = delimiterCounts(line);
  let best: Delimiter | null = null;
  for (const d of DELIMITERS) if (counts[d] > 0 && (best === null || counts[d] > counts[best])) best = d;
  return best;
}

/** Splits one line with quotes handled (papaparse's parser, one row). */
export function splitLine(line: string, delimiter: Delimiter): string[] {
  const parser = new Papa.Parser({ delimiter, newline: '\n' });
  const result = parser.parse(line, 0, false) as { data: string[][] };
  return result.data[0] ?? [''];
}

export interface HeaderInfo {
  delimiter: Delimiter;
  /** Column names, trimmed, quotes and BOM removed. */
  names: string[];
}

/**
 * Reads the header line. `secondLine` (the first data line, if already read)
 * tells a header and data saved with different delimiters apart.
 */
export function readHeader(headerLine: string, secondLine?: string): HeaderInfo {
  const line = headerLine.replace(/^\uFEFF/, '').replace(/\r$/, '');
  const delimiter = detectDelimiter(line);
  if (delimiter === null) {
    const single = line.trim();
    if (/^".*[,;\t].*"$/.test(single)) {
      failure('wrong-delimiter', `The header is one quoted cell (${quote(single)}): each line seems wrapped in quotes; save the file as plain CSV or TSV.`);
    }
    failure('wrong-delimiter', `The header has a single column (${quote(single)}): no tab, comma or semicolon separates the column names.`);
  }
  const names = splitLine(line, delimiter).map((n) => n.trim());
  if (secondLine !== undefined && secondLine.trim() !== '') {
    const data = delimiterCounts(secondLine.replace(/\r$/, ''));
    if (data[delimiter] === 0) {
      const other = DELIMITERS.find((d) => d !== delimiter && data[d] >= names.length - 1);
      if (other) {
        failure('wrong-delimiter', `The header is separated by ${DELIMITER_NAMES[delimiter]} but line 2 by ${DELIMITER_NAMES[other]}: save the file with one separator.`);
      }
    }
  }
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const n of names) {
    if (n === '') continue;
    if (seen.has(n)) repeated.add(n);
    seen.add(n);
  }
  if (repeated.size > 0) {
    failure('duplicate-columns', `Column names repeat in the header: ${listNames([...repeated])}. Rename them so each column has its own name.`);
  }
  return { delimiter, names };
}

export type CriteoMatch = { kind: 'full'; index: Record<string, number> } | { kind: 'partial'; missing: string[] } | { kind: 'none' };

/** A header with every Criteo column maps itself; one with most of them but not all is told what is missing. */
export function matchCriteo(names: readonly string[]): CriteoMatch {
  const index: Record<string, number> = {};
  names.forEach((n, i) => {
    const key = n.toLowerCase();
    if (!(key in index)) index[key] = i;
  });
  const missing = CRITEO_COLUMNS.filter((c) => !(c in index));
  if (missing.length === 0) return { kind: 'full', index };
  const present = CRITEO_COLUMNS.length - missing.length;
  if (present >= CRITEO_COLUMNS.length / 2 && 'uid' in index && 'conversion_id' in index) return { kind: 'partial', missing };
  return { kind: 'none' };
}

export function missingColumnsMessage(missing: readonly string[], found: readonly string[]): string {
  return oneLine(`Missing column${missing.length > 1 ? 's' : ''}: ${listNames(missing)}. Found: ${listNames(found)}.`, 600);
}

const normalise = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');

/** Header names that suggest each role, best first. */
const ROLE_NAMES: Record<'user' | 'timestamp' | 'campaign' | 'conversion' | 'conversionId' | 'cost' | 'click', string[]> = {
  user: ['user_id', 'user', 'uid', 'userid', 'customer_id', 'customer', 'client_id', 'visitor_id', 'cookie_id', 'device_id'],
  timestamp: ['timestamp', 'event_time', 'time', 'datetime', 'date_time', 'event_timestamp', 'date', 'ts'],
  campaign: ['campaign', 'campaign_id', 'campaign_name', 'channel', 'utm_campaign', 'source', 'utm_source', 'medium', 'utm_medium'],
  conversion: ['conversion', 'converted', 'is_conversion', 'purchase', 'purchased'],
  conversionId: ['conversion_id', 'order_id', 'transaction_id', 'purchase_id'],
  cost: ['cost', 'spend', 'price', 'cost_usd'],
  click: ['click', 'clicked', 'is_click'],
};

const EVENT_COLUMNS = ['event', 'event_type', 'event_name', 'action', 'type', 'interaction'];
const CONVERSION_VALUES = /^(purchase|conversion|converted|order|sale|checkout|transaction|signup|sign_up|lead)$/i;

/** Roles guessed from header names (and, for conversion rows and the time unit, from the first rows). */
export function guessMapping(names: readonly string[], rows: readonly string[][]): Partial<ColumnMapping> {
  const byNorm = new Map<string, string>();
  for (const n of names) if (n !== '' && !byNorm.has(normalise(n))) byNorm.set(normalise(n), n);
  const used = new Set<string>();
  const pick = (candidates: string[]): string | undefined => {
    for (const c of candidates) {
      const n = byNorm.get(c);
      if (n !== undefined && !used.has(n)) {
        used.add(n);
        return n;
      }
    }
    return undefined;
  };
  const guess: Partial<ColumnMapping> = {};
  // conversion_id before conversion so that "conversion" does not take an id column's place.
  const conversionId = pick(ROLE_NAMES.conversionId);
  const user = pick(ROLE_NAMES.user);
  const timestamp = pick(ROLE_NAMES.timestamp);
  const campaign = pick(ROLE_NAMES.campaign);
  const conversion = pick(ROLE_NAMES.conversion);
  const cost = pick(ROLE_NAMES.cost);
  const click = pick(ROLE_NAMES.click);
  if (user) guess.user = user;
  if (timestamp) {
    guess.timestamp = timestamp;
    guess.timestampUnit = guessTimestampUnit(columnValues(names, rows, timestamp));
  }
  if (campaign) guess.campaign = campaign;
  if (conversion) guess.conversion = conversion;
  if (conversionId) guess.conversionId = conversionId;
  if (cost) guess.cost = cost;
  if (click) guess.click = click;
  for (const candidate of EVENT_COLUMNS) {
    const column = byNorm.get(candidate);
    if (!column || used.has(column)) continue;
    const value = columnValues(names, rows, column).find((v) => CONVERSION_VALUES.test(v.trim()));
    if (value !== undefined) {
      guess.conversionEvent = { column, value: value.trim() };
      break;
    }
  }
  return guess;
}

function columnValues(names: readonly string[], rows: readonly string[][], column: string): string[] {
  const i = names.indexOf(column);
  return i < 0 ? [] : rows.map((r) => r[i] ?? '').filter((v) => v.trim() !== '');
}

function guessTimestampUnit(values: string[]): TimestampUnit {
  if (values.length === 0) return 'auto';
  return values.every((v) => Number.isFinite(Number(v.trim()))) ? 'auto' : 'iso';
}
