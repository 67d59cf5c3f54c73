/**
 * Other delimited logs (quoted CSV and friends): papaparse's streaming parser
 * run in our own loop, one row of strings at a time, mapped onto roles by a
 * ColumnMapping and stored in chunked typed arrays. Journeys are formed at the
 * end (./journeys.ts).
 */
import { emptyCategoryColumn, type CategoryColumn, type EventTable } from '../table';
import type { BadRows } from './bad-rows';
import { ChunkedColumns } from './columns';
import { failure, quote } from './errors';
import { missingColumnsMessage } from './header';
import { StringDictionary } from './id-table';
import { assignConversions, timeSinceLastClick, userTimeline } from './journeys';
import { idKey } from '../prepare/hash';
import { repeatedColumnMessage } from './mapping';
import type { ColumnMapping, TimestampUnit } from './types';

const DAY = 86_400;
const NONE = 0xffffffff;

/** Epoch values at or above this are milliseconds (1e11 s would be the year 5138; 1e11 ms is 1973). */
const MILLISECONDS_FROM = 1e11;

const ISO = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Seconds since the Unix epoch; ISO dates without an offset are read as UTC. NaN if unreadable. */
export function parseTimestamp(text: string, unit: TimestampUnit): number {
  const t = text.trim();
  if (t === '') return NaN;
  if (unit !== 'iso') {
    const v = Number(t);
    if (Number.isFinite(v)) {
      if (unit === 'milliseconds') return v / 1000;
      if (unit === 'seconds') return v;
      return Math.abs(v) >= MILLISECONDS_FROM ? v / 1000 : v;
    }
    if (unit !== 'auto') return NaN;
  }
  const m = ISO.exec(t);
  if (!m) return NaN;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((s) => (s === undefined ? 0 : Number(s)));
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 60) return NaN;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && /^[+-]/.test(zone)) {
    const digits = zone.replace(':', '');
    offsetMinutes = (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || '0')) * (zone[0] === '-' ? -1 : 1);
  }
  const fraction = m[7] ? Number(`0.${m[7]}`) : 0;
  return ms / 1000 + fraction - offsetMinutes * 60;
}

/** 1, 0, or -1 when the text is not a yes/no value. Empty is 0. */
export function parseFlag(text: string): number {
  switch (text.trim().toLowerCase()) {
    case '1': case 'true': case 'yes': case 'y': case 't': case '1.0':
      return 1;
    case '0': case 'false': case 'no': case 'n': case 'f': case '': case '0.0':
      return 0;
    default:
      return -1;
  }
}

interface ResolvedMapping {
  user: number;
  timestamp: number;
  unit: TimestampUnit;
  campaign: number;
  conversion: number;
  conversionId: number;
  event: number;
  eventValue: string;
  cost: number;
  click: number;
  /** The conversion value (revenue) column: read into each conversion's value (EventTable.conversionValues). */
  value: number;
  /** The channel column (issue 14): read only to group campaigns, never a model feature. */
  channel: number;
  /** Feature columns, then the user attribute columns (the last `userAttributes` of them). */
  categories: number[];
  userAttributes: number;
  lookbackSeconds: number;
}

/** Checks a mapping against the header: `bad-mapping` or `missing-columns` failures. */
export function resolveMapping(mapping: ColumnMapping, names: readonly string[]): ResolvedMapping {
  const m = mapping as Partial<ColumnMapping>;
  for (const role of ['user', 'timestamp', 'campaign'] as const) {
    if (typeof m[role] !== 'string' || m[role].trim() === '') failure('bad-mapping', `Choose the column that holds the ${role === 'campaign' ? 'campaign or channel' : role}.`);
  }
  if (!m.conversion && !m.conversionId && !m.conversionEvent) {
    failure('bad-mapping', 'Choose how conversions are marked: a conversion flag, a conversion id, or conversion rows.');
  }
  if (m.conversionEvent && (!m.conversionEvent.column || m.conversionEvent.value === undefined || m.conversionEvent.value.trim() === '')) {
    failure('bad-mapping', 'Conversion rows need a column and the value that marks them (e.g. event = purchase).');
  }
  const unit = m.timestampUnit ?? 'auto';
  if (!['auto', 'seconds', 'milliseconds', 'iso'].includes(unit)) failure('bad-mapping', `Unknown time unit ${quote(String(unit))}.`);
  const lookbackDays = m.lookbackDays ?? 30;
  if (!(lookbackDays > 0 && Number.isFinite(lookbackDays))) failure('bad-mapping', 'The lookback window must be a positive number of days.');
  const roles = [m.user, m.timestamp, m.campaign];
  if (new Set(roles).size < roles.length) failure('bad-mapping', 'User, time and campaign must be three different columns.');
  const repeated = repeatedColumnMessage(m);
  if (repeated) failure('bad-mapping', repeated);

  const find = (name: string) => {
    let i = names.indexOf(name);
    if (i < 0) i = names.findIndex((n) => n.toLowerCase() === name.trim().toLowerCase());
    return i;
  };
  const wanted = [m.user!, m.timestamp!, m.campaign!, m.conversion, m.conversionId, m.conversionEvent?.column, m.cost, m.click, m.value, m.channel, ...(m.categories ?? []), ...(m.userAttributes ?? [])];
  const missing = [...new Set(wanted.filter((n): n is string => n !== undefined && n !== '' && find(n) < 0))];
  if (missing.length) failure('missing-columns', missingColumnsMessage(missing, names));
  const at = (name: string | undefined) => (name ? find(name) : -1);
  return {
    user: at(m.user),
    timestamp: at(m.timestamp),
    unit,
    campaign: at(m.campaign),
    conversion: at(m.conversion),
    conversionId: at(m.conversionId),
    event: at(m.conversionEvent?.column),
    eventValue: (m.conversionEvent?.value ?? '').trim().toLowerCase(),
    cost: at(m.cost),
    click: at(m.click),
    value: at(m.value),
    channel: at(m.channel),
    // User attributes are read as category columns and marked, so preparation holds them per journey.
    categories: [...(m.categories ?? []), ...(m.userAttributes ?? [])].map(at),
    userAttributes: (m.userAttributes ?? []).length,
    lookbackSeconds: lookbackDays * DAY,
  };
}

const UNIT_NAMES: Record<TimestampUnit, string> = { auto: 'dates or epoch times', seconds: 'Unix seconds', milliseconds: 'Unix milliseconds', iso: 'ISO dates' };

/**
 * A first time value that the chosen unit cannot read but another can (an ISO
 * date under seconds, a number under ISO) stops the load with the unit it is
 * in, rather than after a thousand rows of "not a date". Numbers are not
 * judged by size: a unit chosen by hand is kept (seconds from a log's start
 * are small, real milliseconds can be too).
 */
function checkTimeUnit(column: string, text: string, unit: TimestampUnit): void {
  if (unit === 'auto' || Number.isNaN(parseTimestamp(text, 'auto'))) return;
  const numeric = Number.isFinite(Number(text.trim()));
  const actual: TimestampUnit = !numeric ? 'iso' : Math.abs(Number(text.trim())) >= MILLISECONDS_FROM ? 'milliseconds' : 'seconds';
  failure(
    'bad-mapping',
    `The time column '${column}' holds ${UNIT_NAMES[actual]} (${quote(text)}), not ${UNIT_NAMES[unit]}: choose the time unit ${UNIT_NAMES[actual]}.`,
  );
}

// Column order inside ChunkedColumns.
const TIME = 0, USER = 1, CAMPAIGN = 2, FLAG = 3, CONVERSION_ID = 4, COST = 5, CLICK = 6, IS_CONVERSION = 7, VALUE = 8, FIRST_CATEGORY = 9;

export class DelimitedBuilder {
  private readonly map: ResolvedMapping;
  private readonly columns: ChunkedColumns;
  private readonly users = new StringDictionary();
  private readonly campaigns = new StringDictionary();
  private readonly conversionIds = new StringDictionary();
  private readonly categories: StringDictionary[];
  goodRows = 0;
  /** Rows per (campaign, channel value), when a channel column is mapped. */
  private readonly channelRows = new Map<number, Map<string, number>>();
  /** The first time value is read in the chosen unit and, if that fails, in the others. */
  private unitChecked = false;

  constructor(
    private readonly names: readonly string[],
    mapping: ColumnMapping,
    private readonly bad: BadRows,
  ) {
    this.map = resolveMapping(mapping, names);
    this.categories = this.map.categories.map(() => new StringDictionary());
    this.columns = new ChunkedColumns([
      Float64Array, Uint32Array, Uint32Array, Uint8Array, Int32Array, Float32Array, Uint8Array, Uint8Array, Float32Array,
      // Category columns start as bytes; `fit` widens them when a dictionary outgrows them.
      ...this.map.categories.map(() => Uint8Array),
    ]);
  }

  /** One parsed row of the file (not the header). */
  row(fields: string[], line: number): void {
    if (fields.length === 1 && fields[0].trim() === '') return;
    if (fields.length !== this.names.length) {
      this.bad.add(line, `Line ${line} has ${fields.length} fields; the header has ${this.names.length}.`, 'shape', this.goodRows);
      return;
    }
    const m = this.map;
    const badValue = (column: number, what: string) =>
      this.bad.add(line, `Line ${line}, column '${this.names[column]}': ${fields[column].trim() === '' ? 'is empty' : `${quote(fields[column])} ${what}`}.`, 'value', this.goodRows);

    const isConversion = m.event >= 0 && fields[m.event].trim().toLowerCase() === m.eventValue;
    const userText = fields[m.user].trim();
    if (userText === '') return badValue(m.user, '');
    const time = parseTimestamp(fields[m.timestamp], m.unit);
    if (!this.unitChecked && fields[m.timestamp].trim() !== '') {
      this.unitChecked = true;
      if (Number.isNaN(time)) checkTimeUnit(this.names[m.timestamp], fields[m.timestamp], m.unit);
    }
    if (Number.isNaN(time)) return badValue(m.timestamp, m.unit === 'iso' ? 'is not an ISO date' : 'is not a date or an epoch time');
    const campaignText = fields[m.campaign].trim();
    if (!isConversion && campaignText === '') return badValue(m.campaign, '');
    let flag = 0;
    if (m.conversion >= 0) {
      flag = parseFlag(fields[m.conversion]);
      if (flag < 0) return badValue(m.conversion, 'is not 0 or 1 (or true/false, yes/no)');
    }
    let cost = 0;
    if (m.cost >= 0 && fields[m.cost].trim() !== '') {
      cost = Number(fields[m.cost].trim());
      if (!Number.isFinite(cost)) return badValue(m.cost, 'is not a number');
    }
    let value = 0;
    if (m.value >= 0 && fields[m.value].trim() !== '') {
      value = Number(fields[m.value].trim());
      if (!(Number.isFinite(value) && value >= 0)) return badValue(m.value, 'is not a number of 0 or more');
    }
    let click = 0;
    if (m.click >= 0) {
      click = parseFlag(fields[m.click]);
      if (click < 0) return badValue(m.click, 'is not 0 or 1 (or true/false, yes/no)');
    }
    let conversionId = -1;
    if (m.conversionId >= 0) {
      const id = fields[m.conversionId].trim();
      if (id !== '' && id !== '-1' && id !== '0') conversionId = this.conversionIds.indexOf(id);
    }

    const c = this.columns;
    const campaignIndex = isConversion ? NONE : this.campaigns.indexOf(campaignText);
    if (m.channel >= 0 && !isConversion) {
      let counts = this.channelRows.get(campaignIndex);
      if (!counts) this.channelRows.set(campaignIndex, (counts = new Map()));
      const channel = fields[m.channel].trim();
      counts.set(channel, (counts.get(channel) ?? 0) + 1);
    }
    const r = c.nextRow();
    (c.current(TIME) as Float64Array)[r] = time;
    (c.current(USER) as Uint32Array)[r] = this.users.indexOf(userText);
    (c.current(CAMPAIGN) as Uint32Array)[r] = campaignIndex;
    (c.current(FLAG) as Uint8Array)[r] = flag;
    (c.current(CONVERSION_ID) as Int32Array)[r] = conversionId;
    (c.current(COST) as Float32Array)[r] = cost;
    (c.current(CLICK) as Uint8Array)[r] = click;
    (c.current(IS_CONVERSION) as Uint8Array)[r] = isConversion ? 1 : 0;
    (c.current(VALUE) as Float32Array)[r] = value;
    for (let k = 0; k < m.categories.length; k++) {
      const category = this.categories[k].indexOf(fields[m.categories[k]].trim());
      c.fit(FIRST_CATEGORY + k, category)[r] = category;
    }
    this.goodRows++;
  }

  /** Each campaign's channel: the value on most of its rows (ties: the first seen). */
  private campaignChannelValues(): string[] {
    return this.campaigns.texts.map((_, c) => {
      let best = '';
      let most = 0;
      for (const [channel, rows] of this.channelRows.get(c) ?? []) {
        if (rows > most) [best, most] = [channel, rows];
      }
      return best;
    });
  }

  finish(source: EventTable['source']): EventTable {
    const m = this.map;
    const c = this.columns;
    const time = c.join(TIME) as Float64Array;
    const userAll = c.join(USER) as Uint32Array;
    const campaignAll = c.join(CAMPAIGN) as Uint32Array;
    const flag = c.join(FLAG) as Uint8Array;
    const idAll = c.join(CONVERSION_ID) as Int32Array;
    const costAll = c.join(COST) as Float32Array;
    const clickAll = c.join(CLICK) as Uint8Array;
    const isConversion = c.join(IS_CONVERSION) as Uint8Array;
    const valueAll = c.join(VALUE) as Float32Array;
    const categoriesAll = m.categories.map((_, k) => c.join(FIRST_CATEGORY + k) as CategoryColumn);
    const n = time.length;
    const notes = source.notes;

    // Conversion key per row (dense numbering comes later, in file order); -1 = none.
    let key: Float64Array;
    // Conversion rows (event mode) carry their own conversion's key: where a conversion's value sits.
    let conversionRowKey: Float64Array | undefined;
    const timeline = userTimeline(userAll, this.users.size, time, m.event >= 0 ? isConversion : undefined);
    if (m.event >= 0) {
      const own = new Float64Array(n);
      const idCount = this.conversionIds.size;
      for (let i = 0; i < n; i++) own[i] = idAll[i] >= 0 ? idAll[i] : idCount + i;
      key = assignConversions(timeline, time, isConversion, own, m.lookbackSeconds);
      conversionRowKey = own;
      notes.push(`Conversion rows: ${m.eventValue}; touchpoints up to ${m.lookbackSeconds / DAY} days before a conversion belong to it.`);
    } else {
      key = new Float64Array(n).fill(-1);
      const idCount = this.conversionIds.size;
      for (let i = 0; i < n; i++) {
        const converted = m.conversion >= 0 ? flag[i] === 1 : idAll[i] >= 0;
        // A flag without an id column: a user's flagged touchpoints form one converted journey.
        if (converted) key[i] = idAll[i] >= 0 ? idAll[i] : idCount + userAll[i];
      }
      if (m.conversion >= 0 && m.conversionId < 0) notes.push("No conversion id: each user's flagged touchpoints form one converted journey.");
    }
    const sinceClick = m.click >= 0 ? timeSinceLastClick(timeline, time, clickAll, isConversion) : null;

    let rows = 0;
    for (let i = 0; i < n; i++) if (!isConversion[i]) rows++;
    if (rows === 0) failure('header-only', 'The file has conversion rows but no touchpoints (rows that are not conversions).');
    const timestamp = new Float64Array(rows);
    const user = new Uint32Array(rows);
    const campaign = new Uint32Array(rows);
    const conversion = new Uint8Array(rows);
    const conversionId = new Int32Array(rows);
    const cost = new Float32Array(rows);
    const click = new Uint8Array(rows);
    const timeSince = new Float32Array(rows).fill(-1);
    // As narrow as the columns read; the same arrays when every row is a touchpoint.
    const categories = categoriesAll.map((column) => (rows === n ? column : emptyCategoryColumn(column, rows)));
    const userIndex = new Map<number, number>();
    const conversionIndex = new Map<number, number>();
    // The ids the seeded sampling hashes (see EventTable.userKeys): the user's and the conversion id's
    // value, so that the same rows written as the Criteo log or prepared by the SQL export draw alike.
    const userKeys: number[] = [];
    const conversionKeys: number[] = [];
    const fromIdColumn = m.event < 0;
    let j = 0;
    for (let i = 0; i < n; i++) {
      if (isConversion[i]) continue;
      timestamp[j] = time[i];
      let u = userIndex.get(userAll[i]);
      if (u === undefined) {
        userIndex.set(userAll[i], (u = userIndex.size));
        userKeys.push(idKey(this.users.texts[userAll[i]]));
      }
      user[j] = u;
      campaign[j] = campaignAll[i];
      if (key[i] >= 0) {
        let k = conversionIndex.get(key[i]);
        if (k === undefined) {
          conversionIndex.set(key[i], (k = conversionIndex.size));
          conversionKeys.push(fromIdColumn && idAll[i] >= 0 ? idKey(this.conversionIds.texts[idAll[i]]) : key[i]);
        }
        conversionId[j] = k;
        conversion[j] = 1;
      } else conversionId[j] = -1;
      cost[j] = costAll[i];
      click[j] = clickAll[i];
      if (sinceClick) timeSince[j] = sinceClick[i];
      if (rows !== n) for (let k = 0; k < categories.length; k++) categories[k][j] = categoriesAll[k][i];
      j++;
    }
    // Each conversion's value: the largest on its rows (the conversion row's, or the value repeated on a converted journey's touchpoints).
    let conversionValues: Float64Array | undefined;
    if (m.value >= 0) {
      conversionValues = new Float64Array(conversionIndex.size);
      for (let i = 0; i < n; i++) {
        const rowKey = isConversion[i] && conversionRowKey ? conversionRowKey[i] : key[i];
        const k = rowKey >= 0 ? conversionIndex.get(rowKey) : undefined;
        if (k !== undefined && valueAll[i] > conversionValues[k]) conversionValues[k] = valueAll[i];
      }
    }
    const skippedConversionRows = n - rows;
    if (m.event >= 0 && skippedConversionRows > 0) notes.push(`${skippedConversionRows} conversion rows formed journeys and are not touchpoints.`);
    return {
      rowCount: rows,
      timestamp,
      user,
      userCount: userIndex.size,
      userKeys: Float64Array.from(userKeys),
      campaign,
      campaignIds: this.campaigns.texts,
      conversion,
      conversionId,
      conversionCount: conversionIndex.size,
      conversionKeys: Float64Array.from(conversionKeys),
      click,
      cost,
      hasCost: m.cost >= 0,
      ...(conversionValues ? { conversionValues } : {}),
      timeSinceLastClick: timeSince,
      ...(m.channel >= 0 ? { campaignChannels: { column: this.names[m.channel], values: this.campaignChannelValues() } } : {}),
      categoryNames: m.categories.map((i) => this.names[i]),
      categories,
      categoryIds: this.categories.map((d) => d.texts),
      ...(m.userAttributes > 0 ? { userAttributeNames: m.categories.slice(m.categories.length - m.userAttributes).map((i) => this.names[i]) } : {}),
      skipped: { count: this.bad.count, examples: this.bad.examples },
      source,
    };
  }
}

