/**
 * The far side of a relayed decompression (chunk-channel.ts): compressed
 * bytes in, inflated chunks out on a port. Runs in a worker of its own in the
 * browser (src/worker/inflate.worker.ts), so that inflating does not share a
 * thread with the scanner. The compressed bytes come over a port
 * (`inflateRelay`) or are read from the file itself (`inflateFileRelay`).
 */
import { BufferPool, DEFAULT_BATCH_BYTES, receiveChunks, sendChunks, type ChunkPort, type Sending, type SendOptions } from './chunk-channel';
import { decompress, reusedBufferReads } from './source';
import { MAX_CHUNK_BYTES, wasmInflate, type CompiledWasm } from './wasm-inflate';

export interface InflateRelayOptions extends Omit<SendOptions, 'onSpent' | 'read'> {
  /** zlib compiled to wasm (wasm-inflate.ts) to inflate with; DecompressionStream without it. */
  zlib?: CompiledWasm;
}

type Format = 'gzip' | 'deflate-raw';

/** Compressed chunks in on `input`. */
export function inflateRelay(input: ChunkPort, output: ChunkPort, format: Format = 'gzip', options: InflateRelayOptions = {}): Sending {
  return inflateAndSend(receiveChunks(input).stream, output, format, options);
}

/**
 * `file` read here from its start and inflated, each batch telling the
 * receiver how many of the file's bytes were read (its progress). With zlib
 * the file is read into one reused buffer; DecompressionStream keeps the
 * chunks it is given, so without zlib each read gets a buffer of its own.
 */
export function inflateFileRelay(file: { stream(): ReadableStream<Uint8Array> }, output: ChunkPort, format: Format = 'gzip', options: InflateRelayOptions = {}): Sending {
  let read = 0;
  const count = (bytes: number) => {
    read += bytes;
  };
  const compressed = options.zlib
    ? reusedBufferReads(file.stream(), count)
    : file.stream().pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            count(chunk.length);
            controller.enqueue(chunk);
          },
        }),
      );
  return inflateAndSend(compressed, output, format, options, () => read);
}

function inflateAndSend(compressed: ReadableStream<Uint8Array>, output: ChunkPort, format: Format, options: InflateRelayOptions, read?: () => number): Sending {
  const { zlib, ...sending } = options;
  if (!zlib) return sendChunks(output, decompress(compressed, format), { ...sending, read });
  // One chunk per batch (a batch is posted once it holds batchBytes), each in
  // a buffer the receiver hands back once read (receiveChunks' recycle): a
  // fresh 1 MB buffer per chunk cost the inflater 6.7 s on the full Criteo log.
  const pool = new BufferPool(Math.min(sending.batchBytes ?? DEFAULT_BATCH_BYTES, MAX_CHUNK_BYTES));
  const text = wasmInflate(zlib, compressed, format, { chunkBytes: pool.bytes, buffer: () => pool.take() });
  return sendChunks(output, text, { ...sending, read, onSpent: (buffers) => pool.give(buffers) });
}
