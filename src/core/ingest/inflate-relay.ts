/**
 * The far side of a relayed decompression (chunk-channel.ts): compressed
 * chunks in on one port, inflated chunks out on the other. Runs in a worker
 * of its own in the browser (src/worker/inflate.worker.ts), so that
 * inflating does not share a thread with the scanner.
 */
import { BufferPool, DEFAULT_BATCH_BYTES, receiveChunks, sendChunks, type ChunkPort, type Sending, type SendOptions } from './chunk-channel';
import { decompress } from './source';
import { MAX_CHUNK_BYTES, wasmInflate, type CompiledWasm } from './wasm-inflate';

export interface InflateRelayOptions extends Omit<SendOptions, 'onSpent'> {
  /** zlib compiled to wasm (wasm-inflate.ts) to inflate with; DecompressionStream without it. */
  zlib?: CompiledWasm;
}

export function inflateRelay(input: ChunkPort, output: ChunkPort, format: 'gzip' | 'deflate-raw' = 'gzip', options: InflateRelayOptions = {}): Sending {
  const { zlib, ...sending } = options;
  const compressed = receiveChunks(input).stream;
  if (!zlib) return sendChunks(output, decompress(compressed, format), sending);
  // One chunk per batch (a batch is posted once it holds batchBytes), each in
  // a buffer the receiver hands back once read (receiveChunks' recycle): a
  // fresh 1 MB buffer per chunk cost the inflater 6.7 s on the full Criteo log.
  const pool = new BufferPool(Math.min(sending.batchBytes ?? DEFAULT_BATCH_BYTES, MAX_CHUNK_BYTES));
  const text = wasmInflate(zlib, compressed, format, { chunkBytes: pool.bytes, buffer: () => pool.take() });
  return sendChunks(output, text, { ...sending, onSpent: (buffers) => pool.give(buffers) });
}
