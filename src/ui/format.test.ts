import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration, formatNumber, formatPercent, formatTimeSpan } from './format';

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [16468027, '16,468,027'],
    [1234.6, '1,235'],
    [Number.NaN, '–'],
  ])('%s -> %s', (value, expected) => expect(formatCount(value)).toBe(expected));
});

describe('formatPercent', () => {
  it.each([
    [0, '0.0%'],
    [0.0489, '4.9%'],
    [0.00489, '0.49%'],
    [1, '100.0%'],
  ])('%s -> %s', (value, expected) => expect(formatPercent(value)).toBe(expected));
});

describe('formatBytes', () => {
  it.each([
    [512, '512 B'],
    [1500, '1.5 KB'],
    [2_400_000_000, '2.4 GB'],
    [653_000_000, '653 MB'],
  ])('%s -> %s', (value, expected) => expect(formatBytes(value)).toBe(expected));
});

describe('formatDuration', () => {
  it.each([
    [30, '30 s'],
    [600, '10 min'],
    [7200 * 2, '4 h'],
    [2_678_400, '31 days'],
  ])('%s -> %s', (value, expected) => expect(formatDuration(value)).toBe(expected));
});

describe('formatTimeSpan', () => {
  it('shows Criteo offsets as seconds, not dates', () => {
    expect(formatTimeSpan({ start: 0, end: 2_678_400 })).toBe('31 days (seconds 0 to 2,678,400)');
  });
  it('shows epoch seconds as UTC dates', () => {
    expect(formatTimeSpan({ start: 1_700_000_000, end: 1_700_086_400 })).toBe(
      '24 h (2023-11-14 22:13 to 2023-11-15 22:13 UTC)',
    );
  });
  it('says when there are no events', () => expect(formatTimeSpan(null)).toBe('no events'));
});

describe('formatNumber', () => {
  it("writes exactly the digits asked for, in the runtime's locale", () => {
    const locale = new Intl.NumberFormat().resolvedOptions().locale;
    const decimal = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')!.value;
    expect(formatNumber(1234.5678, 2)).toBe(new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(1234.5678));
    expect(formatNumber(2, 1).split(decimal)[1]).toBe('0');
    expect(formatNumber(-0.25, 2)).toContain(`0${decimal}25`);
    expect(formatNumber(Number.POSITIVE_INFINITY, 1)).toBe('–');
  });
});
