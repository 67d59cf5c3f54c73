/**
 * Decompression on a thread of its own, so that inflating and scanning a .gz
 * run on two cores. The ingest worker (load.ts) hands it the File and a port
 * for the text (it reads the file itself: the ingest's thread reads none of
 * the compressed bytes), or two ports, compressed bytes in and text out
 * (core/ingest/chunk-channel.ts), where the file is not a Blob. It inflates
 * with zlib compiled to wasm (core/ingest/wasm-inflate.ts), or with
 * DecompressionStream where that module cannot be loaded.
 */
import zlibUrl from 'zlib-streams/zlib-streams.wasm?url';
import type { ChunkPort } from '../core/ingest/chunk-channel';
import { inflateFileRelay, inflateRelay } from '../core/ingest/inflate-relay';

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

type Request = { file: Blob; output: MessagePort } | { input: MessagePort; output: MessagePort };

self.onmessage = async (event: MessageEvent<Request>) => {
  const request = event.data;
  const output = request.output as unknown as ChunkPort;
  const options = { zlib: await zlib };
  if ('file' in request) inflateFileRelay(request.file, output, 'gzip', options);
  else inflateRelay(request.input as unknown as ChunkPort, output, 'gzip', options);
};
