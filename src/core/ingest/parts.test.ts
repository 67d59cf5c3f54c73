import { describe, expect, it } from 'vitest';
import { LineSplitter, scanNumber, scannedValue } from './bytes';
import { parseFlag, parseTimestamp } from './delimited';
import { IngestFailure } from './errors';
import { NumericIdTable } from './id-table';
import { userTimeline } from './journeys';
import { bytesOf } from './test-files';

describe('scanNumber', () => {
  it.each([
    ['0', 0],
    ['-1', -1],
    ['20073966', 20073966],
    ['1e-05', 1e-5],
    ['0.390793596019', 0.390793596019],
    ['+2.5E3', 2500],
    ['"42"', 42],
    ['.5', 0.5],
    ['9007199254740991', 9007199254740991],
  ])('reads %s as %d', (text, value) => {
    const bytes = bytesOf(text + '\t');
    const end = scanNumber(bytes, 0, bytes.length - 1);
    expect(end).toBe(text.length);
    expect(scannedValue).toBe(value);
  });

  it.each(['', '-', 'abc', '1e', '"12', 'e5'])('finds no number in %j', (text) => {
    const bytes = bytesOf(text);
    scanNumber(bytes, 0, bytes.length);
    expect(scannedValue).toBeNaN();
  });

  it('stops at the first byte that cannot continue a number', () => {
    const bytes = bytesOf('12x');
    expect(scanNumber(bytes, 0, 3)).toBe(2);
    expect(scannedValue).toBe(12);
  });
});

describe('LineSplitter', () => {
  const split = (chunks: string[], max?: number) => {
    const lines: [number, string][] = [];
    const s = new LineSplitter((buf, start, end, line) => lines.push([line, new TextDecoder().decode(buf.subarray(start, end))]), max);
    for (const c of chunks) s.push(bytesOf(c));
    s.end();
    return lines;
  };

  it.each([
    [['a\nb\n'], [[1, 'a'], [2, 'b']]],
    [['a', '\nb'], [[1, 'a'], [2, 'b']]],
    [['a\r', '\nb\r\n', '\r\n'], [[1, 'a'], [2, 'b'], [3, '']]],
    [['\uFEFFx\n'], [[1, 'x']]],
    [['lo', 'ng', ' line', '\n'], [[1, 'long line']]],
  ])('splits %j', (chunks, expected) => {
    expect(split(chunks)).toEqual(expected);
  });

  it('refuses a line over the cap, even when it arrives in small pieces', () => {
    expect(() => split(Array.from({ length: 20 }, () => 'xxxxxxxxxx'), 64)).toThrow(IngestFailure);
    expect(() => split(['y'.repeat(100) + '\n'], 64)).toThrow(/Line 1 is longer/);
  });
});

describe('NumericIdTable', () => {
  it('numbers keys densely in order of first appearance, through growth', () => {
    const table = new NumericIdTable(16);
    const keys = Array.from({ length: 50_000 }, (_, i) => (i * 2654435761) % 4294967291);
    keys.forEach((k, i) => {
      expect(table.indexOf(k)).toBe(i);
      expect(table.added).toBe(true);
    });
    keys.forEach((k, i) => {
      if (i % 997 === 0) {
        expect(table.indexOf(k)).toBe(i);
        expect(table.added).toBe(false);
      }
    });
    expect(table.size).toBe(keys.length);
  });

  it.each([[-1], [1.5], [2 ** 40], [4294967295]])('keeps the odd key %d apart', (key) => {
    const table = new NumericIdTable();
    expect(table.indexOf(7)).toBe(0);
    expect(table.indexOf(key)).toBe(1);
    expect(table.indexOf(key)).toBe(1);
    expect(table.indexOf(7)).toBe(0);
  });
});

describe('time and flag values', () => {
  it.each([
    ['2024-02-29T12:00:00', 'iso', 1709208000],
    ['2024/02/29 12:00', 'auto', 1709208000],
    ['2024-02-29T12:00:00-05:30', 'iso', 1709208000 + 5.5 * 3600],
    ['2023-02-29', 'iso', NaN],
    ['2024-13-01', 'auto', NaN],
    ['1709208000', 'iso', NaN],
    ['yesterday', 'auto', NaN],
    ['99999999999', 'auto', 99999999999],
    ['100000000000', 'auto', 100000000],
  ] as const)('reads %s (%s) as %d', (text, unit, seconds) => {
    expect(parseTimestamp(text, unit)).toBe(seconds);
  });

  it.each([
    ['1', 1], ['TRUE', 1], ['yes', 1], [' 0 ', 0], ['', 0], ['no', 0], ['2', -1], ['maybe', -1],
  ])('reads the flag %j as %d', (text, flag) => {
    expect(parseFlag(text)).toBe(flag);
  });
});

describe('userTimeline', () => {
  it('orders each user by time, touchpoints before a conversion at the same second, then file order', () => {
    const user = Uint32Array.from([1, 0, 1, 1, 0, 1]);
    const time = Float64Array.from([5, 3, 2, 5, 1, 5]);
    const conv = Uint8Array.from([1, 0, 0, 0, 0, 0]);
    const { order, offsets } = userTimeline(user, 2, time, conv);
    expect(Array.from(offsets)).toEqual([0, 2, 6]);
    expect(Array.from(order)).toEqual([4, 1, 2, 3, 5, 0]);
  });
});
