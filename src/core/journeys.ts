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
 * Users are sorted in batches of consecutive users whose blocks together hold
 * at most this many rows: their sort keys are gathered into scratch arrays of
 * this size (17 bytes a row: ~4.5 MB), not into arrays as long as the table
 * (275 MB more at the peak of a 16 M-row load).
 */
const KEY_BATCH_ROWS = 1 << 18;

/** `marks` bits: the row starts a journey; the row carries the conversion flag. */
const STARTS_JOURNEY = 1, FLAGGED = 2;

/**
 * Groups rows into journeys ordered by (user, conversion index), each in time
 * order. A counting sort by user keeps file order inside each user's block, so
 * the per-block sort only has to order by (conversion, timestamp), stably.
 *
 * A user's rows lie scattered over weeks of log, so reading the table through
 * `rows` misses the cache at every step: the sort keys of a batch of users are
 * gathered once into scratch arrays in grouped order, and the sort reads those.
 * What the boundaries need of them is kept in one byte a row (`marks`).
 * `batchRows` is for the tests; a user with more rows gets arrays of their own.
 */
export function groupJourneys(table: EventTable, batchRows = KEY_BATCH_ROWS): JourneyIndex {
  const n = table.rowCount;
  const userStart = countingSortByUser(table.user, table.userCount);
  const rows = new Uint32Array(n);
  scatterByUser(table.user, userStart, rows);

  const marks = new Uint8Array(n);
  const batch = Math.max(1, Math.min(n, batchRows));
  const scratch = { conversion: new Int32Array(batch), time: new Float64Array(batch), flag: new Uint8Array(batch) };
  const users = userStart.length - 1;
  let count = 0;
  for (let first = 0; first < users; ) {
    // Users first..last-1: as many as fit the batch, and at least one.
    let last = first + 1;
    while (last < users && userStart[last + 1] - userStart[first] <= batch) last++;
    const lo = userStart[first];
    const size = userStart[last] - lo;
    const keys = size <= batch ? scratch : { conversion: new Int32Array(size), time: new Float64Array(size), flag: new Uint8Array(size) };
    const conversion = keys.conversion.subarray(0, size);
    const time = keys.time.subarray(0, size);
    const flag = keys.flag.subarray(0, size);
    const order = rows.subarray(lo, lo + size);
    gatherKeys(order, table.conversionId, table.timestamp, table.conversion, conversion, time, flag);
    for (let u = first; u < last; u++) {
      const from = userStart[u] - lo;
      const to = userStart[u + 1] - lo;
      sortBlock(order, conversion, time, flag, from, to);
      for (let k = from; k < to; k++) {
        const starts = k === from || conversion[k] !== conversion[k - 1];
        if (starts) count++;
        marks[lo + k] = (starts ? STARTS_JOURNEY : 0) | (flag[k] ? FLAGGED : 0);
      }
    }
    first = last;
  }
  return journeyBoundaries(userStart, rows, marks, count, table.conversionId);
}

/** Start of each user's block in grouped order (length userCount + 1). */
function countingSortByUser(user: Uint32Array, userCount: number): Uint32Array {
  const start = new Uint32Array(userCount + 1);
  for (let i = 0; i < user.length; i++) start[user[i] + 1]++;
  for (let u = 0; u < userCount; u++) start[u + 1] += start[u];
  return start;
}

/**
 * Puts each row at its user's next place in `rows`. `userStart` itself is the
 * cursor (no copy of it: 21 MB on the Criteo log): each entry ends at the next
 * user's start, and shifting them one place back restores the starts.
 */
function scatterByUser(user: Uint32Array, userStart: Uint32Array, rows: Uint32Array): void {
  for (let i = 0; i < user.length; i++) rows[userStart[user[i]]++] = i;
  for (let u = userStart.length - 2; u > 0; u--) userStart[u] = userStart[u - 1];
  if (userStart.length > 1) userStart[0] = 0;
}

function gatherKeys(
  rows: Uint32Array,
  conversionId: Int32Array,
  timestamp: EventTable['timestamp'],
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

/** Sorts one user's block [lo, hi) by (conversion, time), stably (rows are increasing inside a block before the sort). */
function sortBlock(rows: Uint32Array, conversion: Int32Array, time: Float64Array, flag: Uint8Array, lo: number, hi: number): void {
  if (hi - lo < 2 || blockInOrder(conversion, time, lo, hi)) return;
  if (hi - lo <= INSERTION_SORT_MAX) insertionSort(rows, conversion, time, flag, lo, hi);
  else sortLargeBlock(rows, conversion, time, flag, lo, hi);
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

function journeyBoundaries(userStart: Uint32Array, rows: Uint32Array, marks: Uint8Array, count: number, rowConversion: Int32Array): JourneyIndex {
  const users = userStart.length - 1;
  const offsets = new Uint32Array(count + 1);
  const user = new Uint32Array(count);
  const conversionId = new Int32Array(count);
  const converted = new Uint8Array(count);
  let j = -1;
  for (let u = 0; u < users; u++) {
    const hi = userStart[u + 1];
    for (let k = userStart[u]; k < hi; k++) {
      const mark = marks[k];
      if (mark & STARTS_JOURNEY) {
        j++;
        offsets[j] = k;
        user[j] = u;
        conversionId[j] = rowConversion[rows[k]];
      }
      if (mark & FLAGGED) converted[j] = 1;
    }
  }
  offsets[count] = rows.length;
  return { count, offsets, rows, user, conversionId, converted };
}
