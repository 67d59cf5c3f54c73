/**
 * Reading a log into the worker: a dropped file, a file with its columns
 * mapped by hand, or the generated demo; and the log read again when the
 * worker died and was replaced. The only way components load anything.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ColumnMapping, FilePreview } from '../../core/ingest/types';
import { isCancelled, type JobProgress, type JobResult, type LoadedLog, type LoadOutcome } from '../../shared/protocol';
import { bridge, type JobOptions } from '../bridge';
import { IDLE, done, failed, running, type AsyncStatus } from '../status';

export type LoadStatus = AsyncStatus<LoadOutcome, JobProgress>;

/** A file waiting for its column mapping; stays up through a failed try so one select can be fixed. */
export interface PendingMapping {
  file: File;
  preview: FilePreview;
  message: string;
}

export interface LoadHandle {
  status: LoadStatus;
  /** What is being read, for the progress bar. */
  label: string;
  /** The last log that loaded: stays on screen while another file is mapped or fails. */
  log: LoadedLog | null;
  mapping: PendingMapping | null;
  /** Says plainly that the worker died and was replaced, and whether the log came back. */
  restartNotice: string | null;
  loadFile: (file: File) => void;
  loadMapped: (file: File, columns: ColumnMapping) => void;
  loadDemo: () => void;
  /** A prepared file from the SQL export (and its .settings); a bad one leaves the last log and results as they were. */
  loadPrepared: (files: File[]) => void;
  cancel: () => void;
  dismissError: () => void;
  cancelMapping: () => void;
  dismissRestart: () => void;
}

/** `beforeNewLog` runs before a new file or the demo is read (the page drops the last run's results then). */
export function useLoad(beforeNewLog: () => void): LoadHandle {
  const [status, setStatus] = useState<LoadStatus>(IDLE);
  const [label, setLabel] = useState('');
  const [log, setLog] = useState<LoadedLog | null>(null);
  const [mapping, setMapping] = useState<PendingMapping | null>(null);
  const [restartNotice, setRestartNotice] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);

  useEffect(
    () =>
      bridge.onRestart((event) => {
        setRestartNotice(event.message);
        // The new worker holds the log read again (or nothing, if that failed): the summary follows it.
        setLog(event.reloaded ?? null);
      }),
    [],
  );

  useEffect(() => () => abort.current?.abort(), []);

  const start = useCallback(async (what: string, file: File | null, job: (options: JobOptions) => Promise<JobResult<LoadOutcome>>) => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setLabel(what);
    setStatus(running<JobProgress>());
    const result = await job({ signal: controller.signal, onProgress: (p) => setStatus(running(p)) });
    if (abort.current !== controller) return;
    abort.current = null;
    // A cancel wins once clicked, even when the worker finished the load before it heard of it.
    if (controller.signal.aborted) {
      setStatus(IDLE);
      return;
    }
    if (!result.ok) {
      setStatus(isCancelled(result.error) ? IDLE : failed(result.error));
      return;
    }
    const outcome = result.value;
    setStatus(done(outcome));
    if (outcome.kind === 'loaded') {
      setLog(outcome.log);
      setMapping(null);
    } else if (file) {
      setMapping({ file, preview: outcome.preview, message: outcome.message });
    }
  }, []);

  const loadFile = (file: File) => {
    beforeNewLog();
    setMapping(null);
    void start(`Reading ${file.name}`, file, (o) => bridge.loadFile(file, undefined, o));
  };
  const loadMapped = (file: File, columns: ColumnMapping) => void start(`Reading ${file.name}`, file, (o) => bridge.loadFile(file, columns, o));
  const loadDemo = () => {
    beforeNewLog();
    setMapping(null);
    void start('Generating and reading the demo log', null, (o) => bridge.loadDemo(o));
  };

  const loadPrepared = (files: File[]) => {
    setMapping(null);
    void start(`Reading ${files.map((f) => f.name).join(' and ')}`, null, async (o) => {
      const result = await bridge.loadPrepared(files, o);
      if (result.ok) beforeNewLog();
      return result;
    });
  };

  // `npm run demo` opens /?demo: load the demo log straight away, once.
  const demoRequested = useRef(new URLSearchParams(window.location.search).has('demo'));
  useEffect(() => {
    if (!demoRequested.current) return;
    demoRequested.current = false;
    loadDemo();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, on the first render
  }, []);

  return {
    status,
    label,
    log,
    mapping,
    restartNotice,
    loadFile,
    loadMapped,
    loadDemo,
    loadPrepared,
    cancel: () => abort.current?.abort(),
    dismissError: () => setStatus(IDLE),
    cancelMapping: () => {
      setMapping(null);
      setStatus(IDLE);
    },
    dismissRestart: () => setRestartNotice(null),
  };
}
