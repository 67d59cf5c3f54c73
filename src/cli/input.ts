/** Node adapter: a file on disk as the InputFile the core ingest reads (the browser passes a File). */
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { InputFile } from '../core/ingest/types';

/**
 * Opens `path` lazily as a Blob (Node 20's fs.openAsBlob: nothing is read
 * until the stream is pulled), named by its base name. Rejects with a
 * one-line message when the path is missing or not a file.
 */
export async function openInputFile(path: string): Promise<InputFile> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new Error(`Cannot open ${path}: no such file.`);
  }
  if (!info.isFile()) throw new Error(`Cannot open ${path}: it is not a file.`);
  const blob = await openAsBlob(path);
  const name = basename(path);
  // slice lets the zip reader read the central directory first.
  return {
    name,
    size: blob.size,
    stream: () => blob.stream() as ReadableStream<Uint8Array>,
    slice: (start?: number, end?: number) => blob.slice(start, end),
  };
}
