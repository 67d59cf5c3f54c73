/** Node adapter: a file on disk as the InputFile the core ingest reads (the browser passes a File). */
import { createReadStream, openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable, type TransformOptions } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import type { InputFile } from '../core/ingest/types';

/**
 * Pieces of 1 MB: a Blob's stream hands out 64 KB ones, and the per-piece cost
 * of web streams in Node (~2 CPU-seconds per GB at 64 KB) is paid on the
 * parser's thread.
 */
const READ_BYTES = 1 << 20;
/** Gunzip's pieces: DecompressionStream in Node gives 16 KB ones (3.7 vs 1.4 CPU-s for 400 MB of text). */
const INFLATE_BYTES = 1 << 18;

/**
 * A Node stream as a web ReadableStream that reads only when asked.
 * Readable.toWeb is not used: in Node 20 it counts its high-water mark in
 * pieces, not bytes, and reads a whole file ahead of a slow consumer.
 */
function pulled(readable: Readable, onCancel: () => void = () => undefined): ReadableStream<Uint8Array> {
  const pieces = readable[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = (await pieces.next()) as IteratorResult<Buffer>;
        if (done) controller.close();
        else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      },
      cancel() {
        readable.destroy();
        onCancel();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Node's zlib instead of DecompressionStream: it inflates on the libuv thread
 * pool, up to 1 MB ahead of the parser, so decompression and parsing overlap
 * on two cores. Damaged or truncated data errors the stream with zlib's
 * message ("unexpected end of file"), which the core turns into its own.
 */
function gunzip(compressed: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const input = Readable.fromWeb(compressed as import('node:stream/web').ReadableStream<Uint8Array>);
  // zlib passes stream options through to its Transform; its types do not say so.
  const options: ZlibOptions & TransformOptions = { chunkSize: INFLATE_BYTES, readableHighWaterMark: 4 * INFLATE_BYTES };
  const inflater = createGunzip(options);
  input.on('error', (err) => inflater.destroy(err));
  input.pipe(inflater);
  return pulled(inflater, () => input.destroy());
}

/**
 * Opens `path` as an InputFile named by its base name; nothing is read until
 * the stream is pulled. Rejects with a one-line message when the path is
 * missing or not a file.
 */
export async function openInputFile(path: string): Promise<InputFile> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new Error(`Cannot open ${path}: no such file.`);
  }
  if (!info.isFile()) throw new Error(`Cannot open ${path}: it is not a file.`);
  // A Blob (Node 20's fs.openAsBlob) for random access: the zip reader reads the central directory first.
  const blob = await openAsBlob(path);
  return {
    name: basename(path),
    size: blob.size,
    stream: () => pulled(createReadStream(path, { highWaterMark: READ_BYTES })),
    slice: (start?: number, end?: number) => blob.slice(start, end),
    gunzip,
  };
}
