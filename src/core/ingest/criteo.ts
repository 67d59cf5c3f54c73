/**
 * The Criteo fast path: numbers parsed straight from bytes into chunked typed
 * arrays, ids dictionary-encoded on the fly. About 44 bytes a row in the end.
 *
 * Two paths share one store. `push` cuts the stream into lines and parses
 * each line in the same pass (no separate search for the line break, no call
 * per field), following a column plan made from the header; it understands
 * only the plain forms the Criteo log is written in (`-1`, `20073966`,
 * `0.390793`, `1e-05`, CRLF or LF). Any line it does not understand (quotes,
 * a blank line, a word, a missing field, `0042`) goes whole to `line`, the
 * careful path, which accepts or rejects it exactly as before, with the
 * message.
 *
 * The campaign and category columns are stored as narrow as their
 * dictionaries allow (see `CategoryColumn`): the fast path writes a row's raw
 * campaign and category ids to a scratch block of one batch of rows, and
 * `encodeIds` numbers them there and copies the indexes into the column,
 * widening it first if it must. Timestamps are stored as Uint32 while every
 * one is a whole number of seconds in 0..2^32-1 (the Criteo log's are), and
 * widened to Float64 at the first that is not (see `TimeColumn`).
 */
import { CRITEO_COLUMNS, categoryLimit, fitsWholeSeconds, type CategoryColumn, type EventTable, type TimeColumn } from '../table';
import type { BadRows } from './bad-rows';
import { MAX_LINE_BYTES, scanNumber, scannedValue } from './bytes';
import { ChunkedColumns } from './columns';
import { failure, quote } from './errors';
import { NumericIdTable } from './id-table';

/** Exact powers of ten: a mantissa below 2^53 scaled by these rounds correctly (as scanNumber does). */
const POW10 = Float64Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const CATEGORY_COLUMNS = CRITEO_COLUMNS.filter((c) => c.startsWith('cat'));

/** Position of each Criteo column in CRITEO_COLUMNS: the slot its value is parsed into. */
const C = Object.fromEntries(CRITEO_COLUMNS.map((c, i) => [c, i])) as Record<(typeof CRITEO_COLUMNS)[number], number>;
const TIMESTAMP_AT = C.timestamp, UID_AT = C.uid, CAMPAIGN_AT = C.campaign, CONVERSION_AT = C.conversion;
const CONVERSION_ID_AT = C.conversion_id, CLICK_AT = C.click, COST_AT = C.cost, SINCE_CLICK_AT = C.time_since_last_click;
const FIRST_CATEGORY_AT = C.cat1;
const CATEGORY_COUNT = CATEGORY_COLUMNS.length;

// Column order inside ChunkedColumns.
// attribution, click_pos, click_nb, cpo and conversion_timestamp are parsed
// and checked like the rest (a row with a malformed cpo is still skipped) but
// not kept: nothing reads them, and they would cost 17 bytes a row.
const TIMESTAMP = 0, USER = 1, CAMPAIGN = 2, CONVERSION = 3, CONVERSION_ID = 4, CLICK = 5, COST = 6, SINCE_CLICK = 7;
const FIRST_CATEGORY = 8;

const COLUMN_TYPES = [
  // Timestamps start as Uint32 (widened to Float64 by ChunkedColumns.widen); the campaign as bytes (widened by fit).
  Uint32Array, Uint32Array, Uint8Array, Uint8Array, Int32Array, Uint8Array, Float32Array, Float32Array,
  // Category columns start as bytes; ChunkedColumns.fit widens them.
  ...CATEGORY_COLUMNS.map(() => Uint8Array),
];

/** Criteo columns whose values are ids (whole numbers) and flags (0 or 1). */
const ID_COLUMNS = ['uid', 'campaign', 'conversion_id', ...CATEGORY_COLUMNS];
const FLAG_COLUMNS = ['conversion', 'attribution', 'click'];

/**
 * What the fused scanner does with a field, by the field's position in the
 * line. WHOLE: a signed whole number (the conversion id, -1 for none). ID: a
 * user, campaign or category id in its plain form (digits, no sign, no
 * leading zero, below 2^32), whose text is then String(value).
 */
const SKIP = 0, NUMBER = 1, WHOLE = 2, FLAG = 3, ID = 4;
/** Ids numbered by the fast path's store later, in batches (see `encodeIds`). */
const BATCH_IDS = ['uid', 'campaign', ...CATEGORY_COLUMNS];
/** Rows stored between two `encodeIds` runs: each column's table stays in cache for a while. */
const ENCODE_BATCH_ROWS = 1 << 16;

export class CriteoBuilder {
  private readonly fieldCount: number;
  private readonly delimiter: number;
  /** Per field of the line: 1 if it is a Criteo column to parse, 0 if it is ignored. */
  private readonly parsed: Uint8Array;
  /** The careful path's values, by field position. */
  private readonly values: Float64Array;
  /** Per field of the line: SKIP, NUMBER, WHOLE, FLAG or ID. */
  private readonly plan: Uint8Array;
  /** Per field of the line: its slot in `row` (its place in CRITEO_COLUMNS), 0 when skipped. */
  private readonly slotOf: Uint8Array;
  /** The row being read, by place in CRITEO_COLUMNS. */
  private readonly row = new Float64Array(CRITEO_COLUMNS.length);
  private readonly at: Record<string, number>;
  private readonly idFields: Int32Array;
  private readonly flagFields: Int32Array;
  private readonly columns: ChunkedColumns;
  private users: NumericIdTable | null = new NumericIdTable(1 << 16);
  private conversions: NumericIdTable | null = new NumericIdTable(1 << 12);
  private readonly campaigns = new NumericIdTable(1024);
  /** Campaign and category ids as written in the file, by dense index. */
  private readonly campaignIds: string[] = [];
  private readonly categories = CATEGORY_COLUMNS.map(() => new NumericIdTable(1024));
  private readonly categoryIds: string[][] = CATEGORY_COLUMNS.map(() => []);
  private readonly decoder = new TextDecoder();
  /** Rows left in the current chunk of columns; the arrays below are that chunk's. */
  private room = 0;
  private filled = 0;
  /** Rows of the current chunk whose user, campaign and category ids are numbered; the rest hold raw ids. */
  private encoded = 0;
  private timestamp: TimeColumn = new Uint32Array(0);
  /** Whether the timestamps were widened to Float64 (a value that is not a whole number of seconds in 0..2^32-1 came). */
  private wideTimes = false;
  private user: Uint32Array = new Uint32Array(0);
  private campaign: CategoryColumn = new Uint8Array(0);
  private conversion: Uint8Array = new Uint8Array(0);
  private conversionId: Int32Array = new Int32Array(0);
  private click: Uint8Array = new Uint8Array(0);
  private cost: Float32Array = new Float32Array(0);
  private sinceClick: Float32Array = new Float32Array(0);
  private categoryColumns: CategoryColumn[] = [];
  /**
   * The raw category ids of the rows not yet numbered (from `encoded` on),
   * column k at [k * ENCODE_BATCH_ROWS, (k + 1) * ENCODE_BATCH_ROWS): raw ids
   * need 32 bits, the columns only their dictionaries' indexes.
   */
  private readonly rawCategories = new Uint32Array(CATEGORY_COUNT * ENCODE_BATCH_ROWS);
  /** The raw campaign ids of the rows not yet numbered, likewise. */
  private readonly rawCampaigns = new Uint32Array(ENCODE_BATCH_ROWS);
  /** The start of a line cut by a chunk boundary, completed by the next chunk. */
  private carry = new Uint8Array(4096);
  private carryLength = 0;
  /** Line number of the last line read (1-based, blank lines counted). */
  private lineNumber: number;
  goodRows = 0;

  constructor(
    private readonly names: readonly string[],
    index: Record<string, number>,
    delimiter: string,
    private readonly bad: BadRows,
    /** Rows expected from the text size, 0 if unknown. */
    expectedRows = 0,
    /** Line number of the first line `push` gets (the line after the header). */
    firstLineNumber = 2,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {
    this.columns = new ChunkedColumns(COLUMN_TYPES, expectedRows);
    this.delimiter = delimiter.charCodeAt(0);
    this.fieldCount = names.length;
    this.lineNumber = firstLineNumber - 1;
    this.parsed = new Uint8Array(names.length);
    this.plan = new Uint8Array(names.length);
    this.slotOf = new Uint8Array(names.length);
    CRITEO_COLUMNS.forEach((c, slot) => {
      const f = index[c];
      this.parsed[f] = 1;
      this.slotOf[f] = slot;
      this.plan[f] = BATCH_IDS.includes(c) ? ID : ID_COLUMNS.includes(c) ? WHOLE : FLAG_COLUMNS.includes(c) ? FLAG : NUMBER;
    });
    this.values = new Float64Array(names.length);
    this.at = index;
    this.idFields = Int32Array.from(ID_COLUMNS, (c) => index[c]);
    this.flagFields = Int32Array.from(FLAG_COLUMNS, (c) => index[c]);
  }

  /**
   * Takes the next piece of the text (after the header), cut anywhere. Lines
   * are read in place; only the one line straddling two pieces is copied.
   */
  push(chunk: Uint8Array): void {
    let pos = 0;
    if (this.carryLength > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.append(chunk, 0, chunk.length);
        return;
      }
      this.append(chunk, 0, nl + 1);
      this.scan(this.carry, 0, this.carryLength);
      this.carryLength = 0;
      pos = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= pos) {
      this.scan(chunk, pos, last + 1);
      pos = last + 1;
    }
    if (pos < chunk.length) this.append(chunk, pos, chunk.length);
  }

  /** Reads the last line when the text does not end with a line break. */
  end(): void {
    if (this.carryLength === 0) return;
    this.append(new Uint8Array([10]), 0, 1);
    this.scan(this.carry, 0, this.carryLength);
    this.carryLength = 0;
  }

  private append(chunk: Uint8Array, start: number, end: number): void {
    const needed = this.carryLength + (end - start);
    // A line break may follow the longest line, and a CR before it.
    if (needed > this.maxLineBytes + 2) tooLong(this.lineNumber + 1, this.maxLineBytes);
    if (needed > this.carry.length) {
      const grown = new Uint8Array(Math.min(Math.max(needed, this.carry.length * 2), this.maxLineBytes + 2));
      grown.set(this.carry.subarray(0, this.carryLength));
      this.carry = grown;
    }
    this.carry.set(chunk.subarray(start, end), this.carryLength);
    this.carryLength = needed;
  }

  /**
   * Reads the whole lines buf[from..to); buf[to - 1] is a line break, so every
   * scan below stops at it without checking `to`. One pass per line: each
   * field is parsed where it stands, as the plan says; a line that breaks the
   * plain form is handed to `line` instead.
   */
  private scan(buf: Uint8Array, from: number, to: number): void {
    const plan = this.plan;
    const slotOf = this.slotOf;
    const row = this.row;
    const delimiter = this.delimiter;
    const lastField = this.fieldCount - 1;
    const maxLineBytes = this.maxLineBytes;
    let p = from;
    while (p < to) {
      const lineStart = p;
      this.lineNumber++;
      let plain = true;
      for (let f = 0; ; f++) {
        const kind = plan[f];
        let c = buf[p];
        if (kind === SKIP) {
          while (c !== delimiter && c !== 10) c = buf[++p];
        } else if (kind === ID) {
          const digitsFrom = p;
          let value = 0;
          while (c >= 48 && c <= 57) {
            value = value * 10 + (c - 48);
            c = buf[++p];
          }
          const digits = p - digitsFrom;
          if (digits === 0 || digits > 10 || value > 0xffffffff || (digits > 1 && buf[digitsFrom] === 48)) {
            plain = false;
            break;
          }
          row[slotOf[f]] = value;
        } else if (kind === FLAG) {
          if (c !== 48 && c !== 49) {
            plain = false;
            break;
          }
          row[slotOf[f]] = c - 48;
          c = buf[++p];
        } else {
          const negative = c === 45;
          if (negative) c = buf[++p];
          const digitsFrom = p;
          let mantissa = 0;
          while (c >= 48 && c <= 57) {
            mantissa = mantissa * 10 + (c - 48);
            c = buf[++p];
          }
          let digits = p - digitsFrom;
          let value = mantissa;
          if (kind === NUMBER && (c === 46 || c === 101 || c === 69)) {
            // The same arithmetic as scanNumber, so both paths give the same bits.
            let scale = 0;
            if (c === 46) {
              c = buf[++p];
              const fractionFrom = p;
              while (c >= 48 && c <= 57) {
                mantissa = mantissa * 10 + (c - 48);
                c = buf[++p];
              }
              scale = fractionFrom - p;
              digits -= scale;
            }
            if (c === 101 || c === 69) {
              c = buf[++p];
              const expNegative = c === 45;
              if (expNegative || c === 43) c = buf[++p];
              const expFrom = p;
              let exp = 0;
              while (c >= 48 && c <= 57) {
                exp = exp * 10 + (c - 48);
                c = buf[++p];
              }
              if (p === expFrom) digits = 0;
              scale += expNegative ? -exp : exp;
            }
            if (scale < -22 || scale > 22) digits = 0;
            value = scale === 0 ? mantissa : scale < 0 ? mantissa / POW10[-scale] : mantissa * POW10[scale];
          }
          if (digits === 0) {
            plain = false;
            break;
          }
          row[slotOf[f]] = negative ? -value : value;
        }
        if (f < lastField) {
          if (c !== delimiter) {
            plain = false;
            break;
          }
          p++;
        } else {
          if (c === 13 && buf[p + 1] === 10) c = buf[++p];
          if (c !== 10) plain = false;
          break;
        }
      }
      if (plain) {
        // p is at the line break.
        if (p - lineStart > maxLineBytes) tooLong(this.lineNumber, maxLineBytes);
        this.storePlain();
        p++;
        continue;
      }
      let nl = buf.indexOf(10, p);
      if (nl < 0 || nl >= to) nl = to - 1;
      if (nl - lineStart > maxLineBytes) tooLong(this.lineNumber, maxLineBytes);
      const end = nl > lineStart && buf[nl - 1] === 13 ? nl - 1 : nl;
      this.line(buf, lineStart, end, this.lineNumber);
      p = nl + 1;
    }
  }

  /**
   * The careful path: one data line, buf[start..end) without its line break,
   * checked field by field so that a bad row is skipped with the reason.
   */
  line(buf: Uint8Array, start: number, end: number, lineNumber: number): void {
    if (start === end) return;
    const delimiter = this.delimiter;
    const fieldCount = this.fieldCount;
    const parsed = this.parsed;
    const values = this.values;
    let field = 0;
    let badField = -1;
    let p = start;
    for (;;) {
      let q: number;
      if (field < fieldCount && parsed[field] === 1) {
        q = scanNumber(buf, p, end);
        let value = scannedValue;
        if (q < end && buf[q] !== delimiter) {
          q = buf.indexOf(delimiter, q);
          if (q < 0 || q > end) q = end;
          value = NaN;
        }
        if (value !== value && badField < 0) badField = field;
        values[field] = value;
      } else {
        q = buf.indexOf(delimiter, p);
        if (q < 0 || q > end) q = end;
      }
      field++;
      if (q >= end) break;
      p = q + 1;
    }
    if (field !== fieldCount) {
      this.bad.add(lineNumber, `Line ${lineNumber} has ${field} fields; the header has ${fieldCount}.`, 'shape', this.goodRows);
      return;
    }
    if (badField < 0) badField = this.checkIdsAndFlags();
    if (badField >= 0) {
      const text = this.fieldText(buf, start, end, badField);
      const what = text.trim() === '' ? 'is empty' : `${quote(text)} is not ${this.expected(badField)}`;
      this.bad.add(lineNumber, `Line ${lineNumber}, column '${this.names[badField]}': ${what}.`, 'value', this.goodRows);
      return;
    }
    for (let f = 0; f < fieldCount; f++) if (parsed[f] === 1) this.row[this.slotOf[f]] = values[f];
    this.storeChecked(buf, start, end);
  }

  /** The text of one field, found again by counting delimiters (only for messages and new ids). */
  private fieldText(buf: Uint8Array, start: number, end: number, field: number): string {
    let p = start;
    for (let f = 0; f < field; f++) p = buf.indexOf(this.delimiter, p) + 1;
    let q = buf.indexOf(this.delimiter, p);
    if (q < 0 || q > end) q = end;
    const text = this.decoder.decode(buf.subarray(p, q)).trim();
    return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
  }

  private checkIdsAndFlags(): number {
    const values = this.values;
    for (let k = 0; k < this.idFields.length; k++) {
      const f = this.idFields[k];
      if (!Number.isInteger(values[f])) return f;
    }
    for (let k = 0; k < this.flagFields.length; k++) {
      const v = values[this.flagFields[k]];
      if (v !== 0 && v !== 1) return this.flagFields[k];
    }
    return -1;
  }

  private expected(field: number): string {
    const name = CRITEO_COLUMNS.find((c) => this.at[c] === field) ?? '';
    if (FLAG_COLUMNS.includes(name)) return '0 or 1';
    if (ID_COLUMNS.includes(name)) return 'a whole number';
    return 'a number';
  }

  /** Points the column fields at the next chunk of rows. */
  private nextChunk(): void {
    this.encodeIds();
    const c = this.columns;
    this.room = c.reserveChunk();
    this.timestamp = c.current(TIMESTAMP) as TimeColumn;
    this.user = c.current(USER) as Uint32Array;
    this.campaign = c.current(CAMPAIGN) as CategoryColumn;
    this.conversion = c.current(CONVERSION) as Uint8Array;
    this.conversionId = c.current(CONVERSION_ID) as Int32Array;
    this.click = c.current(CLICK) as Uint8Array;
    this.cost = c.current(COST) as Float32Array;
    this.sinceClick = c.current(SINCE_CLICK) as Float32Array;
    this.categoryColumns = CATEGORY_COLUMNS.map((_, k) => c.current(FIRST_CATEGORY + k) as CategoryColumn);
    this.filled = 0;
    this.encoded = 0;
  }

  /** Everything but the batched ids; returns the row's index in the current chunk. */
  private storeCommon(): number {
    if (this.room === 0) this.nextChunk();
    const r = this.filled++;
    this.room--;
    const v = this.row;
    const time = v[TIMESTAMP_AT];
    if (!this.wideTimes && !fitsWholeSeconds(time)) {
      this.timestamp = this.columns.widen(TIMESTAMP, Float64Array) as Float64Array;
      this.wideTimes = true;
    }
    this.timestamp[r] = time;
    this.conversion[r] = v[CONVERSION_AT];
    const conversionId = v[CONVERSION_ID_AT];
    // Only converted rows have one (~5% of the log), so these are numbered at once.
    this.conversionId[r] = conversionId === -1 ? -1 : (this.conversions as NumericIdTable).indexOf(conversionId);
    this.click[r] = v[CLICK_AT];
    this.cost[r] = v[COST_AT];
    this.sinceClick[r] = v[SINCE_CLICK_AT];
    this.goodRows++;
    return r;
  }

  /**
   * A row from the fast path: its user, campaign and category ids are plain
   * uint32 and go into their columns (the categories: into `rawCategories`)
   * as they are, numbered later by `encodeIds`. Eleven lookups in eleven hash tables per row, interleaved,
   * kept evicting one another from the CPU caches (the users' table alone is
   * ~70 MB); one column at a time over a batch of rows they mostly hit.
   */
  private storePlain(): void {
    const r = this.storeCommon();
    const v = this.row;
    this.user[r] = v[UID_AT];
    const at = r - this.encoded;
    this.rawCampaigns[at] = v[CAMPAIGN_AT];
    const raw = this.rawCategories;
    for (let k = 0; k < CATEGORY_COUNT; k++) raw[k * ENCODE_BATCH_ROWS + at] = v[FIRST_CATEGORY_AT + k];
    if (this.filled - this.encoded >= ENCODE_BATCH_ROWS) this.encodeIds();
  }

  /**
   * A row from the careful path, buf[start..end): its ids may be written
   * oddly ("1.0", "0042", quoted) or not fit 32 bits, so the rows before it
   * are numbered first and its own ids at once, with their text as written.
   */
  private storeChecked(buf: Uint8Array, start: number, end: number): void {
    this.encodeIds();
    const r = this.storeCommon();
    const v = this.row;
    this.user[r] = (this.users as NumericIdTable).indexOf(v[UID_AT]);
    const campaign = this.campaigns.indexOf(v[CAMPAIGN_AT]);
    this.fitCampaign(campaign)[r] = campaign;
    if (campaign === this.campaignIds.length) this.campaignIds.push(this.fieldText(buf, start, end, this.at.campaign));
    for (let k = 0; k < CATEGORY_COUNT; k++) {
      const category = this.categories[k].indexOf(v[FIRST_CATEGORY_AT + k]);
      this.fitCategory(k, category)[r] = category;
      if (category === this.categoryIds[k].length) this.categoryIds[k].push(this.fieldText(buf, start, end, this.at[CATEGORY_COLUMNS[k]]));
    }
    this.encoded = this.filled;
  }

  /** Numbers the raw ids of the rows stored since the last call, one column at a time. */
  private encodeIds(): void {
    const from = this.encoded;
    const to = this.filled;
    if (from === to) return;
    encodeColumn(this.user, from, to, this.users as NumericIdTable, null);
    const rawCampaigns = this.rawCampaigns.subarray(0, to - from);
    encodeColumn(rawCampaigns, 0, rawCampaigns.length, this.campaigns, this.campaignIds);
    this.fitCampaign(this.campaigns.size - 1).set(rawCampaigns, from);
    for (let k = 0; k < CATEGORY_COUNT; k++) {
      const raw = this.rawCategories.subarray(k * ENCODE_BATCH_ROWS, k * ENCODE_BATCH_ROWS + (to - from));
      encodeColumn(raw, 0, raw.length, this.categories[k], this.categoryIds[k]);
      this.fitCategory(k, this.categories[k].size - 1).set(raw, from);
    }
    this.encoded = to;
  }

  /** The campaign column of the current chunk, widened first if an index up to `max` does not fit. */
  private fitCampaign(max: number): CategoryColumn {
    let column = this.campaign;
    if (max > categoryLimit(column)) column = this.campaign = this.columns.fit(CAMPAIGN, max);
    return column;
  }

  /** Category column k of the current chunk, widened first if an index up to `max` does not fit. */
  private fitCategory(k: number, max: number): CategoryColumn {
    let column = this.categoryColumns[k];
    if (max > categoryLimit(column)) column = this.categoryColumns[k] = this.columns.fit(FIRST_CATEGORY + k, max);
    return column;
  }

  /** Joins the chunks into the final table; the builder is spent afterwards. */
  finish(source: EventTable['source']): EventTable {
    this.encodeIds();
    const userCount = this.users?.size ?? 0;
    const conversionCount = this.conversions?.size ?? 0;
    const userKeys = this.users?.keys();
    const conversionKeys = this.conversions?.keys();
    // The hash tables go before the join so their memory is free for it.
    this.users = null;
    this.conversions = null;
    const c = this.columns;
    // Rows of the last chunk were taken in one go; give back the ones not filled.
    c.unreserve(this.room);
    this.room = 0;
    const rowCount = c.rowCount;
    const timestamp = c.join(TIMESTAMP) as TimeColumn;
    const user = c.join(USER) as Uint32Array;
    const campaign = c.join(CAMPAIGN) as CategoryColumn;
    const conversion = c.join(CONVERSION) as Uint8Array;
    const conversionId = c.join(CONVERSION_ID) as Int32Array;
    const click = c.join(CLICK) as Uint8Array;
    const cost = c.join(COST) as Float32Array;
    const timeSinceLastClick = c.join(SINCE_CLICK) as Float32Array;
    const categories = CATEGORY_COLUMNS.map((_, k) => c.join(FIRST_CATEGORY + k) as CategoryColumn);
    return {
      rowCount,
      timestamp,
      user,
      userCount,
      userKeys,
      campaign,
      campaignIds: this.campaignIds,
      conversion,
      conversionId,
      conversionCount,
      conversionKeys,
      click,
      cost,
      hasCost: true,
      timeSinceLastClick,
      categoryNames: [...CATEGORY_COLUMNS],
      categories,
      categoryIds: this.categoryIds,
      skipped: { count: this.bad.count, examples: this.bad.examples },
      source,
    };
  }
}

/**
 * Replaces raw uint32 ids in column[from..to) by their dense index; new ids'
 * text (plain digits, as the fast path only lets those through) goes to `texts`.
 */
function encodeColumn(column: Uint32Array, from: number, to: number, table: NumericIdTable, texts: string[] | null): void {
  for (let r = from; r < to; r++) {
    const key = column[r];
    const index = table.indexOf(key);
    column[r] = index;
    if (texts !== null && index === texts.length) texts.push(String(key));
  }
}

function tooLong(line: number, max: number): never {
  failure(
    'line-too-long',
    `Line ${line} is longer than ${Math.round(max / 1024)} KB without a line break: this is not a table with one row a line.`,
  );
}
