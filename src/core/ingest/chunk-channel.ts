/**
 * A byte stream carried between two threads over a MessagePort, with bounded
 * buffering: the sender reads its stream into batches (about `batchBytes`
 * each), posts them with their buffers transferred (no copy), and stops once
 * `maxBatches` batches are posted and not yet taken; the receiver acknowledges
 * a batch when the reader has taken its last chunk. So at most about
 * maxBatches x batchBytes wait between the threads, however fast one side is.
 *
 * Used to run decompression in a worker of its own (src/worker/inflate.worker.ts),
 * so that inflating and scanning run on two cores. Pure: works with the
 * browser's and Node's MessageChannel alike.
 *
 * Messages, sender to receiver: chunks, end, error (its message, one line);
 * receiver to sender: ack (with the buffers it is done with, where it
 * recycles), cancel.
 */

export type ChannelMessage =
  | { kind: 'chunks'; chunks: Uint8Array[] }
  | { kind: 'end' }
  | { kind: 'error'; message: string }
  | { kind: 'ack'; spent?: ArrayBuffer[] }
  | { kind: 'cancel' };

/** The slice of MessagePort the channel uses (the browser's and Node's both have it). */
export interface ChunkPort {
  postMessage(message: ChannelMessage, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  start?(): void;
  close?(): void;
}

export interface SendOptions {
  /** A batch is posted once it holds this many bytes (or the stream ends). */
  batchBytes?: number;
  /** Batches posted and not yet taken by the receiver's reader, at most. */
  maxBatches?: number;
  /** Buffers of sent chunks that a recycling receiver is done with, back for the source to fill again (BufferPool). */
  onSpent?: (buffers: ArrayBuffer[]) => void;
}

/**
 * Buffers of one size, handed back by a recycling receiver and filled again:
 * in Chromium, a fresh 1 MB ArrayBuffer per chunk cost 2.7 ms each (zeroed
 * pages), 6.7 s over the full Criteo log's 2,486 chunks of text.
 */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];

  constructor(
    readonly bytes: number,
    /** Buffers kept for reuse at most; more are left to the garbage collector. */
    private readonly keep = 64,
  ) {}

  /** A buffer of `bytes`: a returned one where there is one, else fresh. */
  take(): Uint8Array {
    const reused = this.free.pop();
    return reused ? new Uint8Array(reused) : new Uint8Array(this.bytes);
  }

  give(buffers: ArrayBuffer[]): void {
    for (const buffer of buffers) {
      if (buffer.byteLength === this.bytes && this.free.length < this.keep) this.free.push(buffer);
    }
  }
}

export const DEFAULT_BATCH_BYTES = 1 << 20;
/**
 * 16 x 1 MB each way. The full Criteo .tsv.gz in Chromium (quiet machine,
 * scripts/bigfile-browser.ts): with 4 in flight it took 28.2-28.4 s to the
 * summary, with 8 22.7, 16 22.6-22.8, 64 22.6; with 4 the two threads waited
 * on each other (inflater 73% busy, scanner 58%).
 */
export const DEFAULT_MAX_BATCHES = 16;

export interface Sending {
  /** Settles when the stream was sent whole, failed (the receiver was told) or was cancelled. */
  done: Promise<'ended' | 'failed' | 'cancelled'>;
  /** Stops sending and cancels the source stream (the receiver is told nothing). */
  cancel(): void;
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').trim() || 'unknown error';
}

/**
 * A chunk's buffer can be transferred when the chunk is the whole buffer;
 * a view into a larger one (Node's pooled Buffers) is copied instead.
 */
function transferable(chunk: Uint8Array): Uint8Array {
  return chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer ? chunk : chunk.slice();
}

/** Sends `source` over `port` until it ends, fails or the receiver cancels. */
export function sendChunks(port: ChunkPort, source: ReadableStream<Uint8Array>, options: SendOptions = {}): Sending {
  const batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  const reader = source.getReader();
  let credits = options.maxBatches ?? DEFAULT_MAX_BATCHES;
  let cancelled = false;
  let wake: (() => void) | null = null;
  const stop = () => {
    if (cancelled) return;
    cancelled = true;
    reader.cancel().catch(() => undefined);
    wake?.();
  };
  const onMessage = (event: { data: unknown }) => {
    const message = event.data as ChannelMessage;
    if (message.kind === 'ack') {
      credits++;
      if (message.spent?.length) options.onSpent?.(message.spent);
    }
    else if (message.kind === 'cancel') {
      stop();
      port.close?.();
    }
    wake?.();
  };
  port.addEventListener('message', onMessage);
  port.start?.();

  const run = async (): Promise<'ended' | 'failed' | 'cancelled'> => {
    let batch: Uint8Array[] = [];
    let bytes = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (cancelled) return 'cancelled';
        if (!done && value.length > 0) {
          batch.push(transferable(value));
          bytes += value.length;
        }
        if (batch.length > 0 && (done || bytes >= batchBytes)) {
          while (credits === 0 && !cancelled) await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          if (cancelled) return 'cancelled';
          credits--;
          const buffers = [...new Set(batch.map((c) => c.buffer as ArrayBuffer))];
          port.postMessage({ kind: 'chunks', chunks: batch }, buffers);
          batch = [];
          bytes = 0;
        }
        if (done) {
          port.postMessage({ kind: 'end' });
          return 'ended';
        }
      }
    } catch (err) {
      if (cancelled) return 'cancelled';
      port.postMessage({ kind: 'error', message: messageOf(err) });
      return 'failed';
    } finally {
      port.removeEventListener('message', onMessage);
    }
  };
  return { done: run(), cancel: stop };
}

export interface Receiving {
  /** The bytes sent, chunk by chunk; errors with the sender's message when its stream failed. */
  stream: ReadableStream<Uint8Array>;
  /** Ends the stream with `error` (e.g. the sending worker could not start) and tells the sender to stop. */
  fail(error: Error): void;
}

export interface ReceiveOptions {
  /**
   * The reader holds a chunk only until its next read (as TextSource's
   * contract says): the buffers of whole-buffer chunks go back to the sender
   * with the next ack, for it to fill again (SendOptions.onSpent). A chunk
   * held longer would be emptied (its buffer detached).
   */
  recycle?: boolean;
}

/** The receiving end: a pull stream that acknowledges each batch once its last chunk is read. */
export function receiveChunks(port: ChunkPort, options: ReceiveOptions = {}): Receiving {
  const batches: Uint8Array[][] = [];
  /** Buffers handed to the reader (recycling): done with at its next read. */
  let lent: ArrayBuffer[] = [];
  let spent: ArrayBuffer[] = [];
  let next = 0;
  let ended = false;
  let failure: Error | null = null;
  let closed = false;
  let wake: (() => void) | null = null;
  const onMessage = (event: { data: unknown }) => {
    const message = event.data as ChannelMessage;
    if (message.kind === 'chunks') batches.push(message.chunks);
    else if (message.kind === 'end') ended = true;
    else if (message.kind === 'error') failure ??= new Error(message.message);
    wake?.();
  };
  const close = () => {
    if (closed) return;
    closed = true;
    batches.length = 0;
    port.removeEventListener('message', onMessage);
    port.close?.();
  };
  const tellSender = (message: ChannelMessage, transfer: ArrayBuffer[] = []) => {
    if (!closed) port.postMessage(message, transfer);
  };
  port.addEventListener('message', onMessage);
  port.start?.();

  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // A read asked for this chunk: the reader is done with the ones it had.
        if (lent.length > 0) {
          spent.push(...lent);
          lent = [];
        }
        while (batches.length === 0 && !ended && !failure) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        if (failure) {
          close();
          controller.error(failure);
          return;
        }
        const batch = batches[0];
        if (batch) {
          const chunk = batch[next++];
          // Only a chunk that is its whole buffer: no other chunk can still be reading it.
          if (options.recycle && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer) lent.push(chunk.buffer);
          controller.enqueue(chunk);
          if (next === batch.length) {
            batches.shift();
            next = 0;
            if (spent.length > 0) {
              const buffers = spent;
              spent = [];
              tellSender({ kind: 'ack', spent: buffers }, buffers);
            } else tellSender({ kind: 'ack' });
          }
          return;
        }
        close();
        controller.close();
      },
      cancel() {
        tellSender({ kind: 'cancel' });
        close();
      },
    },
    { highWaterMark: 0 },
  );
  return {
    stream,
    fail(error) {
      if (failure || closed) return;
      failure = error;
      tellSender({ kind: 'cancel' });
      wake?.();
    },
  };
}

/** A MessagePort in the browser and in Node alike (Node's types have MessagePort as a value only). */
export type MessagePortLike = InstanceType<typeof MessageChannel>['port1'];

/** The two far ends of a channel pair: compressed bytes come in on `input`, plain text goes out on `output`. */
export interface FarEnds {
  input: MessagePortLike;
  output: MessagePortLike;
}

/**
 * Streams `source` to whatever `start` hands the far ends to (a worker), and
 * its answer back: bytes out, bytes in, each way with bounded buffering.
 * `settled` runs once the answer ended, failed or was cancelled (e.g. to end
 * the worker); `fail` ends the answer with an error (the worker died).
 * `recycle`: the answer's reader holds a chunk until its next read only, and
 * its buffers go back to the far side (ReceiveOptions).
 */
export function relayAcross(
  source: ReadableStream<Uint8Array>,
  start: (ends: FarEnds) => void,
  settled: () => void,
  options: SendOptions & ReceiveOptions = {},
): Receiving {
  const { recycle, ...sendOptions } = options;
  const out = new MessageChannel();
  const back = new MessageChannel();
  const sending = sendChunks(out.port1 as unknown as ChunkPort, source, sendOptions);
  const received = receiveChunks(back.port1 as unknown as ChunkPort, { recycle });
  start({ input: out.port2, output: back.port2 });
  const reader = received.stream.getReader();
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    sending.cancel();
    out.port1.close();
    settled();
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done: end, value } = await reader.read();
          if (end) {
            finish();
            controller.close();
          } else controller.enqueue(value);
        } catch (err) {
          finish();
          controller.error(err);
        }
      },
      async cancel(reason) {
        await reader.cancel(reason).catch(() => undefined);
        finish();
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, fail: received.fail };
}
