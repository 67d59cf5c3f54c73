/**
 * Journeys in logs other than Criteo (data-and-method.md, "Journeys in other
 * logs"): conversion rows close a user's journey, the touchpoints of the
 * lookback window before a conversion belong to it, and whatever follows a
 * user's last conversion (or falls outside every window) is one unconverted
 * journey.
 */

export interface UserTimeline {
  /** Row indices grouped by user, in time order within a user. */
  order: Uint32Array;
  /** User u's rows are order[offsets[u] .. offsets[u+1]). */
  offsets: Uint32Array;
}

/**
 * Groups rows by user and orders each user's rows by time. Ties keep
 * touchpoints before conversion rows (a touchpoint at the very second of a
 * conversion led to it), then file order.
 */
export function userTimeline(user: Uint32Array, userCount: number, timestamp: Float64Array, isConversionRow?: Uint8Array): UserTimeline {
  const n = user.length;
  const offsets = new Uint32Array(userCount + 1);
  for (let i = 0; i < n; i++) offsets[user[i] + 1]++;
  for (let u = 0; u < userCount; u++) offsets[u + 1] += offsets[u];
  const next = offsets.slice(0, userCount);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[next[user[i]]++] = i;
  const conv = isConversionRow;
  const before = (a: number, b: number) =>
    timestamp[a] - timestamp[b] || (conv ? conv[a] - conv[b] : 0) || a - b;
  for (let u = 0; u < userCount; u++) {
    const from = offsets[u];
    const to = offsets[u + 1];
    let sorted = true;
    for (let k = from + 1; k < to && sorted; k++) sorted = before(order[k - 1], order[k]) < 0;
    if (!sorted) order.subarray(from, to).sort(before);
  }
  return { order, offsets };
}

/**
 * For each touchpoint row, the key of the conversion it led to, or -1. A
 * touchpoint belongs to the user's next conversion when that conversion is at
 * most `lookbackSeconds` later; conversion rows themselves get -1.
 */
export function assignConversions(
  timeline: UserTimeline,
  timestamp: Float64Array,
  isConversionRow: Uint8Array,
  conversionKey: Float64Array,
  lookbackSeconds: number,
): Float64Array {
  const { order, offsets } = timeline;
  const assigned = new Float64Array(timestamp.length).fill(-1);
  for (let u = 0; u + 1 < offsets.length; u++) {
    let nextTime = Infinity;
    let nextKey = -1;
    for (let k = offsets[u + 1]; k-- > offsets[u]; ) {
      const row = order[k];
      if (isConversionRow[row]) {
        nextTime = timestamp[row];
        nextKey = conversionKey[row];
      } else if (nextKey >= 0 && nextTime - timestamp[row] <= lookbackSeconds) {
        assigned[row] = nextKey;
      }
    }
  }
  return assigned;
}

/** Seconds since the user's previous click (Criteo's time_since_last_click), -1 when none. */
export function timeSinceLastClick(timeline: UserTimeline, timestamp: Float64Array, click: Uint8Array, isConversionRow?: Uint8Array): Float32Array {
  const { order, offsets } = timeline;
  const out = new Float32Array(timestamp.length).fill(-1);
  for (let u = 0; u + 1 < offsets.length; u++) {
    let lastClick = NaN;
    for (let k = offsets[u]; k < offsets[u + 1]; k++) {
      const row = order[k];
      if (isConversionRow && isConversionRow[row]) continue;
      if (lastClick === lastClick) out[row] = timestamp[row] - lastClick;
      if (click[row]) lastClick = timestamp[row];
    }
  }
  return out;
}
