/**
 * Reading a log into the worker: ingest, the journeys grouped once, and the
 * summary the UI shows. The grouping is kept with the table: every run
 * prepares from it instead of grouping the same rows again.
 */
import { ingest, previewFile } from '../core/ingest';
import { relayAcross } from '../core/ingest/chunk-channel';
import { IngestFailure } from '../core/ingest/errors';
import type { ColumnMapping, IngestError, InputFile } from '../core/ingest/types';
import { groupJourneys, type JourneyIndex } from '../core/journeys';
import { summarize } from '../core/summary';
import { DEMO_SYNTH_OPTIONS, generateSynthetic } from '../core/synth/generate';
import type { SynthTruth } from '../core/synth/types';
import type { EventTable } from '../core/table';
import { CANCELLED, type JobResult, type LoadedLog, type LoadOutcome, type ProgressListener, type WorkerError } from '../shared/protocol';
import { throttleProgress } from '../shared/throttle';

export const DEMO_FILE_NAME = 'demo.tsv';

/** What the worker keeps of a loaded log between calls. */
export interface LoadedData {
  table: EventTable;
  /** The table's journeys, grouped once at load. */
  journeys: JourneyIndex;
  /** Present for the demo log. */
  truth?: SynthTruth;
}

export type ReadOutcome = { kind: 'loaded'; data: LoadedData; log: LoadedLog } | Extract<LoadOutcome, { kind: 'needs-mapping' }>;

export interface ReadOptions {
  mapping?: ColumnMapping;
  signal: AbortSignal;
  onProgress?: ProgressListener;
  truth?: SynthTruth;
  /** Test hook (./test-hooks.ts): each chunk of the file waits this long before it is read. */
  chunkDelayMs?: number;
}

/** Parses `file`; a log that is not Criteo's and has no mapping comes back with a preview to map its columns. */
export async function readLog(file: InputFile, { mapping, signal, onProgress, truth, chunkDelayMs = 0 }: ReadOptions): Promise<JobResult<ReadOutcome>> {
  const report = onProgress ? throttleProgress(onProgress) : undefined;
  const started = performance.now();
  const result = await ingest(withInflateWorker(chunkDelayMs > 0 ? slowed(file, chunkDelayMs) : file), {
    mapping,
    signal,
    onProgress: report ? (p) => report({ step: 'parse', done: p.bytesRead, total: p.totalBytes, rows: p.rows }) : undefined,
  });
  const elapsedMs = performance.now() - started;
  if (!result.ok) {
    if (result.error.code === 'needs-mapping') {
      const preview = await previewFile(file);
      if (!preview.ok) return { ok: false, error: fromIngestError(preview.error) };
      return { ok: true, value: { kind: 'needs-mapping', preview: preview.preview, message: result.error.message } };
    }
    return { ok: false, error: fromIngestError(result.error) };
  }
  if (signal.aborted) return { ok: false, error: CANCELLED };
  const table = result.table;
  onProgress?.({ step: 'parse', done: file.size, total: file.size, rows: table.rowCount });
  const journeys = groupJourneys(table);
  // Grouping a large log takes seconds: a cancel that came meanwhile still ends the load.
  if (signal.aborted) return { ok: false, error: CANCELLED };
  return {
    ok: true,
    value: { kind: 'loaded', data: { table, journeys, truth }, log: { summary: summarize(table, journeys), elapsedMs, truth } },
  };
}

/**
 * The file with its gzip inflated in a worker of its own (inflate.worker.ts),
 * so that inflating and the scanner run on two cores; one worker per
 * stream, ended with it. Where workers cannot start workers (or in Node), the
 * file goes as it is and the ingest inflates inline.
 */
export function withInflateWorker(file: InputFile): InputFile {
  if (file.gunzip || typeof Worker !== 'function' || typeof MessageChannel !== 'function') return file;
  const gunzip = (compressed: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> => {
    const worker = new Worker(new URL('./inflate.worker.ts', import.meta.url), { type: 'module', name: 'inflate' });
    const relay = relayAcross(
      compressed,
      (ends) => worker.postMessage(ends, [ends.input, ends.output]),
      () => worker.terminate(),
      // The ingest holds a chunk until its next read only (TextSource): the inflater fills the buffers again.
      { recycle: true },
    );
    worker.onerror = (event) => {
      event.preventDefault();
      relay.fail(new IngestFailure('read-error', `The decompression worker stopped${event.message ? `: ${event.message}` : ''}.`));
    };
    return relay.stream;
  };
  return rewrapped(file, { gunzip });
}

/** `file` read with a wait before each chunk of its stream (the load-delay test hook). */
function slowed(file: InputFile, ms: number): InputFile {
  // A stream per call: the ingest may read the file's stream more than once.
  const stream = () =>
    file.stream().pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, controller) => new Promise((resolve) => setTimeout(() => resolve(controller.enqueue(chunk)), ms)),
      }),
    );
  return rewrapped(file, { stream });
}

/** `file` with some of its parts replaced. Spread would drop a File's prototype getters (name, size): wrap explicitly. */
function rewrapped(file: InputFile, parts: Partial<Pick<InputFile, 'stream' | 'gunzip'>>): InputFile {
  return {
    name: file.name,
    size: file.size,
    stream: parts.stream ?? (() => file.stream()),
    slice: file.slice ? (start?: number, end?: number) => file.slice!(start, end) : undefined,
    gunzip: parts.gunzip ?? file.gunzip,
  };
}

/** The demo log as TSV text, so that loading it takes the same parser a dropped file takes. */
export function makeDemoFile(): { file: File; truth: SynthTruth } {
  const parts: string[] = [];
  const truth = generateSynthetic(DEMO_SYNTH_OPTIONS, (text) => parts.push(text));
  return { file: new File(parts, DEMO_FILE_NAME, { type: 'text/tab-separated-values' }), truth };
}

function fromIngestError(error: IngestError): WorkerError {
  if (error.code === 'cancelled') return CANCELLED;
  return { name: 'IngestError', message: error.message, code: error.code };
}
