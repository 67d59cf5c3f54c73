/**
 * The far side of a relayed decompression (chunk-channel.ts): compressed
 * chunks in on one port, inflated chunks out on the other. Runs in a worker
 * of its own in the browser (src/worker/inflate.worker.ts), so that
 * DecompressionStream does not share a thread with the scanner.
 */
import { receiveChunks, sendChunks, type ChunkPort, type Sending, type SendOptions } from './chunk-channel';
import { decompress } from './source';

export function inflateRelay(input: ChunkPort, output: ChunkPort, format: 'gzip' | 'deflate-raw' = 'gzip', options: SendOptions = {}): Sending {
  return sendChunks(output, decompress(receiveChunks(input).stream, format), options);
}
