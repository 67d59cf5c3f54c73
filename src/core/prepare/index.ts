/**
 * Journey preparation (data-and-method.md, steps 2 to 6): campaign sampling,
 * minimum touchpoints, balancing, split, features and padded sequences.
 *
 * Everything random is a seeded hash of the ids (`./hash.ts`), one stream per
 * purpose ('campaigns', 'balance', 'split'), so changing one step's randomness
 * never shifts another's, and the SQL of `./sql.ts` run in a warehouse picks
 * the same campaigns and journeys as the app for the same seed. Only typed
 * arrays and counting sorts, plus one sort of the candidates by rank key per
 * draw: all 16.5 M events of the Criteo log go through in a few seconds.
 */
import { groupJourneys, type JourneyIndex } from '../journeys';
import type { PreparedData, PreparedEvents, PreparedJourneys, Sequences } from '../prepared';
import { Split } from '../prepared';
import type { CampaignSampling, PrepareSettings } from '../settings';
import { MODEL_CATEGORY_COLUMNS, emptyCategoryColumn, type CategoryColumn, type EventTable } from '../table';
import { idKey, rankKey, rankStarts } from './hash';
import { sortIndexByKey } from './sort';
import { userAttributeColumns, userInputs, withUserInputs } from './user-attributes';

export type PrepareStage = 'journeys' | 'sampling' | 'balancing' | 'events' | 'features';

export interface PrepareProgress {
  stage: PrepareStage;
  done: number;
  total: number;
}

export interface PrepareOptions {
  /**
   * Build category features and padded sequences (default true). The position
   * models and the budget replay do not read them; leaving them out saves about
   * 100 bytes a journey step on a full log.
   */
  features?: boolean;
  /** A journey grouping of the same table computed earlier (e.g. for the summary). */
  journeys?: JourneyIndex;
}

/** Names of the numeric features per step, in layout order. */
export const NUMERIC_FEATURES = ['click', 'cost', 'time_since_last_click', 'timestamp'] as const;

export type SettingsCheck = { ok: true } | { ok: false; error: string };

/** Checks the ranges the UI form and the CLI flags must respect. */
export function checkPrepareSettings(s: PrepareSettings): SettingsCheck {
  const c = s.campaigns;
  if (c.kind === 'count' && !(Number.isInteger(c.count) && c.count >= 1)) {
    return { ok: false, error: `Campaigns to keep must be a whole number of at least 1 (got ${c.count}).` };
  }
  if (c.kind === 'fraction' && !(c.fraction > 0 && c.fraction <= 1)) {
    return { ok: false, error: `The share of campaigns to keep must be above 0 and at most 1 (got ${c.fraction}).` };
  }
  if (!(Number.isInteger(s.minTouchpoints) && s.minTouchpoints >= 1)) {
    return { ok: false, error: `Minimum touchpoints must be a whole number of at least 1 (got ${s.minTouchpoints}).` };
  }
  if (!(Number.isInteger(s.maxTouchpoints) && s.maxTouchpoints >= 1 && s.maxTouchpoints <= 1000)) {
    return { ok: false, error: `Maximum touchpoints must be a whole number from 1 to 1000 (got ${s.maxTouchpoints}).` };
  }
  if (s.keep !== 'first' && s.keep !== 'last') return { ok: false, error: `Keep must be "first" or "last".` };
  if (s.balance !== 'events' && s.balance !== 'journeys' && s.balance !== 'none') {
    return { ok: false, error: `Balancing must be "events", "journeys" or "none".` };
  }
  for (const [name, v] of [
    ['test share', s.testShare],
    ['validation share', s.validationShare],
  ] as const) {
    if (!(v >= 0 && v < 1)) return { ok: false, error: `The ${name} must be at least 0 and below 1 (got ${v}).` };
  }
  if (!(Number.isInteger(s.minCategoryCount) && s.minCategoryCount >= 1)) {
    return { ok: false, error: `Minimum category count must be a whole number of at least 1 (got ${s.minCategoryCount}).` };
  }
  if (!Number.isFinite(s.seed)) return { ok: false, error: `The seed must be a number.` };
  return { ok: true };
}

/** How many of `present` campaigns a sampling setting keeps. */
export function sampledCampaignCount(sampling: CampaignSampling, present: number): number {
  switch (sampling.kind) {
    case 'all':
      return present;
    case 'count':
      return Math.min(present, Math.max(0, Math.floor(sampling.count)));
    case 'fraction':
      return present === 0 ? 0 : Math.min(present, Math.max(1, Math.round(sampling.fraction * present)));
  }
}

export function prepareJourneys(
  table: EventTable,
  settings: PrepareSettings,
  onProgress?: (p: PrepareProgress) => void,
  options: PrepareOptions = {},
): PreparedData {
  const report = (stage: PrepareStage, done: number, total: number) => onProgress?.({ stage, done, total });
  const n = table.rowCount;
  const campaignCount = table.campaignIds.length;

  report('journeys', 0, 1);
  const journeys = options.journeys ?? groupJourneys(table);
  report('journeys', 1, 1);

  // -- Campaign sampling: the article keeps 400 of ~700 campaigns and removes the others' events first.
  report('sampling', 0, 1);
  const campaignEvents = countByIndex(table.campaign, campaignCount);
  const present: number[] = [];
  for (let c = 0; c < campaignCount; c++) if (campaignEvents[c] > 0) present.push(c);
  const keepCount = sampledCampaignCount(settings.campaigns, present.length);
  const keepCampaign = new Uint8Array(campaignCount);
  if (keepCount >= present.length) {
    for (const c of present) keepCampaign[c] = 1;
  } else {
    // The campaigns with the lowest rank keys; equal keys (practically never) go by id.
    const starts = rankStarts(settings.seed, 'campaigns');
    const ids = present.map((c) => idKey(table.campaignIds[c]));
    const keys = ids.map((id) => rankKey(starts, id));
    const order = present.map((_, i) => i).sort((a, b) => keys[a] - keys[b] || ids[a] - ids[b]);
    for (let k = 0; k < keepCount; k++) keepCampaign[present[order[k]]] = 1;
  }

  // -- Journey lengths once the other campaigns' events are gone, then the minimum touchpoints.
  const minLength = Math.max(1, settings.minTouchpoints);
  // Campaigns in grouped order, read once at random so later passes over journeys run sequentially.
  const groupedCampaign = gatherValues(table.campaign, journeys.rows);
  const length = keptLengths(journeys, groupedCampaign, keepCampaign);
  let journeysBeforeFilter = 0;
  let convertedEligible = 0;
  let unconvertedEligible = 0;
  for (let j = 0; j < journeys.count; j++) {
    const len = length[j];
    if (len > 0) journeysBeforeFilter++;
    if (len >= minLength) {
      if (journeys.converted[j]) convertedEligible++;
      else unconvertedEligible++;
    }
  }
  report('sampling', 1, 1);

  // -- Balancing: every converted journey, plus whole unconverted journeys drawn at random.
  // The notebook took the negatives in order of appearance, i.e. the earliest ones, and
  // the scaled timestamp alone then told the classes apart.
  report('balancing', 0, 1);
  const keepJourney = new Uint8Array(journeys.count);
  const negatives = new Uint32Array(unconvertedEligible);
  let convertedEvents = 0;
  let u = 0;
  for (let j = 0; j < journeys.count; j++) {
    if (length[j] < minLength) continue;
    if (journeys.converted[j]) {
      keepJourney[j] = 1;
      convertedEvents += length[j];
    } else {
      negatives[u++] = j;
    }
  }
  let unconvertedKept = 0;
  let unconvertedEvents = 0;
  if (settings.balance === 'none') {
    for (let k = 0; k < negatives.length; k++) keepJourney[negatives[k]] = 1;
    unconvertedKept = negatives.length;
  } else {
    sortByRank(negatives, table, journeys, rankStarts(settings.seed, 'balance'));
    const wanted = settings.balance === 'journeys' ? Math.min(convertedEligible, negatives.length) : negatives.length;
    for (let k = 0; k < wanted; k++) {
      // By events: stop at the first journey that brings the negatives' events up to the positives'.
      if (settings.balance === 'events' && unconvertedEvents >= convertedEvents) break;
      const j = negatives[k];
      keepJourney[j] = 1;
      unconvertedKept++;
      unconvertedEvents += length[j];
    }
  }
  const negativeSamplingRate = negatives.length > 0 ? unconvertedKept / negatives.length : 1;
  report('balancing', 1, 1);

  // -- Prepared journeys (in grouping order) and their events in time order.
  report('events', 0, 1);
  const journeyOf = new Int32Array(journeys.count).fill(-1);
  let journeyCount = 0;
  for (let j = 0; j < journeys.count; j++) if (keepJourney[j]) journeyOf[j] = journeyCount++;
  const rowJourney = new Int32Array(n).fill(-1);
  const eventCount = assignRows(journeys, groupedCampaign, keepCampaign, journeyOf, rowJourney);
  // Rows are gathered in file order, and the sort is stable: equal timestamps keep file order.
  const eventRow = gatherRows(rowJourney, eventCount);
  sortIndexByKey(eventRow, table.timestamp);

  const campaignMap = new Int32Array(campaignCount).fill(-1);
  const preparedCampaignEvents = countByIndex(gatherValues(table.campaign, eventRow), campaignCount);
  const campaignIds: string[] = [];
  const campaignSourceList: number[] = [];
  for (let c = 0; c < campaignCount; c++) {
    if (preparedCampaignEvents[c] === 0) continue;
    campaignMap[c] = campaignIds.length;
    campaignIds.push(table.campaignIds[c]);
    campaignSourceList.push(c);
  }

  const events = fillEvents(table, eventRow, rowJourney, campaignMap);
  // Journeys list their rows in the same (time, file) order as the events, so each journey's
  // events are its kept rows mapped to event indexes. `rowJourney` is reused as that map.
  const eventOfRow = rowJourney;
  for (let e = 0; e < eventCount; e++) eventOfRow[eventRow[e]] = e;
  const { offsets: eventOffsets, order: eventsByJourney } = eventsInJourneyOrder(
    journeys,
    groupedCampaign,
    keepCampaign,
    journeyOf,
    journeyCount,
    eventOfRow,
    eventCount,
  );

  const label = new Uint8Array(journeyCount);
  const journeyUser = new Uint32Array(journeyCount);
  for (let j = 0; j < journeys.count; j++) {
    const pj = journeyOf[j];
    if (pj < 0) continue;
    label[pj] = journeys.converted[j];
    journeyUser[pj] = journeys.user[j];
  }
  let convertedJourneys = 0;
  let convertedPreparedEvents = 0;
  for (let j = 0; j < journeyCount; j++) {
    convertedJourneys += label[j];
    if (label[j]) convertedPreparedEvents += eventOffsets[j + 1] - eventOffsets[j];
  }

  const split = assignSplit(table, journeys, journeyOf, journeyCount, settings);
  report('events', 1, 1);

  const journeyArrays: PreparedJourneys = {
    count: journeyCount,
    label,
    split,
    eventOffsets,
    eventsByJourney,
    user: journeyUser,
  };

  const features = options.features ?? true;
  // User attributes leave the touchpoints and become journey-level inputs (user-attributes.ts).
  const chosenColumns = chooseCategoryColumns(table);
  const userAttributes = features ? userAttributeColumns(table, chosenColumns) : [];
  const categoryNames = chosenColumns.filter((c) => !userAttributes.includes(c));
  const { categoryOffsets, valueIndex } = buildVocabulary(table, categoryNames, eventRow, settings.minCategoryCount);
  let sequences: Sequences;
  if (features) {
    events.categories = eventCategories(table, categoryNames, eventRow, categoryOffsets, valueIndex);
    sequences = buildSequences(table, events, journeyArrays, settings, categoryNames.length, (done, total) =>
      report('features', done, total),
    );
    sequences = withUserInputs(sequences, userInputs(table, userAttributes, events, journeyArrays, settings.minCategoryCount));
  } else {
    sequences = emptySequences(settings.maxTouchpoints, categoryNames.length);
  }

  return {
    settings: { ...settings },
    campaignIds,
    campaignSource: Uint32Array.from(campaignSourceList),
    categoryNames,
    categoryOffsets,
    ...(userAttributes.length > 0 ? { userAttributes } : {}),
    events,
    journeys: journeyArrays,
    sequences,
    negativeSamplingRate,
    stats: {
      campaignsInData: present.length,
      campaignsSampled: keepCount,
      journeysBeforeFilter,
      journeysAfterFilter: convertedEligible + unconvertedEligible,
      convertedJourneys,
      unconvertedJourneys: journeyCount - convertedJourneys,
      convertedEvents: convertedPreparedEvents,
      unconvertedEvents: eventCount - convertedPreparedEvents,
      ...(userAttributes.length > 0 ? { userAttributes } : {}),
    },
  };
}

// Hot loops live in small functions of their own: V8 optimises each one with
// its own type feedback, where one long function with many loops kept being
// deoptimised (measured: several times slower on a 1 M-row log).

/** How many times each value 0..size-1 occurs. */
function countByIndex(values: CategoryColumn, size: number): Uint32Array {
  const counts = new Uint32Array(size);
  for (let i = 0; i < values.length; i++) counts[values[i]]++;
  return counts;
}

/** values[index[i]] for each i, as wide as `values`. */
function gatherValues(values: CategoryColumn, index: Uint32Array): CategoryColumn {
  const out = emptyCategoryColumn(values, index.length);
  for (let i = 0; i < index.length; i++) out[i] = values[index[i]];
  return out;
}

/** Touchpoints per journey on the kept campaigns; `campaign` in grouped order (parallel to journeys.rows). */
function keptLengths(journeys: JourneyIndex, campaign: CategoryColumn, keepCampaign: Uint8Array): Uint32Array {
  const { offsets, count } = journeys;
  const length = new Uint32Array(count);
  for (let j = 0; j < count; j++) {
    let len = 0;
    const hi = offsets[j + 1];
    for (let k = offsets[j]; k < hi; k++) len += keepCampaign[campaign[k]];
    length[j] = len;
  }
  return length;
}

/** Marks each kept row with its prepared journey; returns the number of rows marked. `campaign` in grouped order. */
function assignRows(
  journeys: JourneyIndex,
  campaign: CategoryColumn,
  keepCampaign: Uint8Array,
  journeyOf: Int32Array,
  rowJourney: Int32Array,
): number {
  const { offsets, rows, count } = journeys;
  let marked = 0;
  for (let j = 0; j < count; j++) {
    const pj = journeyOf[j];
    if (pj < 0) continue;
    const hi = offsets[j + 1];
    for (let k = offsets[j]; k < hi; k++) {
      if (keepCampaign[campaign[k]]) {
        rowJourney[rows[k]] = pj;
        marked++;
      }
    }
  }
  return marked;
}

function gatherRows(rowJourney: Int32Array, count: number): Uint32Array {
  const out = new Uint32Array(count);
  for (let r = 0, e = 0; r < rowJourney.length; r++) if (rowJourney[r] >= 0) out[e++] = r;
  return out;
}

function fillEvents(table: EventTable, eventRow: Uint32Array, rowJourney: Int32Array, campaignMap: Int32Array): PreparedEvents {
  const count = eventRow.length;
  const journey = new Uint32Array(count);
  const campaign = new Uint32Array(count);
  const timestamp = new Float64Array(count);
  const cost = new Float32Array(count);
  const click = new Uint8Array(count);
  const srcCampaign = table.campaign;
  const srcTime = table.timestamp;
  const srcCost = table.cost;
  const srcClick = table.click;
  for (let e = 0; e < count; e++) {
    const r = eventRow[e];
    journey[e] = rowJourney[r];
    campaign[e] = campaignMap[srcCampaign[r]];
    timestamp[e] = srcTime[r];
    cost[e] = srcCost[r];
    click[e] = srcClick[r];
  }
  return { count, journey, campaign, timestamp, cost, click, row: eventRow };
}

/**
 * Sorts journey indexes by their rank key; equal keys by user id, then
 * conversion id (-1 for a user's unconverted journey). Logs read from Criteo's
 * format carry their user and conversion ids (`userKeys`, `conversionKeys`);
 * elsewhere the dense indexes stand in, just as seeded but not what a
 * warehouse would hash.
 */
function sortByRank(journeyIndexes: Uint32Array, table: EventTable, journeys: JourneyIndex, starts: [number, number]): void {
  const n = journeyIndexes.length;
  const rank = new Float64Array(n);
  const user = new Float64Array(n);
  const conversion = new Float64Array(n);
  const position = new Uint32Array(n);
  const { userKeys, conversionKeys } = table;
  for (let i = 0; i < n; i++) {
    const j = journeyIndexes[i];
    const u = journeys.user[j];
    const c = journeys.conversionId[j];
    user[i] = userKeys ? userKeys[u] : u;
    conversion[i] = c < 0 ? -1 : conversionKeys ? conversionKeys[c] : c;
    rank[i] = rankKey(starts, user[i], conversion[i]);
    position[i] = i;
  }
  position.sort((a, b) => rank[a] - rank[b] || user[a] - user[b] || conversion[a] - conversion[b]);
  const original = journeyIndexes.slice();
  for (let i = 0; i < n; i++) journeyIndexes[i] = original[position[i]];
}

/**
 * Split by journey: the journeys with the lowest rank keys are the test set
 * (its share of them, rounded), the next ones the validation set (its share
 * of the rest), the others train. Exact counts, every subset equally likely.
 */
function assignSplit(table: EventTable, journeys: JourneyIndex, journeyOf: Int32Array, count: number, settings: PrepareSettings): Uint8Array {
  const split = new Uint8Array(count);
  const testCount = Math.round(count * settings.testShare);
  const validationCount = Math.round((count - testCount) * settings.validationShare);
  const source = new Uint32Array(count);
  for (let j = 0; j < journeyOf.length; j++) if (journeyOf[j] >= 0) source[journeyOf[j]] = j;
  sortByRank(source, table, journeys, rankStarts(settings.seed, 'split'));
  for (let k = 0; k < count; k++) {
    const pj = journeyOf[source[k]];
    split[pj] = k < testCount ? Split.Test : k < testCount + validationCount ? Split.Validation : Split.Train;
  }
  return split;
}

/** Each prepared journey's events, in time order: offsets (journeyCount + 1) and event indexes. */
function eventsInJourneyOrder(
  journeys: JourneyIndex,
  campaign: CategoryColumn,
  keepCampaign: Uint8Array,
  journeyOf: Int32Array,
  journeyCount: number,
  eventOfRow: Int32Array,
  eventCount: number,
): { offsets: Uint32Array; order: Uint32Array } {
  const { offsets: rowOffsets, rows, count } = journeys;
  const offsets = new Uint32Array(journeyCount + 1);
  const order = new Uint32Array(eventCount);
  let pos = 0;
  for (let j = 0; j < count; j++) {
    const pj = journeyOf[j];
    if (pj < 0) continue;
    offsets[pj] = pos;
    const hi = rowOffsets[j + 1];
    for (let k = rowOffsets[j]; k < hi; k++) if (keepCampaign[campaign[k]]) order[pos++] = eventOfRow[rows[k]];
  }
  offsets[journeyCount] = pos;
  return { offsets, order };
}

/** The article's columns (cat1..cat6, cat8) when the log has them, else every category column it has. */
function chooseCategoryColumns(table: EventTable): string[] {
  const model = MODEL_CATEGORY_COLUMNS.filter((c) => table.categoryNames.includes(c));
  return model.length > 0 ? [...model] : [...table.categoryNames];
}

/**
 * One vocabulary for all category columns, so a single embedding table serves
 * them: column c owns indexes categoryOffsets[c] .. categoryOffsets[c+1]-1, and
 * its first index is "other", shared by values seen in fewer than
 * `minCount` prepared events.
 */
function buildVocabulary(
  table: EventTable,
  names: string[],
  eventRow: Uint32Array,
  minCount: number,
): { categoryOffsets: Int32Array; valueIndex: Int32Array[] } {
  const categoryOffsets = new Int32Array(names.length + 1);
  const valueIndex: Int32Array[] = [];
  names.forEach((name, c) => {
    const column = table.categories[table.categoryNames.indexOf(name)];
    const counts = new Uint32Array(table.categoryIds[table.categoryNames.indexOf(name)].length);
    for (let e = 0; e < eventRow.length; e++) counts[column[eventRow[e]]]++;
    const index = new Int32Array(counts.length);
    let next = 1;
    for (let v = 0; v < counts.length; v++) index[v] = counts[v] >= minCount ? next++ : 0;
    valueIndex.push(index);
    categoryOffsets[c + 1] = categoryOffsets[c] + next;
  });
  return { categoryOffsets, valueIndex };
}

function eventCategories(
  table: EventTable,
  names: string[],
  eventRow: Uint32Array,
  offsets: Int32Array,
  valueIndex: Int32Array[],
): Int32Array {
  const k = names.length;
  const out = new Int32Array(eventRow.length * k);
  names.forEach((name, c) => {
    const column = table.categories[table.categoryNames.indexOf(name)];
    const index = valueIndex[c];
    const base = offsets[c];
    for (let e = 0; e < eventRow.length; e++) out[e * k + c] = base + index[column[eventRow[e]]];
  });
  return out;
}

function emptySequences(steps: number, categoryColumns: number): Sequences {
  return {
    steps,
    campaign: new Int32Array(0),
    categories: new Int32Array(0),
    categoryColumns,
    numeric: new Float32Array(0),
    numericNames: [...NUMERIC_FEATURES],
    mask: new Float32Array(0),
    length: new Uint16Array(0),
  };
}

/** Largest cost and time since last click, and the time span, over the prepared events. */
function featureRanges(events: PreparedEvents, gaps: Float32Array) {
  let maxCost = 0;
  let maxGap = 0;
  let minTime = Infinity;
  let maxTime = -Infinity;
  const { cost, row, timestamp } = events;
  for (let e = 0; e < events.count; e++) {
    if (cost[e] > maxCost) maxCost = cost[e];
    const gap = gaps[row[e]];
    if (gap > maxGap) maxGap = gap;
    const t = timestamp[e];
    if (t < minTime) minTime = t;
    if (t > maxTime) maxTime = t;
  }
  return { maxCost, maxGap, minTime, maxTime };
}

/**
 * Journeys cut or padded to `maxTouchpoints` steps. Numeric features, each in
 * 0..1 except the click flag:
 * - cost / largest cost among prepared events (0 when every cost is 0);
 * - time since last click / its largest value; -1 ("no click before") becomes 0,
 *   the same as a click just now: the click flag of earlier steps tells them apart;
 * - timestamp, min-max scaled over prepared events (0 when all are equal).
 */
function buildSequences(
  table: EventTable,
  events: PreparedEvents,
  journeys: PreparedJourneys,
  settings: PrepareSettings,
  categoryColumns: number,
  report: (done: number, total: number) => void,
): Sequences {
  const steps = settings.maxTouchpoints;
  const f = NUMERIC_FEATURES.length;
  const count = journeys.count;

  const { maxCost, maxGap, minTime, maxTime } = featureRanges(events, table.timeSinceLastClick);
  const timeRange = maxTime - minTime;

  const campaign = new Int32Array(count * steps);
  const categories = new Int32Array(count * steps * categoryColumns);
  const numeric = new Float32Array(count * steps * f);
  const mask = new Float32Array(count * steps);
  const length = new Uint16Array(count);
  const { eventOffsets, eventsByJourney } = journeys;
  const eventCats = events.categories!;
  const eventCampaign = events.campaign;
  const eventClick = events.click;
  const eventCost = events.cost;
  const eventTime = events.timestamp;
  const eventRow = events.row;
  const gaps = table.timeSinceLastClick;
  const keepFirst = settings.keep === 'first';
  const progressEvery = 1 << 18;
  for (let j = 0; j < count; j++) {
    if (j % progressEvery === 0) report(j, count);
    const lo = eventOffsets[j];
    const hi = eventOffsets[j + 1];
    const kept = Math.min(steps, hi - lo);
    // The article keeps the first N touchpoints; keeping the last N is offered as an option.
    const start = keepFirst ? lo : hi - kept;
    length[j] = kept;
    for (let s = 0; s < kept; s++) {
      const e = eventsByJourney[start + s];
      const cell = j * steps + s;
      campaign[cell] = eventCampaign[e];
      mask[cell] = 1;
      for (let c = 0; c < categoryColumns; c++) categories[cell * categoryColumns + c] = eventCats[e * categoryColumns + c];
      const gap = gaps[eventRow[e]];
      const base = cell * f;
      numeric[base] = eventClick[e];
      numeric[base + 1] = maxCost > 0 ? eventCost[e] / maxCost : 0;
      numeric[base + 2] = gap > 0 && maxGap > 0 ? gap / maxGap : 0;
      numeric[base + 3] = timeRange > 0 ? (eventTime[e] - minTime) / timeRange : 0;
    }
  }
  const seq: Sequences = {
    steps,
    campaign,
    categories,
    categoryColumns,
    numeric,
    numericNames: [...NUMERIC_FEATURES],
    mask,
    length,
  };
  report(count, count);
  return seq;
}
