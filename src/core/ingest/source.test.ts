import { mkdtempSync, openAsBlob, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest, previewFile } from './index';
import { openText } from './source';
import { bytesOf, criteoText, every, fileOf } from './test-files';
import type { InputFile } from './types';

const text = criteoText(30_000, { newline: '\r\n' });
let dir = '';
let blob: Blob;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ingest-source-'));
  writeFileSync(join(dir, 'log.tsv'), text);
  blob = await openAsBlob(join(dir, 'log.tsv'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An InputFile over a file-backed Blob: its stream() is a byte stream in 64 KB reads, as File.stream() is in Chromium. */
function blobFile(): InputFile {
  return { name: 'log.tsv', size: blob.size, stream: () => blob.stream(), slice: (a, b) => blob.slice(a, b) };
}

describe('a plain file read into one reused buffer', () => {
  it('hands out chunks of one buffer: the previous chunk is given back at the next read', async () => {
    const source = await openText(blobFile());
    const seen: Uint8Array[] = [];
    let bytes = 0;
    for (let chunk = await source.read(); chunk; chunk = await source.read()) {
      bytes += chunk.length;
      seen.push(chunk);
    }
    expect(bytes).toBe(bytesOf(text).length);
    expect(source.bytesRead()).toBe(bytes);
    // The first chunk came from sniffing the file type (its own buffer); every later one was read into the recycled buffer, then detached by the next read.
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.slice(1, -1).every((c) => c.buffer.byteLength === 0)).toBe(true);
  });

  it('gives the same table as a stream of fresh chunks', async () => {
    const reused = await ingest(blobFile());
    const fresh = await ingest(fileOf(text, 'log.tsv', { cuts: every(70_001, text.length) }));
    expect(reused.ok && fresh.ok).toBe(true);
    if (!reused.ok || !fresh.ok) return;
    expect(reused.table.rowCount).toBe(30_000);
    expect(Array.from(reused.table.timestamp)).toEqual(Array.from(fresh.table.timestamp));
    expect(Array.from(reused.table.user)).toEqual(Array.from(fresh.table.user));
    expect(Array.from(reused.table.categories[8])).toEqual(Array.from(fresh.table.categories[8]));
    expect(reused.table.source.textBytes).toBe(fresh.table.source.textBytes);
  });

  it('previews and cancels like any other file', async () => {
    const preview = await previewFile(blobFile(), 5);
    expect(preview.ok && preview.preview.rows.length).toBe(5);
    const controller = new AbortController();
    const result = await ingest(blobFile(), { signal: controller.signal, onProgress: () => controller.abort() });
    expect(result).toEqual({ ok: false, error: { code: 'cancelled', message: 'Loading was cancelled.' } });
  });
});
