import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { concatBytes, criteoText } from './test-files';
import { compileWasm, MAX_CHUNK_BYTES, wasmInflate, type InflateFormat } from './wasm-inflate';

const zlib = compileWasm(readFileSync(createRequire(import.meta.url).resolve('zlib-streams/zlib-streams.wasm')));

/** `bytes` as a stream cut into pieces of the given sizes, cycled; `cancelled` tells whether the reader cancelled it. */
function piecesOf(bytes: Uint8Array, sizes: number[] = [bytes.length || 1]): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let at = 0;
  let turn = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        const size = sizes[turn++ % sizes.length];
        // A copy: the inflater must not depend on the pieces sharing one buffer.
        controller.enqueue(bytes.slice(at, at + size));
        at += size;
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, cancelled: () => cancelled };
}

async function chunksOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for (const reader = stream.getReader(); ; ) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value.slice());
  }
}

async function inflated(compressed: Uint8Array, format: InflateFormat = 'gzip', sizes?: number[], chunkBytes?: number): Promise<Uint8Array> {
  return concatBytes(await chunksOf(wasmInflate(zlib, piecesOf(compressed, sizes).stream, format, { chunkBytes })));
}

/** Text that compresses like a log around a stretch of seeded noise that does not compress (stored and dynamic blocks). */
function mixedBytes(seed: number, noiseBytes = 150_000): Uint8Array {
  const rng = createRng(seed);
  const text = new TextEncoder().encode(criteoText(4000));
  const noise = new Uint8Array(noiseBytes);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(rng.next() * 256);
  return concatBytes([text.subarray(0, 200_000), noise, text.subarray(200_000)]);
}

/** Byte for byte, without a deep comparison's cost: the first difference's index, or -1. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : Math.min(a.length, b.length);
}

describe('zlib in wasm inflates what node:zlib deflated', () => {
  const plain = mixedBytes(7);

  it.each([
    ['one piece, default chunks', undefined, undefined],
    ['odd pieces, small chunks', [1, 7, 1000, 65_536, 3], 1000],
  ])('gzip, %s: the same bytes', async (_name, sizes, chunkBytes) => {
    const gz = new Uint8Array(gzipSync(plain));
    expect(firstDifference(await inflated(gz, 'gzip', sizes, chunkBytes), plain)).toBe(-1);
  });

  it('gzip in pieces bigger than the input buffer it hands zlib (1 MB): the same bytes', async () => {
    const noisy = mixedBytes(11, 2_500_000);
    const gz = new Uint8Array(gzipSync(noisy));
    expect(gz.length).toBeGreaterThan(2 << 20);
    expect(firstDifference(await inflated(gz, 'gzip', [gz.length], 300_000), noisy)).toBe(-1);
  });

  it.each([0, 1, 9])('gzip at level %i (0: stored blocks only)', async (level) => {
    const gz = new Uint8Array(gzipSync(plain, { level }));
    expect(firstDifference(await inflated(gz, 'gzip', [50_000], 30_000), plain)).toBe(-1);
  });

  it('hands on chunks of exactly chunkBytes, the last one shorter', async () => {
    const gz = new Uint8Array(gzipSync(plain));
    const chunks = await chunksOf(wasmInflate(zlib, piecesOf(gz, [999]).stream, 'gzip', { chunkBytes: 10_000 }));
    expect(chunks.slice(0, -1).every((c) => c.length === 10_000)).toBe(true);
    expect(chunks[chunks.length - 1].length).toBe(plain.length % 10_000 || 10_000);
    expect(chunks.length).toBe(Math.ceil(plain.length / 10_000));
  });

  it('copies each chunk into the buffer it is given', async () => {
    const gz = new Uint8Array(gzipSync(plain));
    const given: ArrayBuffer[] = [];
    const stream = wasmInflate(zlib, piecesOf(gz).stream, 'gzip', {
      chunkBytes: 100_000,
      buffer: () => {
        const buffer = new Uint8Array(100_000);
        given.push(buffer.buffer);
        return buffer;
      },
    });
    const seen: ArrayBufferLike[] = [];
    for (const reader = stream.getReader(); ; ) {
      const { done, value } = await reader.read();
      if (done) break;
      seen.push(value.buffer);
    }
    expect(seen).toEqual(given);
    expect(seen.length).toBe(Math.ceil(plain.length / 100_000));
  });

  it('a gzip of several members (cat a.gz b.gz) is inflated whole', async () => {
    const a = new TextEncoder().encode(criteoText(300));
    const b = mixedBytes(3).subarray(0, 90_000);
    const both = concatBytes([new Uint8Array(gzipSync(a)), new Uint8Array(gzipSync(b)), new Uint8Array(gzipSync(new Uint8Array(0)))]);
    expect(firstDifference(await inflated(both, 'gzip', [4096], 5000), concatBytes([a, b]))).toBe(-1);
  });

  it('an empty gzip gives no chunks', async () => {
    expect(await chunksOf(wasmInflate(zlib, piecesOf(new Uint8Array(gzipSync(new Uint8Array(0)))).stream, 'gzip'))).toEqual([]);
  });

  it('raw DEFLATE stops at its last block and leaves what follows unread', async () => {
    const raw = concatBytes([new Uint8Array(deflateRawSync(plain)), new Uint8Array(1000).fill(0x42)]);
    const source = piecesOf(raw, [500]);
    const out = concatBytes(await chunksOf(wasmInflate(zlib, source.stream, 'deflate-raw', { chunkBytes: 8192 })));
    expect(firstDifference(out, plain)).toBe(-1);
    expect(source.cancelled()).toBe(true);
  });

  it('a gzip cut short is an "unexpected end" error, whatever the chunk size', async () => {
    const gz = new Uint8Array(gzipSync(plain));
    for (const cut of [10, Math.floor(gz.length / 2), gz.length - 4]) {
      await expect(inflated(gz.subarray(0, cut), 'gzip', [777], 4096)).rejects.toThrow(/unexpected end of compressed data/);
    }
  });

  it('damaged data is an "invalid compressed data" error, and a wrong checksum too', async () => {
    const gz = new Uint8Array(gzipSync(plain));
    const damaged = gz.slice();
    for (let i = 300; i < 340; i++) damaged[i] ^= 0x5a;
    await expect(inflated(damaged)).rejects.toThrow(/invalid compressed data \(zlib code -3\)/);
    const badCrc = gz.slice();
    badCrc[gz.length - 6] ^= 0xff;
    await expect(inflated(badCrc)).rejects.toThrow(/invalid compressed data/);
  });

  it('bytes after the gzip that are not another member are an error, not ignored', async () => {
    const gz = concatBytes([new Uint8Array(gzipSync(plain)), new TextEncoder().encode('not gzip at all')]);
    await expect(inflated(gz)).rejects.toThrow(/invalid compressed data/);
  });

  it('cancelling the output cancels the input', async () => {
    const gz = new Uint8Array(gzipSync(plain));
    const source = piecesOf(gz, [1000]);
    const reader = wasmInflate(zlib, source.stream, 'gzip', { chunkBytes: 4096 }).getReader();
    expect((await reader.read()).value?.length).toBe(4096);
    await reader.cancel();
    expect(source.cancelled()).toBe(true);
  });

  it('refuses a chunk size the module cannot report, and a module that is not zlib', () => {
    const stream = () => piecesOf(new Uint8Array(1)).stream;
    expect(() => wasmInflate(zlib, stream(), 'gzip', { chunkBytes: MAX_CHUNK_BYTES + 1 })).toThrow(RangeError);
    expect(() => wasmInflate(zlib, stream(), 'gzip', { chunkBytes: 0 })).toThrow(RangeError);
    const empty = compileWasm(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    expect(() => wasmInflate(empty, stream(), 'gzip')).toThrow(/not the zlib-streams build/);
  });
});
