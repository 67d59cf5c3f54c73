import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ingest } from '../core/ingest';
import { criteoText } from '../core/ingest/test-files';
import { openInputFile } from './input';

const dir = mkdtempSync(join(tmpdir(), 'input-test-'));
// Over 1 MB of text and of inflated output: several read and inflate pieces.
const text = criteoText(15_000);
const gz = gzipSync(text);
const files = {
  plain: join(dir, 'log.tsv'),
  gzip: join(dir, 'log.tsv.gz'),
  truncated: join(dir, 'cut.tsv.gz'),
  damaged: join(dir, 'bad.tsv.gz'),
};
writeFileSync(files.plain, text);
writeFileSync(files.gzip, gz);
writeFileSync(files.truncated, gz.subarray(0, gz.length >> 1));
const damaged = Buffer.from(gz);
for (let i = 200; i < 400; i++) damaged[i] ^= 0x5a;
writeFileSync(files.damaged, damaged);

describe('openInputFile', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a plain file and its gzip (through zlib) to the same table', async () => {
    const plain = await ingest(await openInputFile(files.plain));
    const file = await openInputFile(files.gzip);
    expect(file.gunzip).toBeTypeOf('function');
    const gzip = await ingest(file);
    if (!plain.ok || !gzip.ok) throw new Error('load failed');
    expect(plain.table.rowCount).toBe(15_000);
    expect(gzip.table.source.textBytes).toBe(text.length);
    const { source: _a, ...a } = plain.table;
    const { source: _b, ...b } = gzip.table;
    expect(b).toEqual(a);
  });

  it.each([
    ['truncated', files.truncated, 'truncated-gzip'],
    ['damaged', files.damaged, 'read-error'],
  ])('turns a %s gzip into one plain line', async (_name, path, code) => {
    const result = await ingest(await openInputFile(path));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.message).not.toContain('\n');
    }
  });

  it('reports progress in compressed bytes up to the file size', async () => {
    const seen: number[] = [];
    const result = await ingest(await openInputFile(files.gzip), { onProgress: (p) => seen.push(p.bytesRead / p.totalBytes) });
    expect(result.ok).toBe(true);
    expect(seen.at(-1)).toBe(1);
    expect(Math.max(...seen)).toBe(1);
  });
});
