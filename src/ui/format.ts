/**
 * Numbers and times as people read them, in the browser's locale (issue 14);
 * data attributes that tests read keep the raw numbers.
 */

const formats = new Map<number, Intl.NumberFormat>();

/** `value` with exactly `digits` decimals, grouped as the browser's locale groups; '–' when not finite. */
export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '–';
  let f = formats.get(digits);
  if (!f) formats.set(digits, (f = new Intl.NumberFormat(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits })));
  return f.format(value);
}

export function formatCount(value: number): string {
  return formatNumber(value, 0);
}

/** A share 0..1 as a percentage, with more digits for small shares (conversion rates are often below 1%). */
export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return '–';
  const pct = share * 100;
  const digits = pct !== 0 && Math.abs(pct) < 1 ? 2 : 1;
  return `${formatNumber(pct, digits)}%`;
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** A duration in seconds, in the largest unit that keeps it readable. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 120) return `${round1(seconds)} s`;
  if (seconds < 7200) return `${round1(seconds / 60)} min`;
  if (seconds < 172800) return `${round1(seconds / 3600)} h`;
  return `${round1(seconds / 86400)} days`;
}

/**
 * Criteo times count seconds from the log's start (0..~2.67 M); other logs
 * carry Unix epoch seconds. Below about a year of seconds there is no date to show.
 */
const EPOCH_THRESHOLD = 365 * 86400;

export function formatTimeSpan(span: { start: number; end: number } | null): string {
  if (!span) return 'no events';
  const length = formatDuration(span.end - span.start);
  if (span.start < EPOCH_THRESHOLD) return `${length} (seconds ${formatCount(span.start)} to ${formatCount(span.end)})`;
  return `${length} (${isoMinute(span.start)} to ${isoMinute(span.end)} UTC)`;
}

function isoMinute(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

function round1(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}
