import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { tableByteLength, type EventTable } from '../table';
import { ingest, previewFile } from './index';
import { CRITEO_HEADER, SAMPLE_LINE, bytesOf, criteoText, every, fileOf } from './test-files';
import type { ColumnMapping, IngestErrorCode, IngestOptions, InputFile } from './types';

async function load(file: InputFile, options?: IngestOptions): Promise<EventTable> {
  const result = await ingest(file, options);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.table;
}

/** The parts of a table that must not depend on how the bytes arrived. */
function content(t: EventTable) {
  const { source, ...rest } = t;
  void source;
  return JSON.parse(JSON.stringify(rest, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v)));
}

/** Criteo text with one field of one line (1 = header) replaced. */
function withField(text: string, line: number, column: string, value: string): string {
  const lines = text.split('\n');
  const at = lines[0].split('\t').indexOf(column);
  const fields = lines[line - 1].split('\t');
  fields[at] = value;
  lines[line - 1] = fields.join('\t');
  return lines.join('\n');
}

const MAPPING: ColumnMapping = { user: 'user', timestamp: 'time', timestampUnit: 'auto', campaign: 'channel', conversion: 'converted' };

const enormous = 'a'.repeat(1_200_000);
const truncatedGzip = (() => {
  const gz = gzipSync(Buffer.from(criteoText(200)));
  return new Uint8Array(gz.subarray(0, Math.floor(gz.length / 2)));
})();
const binary = Uint8Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256);

describe('ingest rejects bad input with a code and one plain line', () => {
  it.each<[string, Uint8Array | string, string, IngestOptions | undefined, IngestErrorCode, string | RegExp]>([
    ['an empty file', '', 'a.tsv', undefined, 'empty', 'The file is empty.'],
    ['a file of blank lines', '\n\r\n  \n', 'a.tsv', undefined, 'empty', 'empty'],
    ['a huge blank file', ' '.repeat(2_200_000), 'a.tsv', undefined, 'line-too-long', 'blank space'],
    ['a header without rows', CRITEO_HEADER + '\n', 'a.tsv', undefined, 'header-only', 'no data rows'],
    ['a header without rows or newline', 'user,time,channel,converted', 'a.csv', { mapping: MAPPING }, 'header-only', 'no data rows'],
    ['a Criteo header missing columns', CRITEO_HEADER.replace('\tcost\tcpo', '') + '\n1\t2\n', 'a.tsv', undefined, 'missing-columns', /^Missing columns: cost, cpo\. Found: timestamp, uid, campaign/],
    ['a mapping naming absent columns', 'user,time,channel\nu,1,x\n', 'a.csv', { mapping: { ...MAPPING, conversionId: 'order_id' } }, 'missing-columns', 'Missing columns: converted, order_id. Found: user, time, channel.'],
    ['repeated column names', 'user,time,user,channel\nu,1,u,x\n', 'a.csv', { mapping: MAPPING }, 'duplicate-columns', "Column names repeat in the header: user."],
    ['a header of one column', 'timestamp uid campaign\n1 2 3\n', 'a.tsv', undefined, 'wrong-delimiter', 'single column'],
    ['each line wrapped in quotes', '"timestamp,uid,campaign"\n"1,2,3"\n', 'a.csv', undefined, 'wrong-delimiter', 'one quoted cell'],
    ['a tab header over comma rows', 'user\ttime\tchannel\tconverted\nu,1,x,0\n', 'a.tsv', { mapping: MAPPING }, 'wrong-delimiter', 'separated by tabs but line 2 by commas'],
    ['a word in a numeric column', withField(criteoText(3), 3, 'cost', 'abc'), 'a.tsv', undefined, 'bad-value', "Line 3, column 'cost': 'abc' is not a number. 1 of 3 rows"],
    ['a word in a column that is checked but not kept', withField(criteoText(3), 3, 'cpo', 'abc'), 'a.tsv', undefined, 'bad-value', "Line 3, column 'cpo': 'abc' is not a number. 1 of 3 rows"],
    ['an empty id', withField(criteoText(2), 2, 'uid', ''), 'a.tsv', undefined, 'bad-value', /^Line 2, column 'uid': is empty\. 1 of 2 rows/],
    ['a fractional user id', withField(criteoText(2), 2, 'uid', '1000.5'), 'a.tsv', undefined, 'bad-value', "column 'uid': '1000.5' is not a whole number"],
    ['a flag that is not 0 or 1', withField(criteoText(2), 2, 'conversion', '2'), 'a.tsv', undefined, 'bad-value', "column 'conversion': '2' is not 0 or 1"],
    ['ragged rows', criteoText(4).replace(/\n(\d+\t\d+\t\d+)\t.*\n/, '\n$1\n'), 'a.tsv', undefined, 'too-many-bad-rows', 'Line 2 has 3 fields; the header has 22. 1 of 4 rows'],
    ['a text time in a mapped log', 'user,time,channel,converted\nu,soon,x,0\nu,2,y,1\n', 'a.csv', { mapping: MAPPING }, 'bad-value', "Line 2, column 'time': 'soon' is not a date or an epoch time."],
    ['a truncated gzip', truncatedGzip, 'a.tsv.gz', undefined, 'truncated-gzip', 'ends too early'],
    ['a zip without a table', zipSync({ 'photo.png': new Uint8Array([1, 2, 3]), 'notes.md': bytesOf('hi') }), 'a.zip', undefined, 'zip-no-table', 'photo.png, notes.md'],
    ['an Excel workbook', zipSync({ '[Content_Types].xml': bytesOf('<x/>'), 'xl/workbook.xml': bytesOf('<w/>') }), 'a.xlsx', undefined, 'zip-no-table', 'Excel workbook'],
    ['binary data saved as .tsv', binary, 'a.tsv', undefined, 'binary', 'binary data'],
    ['a PDF', '%PDF-1.7\n1 0 obj\n', 'a.tsv', undefined, 'binary', 'PDF'],
    ['UTF-16 text', new Uint8Array([0xff, 0xfe, 0x61, 0x00, 0x2c, 0x00]), 'a.csv', undefined, 'binary', 'UTF-16'],
    ['an HTML page saved as .tsv', '\n<!DOCTYPE html>\n<html><head><title>Kaggle</title></head></html>\n', 'a.tsv', undefined, 'html', 'web page (HTML)'],
    ['one enormous line', enormous, 'a.tsv', undefined, 'line-too-long', 'Line 1 is longer than 1024 KB'],
    ['an enormous line among rows', criteoText(3).replace(/\n(.*)\n/, `\n${enormous}\n`), 'a.tsv', undefined, 'line-too-long', 'Line 2 is longer'],
    ['an unclosed quote in a CSV', `user,time,channel,converted\nu,1,"x${'y'.repeat(1_100_000)}\n`, 'a.csv', { mapping: MAPPING }, 'line-too-long', 'a quote is never closed'],
    ['another log without a mapping', 'user,time,channel,converted\nu,1,x,0\n', 'a.csv', undefined, 'needs-mapping', 'This is not the Criteo log'],
    ['a mapping without conversions', 'user,time,channel\nu,1,x\n', 'a.csv', { mapping: { user: 'user', timestamp: 'time', timestampUnit: 'auto', campaign: 'channel' } }, 'bad-mapping', 'Choose how conversions are marked'],
    ['a mapping using one column twice', 'user,time,channel,converted\nu,1,x,0\n', 'a.csv', { mapping: { ...MAPPING, timestamp: 'user' } }, 'bad-mapping', 'three different columns'],
    ['a mapping naming an absent value column', 'user,time,channel,converted\nu,1,x,0\n', 'a.csv', { mapping: { ...MAPPING, value: 'revenue', userAttributes: ['country'] } }, 'missing-columns', 'Missing columns: revenue, country. Found: user, time, channel, converted.'],
    ['a mapping giving one column two roles', 'user,time,channel,converted\nu,1,x,0\n', 'a.csv', { mapping: { ...MAPPING, channel: 'converted' } }, 'bad-mapping', "Column 'converted' is chosen for two roles, the conversion flag and the channel"],
    ['ISO times mapped as seconds', 'user,time,channel,converted\nu,2024-01-01T10:00:00Z,x,0\n', 'a.csv', { mapping: { ...MAPPING, timestampUnit: 'seconds' } }, 'bad-mapping', "The time column 'time' holds ISO dates ('2024-01-01T10:00:00Z'), not Unix seconds: choose the time unit ISO dates."],
    ['epoch times mapped as ISO', 'user,time,channel,converted\nu,,x,0\nu,1704067200123,x,0\n', 'a.csv', { mapping: { ...MAPPING, timestampUnit: 'iso' } }, 'bad-mapping', "The time column 'time' holds Unix milliseconds ('1704067200123'), not ISO dates"],
    ['a mapping with a negative lookback', 'user,time,channel,converted\nu,1,x,0\n', 'a.csv', { mapping: { ...MAPPING, lookbackDays: -1 } }, 'bad-mapping', 'lookback'],
  ])('%s', async (_name, content, name, options, code, message) => {
    const result = await ingest(fileOf(content, name), options);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    if (typeof message === 'string') expect(result.error.message).toContain(message);
    else expect(result.error.message).toMatch(message);
    expect(result.error.message).not.toContain('\n');
    expect(result.error.message).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('Criteo rows', () => {
  it('reads the sample line of data-and-method.md', async () => {
    const t = await load(fileOf(`${CRITEO_HEADER}\n${SAMPLE_LINE}\n`));
    expect(t.rowCount).toBe(1);
    expect(t.source.format).toBe('criteo');
    expect(t.timestamp[0]).toBe(0);
    expect(t.userCount).toBe(1);
    expect(t.campaignIds).toEqual(['22589171']);
    expect([t.conversion[0], t.conversionId[0], t.conversionCount, t.click[0]]).toEqual([0, -1, 0, 0]);
    expect(t.cost[0]).toBe(Math.fround(1e-5));
    expect(t.timeSinceLastClick[0]).toBe(-1);
    // attribution, click_pos, click_nb, cpo and conversion_timestamp are checked but not kept.
    expect(Object.keys(t).filter((k) => /attribution|click_?pos|click_?nb|cpo|extras|conversion_?timestamp/i.test(k))).toEqual([]);
    expect(t.categoryNames).toEqual(['cat1', 'cat2', 'cat3', 'cat4', 'cat5', 'cat6', 'cat7', 'cat8', 'cat9']);
    expect(t.categoryIds.map((ids) => ids[0])).toEqual(['5824233', '9312274', '3490278', '29196072', '11409686', '1973606', '25162884', '29196072', '29196072']);
    expect(t.hasCost).toBe(true);
  });

  it('gives dense ids in order of first appearance', async () => {
    const t = await load(fileOf(criteoText(40)));
    expect(t.rowCount).toBe(40);
    expect(t.userCount).toBe(13);
    expect(t.user[0]).toBe(0);
    expect(Math.max(...t.user)).toBe(12);
    expect(t.campaignIds).toEqual(['500', '501', '502', '503', '504']);
    for (let i = 0; i < t.rowCount; i++) {
      expect(t.conversionId[i] >= 0).toBe(t.conversion[i] === 1);
      expect(t.campaignIds[t.campaign[i]]).toBe(String(500 + (i % 5)));
    }
    expect(t.conversionCount).toBe(new Set([...t.conversionId].filter((c) => c >= 0)).size);
  });

  it('finds columns by name, not by position, and ignores extra columns', async () => {
    const text = criteoText(12);
    const rows = text.trim().split('\n').map((l) => l.split('\t'));
    const order = rows[0].map((_, i) => i).reverse();
    const shuffled = rows.map((r, k) => [...order.map((i) => r[i]), k === 0 ? 'note' : 'x y'].join('\t')).join('\n');
    expect(content(await load(fileOf(shuffled)))).toEqual(content(await load(fileOf(text))));
  });

  it.each([
    ['commas', { delimiter: ',' }],
    ['semicolons', { delimiter: ';' }],
    ['CRLF line ends', { newline: '\r\n' }],
  ])('reads a Criteo file saved with %s', async (_name, format) => {
    const reference = content(await load(fileOf(criteoText(30))));
    expect(content(await load(fileOf(criteoText(30, format), 'x.csv')))).toEqual(reference);
  });

  it('reads a Criteo CSV with every field in quotes', async () => {
    const reference = content(await load(fileOf(criteoText(8))));
    const quoted = criteoText(8, { delimiter: ',' })
      .trimEnd()
      .split('\n')
      .map((l) => l.split(',').map((f) => `"${f}"`).join(','))
      .join('\n');
    expect(content(await load(fileOf(quoted, 'q.csv')))).toEqual(reference);
  });

  it('accepts a UTF-8 BOM and a missing final newline', async () => {
    const reference = content(await load(fileOf(criteoText(9))));
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytesOf(criteoText(9).trimEnd())]);
    expect(content(await load(fileOf(bom)))).toEqual(reference);
  });

  it('skips a few bad rows, keeps examples and counts them', async () => {
    const lines = criteoText(1500).split('\n');
    lines[5] = lines[5].replace(/\t[^\t]*$/, '\toops');
    lines[900] = lines[900].split('\t').slice(0, 4).join('\t');
    const t = await load(fileOf(lines.join('\n')));
    expect(t.rowCount).toBe(1498);
    expect(t.skipped.count).toBe(2);
    expect(t.skipped.examples).toEqual([
      { line: 6, reason: "Line 6, column 'cat9': 'oops' is not a whole number." },
      { line: 901, reason: 'Line 901 has 4 fields; the header has 22.' },
    ]);
  });

  it.each([0.01, 0.05])('stops once the share of bad rows passes %s', async (share) => {
    const lines = criteoText(2000).split('\n');
    const badEvery = Math.floor(0.5 / share);
    for (let i = 1; i < lines.length - 1; i += badEvery) lines[i] = '1\t2\t3';
    const result = await ingest(fileOf(lines.join('\n')), { maxBadRowShare: share / 4 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('too-many-bad-rows');
    expect((await ingest(fileOf(lines.join('\n')), { maxBadRowShare: share * 4 })).ok).toBe(true);
  });

  it('keeps to 40 bytes a row or less', async () => {
    // 32 bytes a row here (Uint32 times, narrow campaign and category columns, no Criteo extras); 56 before those.
    const t = await load(fileOf(criteoText(3000)));
    expect(tableByteLength(t) / t.rowCount).toBeLessThanOrEqual(40);
  });
});

/** criteoText(rows) with column `column` of data row i (0-based) set to value(i). */
function withColumn(rows: number, column: string, value: (i: number) => string | number): string {
  const lines = criteoText(rows).split('\n');
  const at = lines[0].split('\t').indexOf(column);
  for (let i = 1; i <= rows; i++) {
    const fields = lines[i].split('\t');
    fields[at] = String(value(i - 1));
    lines[i] = fields.join('\t');
  }
  return lines.join('\n');
}

describe('narrow Criteo columns', () => {
  it('keep whole-second timestamps in 0..2^32-1 as Uint32, to the last second that fits', async () => {
    const t = await load(fileOf(withColumn(50, 'timestamp', (i) => (i === 49 ? 2 ** 32 - 1 : i * 61))));
    expect(t.timestamp).toBeInstanceOf(Uint32Array);
    expect(Array.from(t.timestamp)).toEqual(Array.from({ length: 50 }, (_, i) => (i === 49 ? 2 ** 32 - 1 : i * 61)));
  });

  it.each([
    ['a fraction of a second', 1234.5],
    ['a second past 2^32 - 1', 2 ** 32],
    ['a negative time', -60],
  ])('widen the timestamps to Float64, earlier rows included, at %s', async (_, odd) => {
    const times = Array.from({ length: 3000 }, (_, i) => (i === 2500 ? odd : i * 37));
    // Cut into small pieces: the odd value comes long after the first rows were stored.
    const text = withColumn(3000, 'timestamp', (i) => times[i]);
    const t = await load(fileOf(text, 'data.tsv', { cuts: every(4096, text.length) }));
    expect(t.timestamp).toBeInstanceOf(Float64Array);
    expect(Array.from(t.timestamp)).toEqual(times);
  });

  it.each([
    [5, Uint8Array],
    [256, Uint8Array],
    [257, Uint16Array],
    [65_536, Uint16Array],
    [65_537, Uint32Array],
  ] as const)('store %i campaigns in a %o column, each row pointing at its own id', async (campaigns, Type) => {
    const rows = Math.max(campaigns, 600);
    const id = (i: number) => 900_000 + ((i * 7) % campaigns);
    const t = await load(fileOf(withColumn(rows, 'campaign', id)));
    expect(t.campaignIds).toHaveLength(campaigns);
    expect(t.campaign).toBeInstanceOf(Type);
    for (let i = 0; i < rows; i++) if (t.campaignIds[t.campaign[i]] !== String(id(i))) expect([i, t.campaignIds[t.campaign[i]]]).toEqual([i, String(id(i))]);
  });

  it('widen the campaign column when the careful path meets the 257th campaign', async () => {
    // Row 300's id is written with a leading zero: the fast path hands it to the careful path, which numbers it at once.
    const text = withField(withColumn(400, 'campaign', (i) => 5000 + (i % 256)), 302, 'campaign', '0042');
    const t = await load(fileOf(text));
    expect(t.campaign).toBeInstanceOf(Uint16Array);
    expect(t.campaignIds[t.campaign[300]]).toBe('0042');
    expect(t.campaign[300]).toBe(256);
    expect(t.campaignIds[t.campaign[301]]).toBe(String(5000 + (301 % 256)));
  });
});

describe('chunk boundaries', () => {
  const criteo = bytesOf(criteoText(6, { newline: '\r\n' }).replace(/^/, '\uFEFF'));
  const csv = bytesOf(
    'user,time,channel,converted,note\r\n' +
      'u1,2024-01-01T00:00:00,"Search, paid",0,"say ""hi"""\r\n' +
      'u2,1704067260000,Email,yes,"two\nlines"\r\n' +
      'u1,1704067320,"Search, paid",1,\r\n',
  );

  it('gives the same Criteo table whatever byte the stream is cut at', async () => {
    const reference = content(await load(fileOf(criteo)));
    expect(reference.rowCount).toBe(6);
    for (let cut = 1; cut < criteo.length; cut++) {
      expect(content(await load(fileOf(criteo, 'a.tsv', { cuts: [cut] })))).toEqual(reference);
    }
    expect(content(await load(fileOf(criteo, 'a.tsv', { cuts: every(1, criteo.length) })))).toEqual(reference);
    expect(content(await load(fileOf(criteo, 'a.tsv', { cuts: every(7, criteo.length) })))).toEqual(reference);
  });

  it('gives the same quoted CSV table whatever byte the stream is cut at', async () => {
    const reference = content(await load(fileOf(csv, 'a.csv'), { mapping: MAPPING }));
    expect(reference.rowCount).toBe(3);
    for (let cut = 1; cut < csv.length; cut++) {
      expect(content(await load(fileOf(csv, 'a.csv', { cuts: [cut] }), { mapping: MAPPING }))).toEqual(reference);
    }
    expect(content(await load(fileOf(csv, 'a.csv', { cuts: every(1, csv.length) }), { mapping: MAPPING }))).toEqual(reference);
  });
});

describe('compressed files', () => {
  const text = criteoText(300);

  it('reads .tsv.gz, told by its magic bytes whatever the name', async () => {
    const reference = content(await load(fileOf(text)));
    const gz = new Uint8Array(gzipSync(Buffer.from(text)));
    const fromGz = await load(fileOf(gz, 'log.tsv.gz', { cuts: every(100, gz.length) }));
    expect(content(fromGz)).toEqual(reference);
    expect(fromGz.source.textBytes).toBe(bytesOf(text).length);
    expect(content(await load(fileOf(gz, 'log.tsv')))).toEqual(reference);
  });

  it.each([
    ['deflated', 6, true],
    ['stored', 0, true],
  ] as const)('takes the largest table out of a %s zip', async (_name, level, sliceable) => {
    const reference = content(await load(fileOf(text)));
    const zip = zipSync(
      { 'readme.txt': bytesOf('small'), 'data/log.tsv': bytesOf(text), 'image.png': new Uint8Array(10) },
      { level },
    );
    const t = await load(fileOf(zip, 'criteo.zip', { sliceable, cuts: every(333, zip.length) }));
    expect(content(t)).toEqual(reference);
    expect(t.source.notes).toContain('Took data/log.tsv from criteo.zip.');
    expect(t.source.name).toBe('criteo.zip (data/log.tsv)');
  });

  it('reads a zip without slicing when the table is the first entry', async () => {
    const reference = content(await load(fileOf(text)));
    const zip = zipSync({ 'log.tsv': bytesOf(text), 'readme.txt': bytesOf('x') });
    const t = await load(fileOf(zip, 'criteo.zip', { sliceable: false, cuts: every(50, zip.length) }));
    expect(content(t)).toEqual(reference);
    expect(t.source.notes).toEqual(['Took log.tsv from criteo.zip.']);
  });

  it('reads a .tsv.gz inside a zip', async () => {
    const reference = content(await load(fileOf(text)));
    const zip = zipSync({ 'log.tsv.gz': [new Uint8Array(gzipSync(Buffer.from(text))), { level: 0 }] });
    expect(content(await load(fileOf(zip, 'a.zip')))).toEqual(reference);
  });

  it('previews the table inside a zip', async () => {
    const zip = zipSync({ 'log.tsv': bytesOf(text) });
    const result = await previewFile(fileOf(zip, 'a.zip'), 3);
    expect(result.ok && result.preview.innerName).toBe('log.tsv');
    expect(result.ok && result.preview.rows.length).toBe(3);
  });
});

describe('other logs through a column mapping', () => {
  it('reads quoted CSV fields with delimiters, quotes and line breaks', async () => {
    const csv = 'user,time,channel,converted,cost\n"u,1",1,"Search ""brand""",0,1.5\nu2,2,"Email\nweekly",1,\n';
    const t = await load(fileOf(csv, 'a.csv'), { mapping: { ...MAPPING, cost: 'cost' } });
    expect(t.source.format).toBe('delimited');
    expect(t.campaignIds).toEqual(['Search "brand"', 'Email\nweekly']);
    expect(Array.from(t.cost)).toEqual([1.5, 0]);
    expect(t.hasCost).toBe(true);
    expect(t.categories).toEqual([]);
  });

  it.each([
    ['2024-01-01T00:00:00', 1704067200],
    ['2024-01-01 00:00', 1704067200],
    ['2024-01-01', 1704067200],
    ['2024-01-01T02:00:00+02:00', 1704067200],
    ['2024-01-01T00:00:00.500Z', 1704067200.5],
    ['1704067200', 1704067200],
    ['1704067200000', 1704067200],
    ['1704067200500', 1704067200.5],
  ])('reads the time %s as %d epoch seconds (ISO without offset = UTC)', async (time, seconds) => {
    const t = await load(fileOf(`user,time,channel,converted\nu,${time},x,0\n`, 'a.csv'), { mapping: MAPPING });
    expect(t.timestamp[0]).toBe(seconds);
  });

  it.each([
    ['seconds', '1704067200000', 1704067200000],
    ['milliseconds', '1704067200', 1704067.2],
  ] as const)('keeps a unit chosen as %s', async (unit, time, seconds) => {
    const t = await load(fileOf(`user,time,channel,converted\nu,${time},x,0\n`, 'a.csv'), { mapping: { ...MAPPING, timestampUnit: unit } });
    expect(t.timestamp[0]).toBe(seconds);
  });

  it('forms journeys from conversion rows with a lookback window', async () => {
    const day = 86_400;
    // user a: touchpoints on days 0 (outside 30-day window), 40, 45, purchase day 50, touchpoint day 55, purchase day 60, touchpoint day 70.
    // user b: touchpoint at the very second of its purchase, then nothing.
    const rows = [
      ['a', 0, 'old', 'view'],
      ['a', 40 * day, 'x', 'view'],
      ['b', 10 * day, 'y', 'view'],
      ['a', 50 * day, '', 'purchase'],
      ['a', 45 * day, 'y', 'view'],
      ['a', 55 * day, 'x', 'click'],
      ['a', 60 * day, '', 'Purchase'],
      ['a', 70 * day, 'z', 'view'],
      ['b', 10 * day, '', 'purchase'],
    ];
    const csv = 'user,ts,channel,event\n' + rows.map((r) => r.join(',')).join('\n') + '\n';
    const mapping: ColumnMapping = { user: 'user', timestamp: 'ts', timestampUnit: 'seconds', campaign: 'channel', conversionEvent: { column: 'event', value: 'purchase' } };
    const t = await load(fileOf(csv, 'a.csv'), { mapping });
    expect(t.rowCount).toBe(6);
    expect(Array.from(t.timestamp)).toEqual([0, 40 * day, 10 * day, 45 * day, 55 * day, 70 * day]);
    expect(Array.from(t.conversion)).toEqual([0, 1, 1, 1, 1, 0]);
    // Dense ids in file order: a's first purchase is 0, b's is 1, a's second is 2.
    expect(Array.from(t.conversionId)).toEqual([-1, 0, 1, 0, 2, -1]);
    expect(t.conversionCount).toBe(3);
    expect(t.campaignIds).toEqual(['old', 'x', 'y', 'z']);
    expect(t.userCount).toBe(2);
    const short = await load(fileOf(csv, 'a.csv'), { mapping: { ...mapping, lookbackDays: 7 } });
    expect(Array.from(short.conversionId)).toEqual([-1, -1, 0, 1, 2, -1]);
  });

  it("reads each conversion's value: from its conversion row, or the largest on its touchpoints; no values without the column", async () => {
    const rows = [
      ['a', 1, 'x', 'view', ''],
      ['a', 2, '', 'purchase', '120.5'],
      ['b', 3, 'y', 'view', ''],
      ['b', 4, '', 'purchase', '30'],
    ];
    const csv = 'user,ts,channel,event,revenue\n' + rows.map((r) => r.join(',')).join('\n') + '\n';
    const mapping: ColumnMapping = { user: 'user', timestamp: 'ts', timestampUnit: 'seconds', campaign: 'channel', conversionEvent: { column: 'event', value: 'purchase' }, value: 'revenue' };
    const t = await load(fileOf(csv, 'a.csv'), { mapping });
    expect(Array.from(t.conversionId)).toEqual([0, 1]);
    expect(Array.from(t.conversionValues!)).toEqual([120.5, 30]);
    const { value: _value, ...without } = mapping;
    expect((await load(fileOf(csv, 'a.csv'), { mapping: without })).conversionValues).toBeUndefined();

    const flagged = 'user,time,channel,order_id,revenue\na,1,x,o1,5\na,2,y,o1,7\nb,3,x,,\n';
    const f = await load(fileOf(flagged, 'a.csv'), { mapping: { user: 'user', timestamp: 'time', timestampUnit: 'auto', campaign: 'channel', conversionId: 'order_id', value: 'revenue' } });
    expect(Array.from(f.conversionValues!)).toEqual([7]);
    const bad = await ingest(fileOf('user,time,channel,order_id,revenue\na,1,x,o1,-5\n', 'a.csv'), {
      mapping: { user: 'user', timestamp: 'time', timestampUnit: 'auto', campaign: 'channel', conversionId: 'order_id', value: 'revenue' },
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toContain("column 'revenue': '-5' is not a number of 0 or more");
  });

  it('maps a conversion id on touchpoint rows directly', async () => {
    const csv = 'user,time,channel,order_id\na,1,x,\na,2,y,o1\nb,3,x,o2\na,4,x,o1\nb,5,y,-1\n';
    const t = await load(fileOf(csv, 'a.csv'), { mapping: { user: 'user', timestamp: 'time', timestampUnit: 'auto', campaign: 'channel', conversionId: 'order_id' } });
    expect(Array.from(t.conversion)).toEqual([0, 1, 1, 1, 0]);
    expect(Array.from(t.conversionId)).toEqual([-1, 0, 1, 0, -1]);
  });

  it.each([
    ['every row a touchpoint', false],
    ['conversion rows dropped from the table', true],
  ])('keeps mapped category columns as narrow as their values allow, widening without losing a value: %s', async (_name, withConversionRows) => {
    const n = 70_000;
    const lines: string[] = [];
    const expected: Record<string, string[]> = { small: [], mid: [], wide: [] };
    for (let i = 0; i < n; i++) {
      const values = { small: `s${i % 7}`, mid: `m${(i * 31) % 300}`, wide: `w${i}` };
      const purchase = withConversionRows && i % 10 === 9;
      lines.push(`u${i % 1000},${i},c${i % 5},${purchase ? 'purchase' : 'view'},${values.small},${values.mid},${values.wide}`);
      if (!purchase) for (const k of ['small', 'mid', 'wide'] as const) expected[k].push(values[k]);
    }
    const csv = 'user,ts,channel,event,small,mid,wide\n' + lines.join('\n') + '\n';
    const mapping: ColumnMapping = {
      user: 'user',
      timestamp: 'ts',
      timestampUnit: 'seconds',
      campaign: 'channel',
      conversionEvent: { column: 'event', value: 'purchase' },
      categories: ['small', 'mid', 'wide'],
    };
    const t = await load(fileOf(csv, 'a.csv', { cuts: every(1 << 16, csv.length) }), { mapping });
    expect(t.rowCount).toBe(expected.small.length);
    expect(t.categoryNames).toEqual(['small', 'mid', 'wide']);
    expect(t.categories.map((c) => c.constructor)).toEqual([Uint8Array, Uint16Array, Uint32Array]);
    t.categoryNames.forEach((name, k) => {
      expect(Array.from(t.categories[k], (v) => t.categoryIds[k][v])).toEqual(expected[name]);
    });
  });

  it('gives each user one converted journey from a flag alone, and times since the last click', async () => {
    const csv = 'user,time,channel,converted,clicked\na,10,x,1,1\nb,20,x,0,0\na,30,y,true,no\na,5,y,0,yes\n';
    const t = await load(fileOf(csv, 'a.csv'), { mapping: { ...MAPPING, click: 'clicked' } });
    expect(Array.from(t.conversionId)).toEqual([0, -1, 0, -1]);
    expect(Array.from(t.click)).toEqual([1, 0, 0, 1]);
    expect(Array.from(t.timeSinceLastClick)).toEqual([5, -1, 20, -1]);
  });
});

describe('progress and cancelling', () => {
  it('reports bytes read up to the file size', async () => {
    const gz = new Uint8Array(gzipSync(Buffer.from(criteoText(20000))));
    const seen: number[] = [];
    await load(fileOf(gz, 'a.tsv.gz', { cuts: every(16384, gz.length) }), { onProgress: (p) => seen.push(p.bytesRead / p.totalBytes) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe(1);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('stops promptly when cancelled and releases the reader', async () => {
    const controller = new AbortController();
    let cancelled = false;
    // A stream that never ends on its own.
    const endless: InputFile = {
      name: 'endless.tsv',
      size: 1e12,
      stream: () =>
        new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(bytesOf(criteoText(1)));
          },
          pull(c) {
            return new Promise((resolve) => setTimeout(resolve, 1)).then(() => {
              if (!cancelled) c.enqueue(bytesOf(criteoText(50).split('\n').slice(1).join('\n')));
            });
          },
          cancel() {
            cancelled = true;
          },
        }),
    };
    const started = Date.now();
    const pending = ingest(endless, { signal: controller.signal, onProgress: () => undefined });
    setTimeout(() => controller.abort(), 30);
    const result = await pending;
    expect(result).toEqual({ ok: false, error: { code: 'cancelled', message: 'Loading was cancelled.' } });
    expect(cancelled).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await ingest(fileOf(criteoText(3)), { signal: AbortSignal.abort() })).ok).toBe(false);
  });
});

describe('previewFile', () => {
  it.each<[string, string, Partial<ColumnMapping>]>([
    ['user_id,event_time,campaign,converted,cost', 'u,2024-01-01,c,0,1', { user: 'user_id', timestamp: 'event_time', timestampUnit: 'iso', campaign: 'campaign', conversion: 'converted', cost: 'cost' }],
    ['Customer;Timestamp;Channel;Order ID;Spend;Clicked', 'c;1700000000;tv;;2;0', { user: 'Customer', timestamp: 'Timestamp', timestampUnit: 'auto', campaign: 'Channel', conversionId: 'Order ID', cost: 'Spend', click: 'Clicked' }],
    ['uid\tdate\tsource\tmedium\tevent', 'u\t2024-01-01\tgoogle\tcpc\tpurchase', { user: 'uid', timestamp: 'date', timestampUnit: 'iso', campaign: 'source', conversionEvent: { column: 'event', value: 'purchase' } }],
  ])('guesses roles from the header %s', async (header, row, expected) => {
    const result = await previewFile(fileOf(`${header}\n${row}\n`, 'a.csv'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.preview.format).toBe('delimited');
    expect(result.preview.suggestedMapping).toEqual(expected);
    expect(result.preview.rows).toHaveLength(1);
  });

  it('detects the Criteo log and keeps to maxRows', async () => {
    const result = await previewFile(fileOf(criteoText(50)), 5);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.preview.format).toBe('criteo');
    expect(result.preview.delimiter).toBe('\t');
    expect(result.preview.rows).toHaveLength(5);
    expect(result.preview.suggestedMapping.user).toBe('uid');
  });

  it.each([
    ['', 'empty'],
    ['<html><body>Sign in</body></html>', 'html'],
    ['a,b\n', 'header-only'],
  ])('rejects %j', async (text, code) => {
    const result = await previewFile(fileOf(text, 'a.csv'));
    expect(result.ok ? 'ok' : result.error.code).toBe(code);
  });
});
