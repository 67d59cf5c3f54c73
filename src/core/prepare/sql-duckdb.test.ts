/**
 * The SQL export run by a real engine (DuckDB, in process) on generated
 * Criteo-format logs, against the app's own `prepareJourneys` for the same
 * settings: the same journeys, touchpoints, features, labels and split, row
 * for row.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../ingest';
import { Split } from '../prepared';
import { DEFAULT_PREPARE, type PrepareSettings } from '../settings';
import { DEMO_SYNTH_OPTIONS, generateSynthetic } from '../synth/generate';
import type { SynthOptions } from '../synth/types';
import type { CategoryColumn, EventTable } from '../table';
import { prepareJourneys } from '.';
import type { ColumnMapping } from '../ingest/types';
import type { PreparedData } from '../prepared';
import { parsePreparedRows, preparedFromRows } from './from-rows';
import { preparationSql, type SqlColumns } from './sql';
import { sqlColumnsFromMapping } from '../../cli/commands/export-sql';

const SPLIT_NAMES: Record<number, string> = { [Split.Train]: 'train', [Split.Validation]: 'validation', [Split.Test]: 'test' };

interface Row {
  journey: string;
  step: number;
  timestamp: number;
  campaign: string;
  click: number;
  cost: number;
  label: number;
  split: string;
  /** Scaled cost, gap and time; only for steps the app's sequences hold. */
  features: number[] | null;
  categories: (string | null)[] | null;
}

let dir: string;
let duck: DuckDBConnection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sql-duckdb-'));
  duck = await (await DuckDBInstance.create(':memory:')).connect();
});

afterAll(() => {
  duck?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a generated log; `shiftIds` adds to every user and conversion id (to reach past 32 bits). */
function writeLog(name: string, options: SynthOptions, shiftIds = 0): { path: string; text: string } {
  const parts: string[] = [];
  generateSynthetic(options, (t) => parts.push(t));
  let text = parts.join('');
  if (shiftIds) {
    const lines = text.split('\n');
    text = lines
      .map((line, i) => {
        if (i === 0 || line === '') return line;
        const f = line.split('\t');
        f[1] = String(Number(f[1]) + shiftIds);
        if (f[5] !== '-1') f[5] = String(Number(f[5]) + shiftIds);
        return f.join('\t');
      })
      .join('\n');
  }
  const path = join(dir, name);
  writeFileSync(path, text);
  return { path, text };
}

async function loadTable(path: string, text: string, mapping?: ColumnMapping): Promise<EventTable> {
  const blob = new Blob([text]);
  const loaded = await ingest({ name: path, size: blob.size, stream: () => blob.stream() }, { mapping });
  if (!loaded.ok) throw new Error(loaded.error.message);
  expect(loaded.table.skipped.count).toBe(0);
  return loaded.table;
}


/** The category columns the SQL writes for a Criteo log, in its order. */
const CRITEO_CATEGORIES = ['cat1', 'cat2', 'cat3', 'cat4', 'cat5', 'cat6', 'cat8'];
/** The app's prepared touchpoints as rows, with the journey named by its ids from the file. */
function appRows(
  table: EventTable,
  text: string,
  settings: PrepareSettings,
  journeyOf = (f: string[]) => `${f[1]}_${f[5]}`,
  delimiter = '\t',
  exported: readonly string[] = CRITEO_CATEGORIES,
): Row[] {
  const lines = text.split('\n').slice(1);
  const p = prepareJourneys(table, settings);
  const { journeys, events, sequences } = p;
  const k = p.categoryNames.length;
  // The SQL writes every category column per touchpoint. The app takes the
  // columns constant per user as journey-level user attributes; the SQL's
  // touchpoint cells for them are the value as it is (the reader counts the
  // journeys that have it, as the app does).
  const userColumns = new Map<string, { ids: string[]; values: CategoryColumn }>();
  for (const name of p.userAttributes ?? []) {
    const column = table.categoryNames.indexOf(name);
    userColumns.set(name, { ids: table.categoryIds[column], values: table.categories[column] });
  }
  const categoryCell = (name: string, e: number): string | null => {
    const user = userColumns.get(name);
    if (user) return user.ids[user.values[events.row[e]]];
    const c = p.categoryNames.indexOf(name);
    const index = events.categories![e * k + c];
    if (index === p.categoryOffsets[c]) return null;
    const column = table.categoryNames.indexOf(name);
    return table.categoryIds[column][table.categories[column][events.row[e]]];
  };
  const rows: Row[] = [];
  for (let j = 0; j < journeys.count; j++) {
    const lo = journeys.eventOffsets[j];
    const hi = journeys.eventOffsets[j + 1];
    for (let s = 0; s < hi - lo; s++) {
      const e = journeys.eventsByJourney[lo + s];
      const fields = lines[events.row[e]].split(delimiter);
      const inSequence = s < sequences.steps;
      const cell = j * sequences.steps + s;
      rows.push({
        journey: journeyOf(fields),
        step: s,
        timestamp: events.timestamp[e],
        campaign: p.campaignIds[events.campaign[e]],
        click: events.click[e],
        cost: events.cost[e],
        label: journeys.label[j],
        split: SPLIT_NAMES[journeys.split[j]],
        features: inSequence ? [1, 2, 3].map((f) => sequences.numeric[cell * 4 + f]) : null,
        categories: exported.map((name) => categoryCell(name, e)),
      });
    }
  }
  return rows;
}

type SqlObject = Record<string, unknown>;

/** The SQL's output rows, as DuckDB gives them. */
async function sqlObjects(path: string, settings: PrepareSettings, columns?: SqlColumns): Promise<SqlObject[]> {
  const format = path.endsWith('.csv') ? 'csv' : 'tsv';
  const exported = preparationSql({ dialect: 'duckdb', settings, source: { kind: 'file', path, format }, columns });
  if (!exported.ok) throw new Error(exported.error);
  const result = await duck.runAndReadAll(exported.sql);
  return result.getRowObjects() as SqlObject[];
}

async function sqlRows(path: string, settings: PrepareSettings, negativeRate?: (rate: number) => void, columns?: SqlColumns, objects?: SqlObject[]): Promise<Row[]> {
  const cats = columns ? columns.categories : CRITEO_CATEGORIES;
  objects ??= await sqlObjects(path, settings, columns);
  negativeRate?.(Number(objects[0]?.negative_sampling_rate));
  return objects.map((r) => ({
    journey: String(r.journey_id),
    step: Number(r.step),
    timestamp: Number(r.timestamp),
    campaign: String(r.campaign),
    click: Number(r.click),
    cost: Math.fround(Number(r.cost)),
    label: Number(r.label),
    split: String(r.split),
    features: [Number(r.cost_scaled), Number(r.time_since_last_click_scaled), Number(r.timestamp_scaled)],
    categories: cats.map((c) => (r[`cat_${c}`] === null ? null : String(r[`cat_${c}`]))),
  }));
}

/** PreparedData from the SQL's rows, through the prepared-file reader (every cell as the CSV would spell it). */
function fileData(objects: SqlObject[], settings: PrepareSettings): PreparedData {
  const header = Object.keys(objects[0]);
  const cells = objects.map((o) => header.map((h) => (o[h] === null || o[h] === undefined ? '' : String(o[h] as string | number | bigint))));
  const parsed = parsePreparedRows(header, cells);
  if (!parsed.ok) throw new Error(parsed.error);
  return preparedFromRows(parsed.rows, settings);
}

/**
 * Lines naming every difference between the app's user inputs and the file's
 * (journeys matched by id): the same columns and vocabulary sizes, and per
 * column one relabelling of the indexes ("other" to "other") that turns every
 * journey's app index into its file index. (The file's vocabulary is in order
 * of appearance in the file, the app's in the log's.)
 */
function userInputDifferences(app: PreparedData, appIds: string[], file: PreparedData, fileIds: string[]): string[] {
  const out: string[] = [];
  const a = app.sequences;
  const f = file.sequences;
  if (JSON.stringify(file.userAttributes) !== JSON.stringify(app.userAttributes)) out.push(`user attributes: app ${app.userAttributes} file ${file.userAttributes}`);
  if (JSON.stringify(file.categoryNames) !== JSON.stringify(app.categoryNames)) out.push(`categories: app ${app.categoryNames} file ${file.categoryNames}`);
  if (a.userColumns !== f.userColumns || String(a.userOffsets) !== String(f.userOffsets)) out.push(`user offsets: app ${a.userOffsets} file ${f.userOffsets}`);
  if (out.length > 0 || !a.user || !f.user) return out;
  const k = a.userColumns!;
  const offsets = a.userOffsets!;
  const fileJourney = new Map(fileIds.map((id, j) => [id, j]));
  if (fileIds.length !== appIds.length) out.push(`${appIds.length} app journeys, ${fileIds.length} file journeys`);
  for (let c = 0; c < k; c++) {
    const forward = new Map<number, number>([[offsets[c], offsets[c]]]);
    const backward = new Map<number, number>([[offsets[c], offsets[c]]]);
    appIds.forEach((id, j) => {
      const fj = fileJourney.get(id);
      if (fj === undefined) return void out.push(`${id} missing from the file`);
      const x = a.user![j * k + c];
      const y = f.user![fj * k + c];
      if ((forward.get(x) ?? y) !== y || (backward.get(y) ?? x) !== x) out.push(`${id}, ${app.userAttributes![c]}: app index ${x}, file ${y}`);
      forward.set(x, y);
      backward.set(y, x);
    });
  }
  return out.slice(0, 10);
}

/** Each prepared journey's id, `user_conversion` as the file spells it. */
function journeyIds(p: PreparedData, idOfRow: (row: number) => string): string[] {
  return Array.from({ length: p.journeys.count }, (_, j) => idOfRow(p.events.row[p.journeys.eventsByJourney[p.journeys.eventOffsets[j]]]));
}

/** Lines naming every difference (features to float32 precision); empty when the two agree row for row. */
function differences(app: Row[], sql: Row[]): string[] {
  const out: string[] = [];
  if (app.length !== sql.length) out.push(`${app.length} app rows, ${sql.length} SQL rows`);
  const key = (r: Row) => `${r.journey}#${String(r.step).padStart(5, '0')}`;
  const byKey = new Map(sql.map((r) => [key(r), r]));
  for (const a of app) {
    const b = byKey.get(key(a));
    if (!b) {
      out.push(`${key(a)} missing from the SQL`);
    } else {
      const { features: fa, ...restA } = a;
      const { features: fb, ...restB } = b;
      if (JSON.stringify(restA) !== JSON.stringify(restB)) out.push(`${key(a)}: app ${JSON.stringify(restA)} sql ${JSON.stringify(restB)}`);
      if (fa && fa.some((v, i) => Math.abs(v - fb![i]) > 1e-6)) out.push(`${key(a)}: features app ${fa} sql ${fb}`);
    }
    if (out.length > 10) break;
  }
  return out;
}

describe('the DuckDB preparation equals the app\'s, row for row', () => {
  const demo = () => writeLog('demo.tsv', DEMO_SYNTH_OPTIONS);
  let log: { path: string; text: string };
  let table: EventTable;

  beforeAll(async () => {
    log = demo();
    table = await loadTable(log.path, log.text);
  });

  it.each<[string, Partial<PrepareSettings>]>([
    ['the defaults at seed 7 (30 of 40 campaigns)', { campaigns: { kind: 'count', count: 30 }, seed: 7 }],
    ['half the campaigns, balanced by journeys, seed 3', { campaigns: { kind: 'fraction', fraction: 0.5 }, balance: 'journeys', seed: 3 }],
    ['every campaign and journey, no balancing, other shares', { campaigns: { kind: 'all' }, minTouchpoints: 1, balance: 'none', testShare: 0.3, validationShare: 0.1, minCategoryCount: 50, seed: 123456789 }],
  ])('on the demo log: %s', async (_name, change) => {
    const settings = { ...DEFAULT_PREPARE, ...change };
    const app = appRows(table, log.text, settings);
    let rate = Number.NaN;
    const objects = await sqlObjects(log.path, settings);
    const sql = await sqlRows(log.path, settings, (r) => (rate = r), undefined, objects);
    expect(rate).toBeCloseTo(prepareJourneys(table, settings, undefined, { features: false }).negativeSamplingRate, 12);
    expect(app.length).toBeGreaterThan(1000);
    expect(differences(app, sql)).toEqual([]);
    // The journeys are really sampled: not every eligible journey is there, and all three sets are.
    expect(new Set(sql.map((r) => r.split))).toEqual(new Set(['train', 'validation', 'test']));

    // The file names the app's user attributes, and the reader builds the same journey-level inputs from them.
    const prepared = prepareJourneys(table, settings);
    expect(prepared.userAttributes?.length).toBeGreaterThan(0);
    expect(objects[0].user_attributes).toBe(prepared.userAttributes!.join(','));
    const file = fileData(objects, settings);
    const lines = log.text.split('\n').slice(1);
    const appIds = journeyIds(prepared, (row) => {
      const fields = lines[row].split('\t');
      return `${fields[1]}_${fields[5]}`;
    });
    expect(userInputDifferences(prepared, appIds, file, journeyIds(file, (row) => String(objects[row].journey_id)))).toEqual([]);
    expect(file.stats.userAttributes).toEqual(prepared.userAttributes);
  });

  it('on ids past 32 bits (the high words of the hash)', async () => {
    const big = writeLog('big-ids.tsv', { seed: 5, users: 3000, campaigns: 12 }, 2 ** 40 + 12345);
    const bigTable = await loadTable(big.path, big.text);
    const settings = { ...DEFAULT_PREPARE, campaigns: { kind: 'count' as const, count: 8 }, seed: 11 };
    const app = appRows(bigTable, big.text, settings);
    expect(app.length).toBeGreaterThan(100);
    expect(differences(app, await sqlRows(big.path, settings))).toEqual([]);
  });

  it('on an own export mapped with --map (conversion ids, no click or gap columns, a user attribute that varies)', async () => {
    // The demo's rows as event_time,user_id,channel,order_id,spend,device,region; unconverted rows have no order id.
    // device (cat1) is constant per user; region (cat2) is not, and is mapped as a user attribute.
    const lines = log.text.split('\n').filter((l) => l !== '');
    const csv = ['event_time,user_id,channel,order_id,spend,device,region'];
    for (const line of lines.slice(1)) {
      const f = line.split('\t');
      csv.push([f[0], f[1], f[2], f[5] === '-1' ? '' : f[5], f[10], f[13], f[14]].join(','));
    }
    const path = join(dir, 'own.csv');
    const text = csv.join('\n') + '\n';
    writeFileSync(path, text);
    const mapping: ColumnMapping = { user: 'user_id', timestamp: 'event_time', timestampUnit: 'seconds', campaign: 'channel', conversionId: 'order_id', cost: 'spend', categories: ['device'], userAttributes: ['region'] };
    const own = await loadTable(path, text, mapping);
    // The columns export-sql takes from that mapping.
    const fromMapping = sqlColumnsFromMapping(mapping);
    if (!fromMapping.ok) throw new Error(fromMapping.error);
    const columns = fromMapping.columns;
    expect(columns).toEqual<SqlColumns>({ user: 'user_id', timestamp: 'event_time', timestampUnit: 'seconds', campaign: 'channel', conversionId: 'order_id', noConversion: 'zero-or-minus-one', cost: 'spend', categories: ['device', 'region'], userAttributes: ['region'] });
    const settings = { ...DEFAULT_PREPARE, campaigns: { kind: 'count' as const, count: 25 }, seed: 19 };
    const app = appRows(own, text, settings, (f) => `${f[1]}_${f[3] === '' ? -1 : f[3]}`, ',', columns.categories);
    expect(app.length).toBeGreaterThan(1000);
    const objects = await sqlObjects(path, settings, columns);
    expect(differences(app, await sqlRows(path, settings, undefined, columns, objects))).toEqual([]);

    const prepared = prepareJourneys(own, settings);
    expect(prepared.userAttributes).toEqual(['device', 'region']);
    expect(objects[0].user_attributes).toBe('device,region');
    const ownLines = text.split('\n').slice(1);
    const appIds = journeyIds(prepared, (row) => {
      const f = ownLines[row].split(',');
      return `${f[1]}_${f[3] === '' ? -1 : f[3]}`;
    });
    const file = fileData(objects, settings);
    expect(userInputDifferences(prepared, appIds, file, journeyIds(file, (row) => String(objects[row].journey_id)))).toEqual([]);
  });
});
