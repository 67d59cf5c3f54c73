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
 * the per-block sort only has to order by (conversion, timestamp, row).
 */
export function groupJourneys(table: EventTable): JourneyIndex {
  const n = table.rowCount;
  const userCount = table.userCount;
  const { user, conversionId, timestamp, conversion } = table;

  const userStart = new Uint32Array(userCount + 1);
  for (let i = 0; i < n; i++) userStart[user[i] + 1]++;
  for (let u = 0; u < userCount; u++) userStart[u + 1] += userStart[u];
  const cursor = userStart.slice(0, userCount);
  const rows = new Uint32Array(n);
  for (let i = 0; i < n; i++) rows[cursor[user[i]]++] = i;

  const before = (a: number, b: number): boolean => {
    const ca = conversionId[a];
    const cb = conversionId[b];
    if (ca !== cb) return ca < cb;
    const ta = timestamp[a];
    const tb = timestamp[b];
    if (ta !== tb) return ta < tb;
    return a < b;
  };
  const compare = (a: number, b: number): number => (before(a, b) ? -1 : before(b, a) ? 1 : 0);

  for (let u = 0; u < userCount; u++) {
    const lo = userStart[u];
    const hi = userStart[u + 1];
    if (hi - lo < 2) continue;
    if (hi - lo <= INSERTION_SORT_MAX) {
      for (let i = lo + 1; i < hi; i++) {
        const r = rows[i];
        let j = i - 1;
        while (j >= lo && before(r, rows[j])) {
          rows[j + 1] = rows[j];
          j--;
        }
        rows[j + 1] = r;
      }
    } else {
      rows.subarray(lo, hi).sort(compare);
    }
  }

  let count = 0;
  for (let k = 0; k < n; k++) {
    if (k === 0 || user[rows[k]] !== user[rows[k - 1]] || conversionId[rows[k]] !== conversionId[rows[k - 1]]) count++;
  }

  const offsets = new Uint32Array(count + 1);
  const journeyUser = new Uint32Array(count);
  const journeyConversion = new Int32Array(count);
  const converted = new Uint8Array(count);
  let j = -1;
  for (let k = 0; k < n; k++) {
    const r = rows[k];
    if (k === 0 || user[r] !== user[rows[k - 1]] || conversionId[r] !== conversionId[rows[k - 1]]) {
      j++;
      offsets[j] = k;
      journeyUser[j] = user[r];
      journeyConversion[j] = conversionId[r];
    }
    if (conversion[r]) converted[j] = 1;
  }
  offsets[count] = n;

  return { count, offsets, rows, user: journeyUser, conversionId: journeyConversion, converted };
}
