/**
 * The fused Criteo scanner (criteo.ts) against an oracle written with
 * split('\t') and Number(): dense ids in order of first appearance, whichever
 * path (fast, careful) each line took and however the rows fall into chunks
 * and id-numbering batches.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CRITEO_COLUMNS, type EventTable } from '../table';
import { NumericIdTable } from './id-table';
import { ingest } from './index';
import { criteoText, every, fileOf } from './test-files';
import type { InputFile } from './types';

async function load(file: InputFile): Promise<EventTable> {
  const result = await ingest(file);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.table;
}

const at = (column: string) => CRITEO_COLUMNS.indexOf(column as (typeof CRITEO_COLUMNS)[number]);

/** Dense index per row and the text of each id at its first appearance, keyed by value (quotes and blanks stripped). */
function oracle(lines: string[][], column: string): { index: number[]; texts: string[] } {
  const seen = new Map<number, number>();
  const texts: string[] = [];
  const index = lines.map((fields) => {
    const text = fields[at(column)].trim().replace(/^"(.*)"$/, '$1');
    const key = Number(text);
    let i = seen.get(key);
    if (i === undefined) {
      i = seen.size;
      seen.set(key, i);
      texts.push(text);
    }
    return i;
  });
  return { index, texts };
}

function dataLines(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.replace(/\r$/, '').split('\t'));
}

/** Criteo text with `edit` applied to the fields of each data line (0-based row). */
function edited(rows: number, edit: (fields: string[], row: number) => void): string {
  const lines = criteoText(rows).trimEnd().split('\n');
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i].split('\t');
    edit(fields, i - 1);
    lines[i] = fields.join('\t');
  }
  return lines.join('\n') + '\n';
}

function expectIdsMatch(t: EventTable, text: string): void {
  const lines = dataLines(text);
  expect(t.rowCount).toBe(lines.length);
  const users = oracle(lines, 'uid');
  expect(Array.from(t.user)).toEqual(users.index);
  expect(t.userCount).toBe(users.texts.length);
  const campaigns = oracle(lines, 'campaign');
  expect(Array.from(t.campaign)).toEqual(campaigns.index);
  expect(t.campaignIds).toEqual(campaigns.texts);
  t.categoryNames.forEach((name, k) => {
    const categories = oracle(lines, name);
    expect(Array.from(t.categories[k])).toEqual(categories.index);
    expect(t.categoryIds[k]).toEqual(categories.texts);
  });
}

describe('fused Criteo scanner', () => {
  it.each<[string, (fields: string[], row: number) => void]>([
    ['plain ids only', () => undefined],
    ['an id with leading zeros first', (f, r) => r === 0 && (f[at('campaign')] = '0' + f[at('campaign')])],
    ['an id with leading zeros later', (f, r) => r === 7 && (f[at('campaign')] = '00' + f[at('campaign')])],
    ['quoted ids', (f, r) => r % 3 === 1 && (f[at('cat2')] = `"${f[at('cat2')]}"`)],
    ['ids written as decimals and exponents', (f, r) => r % 4 === 2 && (f[at('cat9')] = `${f[at('cat9')]}.0`)],
    ['ids past 32 bits', (f, r) => r % 5 === 0 && (f[at('uid')] = String(2 ** 33 + r))],
    ['negative ids', (f, r) => r % 6 === 0 && (f[at('cat4')] = String(-1 - (r % 4)))],
    ['ids 4294967295 and 0', (f, r) => (f[at('cat1')] = r % 2 ? '4294967295' : '0')],
    ['CRLF line ends', (f) => (f[f.length - 1] += '\r')],
    ['costs in every form', (f, r) => (f[at('cost')] = ['1e-05', '0.5', '-2', '3E2', '+1', '.25', '7.'][r % 7])],
  ])('numbers ids like the oracle with %s', async (_name, edit) => {
    const text = edited(60, edit);
    const t = await load(fileOf(text, 'a.tsv', { cuts: every(97, text.length) }));
    expect(t.skipped.count).toBe(0);
    expectIdsMatch(t, text);
    const lines = dataLines(text);
    lines.forEach((fields, i) => expect(t.cost[i]).toBe(Math.fround(Number(fields[at('cost')]))));
  });

  it.each([
    ['pre-sized columns, one chunk', true],
    ['growing chunks (a gzip of unknown size)', false],
  ])('numbers ids across chunks and batches: %s', async (_name, sliceable) => {
    // Over 65 536 rows: more than one id-numbering batch; without a size, chunks of 16 Ki, 32 Ki, ... rows.
    const text = edited(70_000, (f, r) => {
      f[at('uid')] = String((r * 7919) % 50_021);
      f[at('cat7')] = String((r * 31) % 4099);
      if (r === 40_000) f[at('campaign')] = '"999"';
      if (r === 40_001) f[at('campaign')] = '999';
    });
    // A gzip that cannot be sliced has no trailer to read the text size from.
    const bytes = sliceable ? text : new Uint8Array(gzipSync(text));
    const t = await load(fileOf(bytes, 'a.tsv', { sliceable, cuts: every(1 << 16, bytes.length) }));
    expectIdsMatch(t, text);
    expect(t.campaign[40_000]).toBe(t.campaign[40_001]);
  });

  it.each([
    ['pre-sized columns, one chunk', true],
    ['growing chunks (a gzip of unknown size)', false],
  ])('keeps category columns as narrow as their values allow, widening without losing a value: %s', async (_name, sliceable) => {
    const text = edited(70_000, (f, r) => {
      // cat5: the 257th value first appears on row 1000, on the careful path (quoted).
      f[at('cat5')] = r < 1000 ? String(r % 256) : r === 1000 ? '"5000"' : String(r % 300);
      // cat7: 4 099 values, all on the fast path.
      f[at('cat7')] = String((r * 31) % 4099);
      // cat9: a new value on every row, 70 000 in all; the 65 537th (row 65 536) on the careful path.
      f[at('cat9')] = r === 65_536 ? `${r}.0` : String(r);
    });
    const bytes = sliceable ? text : new Uint8Array(gzipSync(text));
    const t = await load(fileOf(bytes, 'a.tsv', { sliceable, cuts: every(1 << 16, bytes.length) }));
    expect(t.skipped.count).toBe(0);
    expectIdsMatch(t, text);
    const type = (name: string) => t.categories[t.categoryNames.indexOf(name)].constructor;
    expect(type('cat1')).toBe(Uint8Array);
    expect(type('cat5')).toBe(Uint16Array);
    expect(type('cat7')).toBe(Uint16Array);
    expect(type('cat9')).toBe(Uint32Array);
    expect(t.categoryIds[t.categoryNames.indexOf('cat9')]).toHaveLength(70_000);
  });

  it('ends a small log with byte-wide category columns', async () => {
    const t = await load(fileOf(criteoText(500)));
    expect(t.categories).toHaveLength(9);
    for (const column of t.categories) expect(column).toBeInstanceOf(Uint8Array);
  });

  it('refuses a line over 1 MB that parses as numbers', async () => {
    const text = edited(3, (f, r) => r === 1 && (f[at('cpo')] = '1' + '0'.repeat(1_100_000)));
    const result = await ingest(fileOf(text));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toEqual({ code: 'line-too-long', message: expect.stringContaining('Line 3 is longer') });
  });
});

describe('NumericIdTable last-key cache', () => {
  it.each([
    [[5, 7, 5, 7, 7, 5]],
    [[1, 1, 2, 2, 1, 3, 3, 1]],
    [[-1, 0, -1, 0, 2 ** 40, 0, 2 ** 40]],
    [[0, 4294967295, 0, 4294967295]],
  ])('never returns a stale index for %j', (keys) => {
    const table = new NumericIdTable(16);
    const firstSeen = new Map<number, number>();
    for (const key of keys) {
      if (!firstSeen.has(key)) firstSeen.set(key, firstSeen.size);
      const isNew = table.size === firstSeen.size - 1;
      expect(table.indexOf(key)).toBe(firstSeen.get(key));
      expect(table.added).toBe(isNew);
    }
    expect(table.size).toBe(firstSeen.size);
  });

  it.each([
    ['uint32 ids', [7, 0, 4294967295, 7, 123_456], Uint32Array],
    ['a negative id among them', [7, -1, 4294967295], Float64Array],
    ['an id past 2^32 - 1', [7, 2 ** 32, 3], Float64Array],
    ['a fraction', [7, 1.5], Float64Array],
  ] as const)('reads the keys back by dense index, in the narrowest array (%s)', (_, keys, Type) => {
    const table = new NumericIdTable(16);
    for (const key of keys) table.indexOf(key);
    const out = table.keys();
    expect(out).toBeInstanceOf(Type);
    expect(Array.from(out)).toEqual([...new Set(keys)]);
  });

  it('keeps the cached key right across growth', () => {
    const table = new NumericIdTable(16);
    for (let k = 0; k < 1000; k++) {
      expect(table.indexOf(k * 65_536)).toBe(k);
      expect(table.indexOf(k * 65_536)).toBe(k);
      expect(table.indexOf(0)).toBe(0);
    }
    expect(table.size).toBe(1000);
  });
});
