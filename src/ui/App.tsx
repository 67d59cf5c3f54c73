import { useCallback, useEffect, useRef, useState } from 'react';
import type { ColumnMapping, FilePreview } from '../core/ingest/types';
import {
  isCancelled,
  type JobProgress,
  type JobResult,
  type LoadOutcome,
  type LoadedLog,
  type PipelineSettings,
  type RecommendationOptions,
  type RunResults,
  type Sweep,
  type WorkerError,
} from '../shared/protocol';
import { defaultRunSettings } from '../shared/run-settings';
import { bridge, type JobOptions } from './bridge';
import { DropZone } from './components/DropZone';
import { ErrorView } from './components/ErrorView';
import { LoadProgress } from './components/LoadProgress';
import { MappingView } from './components/MappingView';
import { ResultsView } from './components/ResultsView';
import { RunPanel, type LossPoint } from './components/RunPanel';
import { RunSettings } from './components/RunSettings';
import { SummaryView } from './components/SummaryView';
import { downloadText } from './download';
import { activeSteps, completeAll, foldProgress, type RunProgress } from './run-progress';
import { makeSession, parseSession } from './session';
import { IDLE, done, failed, running, type AsyncStatus } from './status';

type LoadStatus = AsyncStatus<LoadOutcome, JobProgress>;

export function App() {
  const [load, setLoad] = useState<LoadStatus>(IDLE);
  const [loadLabel, setLoadLabel] = useState('');
  /** The last log that loaded: stays on screen while another file is mapped or fails. */
  const [log, setLog] = useState<LoadedLog | null>(null);
  /** A file waiting for its column mapping; stays up through a failed try so one select can be fixed. */
  const [mapping, setMapping] = useState<{ file: File; preview: FilePreview; message: string } | null>(null);
  const abort = useRef<AbortController | null>(null);

  const [settings, setSettings] = useState<PipelineSettings>(defaultRunSettings);
  const [run, setRun] = useState<AsyncStatus<RunResults, JobProgress>>(IDLE);
  const [runProgress, setRunProgress] = useState<RunProgress>({});
  const [losses, setLosses] = useState<LossPoint[]>([]);
  const [backend, setBackend] = useState<{ name: string; detail?: string } | null>(null);
  /** Results on screen: the last finished run, or a session opened from disk. */
  const [results, setResults] = useState<{ value: RunResults; fromSession: boolean } | null>(null);
  const [sweeping, setSweeping] = useState(false);
  const [actionError, setActionError] = useState<WorkerError | null>(null);
  const runAbort = useRef<AbortController | null>(null);
  /** Says plainly that the worker died and was replaced, and whether the log came back. */
  const [restartNotice, setRestartNotice] = useState<string | null>(null);
  const steps = activeSteps(settings.train.models, settings.counterfactual);

  useEffect(
    () =>
      bridge.onRestart((event) => {
        setRestartNotice(event.message);
        // The new worker holds the log read again (or nothing, if that failed): the summary follows it.
        if (event.reloaded) setLog(event.reloaded);
        else setLog(null);
      }),
    [],
  );

  useEffect(
    () => () => {
      abort.current?.abort();
      runAbort.current?.abort();
    },
    [],
  );

  const startRun = async () => {
    runAbort.current?.abort();
    const controller = new AbortController();
    runAbort.current = controller;
    const runSteps = activeSteps(settings.train.models, settings.counterfactual);
    setRunProgress(foldProgress({}, { step: 'parse', done: 1, total: 1 }, runSteps));
    setLosses([]);
    setBackend(null);
    // The worker lets go of the last run's journeys and models when a new one starts.
    setResults((r) => (r?.fromSession ? r : null));
    setRun(running<JobProgress>());
    const result = await bridge.run(settings, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.backend) setBackend({ name: p.backend, detail: p.backendDetail });
        setRunProgress((state) => foldProgress(state, p, runSteps));
        setRun(running(p));
      },
      onLoss: (model, r) =>
        setLosses((l) => [...l, { model, epoch: r.epoch, trainLoss: r.trainLoss, validationLoss: r.validationLoss }]),
    });
    if (runAbort.current !== controller) return;
    runAbort.current = null;
    if (!result.ok) {
      setRun(isCancelled(result.error) ? IDLE : failed(result.error));
      return;
    }
    setRunProgress((state) => completeAll(state, runSteps));
    if (result.value.backend) setBackend((b) => (b?.name === result.value.backend ? b : { name: result.value.backend! }));
    setRun(done(result.value));
    setResults({ value: result.value, fromSession: false });
  };

  const resweep = async (budget: number | undefined, unit: Sweep['unit']) => {
    if (!results || results.fromSession) return;
    setSweeping(true);
    const result = await bridge.resweep({ ...settings.simulate, budget, unit });
    setSweeping(false);
    if (result.ok) setResults((r) => (r ? { ...r, value: { ...r.value, sweep: result.value } } : r));
    else setActionError(result.error);
  };
  const recommend = (options: RecommendationOptions) => bridge.recommend(options);

  const saveSession = () => {
    if (!results) return;
    const session = makeSession(results.value, { name: log?.summary.name ?? 'unknown', rows: log?.summary.rows ?? 0 });
    downloadText(JSON.stringify(session, null, 2), 'attribution-session.json', 'application/json');
  };
  const openSession = async (file: File) => {
    const parsed = parseSession(await file.text());
    if (!parsed.ok) {
      setActionError({ name: 'SessionError', message: parsed.error });
      return;
    }
    setActionError(null);
    setSettings(parsed.session.results.settings);
    setResults({ value: parsed.session.results, fromSession: true });
  };
  const exportWeights = () => {
    if (!results) return;
    // The CLI's weights file: {"<model>": {"<campaign id>": weight}}.
    downloadText(JSON.stringify(results.value.weights, null, 2), 'attribution-weights.json', 'application/json');
  };

  const start = useCallback(async (label: string, file: File | null, job: (options: JobOptions) => Promise<JobResult<LoadOutcome>>) => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setLoadLabel(label);
    setLoad(running<JobProgress>());
    const result = await job({ signal: controller.signal, onProgress: (p) => setLoad(running(p)) });
    if (abort.current !== controller) return;
    abort.current = null;
    if (!result.ok) {
      setLoad(isCancelled(result.error) ? IDLE : failed(result.error));
      return;
    }
    const outcome = result.value;
    setLoad(done(outcome));
    if (outcome.kind === 'loaded') {
      setLog(outcome.log);
      setMapping(null);
    } else if (file) {
      setMapping({ file, preview: outcome.preview, message: outcome.message });
    }
  }, []);

  const resetRun = () => {
    runAbort.current?.abort();
    setRun(IDLE);
    setRunProgress({});
    setLosses([]);
    setResults((r) => (r?.fromSession ? r : null));
  };

  const loadFile = (file: File) => {
    resetRun();
    setMapping(null);
    void start(`Reading ${file.name}`, file, (o) => bridge.loadFile(file, undefined, o));
  };
  const loadMapped = (file: File, columns: ColumnMapping) =>
    void start(`Reading ${file.name}`, file, (o) => bridge.loadFile(file, columns, o));
  const loadDemo = () => {
    resetRun();
    setMapping(null);
    void start('Generating and reading the demo log', null, (o) => bridge.loadDemo(o));
  };

  // `npm run demo` opens /?demo: load the demo log straight away, once.
  const demoRequested = useRef(new URLSearchParams(window.location.search).has('demo'));
  useEffect(() => {
    if (!demoRequested.current) return;
    demoRequested.current = false;
    loadDemo();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, on the first render
  }, []);

  const busy = load.state === 'running' || run.state === 'running';

  return (
    <div className="app">
      <header className="app__header">
        <h1>Attribution Lab</h1>
        <p className="muted">
          Which campaigns earn their conversions, and where should the budget go? Everything runs in this browser tab.
        </p>
      </header>
      <main className="app__main">
        <DropZone disabled={busy} onFile={loadFile} onDemo={loadDemo} />
        {restartNotice && (
          <section className="panel" role="status" data-testid="worker-restarted">
            <p>{restartNotice}</p>
            <button type="button" className="button button--secondary" onClick={() => setRestartNotice(null)}>
              Dismiss
            </button>
          </section>
        )}
        {load.state === 'running' && (
          <LoadProgress label={loadLabel} progress={load.progress} onCancel={() => abort.current?.abort()} />
        )}
        {load.state === 'failed' && <ErrorView error={load.error} onDismiss={() => setLoad(IDLE)} />}
        {mapping && (
          <MappingView
            key={`${mapping.file.name}:${mapping.file.size}:${mapping.file.lastModified}`}
            fileName={mapping.file.name}
            preview={mapping.preview}
            message={mapping.message}
            disabled={busy}
            onSubmit={(columns) => loadMapped(mapping.file, columns)}
            onCancel={() => {
              setMapping(null);
              setLoad(IDLE);
            }}
          />
        )}
        {log && !mapping && <SummaryView log={log} />}
        {log && !mapping && (
          <>
            <RunSettings value={settings} disabled={run.state === 'running'} onChange={setSettings} />
            <RunPanel
              status={run}
              steps={steps}
              progress={runProgress}
              losses={losses}
              backend={backend}
              canRun={!busy}
              onRun={() => void startRun()}
              onCancel={() => runAbort.current?.abort()}
            />
          </>
        )}
        {actionError && <ErrorView error={actionError} onDismiss={() => setActionError(null)} />}
        {results && (
          <ResultsView
            key={results.fromSession ? 'session' : 'run'}
            results={results.value}
            fromSession={results.fromSession}
            sweeping={sweeping}
            onResweep={(b, u) => void resweep(b, u)}
            onRecommend={recommend}
          />
        )}
        <section className="panel exports" aria-label="Save and open">
          <button type="button" className="button button--secondary" data-testid="export-weights" disabled={!results} onClick={exportWeights}>
            Export weights (JSON)
          </button>
          <button type="button" className="button button--secondary" data-testid="save-session" disabled={!results} onClick={saveSession}>
            Save session
          </button>
          <label className="button button--secondary">
            Open session…
            <input
              className="visually-hidden"
              type="file"
              accept=".json,application/json"
              data-testid="open-session"
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file) void openSession(file);
              }}
            />
          </label>
          <span className="muted">A session holds the settings and results, never the log itself.</span>
        </section>
      </main>
    </div>
  );
}
