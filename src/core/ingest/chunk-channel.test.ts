import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { BufferPool, receiveChunks, relayAcross, sendChunks, type ChunkPort, type FarEnds, type MessagePortLike } from './chunk-channel';
import { inflateRelay } from './inflate-relay';
import { compileWasm } from './wasm-inflate';
import { ingest } from './index';
import { bytesOf, concatBytes, criteoText, every, fileOf } from './test-files';
import type { InputFile } from './types';

const opened: MessagePortLike[] = [];
afterEach(() => {
  // A port left open keeps the test process alive.
  for (const port of opened.splice(0)) port.close();
});

function channel(): { a: ChunkPort; b: ChunkPort } {
  const { port1, port2 } = new MessageChannel();
  opened.push(port1, port2);
  return { a: port1 as unknown as ChunkPort, b: port2 as unknown as ChunkPort };
}

/** A stream of `count` chunks of `size` bytes (chunk i filled with i % 256), counting what was pulled. */
function counted(count: number, size: number): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let i = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (i === count) controller.close();
        else controller.enqueue(new Uint8Array(size).fill(i++ % 256));
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => i, cancelled: () => cancelled };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    // A copy: a recycling receiver empties a chunk at the next read.
    parts.push(value.slice());
  }
  return concatBytes(parts);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('chunk channel', () => {
  it('carries every byte in order, in batches', async () => {
    const { a, b } = channel();
    const source = counted(50, 1000);
    const sending = sendChunks(a, source.stream, { batchBytes: 4096, maxBatches: 2 });
    const bytes = await readAll(receiveChunks(b).stream);
    expect(bytes.length).toBe(50_000);
    for (let i = 0; i < 50; i++) expect(bytes[i * 1000]).toBe(i);
    expect(await sending.done).toBe('ended');
  });

  it('stops reading its source while the receiver does not read (backpressure), and goes on when it does', async () => {
    const { a, b } = channel();
    const source = counted(1000, 1000);
    const sending = sendChunks(a, source.stream, { batchBytes: 10_000, maxBatches: 3 });
    const received = receiveChunks(b);
    await settle();
    // Three batches posted and one being filled: never the whole source.
    expect(source.pulled()).toBeGreaterThanOrEqual(30);
    expect(source.pulled()).toBeLessThanOrEqual(41);
    const reader = received.stream.getReader();
    for (let i = 0; i < 10; i++) await reader.read();
    await settle();
    // One batch taken: one more may be sent.
    expect(source.pulled()).toBeLessThanOrEqual(51);
    reader.releaseLock();
    expect((await readAll(received.stream)).length).toBe(1000 * 1000 - 10 * 1000);
    expect(await sending.done).toBe('ended');
  });

  it('a cancel on the receiving side cancels the source', async () => {
    const { a, b } = channel();
    const source = counted(1000, 1000);
    const sending = sendChunks(a, source.stream, { batchBytes: 4000, maxBatches: 2 });
    const reader = receiveChunks(b).stream.getReader();
    await reader.read();
    await reader.cancel();
    expect(await sending.done).toBe('cancelled');
    expect(source.cancelled()).toBe(true);
    expect(source.pulled()).toBeLessThan(1000);
  });

  it('a failing source errors the received stream with its message', async () => {
    const { a, b } = channel();
    let sent = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 3) controller.enqueue(new Uint8Array(10));
        else controller.error(new Error('disk\nunplugged'));
      },
    });
    const sending = sendChunks(a, source);
    await expect(readAll(receiveChunks(b).stream)).rejects.toThrow('disk unplugged');
    expect(await sending.done).toBe('failed');
  });

  it('fail() errors the received stream and stops the sender', async () => {
    const { a, b } = channel();
    const source = counted(1000, 1000);
    const sending = sendChunks(a, source.stream, { batchBytes: 1000, maxBatches: 1 });
    const received = receiveChunks(b);
    received.fail(new Error('the worker died'));
    await expect(readAll(received.stream)).rejects.toThrow('the worker died');
    expect(await sending.done).toBe('cancelled');
    expect(source.cancelled()).toBe(true);
  });
});

describe('recycled buffers', () => {
  it('a recycling receiver hands each whole-buffer chunk back once the reader asks for the next: the one it had is emptied', async () => {
    const { a, b } = channel();
    const returned: ArrayBuffer[] = [];
    const sending = sendChunks(a, counted(20, 1000).stream, { batchBytes: 1000, maxBatches: 2, onSpent: (buffers) => returned.push(...buffers) });
    const reader = receiveChunks(b, { recycle: true }).stream.getReader();
    let previous: Uint8Array | undefined;
    for (let i = 0; i < 20; i++) {
      const { value } = await reader.read();
      expect(value?.length).toBe(1000);
      expect(value?.[0]).toBe(i);
      // Handed back on this read: the reader's view of it is gone (detached), not silently reused under it.
      if (previous) expect(previous.length).toBe(0);
      previous = value;
      if (i === 9) {
        await settle();
        // Chunks 0-8 went back with the acks of reads 1-9, each its full size.
        expect(returned.length).toBe(9);
        expect(returned.every((buffer) => buffer.byteLength === 1000)).toBe(true);
      }
    }
    expect((await reader.read()).done).toBe(true);
    expect(await sending.done).toBe('ended');
  });

  it('without recycle nothing comes back, and a chunk stays readable after the next read', async () => {
    const { a, b } = channel();
    const returned: ArrayBuffer[] = [];
    const sending = sendChunks(a, counted(10, 1000).stream, { batchBytes: 1000, onSpent: (buffers) => returned.push(...buffers) });
    const reader = receiveChunks(b).stream.getReader();
    const first = (await reader.read()).value;
    await reader.read();
    expect(first?.length).toBe(1000);
    reader.releaseLock();
    expect(await sending.done).toBe('ended');
    expect(returned).toEqual([]);
  });

  it('BufferPool reuses what it is given, of its size only, and keeps at most its limit', () => {
    const pool = new BufferPool(16, 2);
    const fresh = pool.take();
    expect(fresh.length).toBe(16);
    pool.give([fresh.buffer as ArrayBuffer, new ArrayBuffer(8)]);
    expect(pool.take().buffer).toBe(fresh.buffer);
    expect(pool.take().buffer).not.toBe(fresh.buffer);
    const kept = [new ArrayBuffer(16), new ArrayBuffer(16), new ArrayBuffer(16)];
    pool.give(kept);
    expect([pool.take().buffer, pool.take().buffer]).toEqual([kept[1], kept[0]]);
    expect(kept.includes(pool.take().buffer as ArrayBuffer)).toBe(false);
  });
});

const zlibWasm = compileWasm(readFileSync(createRequire(import.meta.url).resolve('zlib-streams/zlib-streams.wasm')));

/** The two ways the inflate worker inflates: zlib in wasm (its buffers recycled, as load.ts asks), or DecompressionStream. */
const INFLATERS = [
  { name: 'zlib in wasm', zlib: zlibWasm, recycle: true },
  { name: 'DecompressionStream', zlib: undefined, recycle: false },
];

describe.each(INFLATERS)('gzip inflated across a channel with $name', ({ zlib, recycle }) => {
  /** A far side in this thread, as the inflate worker would run it. */
  function sameThread(onSettled: () => void = () => undefined): (compressed: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array> {
    return (compressed) => {
      const relay = relayAcross(
        compressed,
        (ends: FarEnds) => {
          opened.push(ends.input, ends.output);
          inflateRelay(ends.input as unknown as ChunkPort, ends.output as unknown as ChunkPort, 'gzip', { batchBytes: 8192, maxBatches: 2, zlib });
        },
        onSettled,
        { batchBytes: 4096, maxBatches: 2, recycle },
      );
      return relay.stream;
    };
  }

  function relayed(file: InputFile, onSettled?: () => void): InputFile {
    return { ...file, gunzip: sameThread(onSettled) };
  }

  const text = criteoText(3000);
  const gz = new Uint8Array(gzipSync(Buffer.from(text)));

  it('gives the same bytes as the text', async () => {
    let settled = 0;
    const stream = sameThread(() => settled++)(fileOf(gz, 'a.gz', { cuts: every(1000, gz.length) }).stream());
    expect(new TextDecoder().decode(await readAll(stream))).toBe(text);
    expect(settled).toBe(1);
  });

  it('ingests a .tsv.gz to the same table as inflating inline, with progress', async () => {
    const inline = await ingest(fileOf(gz, 'a.tsv.gz', { cuts: every(1000, gz.length) }));
    const progress: number[] = [];
    const across = await ingest(relayed(fileOf(gz, 'a.tsv.gz', { cuts: every(1000, gz.length) })), { onProgress: (p) => progress.push(p.bytesRead) });
    expect(inline.ok && across.ok).toBe(true);
    if (!inline.ok || !across.ok) return;
    expect(across.table.rowCount).toBe(3000);
    expect(Array.from(across.table.user)).toEqual(Array.from(inline.table.user));
    expect(Array.from(across.table.cost)).toEqual(Array.from(inline.table.cost));
    expect(across.table.categoryIds).toEqual(inline.table.categoryIds);
    expect(progress[progress.length - 1]).toBe(gz.length);
  });

  it('a truncated gzip is one clear error', async () => {
    const truncated = gz.slice(0, Math.floor(gz.length / 2));
    const result = await ingest(relayed(fileOf(truncated, 'a.tsv.gz', { cuts: every(1000, truncated.length) })));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toEqual({ code: 'truncated-gzip', message: expect.stringContaining('ends too early') });
  });

  it('damaged gzip data is one clear error', async () => {
    const damaged = gz.slice();
    for (let i = 200; i < 260; i++) damaged[i] ^= 0x5a;
    const result = await ingest(relayed(fileOf(damaged, 'a.tsv.gz')));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toMatch(/read-error|truncated-gzip/);
      expect(result.error.message).not.toContain('\n');
    }
  });

  it('cancelling mid-ingest stops the relay and releases the file', async () => {
    const big = new Uint8Array(gzipSync(Buffer.from(criteoText(40_000))));
    const controller = new AbortController();
    let fileCancelled = false;
    let settled = 0;
    const result = await ingest(relayed(fileOf(big, 'a.tsv.gz', { cuts: every(2000, big.length), onCancel: () => (fileCancelled = true) }), () => settled++), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytesRead > big.length / 4) controller.abort();
      },
    });
    expect(result).toEqual({ ok: false, error: { code: 'cancelled', message: 'Loading was cancelled.' } });
    await settle();
    expect(settled).toBe(1);
    expect(fileCancelled).toBe(true);
  });

  it('a plain file never goes to the relay', async () => {
    let settled = 0;
    const result = await ingest(relayed(fileOf(bytesOf(text), 'a.tsv'), () => settled++));
    expect(result.ok).toBe(true);
    expect(settled).toBe(0);
  });
});
