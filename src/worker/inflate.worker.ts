/**
 * Decompression on a thread of its own: the ingest worker (load.ts) hands it
 * two ports, compressed bytes in, plain text out (core/ingest/chunk-channel.ts),
 * so that inflating and scanning a .gz run on two cores.
 */
import type { ChunkPort } from '../core/ingest/chunk-channel';
import { inflateRelay } from '../core/ingest/inflate-relay';

self.onmessage = (event: MessageEvent<{ input: MessagePort; output: MessagePort }>) => {
  const { input, output } = event.data;
  inflateRelay(input as unknown as ChunkPort, output as unknown as ChunkPort, 'gzip');
};
