/**
 * Prepared journeys from the rows the SQL export writes (one per prepared
 * touchpoint, PREPARED_COLUMNS), so a run can start from a warehouse's
 * preparation: the models, counterfactuals and replays read the same
 * PreparedData the app's own preparation gives.
 *
 * What the rows cannot carry: the source log's row of each touchpoint (events
 * point at their row in the prepared file instead) and the counts before
 * filtering (journeysBeforeFilter and journeysAfterFilter are the prepared
 * journeys). Equal timestamps keep the file's journey and step order.
 *
 * User attributes: the columns the file's `user_attributes` names (the SQL's
 * verdict over the whole log, user-attributes.ts's rule) leave the
 * touchpoint categories and become the journeys' user inputs, built by the
 * same rule as the app's (`userInputsFromValues`). Their vocabulary is in
 * order of first appearance in the file, not the log's: the same values and
 * "other", other index numbers. A file without the column has none.
 */
import type { PreparedData, Sequences } from '../prepared';
import { Split } from '../prepared';
import type { PrepareSettings } from '../settings';
import { NUMERIC_FEATURES } from '.';
import { OPTIONAL_PREPARED_COLUMNS, PREPARED_COLUMNS } from './sql';
import { userInputsFromValues, withUserInputs, type JourneyValues } from './user-attributes';

/** The prepared file's columns, parsed; one entry per row. */
export interface PreparedRows {
  count: number;
  journeyId: string[];
  step: Float64Array;
  timestamp: Float64Array;
  campaign: string[];
  click: Uint8Array;
  cost: Float32Array;
  costScaled: Float32Array;
  gapScaled: Float32Array;
  timeScaled: Float32Array;
  /** Category column names without the `cat_` prefix, and their values per row (null = "other"). */
  categoryNames: string[];
  categories: (string | null)[][];
  label: Uint8Array;
  split: Uint8Array;
  negativeSamplingRate: number;
  /** The category columns the SQL took as user attributes (from `user_attributes`; empty without it). */
  userAttributes: string[];
}

export type RowsCheck = { ok: true; rows: PreparedRows } | { ok: false; error: string };

const SPLITS: Record<string, Split> = { train: Split.Train, validation: Split.Validation, test: Split.Test };

/** Parses the header and the cells of a prepared file (as strings, e.g. from a CSV reader). */
export function parsePreparedRows(header: string[], cells: string[][]): RowsCheck {
  const need = [...PREPARED_COLUMNS.head, ...PREPARED_COLUMNS.tail].filter((c) => !OPTIONAL_PREPARED_COLUMNS.includes(c));
  const missing = need.filter((c) => !header.includes(c));
  if (missing.length > 0) return { ok: false, error: `This is not a prepared file: it has no column ${missing.join(', ')}.` };
  const at = (name: string) => header.indexOf(name);
  const categoryAt = header.map((h, i) => [h, i] as const).filter(([h]) => h.startsWith('cat_'));
  const n = cells.length;
  const rows: PreparedRows = {
    count: n,
    journeyId: new Array<string>(n),
    step: new Float64Array(n),
    timestamp: new Float64Array(n),
    campaign: new Array<string>(n),
    click: new Uint8Array(n),
    cost: new Float32Array(n),
    costScaled: new Float32Array(n),
    gapScaled: new Float32Array(n),
    timeScaled: new Float32Array(n),
    categoryNames: categoryAt.map(([h]) => h.slice(4)),
    categories: categoryAt.map(() => new Array<string | null>(n)),
    label: new Uint8Array(n),
    split: new Uint8Array(n),
    negativeSamplingRate: 1,
    userAttributes: [],
  };
  const num = {
    step: at('step'),
    timestamp: at('timestamp'),
    click: at('click'),
    cost: at('cost'),
    costScaled: at('cost_scaled'),
    gapScaled: at('time_since_last_click_scaled'),
    timeScaled: at('timestamp_scaled'),
    label: at('label'),
  };
  const journey = at('journey_id');
  const campaign = at('campaign');
  const split = at('split');
  const rate = at('negative_sampling_rate');
  const userAttributes = at('user_attributes');
  if (userAttributes >= 0 && n > 0) {
    const names = (cells[0][userAttributes] ?? '').split(',').filter((name) => name !== '');
    const absent = names.filter((name) => !rows.categoryNames.includes(name));
    if (absent.length > 0) return { ok: false, error: `Column user_attributes names ${absent.join(', ')}, but the file has no column ${absent.map((a) => `cat_${a}`).join(', ')}.` };
    rows.userAttributes = names;
  }
  for (let r = 0; r < n; r++) {
    const row = cells[r];
    const value = (i: number) => {
      const v = Number(row[i]);
      if (row[i] === undefined || row[i] === '' || !Number.isFinite(v)) throw new Error(`Row ${r + 2}, column ${header[i]}: "${row[i] ?? ''}" is not a number.`);
      return v;
    };
    try {
      rows.journeyId[r] = row[journey];
      rows.campaign[r] = row[campaign];
      rows.step[r] = value(num.step);
      rows.timestamp[r] = value(num.timestamp);
      rows.click[r] = value(num.click);
      rows.cost[r] = value(num.cost);
      rows.costScaled[r] = value(num.costScaled);
      rows.gapScaled[r] = value(num.gapScaled);
      rows.timeScaled[r] = value(num.timeScaled);
      rows.label[r] = value(num.label);
      if (r === 0) rows.negativeSamplingRate = value(rate);
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
    const s = SPLITS[row[split]];
    if (s === undefined) return { ok: false, error: `Row ${r + 2}, column split: "${row[split]}" is not train, validation or test.` };
    rows.split[r] = s;
    categoryAt.forEach(([, i], c) => (rows.categories[c][r] = row[i] === '' || row[i] === undefined ? null : row[i]));
  }
  return { ok: true, rows };
}

/** PreparedData from parsed rows, cut or padded to the settings' touchpoints. */
export function preparedFromRows(rows: PreparedRows, settings: PrepareSettings): PreparedData {
  const n = rows.count;
  // Journeys in order of first appearance (the export orders by journey and step).
  const journeyIndex = new Map<string, number>();
  const rowJourney = new Uint32Array(n);
  for (let r = 0; r < n; r++) {
    let j = journeyIndex.get(rows.journeyId[r]);
    if (j === undefined) journeyIndex.set(rows.journeyId[r], (j = journeyIndex.size));
    rowJourney[r] = j;
  }
  const journeyCount = journeyIndex.size;
  const label = new Uint8Array(journeyCount);
  const split = new Uint8Array(journeyCount);
  const user = new Uint32Array(journeyCount);
  const userIndex = new Map<string, number>();
  for (const [id, j] of journeyIndex) {
    const userId = id.slice(0, id.lastIndexOf('_'));
    let u = userIndex.get(userId);
    if (u === undefined) userIndex.set(userId, (u = userIndex.size));
    user[j] = u;
  }
  for (let r = 0; r < n; r++) {
    label[rowJourney[r]] = rows.label[r];
    split[rowJourney[r]] = rows.split[r];
  }

  // Events in time order; equal times keep file order (a stable sort).
  const order = Array.from({ length: n }, (_, r) => r).sort((a, b) => rows.timestamp[a] - rows.timestamp[b] || a - b);
  const eventOfRow = new Uint32Array(n);
  order.forEach((r, e) => (eventOfRow[r] = e));
  const campaignIndex = new Map<string, number>();
  const events = {
    count: n,
    journey: new Uint32Array(n),
    campaign: new Uint32Array(n),
    timestamp: new Float64Array(n),
    cost: new Float32Array(n),
    click: new Uint8Array(n),
    row: new Uint32Array(n),
    categories: new Int32Array(n * rows.categoryNames.length),
  };
  // The touchpoint categories: every category column but the user attributes.
  const touch = rows.categoryNames.map((_, i) => i).filter((i) => !rows.userAttributes.includes(rows.categoryNames[i]));
  const cells = touch.map((i) => rows.categories[i]);
  // One vocabulary: per column, index 0 is "other" (the SQL's NULL), then the values in order of appearance.
  const k = touch.length;
  const vocab = touch.map(() => new Map<string, number>());
  order.forEach((r, e) => {
    events.journey[e] = rowJourney[r];
    let c = campaignIndex.get(rows.campaign[r]);
    if (c === undefined) campaignIndex.set(rows.campaign[r], (c = campaignIndex.size));
    events.campaign[e] = c;
    events.timestamp[e] = rows.timestamp[r];
    events.cost[e] = rows.cost[r];
    events.click[e] = rows.click[r];
    events.row[e] = r;
    for (let col = 0; col < k; col++) {
      const v = cells[col][r];
      if (v !== null && !vocab[col].has(v)) vocab[col].set(v, vocab[col].size + 1);
    }
  });
  const categoryOffsets = new Int32Array(k + 1);
  for (let col = 0; col < k; col++) categoryOffsets[col + 1] = categoryOffsets[col] + vocab[col].size + 1;
  for (let e = 0; e < n; e++) {
    const r = order[e];
    for (let col = 0; col < k; col++) {
      const v = cells[col][r];
      events.categories[e * k + col] = categoryOffsets[col] + (v === null ? 0 : vocab[col].get(v)!);
    }
  }

  // Each journey's events in step order.
  const eventOffsets = new Uint32Array(journeyCount + 1);
  for (let r = 0; r < n; r++) eventOffsets[rowJourney[r] + 1]++;
  for (let j = 0; j < journeyCount; j++) eventOffsets[j + 1] += eventOffsets[j];
  const byStep = Array.from({ length: n }, (_, r) => r).sort((a, b) => rowJourney[a] - rowJourney[b] || rows.step[a] - rows.step[b]);
  const eventsByJourney = Uint32Array.from(byStep, (r) => eventOfRow[r]);

  let sequences = rowSequences(rows, settings, eventOffsets, byStep, k, events.categories, eventOfRow, events.campaign);
  const userAttributes = rows.userAttributes;
  if (userAttributes.length > 0) {
    // Each journey's value at its first touchpoint (step 0), as the app reads it at its first event; a missing value is ''.
    const columns = userAttributes.map((name): JourneyValues => {
      const column = rows.categories[rows.categoryNames.indexOf(name)];
      const ids = new Map<string, number>();
      const value = new Uint32Array(journeyCount);
      for (let j = 0; j < journeyCount; j++) {
        const v = column[byStep[eventOffsets[j]]] ?? '';
        let id = ids.get(v);
        if (id === undefined) ids.set(v, (id = ids.size));
        value[j] = id;
      }
      return { value, valueCount: ids.size };
    });
    sequences = withUserInputs(sequences, userInputsFromValues(columns, journeyCount, settings.minCategoryCount));
  }
  let convertedJourneys = 0;
  let convertedEvents = 0;
  for (let j = 0; j < journeyCount; j++) {
    convertedJourneys += label[j];
    if (label[j]) convertedEvents += eventOffsets[j + 1] - eventOffsets[j];
  }
  return {
    settings: { ...settings },
    campaignIds: [...campaignIndex.keys()],
    campaignSource: Uint32Array.from(campaignIndex.values()),
    categoryNames: touch.map((i) => rows.categoryNames[i]),
    categoryOffsets,
    ...(userAttributes.length > 0 ? { userAttributes: [...userAttributes] } : {}),
    events,
    journeys: { count: journeyCount, label, split, eventOffsets, eventsByJourney, user },
    sequences,
    negativeSamplingRate: rows.negativeSamplingRate,
    stats: {
      campaignsInData: campaignIndex.size,
      campaignsSampled: campaignIndex.size,
      journeysBeforeFilter: journeyCount,
      journeysAfterFilter: journeyCount,
      convertedJourneys,
      unconvertedJourneys: journeyCount - convertedJourneys,
      convertedEvents,
      unconvertedEvents: n - convertedEvents,
      ...(userAttributes.length > 0 ? { userAttributes: [...userAttributes] } : {}),
    },
  };
}

/** The same layout as the app's sequences, from the scaled features the SQL wrote. */
function rowSequences(
  rows: PreparedRows,
  settings: PrepareSettings,
  eventOffsets: Uint32Array,
  byStep: number[],
  k: number,
  eventCategories: Int32Array,
  eventOfRow: Uint32Array,
  eventCampaign: Uint32Array,
): Sequences {
  const steps = settings.maxTouchpoints;
  const f = NUMERIC_FEATURES.length;
  const count = eventOffsets.length - 1;
  const campaign = new Int32Array(count * steps);
  const categories = new Int32Array(count * steps * k);
  const numeric = new Float32Array(count * steps * f);
  const mask = new Float32Array(count * steps);
  const length = new Uint16Array(count);
  const keepFirst = settings.keep === 'first';
  for (let j = 0; j < count; j++) {
    const lo = eventOffsets[j];
    const hi = eventOffsets[j + 1];
    const kept = Math.min(steps, hi - lo);
    const start = keepFirst ? lo : hi - kept;
    length[j] = kept;
    for (let s = 0; s < kept; s++) {
      const r = byStep[start + s];
      const e = eventOfRow[r];
      const cell = j * steps + s;
      campaign[cell] = eventCampaign[e];
      mask[cell] = 1;
      for (let c = 0; c < k; c++) categories[cell * k + c] = eventCategories[e * k + c];
      const base = cell * f;
      numeric[base] = rows.click[r];
      numeric[base + 1] = rows.costScaled[r];
      numeric[base + 2] = rows.gapScaled[r];
      numeric[base + 3] = rows.timeScaled[r];
    }
  }
  return { steps, campaign, categories, categoryColumns: k, numeric, numericNames: [...NUMERIC_FEATURES], mask, length };
}
