/**
 * Opens an input file as a stream of plain-text bytes: gzip and zip are told
 * by their magic bytes (not the extension) and decompressed on the fly.
 */
import { Inflate, Unzip, UnzipInflate, type UnzipFile } from 'fflate';
import { failure, IngestFailure, oneLine } from './errors';
import type { InputFile } from './types';
import { readZipDirectory, tableEntry, type SliceableFile } from './zip';

export type Compression = 'none' | 'gzip' | 'zip';

export interface TextSource {
  /**
   * Plain-text bytes; throws IngestFailure on damaged compressed data. A
   * chunk is valid until the next call only: a plain file is read into one
   * buffer over and over (see `recycledReads`).
   */
  read(): Promise<Uint8Array | null>;
  cancel(): Promise<void>;
  /** Bytes of the file itself read so far (compressed bytes for .gz and .zip). */
  bytesRead(): number;
  compression: Compression;
  /** The table's name inside a zip. */
  innerName?: string;
  /** Bytes of plain text to expect, when the container says (plain size, gzip trailer, zip directory). */
  textSize?: number;
  notes: string[];
}

const GZIP = [0x1f, 0x8b];
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const EMPTY_ZIP = [0x50, 0x4b, 0x05, 0x06];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/** Reads from `reader` until at least `n` bytes are buffered or it ends. */
async function peek(reader: ReadableStreamDefaultReader<Uint8Array>, n: number): Promise<{ chunks: Uint8Array[]; head: Uint8Array }> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < n) {
    const { done, value } = await reader.read();
    if (done) break;
    if (value.length === 0) continue;
    chunks.push(value);
    total += value.length;
  }
  const head = new Uint8Array(Math.min(total, n));
  let offset = 0;
  for (const c of chunks) {
    if (offset >= head.length) break;
    const take = Math.min(c.length, head.length - offset);
    head.set(c.subarray(0, take), offset);
    offset += take;
  }
  return { chunks, head };
}

/** The chunks already peeked, then the rest of `reader`, each counted by `count`. */
function replay(chunks: Uint8Array[], reader: ReadableStreamDefaultReader<Uint8Array>, count: (n: number) => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i < chunks.length) {
        const c = chunks[i++];
        count(c.length);
        controller.enqueue(c);
        return;
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else {
        count(value.length);
        controller.enqueue(value);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/**
 * Input piped through DecompressionStream, with the compressed read-ahead
 * bounded. Node's DecompressionStream accepts writes without limit, so
 * pipeThrough would read a whole 650 MB .gz into memory ahead of the parser;
 * a write's promise settles once the chunk is inflated, so waiting for all
 * but two keeps only a few chunks in flight (and progress truthful).
 */
export function decompress(input: ReadableStream<Uint8Array>, format: 'gzip' | 'deflate-raw'): ReadableStream<Uint8Array> {
  const stream = new DecompressionStream(format) as unknown as TransformStream<Uint8Array, Uint8Array>;
  const writer = stream.writable.getWriter();
  const source = input.getReader();
  const output = stream.readable.getReader();
  let stopped = false;
  void (async () => {
    const pending: Promise<void>[] = [];
    try {
      for (;;) {
        const { done, value } = await source.read();
        if (done || stopped) break;
        await writer.ready;
        const written = writer.write(value);
        written.catch(() => undefined);
        pending.push(written);
        if (pending.length > 2) await pending.shift();
      }
      if (!stopped) {
        await Promise.all(pending);
        await writer.close();
      }
    } catch (err) {
      // A damaged stream errors the readable side too; that is where the reader sees it.
      writer.abort(err).catch(() => undefined);
      source.cancel().catch(() => undefined);
    }
  })();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await output.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      stopped = true;
      await output.cancel(reason).catch(() => undefined);
      await source.cancel(reason).catch(() => undefined);
    },
  });
}

function decompressionAvailable(format: 'gzip' | 'deflate-raw'): boolean {
  try {
    new DecompressionStream(format);
    return true;
  } catch {
    return false;
  }
}

/** Raw DEFLATE through fflate, for platforms without DecompressionStream('deflate-raw'). */
function fflateInflate(): TransformStream<Uint8Array, Uint8Array> {
  let inflate: Inflate;
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      inflate = new Inflate((data) => controller.enqueue(data));
    },
    transform(chunk) {
      inflate.push(chunk, false);
    },
    flush() {
      inflate.push(new Uint8Array(0), true);
    },
  });
}

export async function openText(file: InputFile): Promise<TextSource> {
  let bytesRead = 0;
  const count = (n: number) => {
    bytesRead += n;
  };
  const fileStream = file.stream();
  const fileReader = fileStream.getReader();
  const first = await peek(fileReader, 4);
  const notes: string[] = [];
  let compression: Compression = 'none';
  let innerName: string | undefined;
  let textSize: number | undefined = file.size;
  let text: ReadableStream<Uint8Array>;

  if (startsWith(first.head, GZIP)) {
    compression = 'gzip';
    textSize = await gzipTextSize(file);
    const compressed = replay(first.chunks, fileReader, count);
    text = file.gunzip ? file.gunzip(compressed) : decompress(compressed, 'gzip');
  } else if (startsWith(first.head, ZIP) || startsWith(first.head, EMPTY_ZIP)) {
    compression = 'zip';
    if (typeof file.slice === 'function') {
      await fileReader.cancel().catch(() => undefined);
      const opened = await openZipEntry(file as InputFile & SliceableFile, count);
      text = opened.stream;
      innerName = opened.name;
      textSize = opened.size;
    } else {
      const opened = await streamFirstZipTable(first.chunks, fileReader, count);
      text = opened.stream;
      innerName = opened.name;
      textSize = undefined;
    }
    notes.push(`Took ${innerName} from ${file.name}.`);
  } else {
    fileReader.releaseLock();
    const recycled = recycledReads(fileStream, first.chunks, count);
    if (recycled) return { compression, textSize, notes, bytesRead: () => bytesRead, ...recycled };
    text = replay(first.chunks, fileStream.getReader(), count);
  }

  // A .tsv.gz inside a zip: one more layer.
  let reader = text.getReader();
  if (compression === 'zip') {
    const inner = await peek(reader, 2);
    if (startsWith(inner.head, GZIP)) {
      textSize = undefined;
      reader = decompress(replay(inner.chunks, reader, () => undefined), 'gzip').getReader();
    } else {
      reader = replay(inner.chunks, reader, () => undefined).getReader();
    }
  }

  const kind = compression;
  return {
    compression,
    innerName,
    textSize,
    notes,
    bytesRead: () => bytesRead,
    async read() {
      try {
        const { done, value } = await reader.read();
        if (done) return null;
        // Node's zlib hands out Buffers: one element type keeps the scanner's byte reads monomorphic.
        return value.constructor === Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      } catch (err) {
        if (err instanceof IngestFailure) throw err;
        throw decompressionFailure(kind, err);
      }
    },
    async cancel() {
      await reader.cancel().catch(() => undefined);
    },
  };
}

/** Bytes a plain file is read in, into one buffer reused for every read. */
const PLAIN_READ_BYTES = 1 << 20;

/**
 * A plain file read into one buffer, over and over (a BYOB reader), where the
 * stream allows it (File.stream() in Chromium and Node). Reading 2.3 GB with
 * a default reader leaves a fresh buffer per chunk for the garbage collector,
 * which frees them late: in headless Chromium, reading the file alone in a
 * worker peaked at 1.8 GB summed RSS (scripts/bigfile-browser.ts, floor-tsv).
 * Undefined where the stream has no BYOB reader.
 */
function recycledReads(
  stream: ReadableStream<Uint8Array>,
  peeked: Uint8Array[],
  count: (n: number) => void,
): Pick<TextSource, 'read' | 'cancel'> | undefined {
  let byob: ReadableStreamBYOBReader;
  try {
    byob = (stream as ReadableStream<Uint8Array<ArrayBuffer>>).getReader({ mode: 'byob' });
  } catch {
    return undefined;
  }
  let next = 0;
  let buffer = new ArrayBuffer(PLAIN_READ_BYTES);
  let done = false;
  return {
    async read() {
      if (next < peeked.length) {
        const chunk = peeked[next++];
        count(chunk.length);
        return chunk;
      }
      for (;;) {
        if (done) return null;
        const result = await byob.read(new Uint8Array(buffer)).catch((err: unknown) => {
          throw decompressionFailure('none', err);
        });
        if (result.value) buffer = result.value.buffer;
        if (result.done) {
          done = true;
          return null;
        }
        if (result.value.length === 0) continue;
        count(result.value.length);
        return result.value;
      }
    },
    async cancel() {
      done = true;
      await byob.cancel().catch(() => undefined);
    },
  };
}

function decompressionFailure(kind: Compression, err: unknown): IngestFailure {
  const detail = oneLine(err instanceof Error ? err.message : String(err));
  if (kind === 'none') return new IngestFailure('read-error', `The file could not be read: ${detail}`);
  if (/unexpected end|truncat|incomplete|end of (file|stream|input)/i.test(detail)) {
    return kind === 'gzip'
      ? new IngestFailure('truncated-gzip', 'The gzip file ends too early: it was probably not downloaded completely.')
      : new IngestFailure('read-error', 'The zip file ends too early: it was probably not downloaded completely.');
  }
  return new IngestFailure('read-error', `The ${kind} data is damaged and cannot be decompressed (${detail}).`);
}

/**
 * A gzip's plain size from its trailer (ISIZE: the size modulo 2^32, of the
 * last member only), for sizing the table up front. Undefined without random access.
 */
async function gzipTextSize(file: InputFile): Promise<number | undefined> {
  if (typeof file.slice !== 'function' || file.size < 18) return undefined;
  const tail = new DataView(await file.slice(file.size - 4, file.size).arrayBuffer());
  let size = tail.getUint32(0, true);
  // Text compresses by 2-10x; a 2.4 GB table fits in 32 bits, a bigger one wrapped around.
  while (size < file.size) size += 2 ** 32;
  return size;
}

async function openZipEntry(file: InputFile & SliceableFile, count: (n: number) => void): Promise<{ stream: ReadableStream<Uint8Array>; name: string; size: number }> {
  const entries = await readZipDirectory(file);
  const entry = tableEntry(entries);
  const local = new Uint8Array(await file.slice(entry.localHeaderOffset, entry.localHeaderOffset + 30).arrayBuffer());
  const view = new DataView(local.buffer, local.byteOffset, local.byteLength);
  if (local.length < 30 || view.getUint32(0, true) !== 0x04034b50) {
    failure('read-error', 'The zip file is damaged: the entry for the table cannot be found.');
  }
  const dataStart = entry.localHeaderOffset + 30 + view.getUint16(26, true) + view.getUint16(28, true);
  count(dataStart);
  const raw = file.slice(dataStart, dataStart + entry.compressedSize).stream();
  const counted = raw.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        count(chunk.length);
        controller.enqueue(chunk);
      },
    }),
  );
  if (entry.method === 0) return { stream: counted, name: entry.name, size: entry.size };
  const stream = decompressionAvailable('deflate-raw') ? decompress(counted, 'deflate-raw') : counted.pipeThrough(fflateInflate());
  return { stream, name: entry.name, size: entry.size };
}

/**
 * Without random access (an InputFile that cannot slice), the zip is read
 * front to back with fflate's streaming Unzip and the first table entry is
 * taken; the central directory at the end would come too late to choose.
 */
async function streamFirstZipTable(
  peeked: Uint8Array[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
  count: (n: number) => void,
): Promise<{ stream: ReadableStream<Uint8Array>; name: string }> {
  const output: Uint8Array[] = [];
  let chosen: UnzipFile | null = null;
  let finished = false;
  let error: unknown = null;
  const seen: string[] = [];
  const unzip = new Unzip((entry) => {
    if (chosen || !/\.(tsv|csv|txt|gz)$/i.test(entry.name) || /(^|\/)(__MACOSX\/|\._)/.test(entry.name)) {
      seen.push(entry.name);
      return;
    }
    chosen = entry;
    entry.ondata = (err, data, final) => {
      if (err) error = err;
      else if (data.length) output.push(data);
      if (final) finished = true;
    };
    entry.start();
  });
  unzip.register(UnzipInflate);
  const source = replay(peeked, reader, count).getReader();
  let ended = false;
  const pump = async (): Promise<void> => {
    while (output.length === 0 && !finished && !ended && !error) {
      const { done, value } = await source.read();
      if (done) {
        unzip.push(new Uint8Array(0), true);
        ended = true;
      } else unzip.push(value, false);
    }
  };
  await pump();
  const picked = chosen as UnzipFile | null;
  if (!picked) {
    await source.cancel().catch(() => undefined);
    failure('zip-no-table', `The zip holds no .tsv, .csv, .txt or .gz table${seen.length ? ` (found: ${seen.slice(0, 5).join(', ')})` : ''}.`);
  }
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await pump();
      if (error) throw error;
      const next = output.shift();
      if (next) controller.enqueue(next);
      else if (finished) controller.close();
      else throw new Error('unexpected end of the zip file');
    },
    cancel() {
      return source.cancel();
    },
  });
  return { stream, name: picked.name };
}
