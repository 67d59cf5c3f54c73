import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { criteoText } from '../../core/ingest/test-files';
import { openInputFile } from '../input';
import { summaryCommand } from './summary';

const dir = mkdtempSync(join(tmpdir(), 'summary-test-'));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  return { out, err };
}

afterEach(() => vi.restoreAllMocks());

describe('cli summary', () => {
  it('prints one JSON summary of a .tsv.gz', async () => {
    const path = join(dir, 'log.tsv.gz');
    writeFileSync(path, gzipSync(criteoText(40)));
    const { out } = capture();
    const code = await summaryCommand.run([path]);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const summary = JSON.parse(out.join(''));
    expect(summary).toMatchObject({ rows: 40, users: 13, campaigns: 5, format: 'criteo', name: 'log.tsv.gz', skippedRows: 0 });
  });

  it.each([
    ['page.tsv', '<!doctype html><html></html>', 'This is a web page (HTML), not a table'],
    ['empty.tsv', '', 'The file is empty.'],
  ])('exits 1 with the one-line message for %s', async (name, text, message) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    const { out, err } = capture();
    const code = await summaryCommand.run([path]);
    vi.restoreAllMocks();
    expect(code).toBe(1);
    expect(out.join('')).toBe('');
    expect(err.join('').trim().split('\n').at(-1)).toContain(message);
  });

  it('says when the file does not exist', async () => {
    await expect(openInputFile(join(dir, 'missing.tsv'))).rejects.toThrow(/^Cannot open .*missing\.tsv: no such file\.$/);
    const { err } = capture();
    expect(await summaryCommand.run([join(dir, 'missing.tsv')])).toBe(1);
    vi.restoreAllMocks();
    expect(err.join('')).toContain('no such file');
  });
});
