/**
 * Journeys: all impressions of one user that led to one conversion, or all of
 * a user's unconverted impressions (data-and-method.md, step 1). The notebook
 * joined `uid + '_' + conversion_id` into strings and split rows by counts of
 * sorted ids while the rows stayed sorted by time, which scrambled journeys;
 * here rows are really grouped, with integer keys only.
 */
import type { EventTable } from './table';

export interface JourneyIndex {
  count: number;
  /** Journey j's rows are rows[offsets[j] .. offsets[j+1]). Length count + 1. */
  offsets: Uint32Array;
  /** Table rows grouped by journey; inside a journey by timestamp, equal timestamps in file order. */
  rows: Uint32Array;
  /** User index of each journey. */
  user: Uint32Array;
  /** Dense conversion index of each journey, -1 for a user's unconverted journey. */
  conversionId: Int32Array;
  /** 1 when any row of the journey carries the conversion flag. */
  converted: Uint8Array;
}

/** Blocks up to this size are insertion-sorted; most users have a handful of rows, mostly already in order. */
const INSERTION_SORT_MAX = 48;

/**
 * Groups rows into journeys ordered by (user, conversion index), each in time
 * order. A counting sort by user keeps file order inside each user's block, so
 * the per-block sort only has to order by (conversion, timestamp), stably.
 *
 * A user's rows lie scattered over weeks of log, so reading the table through
 * `rows` misses the cache at every step: the sort keys are gathered once into
 * arrays in grouped order, and every later pass reads those sequentially.
 */
export function groupJourneys(table: EventTable): JourneyIndex {
  const n = table.rowCount;
  const userStart = countingSortByUser(table.user, table.userCount);
  const rows = new Uint32Array(n);
  scatterByUser(table.user, userStart, rows);

  const conversion = new Int32Array(n);
  const time = new Float64Array(n);
  const flag = new Uint8Array(n);
  gatherKeys(rows, table.conversionId, table.timestamp, table.conversion, conversion, time, flag);
  sortUserBlocks(userStart, rows, conversion, time, flag);
  return journeyBoundaries(userStart, rows, conversion, flag);
}

/** Start of each user's block in grouped order (length userCount + 1). */
function countingSortByUser(user: Uint32Array, userCount: number): Uint32Array {
  const start = new Uint32Array(userCount + 1);
  for (let i = 0; i < user.length; i++) start[user[i] + 1]++;
  for (let u = 0; u < userCount; u++) start[u + 1] += start[u];
  return start;
}

function scatterByUser(user: Uint32Array, userStart: Uint32Array, rows: Uint32Array): void {
  const cursor = userStart.slice(0, userStart.length - 1);
  for (let i = 0; i < user.length; i++) rows[cursor[user[i]]++] = i;
}

function gatherKeys(
  rows: Uint32Array,
  conversionId: Int32Array,
  timestamp: Float64Array,
  converted: Uint8Array,
  conversion: Int32Array,
  time: Float64Array,
  flag: Uint8Array,
): void {
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    conversion[k] = conversionId[r];
    time[k] = timestamp[r];
    flag[k] = converted[r];
  }
}

/** Sorts each user's block by (conversion, time), stably (rows are increasing inside a block before the sort). */
function sortUserBlocks(userStart: Uint32Array, rows: Uint32Array, conversion: Int32Array, time: Float64Array, flag: Uint8Array): void {
  const users = userStart.length - 1;
  for (let u = 0; u < users; u++) {
    const lo = userStart[u];
    const hi = userStart[u + 1];
    if (hi - lo < 2 || blockInOrder(conversion, time, lo, hi)) continue;
    if (hi - lo <= INSERTION_SORT_MAX) insertionSort(rows, conversion, time, flag, lo, hi);
    else sortLargeBlock(rows, conversion, time, flag, lo, hi);
  }
}

function blockInOrder(conversion: Int32Array, time: Float64Array, lo: number, hi: number): boolean {
  for (let k = lo + 1; k < hi; k++) {
    if (conversion[k] < conversion[k - 1] || (conversion[k] === conversion[k - 1] && time[k] < time[k - 1])) return false;
  }
  return true;
}

function insertionSort(rows: Uint32Array, conversion: Int32Array, time: Float64Array, flag: Uint8Array, lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const r = rows[i];
    const c = conversion[i];
    const t = time[i];
    const f = flag[i];
    let j = i - 1;
    // Strictly greater moves: equal keys keep their (file) order.
    while (j >= lo && (conversion[j] > c || (conversion[j] === c && time[j] > t))) {
      rows[j + 1] = rows[j];
      conversion[j + 1] = conversion[j];
      time[j + 1] = time[j];
      flag[j + 1] = flag[j];
      j--;
    }
    rows[j + 1] = r;
    conversion[j + 1] = c;
    time[j + 1] = t;
    flag[j + 1] = f;
  }
}

function sortLargeBlock(rows: Uint32Array, conversion: Int32Array, time: Float64Array, flag: Uint8Array, lo: number, hi: number): void {
  const size = hi - lo;
  const order = new Uint32Array(size);
  for (let i = 0; i < size; i++) order[i] = lo + i;
  // Positions break ties, so the result is the stable order whatever the engine's sort does.
  order.sort((a, b) => conversion[a] - conversion[b] || time[a] - time[b] || a - b);
  const r = new Uint32Array(size);
  const c = new Int32Array(size);
  const t = new Float64Array(size);
  const f = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    r[i] = rows[order[i]];
    c[i] = conversion[order[i]];
    t[i] = time[order[i]];
    f[i] = flag[order[i]];
  }
  rows.set(r, lo);
  conversion.set(c, lo);
  time.set(t, lo);
  flag.set(f, lo);
}

function journeyBoundaries(userStart: Uint32Array, rows: Uint32Array, conversion: Int32Array, flag: Uint8Array): JourneyIndex {
  const users = userStart.length - 1;
  let count = 0;
  for (let u = 0; u < users; u++) {
    const lo = userStart[u];
    const hi = userStart[u + 1];
    for (let k = lo; k < hi; k++) if (k === lo || conversion[k] !== conversion[k - 1]) count++;
  }
  const offsets = new Uint32Array(count + 1);
  const user = new Uint32Array(count);
  const conversionId = new Int32Array(count);
  const converted = new Uint8Array(count);
  let j = -1;
  for (let u = 0; u < users; u++) {
    const lo = userStart[u];
    const hi = userStart[u + 1];
    for (let k = lo; k < hi; k++) {
      if (k === lo || conversion[k] !== conversion[k - 1]) {
        j++;
        offsets[j] = k;
        user[j] = u;
        conversionId[j] = conversion[k];
      }
      if (flag[k]) converted[j] = 1;
    }
  }
  offsets[count] = rows.length;
  return { count, offsets, rows, user, conversionId, converted };
}
