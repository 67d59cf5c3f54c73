/**
 * Decompression on a thread of its own: the ingest worker (load.ts) hands it
 * two ports, compressed bytes in, plain text out (core/ingest/chunk-channel.ts),
 * so that inflating and scanning a .gz run on two cores. It inflates with
 * zlib compiled to wasm (core/ingest/wasm-inflate.ts), or with
 * DecompressionStream where that module cannot be loaded.
 */
import zlibUrl from 'zlib-streams/zlib-streams.wasm?url';
import type { ChunkPort } from '../core/ingest/chunk-channel';
import { inflateRelay } from '../core/ingest/inflate-relay';

/** Compiled once per worker, while the ingest reads the file's first bytes (from bytes: a host may serve .wasm with any type). */
const zlib: Promise<WebAssembly.Module | undefined> = fetch(zlibUrl)
  .then((response) => {
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return response.arrayBuffer();
  })
  .then((bytes) => WebAssembly.compile(bytes))
  .catch((err: unknown) => {
    console.warn('zlib wasm could not be loaded; inflating with DecompressionStream instead.', err);
    return undefined;
  });

self.onmessage = async (event: MessageEvent<{ input: MessagePort; output: MessagePort }>) => {
  const { input, output } = event.data;
  inflateRelay(input as unknown as ChunkPort, output as unknown as ChunkPort, 'gzip', { zlib: await zlib });
};
