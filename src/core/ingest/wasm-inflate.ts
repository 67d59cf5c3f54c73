/**
 * gzip and raw DEFLATE inflated by zlib compiled to WebAssembly (the
 * zlib-streams package's build), straight into one reused output buffer in
 * the module's memory: each chunk handed on is one copy of a full buffer.
 *
 * Why not DecompressionStream: in a Chromium worker it inflated the full
 * generated Criteo .tsv.gz (651 MB, 2,326 MB of text) in 17.2-17.8 s, handing
 * out a fresh 64 KB buffer per chunk (35,683 of them); this module, into one
 * reused buffer, in 13.6-14.0 s with 260-340 MB less peak PSS
 * (scripts/bigfile-browser.ts, floor-gz against floor-wasm). Its chunks should
 * go into reused buffers too (`buffer`, BufferPool in chunk-channel.ts): with a
 * fresh 1 MB buffer per chunk the same floor took 20.4 s.
 *
 * Pure: takes the compiled module, so the browser's worker (fetch) and Node
 * (the file) load it their own way. A gzip of several members (`cat a.gz
 * b.gz`, bgzip) is inflated whole, as gzip -d does.
 */

/**
 * A compiled WebAssembly.Module, as far as this file is concerned: the Node
 * program's types (no DOM, no WebWorker lib) do not declare WebAssembly.
 */
export type CompiledWasm = object;

/** The part of the WebAssembly API used here. */
interface WasmApi {
  Module: new (bytes: Uint8Array) => CompiledWasm;
  Instance: new (module: CompiledWasm, imports: object) => { exports: unknown };
}

const wasmApi = (): WasmApi => (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** `bytes` compiled, synchronously (Node, tests; the browser compiles zlib-streams.wasm off the main thread). */
export function compileWasm(bytes: Uint8Array): CompiledWasm {
  return new (wasmApi().Module)(bytes);
}

/** What this file uses of the module's exports. */
interface ZlibExports {
  memory: { buffer: ArrayBuffer };
  _initialize?: () => void;
  malloc(bytes: number): number;
  inflate_new(): number;
  inflate_init_gzip(handle: number): number;
  inflate_init_raw(handle: number): number;
  /** Returns the bytes written (low 24 bits) and zlib's return code (high 8 bits, signed). */
  inflate_process(handle: number, input: number, inputBytes: number, output: number, outputBytes: number, flush: number): number;
  inflate_last_consumed(handle: number): number;
  inflate_end(handle: number): number;
}

export type InflateFormat = 'gzip' | 'deflate-raw';

export interface WasmInflateOptions {
  /** Bytes per chunk handed on; the last may be shorter. At most MAX_CHUNK_BYTES. */
  chunkBytes?: number;
  /** A buffer of chunkBytes to copy the next chunk into (reused buffers: BufferPool); a fresh one without it. */
  buffer?: () => Uint8Array;
}

const DEFAULT_CHUNK_BYTES = 1 << 20;
/** The module reports the bytes written in 24 bits. */
export const MAX_CHUNK_BYTES = (1 << 24) - 1;
/** Compressed bytes given to zlib per call: the module copies each call's input once more. */
const INPUT_BYTES = 1 << 20;

const Z_OK = 0;
const Z_STREAM_END = 1;
const Z_NEED_DICT = 2;
const Z_BUF_ERROR = -5;

const ZLIB_ERRORS: Record<number, string> = {
  [Z_NEED_DICT]: 'a preset dictionary is needed',
  [-2]: 'inconsistent stream state',
  [-3]: 'invalid compressed data',
  [-4]: 'out of memory',
};

/** A failure of the compressed data itself; the message reads as DecompressionStream's would. */
function zlibFailure(code: number): Error {
  return new Error(`${ZLIB_ERRORS[code] ?? 'zlib error'} (zlib code ${code})`);
}

function exportsOf(module: CompiledWasm): ZlibExports {
  const instance = new (wasmApi().Instance)(module, {});
  const zlib = instance.exports as unknown as ZlibExports;
  for (const name of ['malloc', 'inflate_new', 'inflate_init_gzip', 'inflate_init_raw', 'inflate_process', 'inflate_last_consumed', 'inflate_end'] as const) {
    if (typeof zlib[name] !== 'function') throw new Error(`The zlib module has no ${name}: not the zlib-streams build.`);
  }
  zlib._initialize?.();
  return zlib;
}

/**
 * `input` inflated. Errors read like DecompressionStream's: "unexpected end
 * of compressed data" where it stops early, "invalid compressed data" where
 * it is damaged. Cancelling the result cancels `input`.
 */
export function wasmInflate(
  module: CompiledWasm,
  input: ReadableStream<Uint8Array>,
  format: InflateFormat,
  options: WasmInflateOptions = {},
): ReadableStream<Uint8Array> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const buffer = options.buffer ?? (() => new Uint8Array(chunkBytes));
  if (!(Number.isInteger(chunkBytes) && chunkBytes >= 1 && chunkBytes <= MAX_CHUNK_BYTES)) throw new RangeError(`chunkBytes must be 1 to ${MAX_CHUNK_BYTES}, not ${chunkBytes}.`);
  const zlib = exportsOf(module);
  const reader = input.getReader();
  const inPtr = zlib.malloc(INPUT_BYTES);
  const outPtr = zlib.malloc(chunkBytes);
  if (!inPtr || !outPtr) throw new Error('The zlib module could not allocate its buffers.');

  let handle = 0;
  const start = () => {
    handle = zlib.inflate_new();
    const code = handle ? (format === 'gzip' ? zlib.inflate_init_gzip(handle) : zlib.inflate_init_raw(handle)) : -4;
    if (code !== Z_OK) throw zlibFailure(code);
  };
  const stop = () => {
    if (handle) zlib.inflate_end(handle);
    handle = 0;
  };

  /** The compressed chunk being inflated, and how far. */
  let pending: Uint8Array = new Uint8Array(0);
  let offset = 0;
  /** pending[stagedStart, stagedEnd) is in the module's input buffer. */
  let stagedStart = 0;
  let stagedEnd = 0;
  let sourceDone = false;
  /** A member ended: more input means another member (gzip) or is ignored (raw). */
  let memberEnded = false;
  let finished = false;

  const fill = async (): Promise<boolean> => {
    while (offset >= pending.length) {
      if (sourceDone) return false;
      const { done, value } = await reader.read();
      if (done) {
        sourceDone = true;
        return false;
      }
      pending = value;
      offset = stagedStart = stagedEnd = 0;
    }
    return true;
  };

  start();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        let filled = 0;
        while (filled < chunkBytes && !finished) {
          const more = await fill();
          if (memberEnded) {
            // Another gzip member follows (gzip -d reads them all); raw DEFLATE ends at its last block.
            if (!more || format !== 'gzip') {
              finished = true;
              break;
            }
            stop();
            start();
            memberEnded = false;
          }
          if (more && offset >= stagedEnd) {
            stagedStart = offset;
            stagedEnd = Math.min(pending.length, offset + INPUT_BYTES);
            new Uint8Array(zlib.memory.buffer, inPtr, stagedEnd - stagedStart).set(pending.subarray(stagedStart, stagedEnd));
          }
          // With the input over, zlib may still hold output (a match cut off by a full buffer): ask once more.
          const available = more ? stagedEnd - offset : 0;
          const result = zlib.inflate_process(handle, inPtr + (more ? offset - stagedStart : 0), available, outPtr + filled, chunkBytes - filled, 0);
          const written = result & 0xffffff;
          const code = result >> 24;
          const consumed = zlib.inflate_last_consumed(handle);
          filled += written;
          offset += consumed;
          if (code === Z_STREAM_END) memberEnded = true;
          else if (code !== Z_OK && code !== Z_BUF_ERROR) throw zlibFailure(code);
          else if (written === 0 && consumed === 0) {
            // No progress: the input is over and the stream is not (worded as DecompressionStream's).
            throw new Error(more ? `zlib made no progress (zlib code ${code})` : 'unexpected end of compressed data: the file ends too early');
          }
        }
        if (filled > 0) {
          const chunk = buffer();
          if (chunk.length < filled) throw new RangeError(`The output buffer holds ${chunk.length} bytes, not ${chunkBytes}.`);
          chunk.set(new Uint8Array(zlib.memory.buffer, outPtr, filled));
          controller.enqueue(filled === chunk.length ? chunk : chunk.subarray(0, filled));
        }
        if (finished) {
          stop();
          // Raw DEFLATE may be followed by bytes that are not its own: they are not read.
          if (!sourceDone) reader.cancel().catch(() => undefined);
          controller.close();
        }
      } catch (err) {
        stop();
        reader.cancel().catch(() => undefined);
        throw err;
      }
    },
    async cancel(reason) {
      stop();
      await reader.cancel(reason).catch(() => undefined);
    },
  });
}
