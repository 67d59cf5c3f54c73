import { useState } from 'react';
import { AnswerView } from './components/AnswerView';
import { ChannelsPanel } from './components/ChannelsPanel';
import { DropZone } from './components/DropZone';
import { ErrorView } from './components/ErrorView';
import { LoadProgress } from './components/LoadProgress';
import { MappingView } from './components/MappingView';
import { ResultsView } from './components/ResultsView';
import { RunPanel } from './components/RunPanel';
import { RunSettings } from './components/RunSettings';
import { SummaryView } from './components/SummaryView';
import { downloadText } from './download';
import { useLabels } from './hooks/useLabels';
import { useLoad } from './hooks/useLoad';
import { useRun } from './hooks/useRun';
import { useSession } from './hooks/useSession';
import type { WhatIfState } from './answer';
import { reportHtml } from './report';
import type { ResponseCurves, RunResults } from '../shared/protocol';

/** The page: what each hook knows, laid out. Loading, the run and sessions live in ./hooks. */
export function App() {
  const run = useRun();
  const labels = useLabels();
  const load = useLoad(() => {
    run.reset();
    labels.clear();
  });
  const session = useSession(run, load.log);
  const { settings, status, steps, progress, losses, backend, results, sweeping, actionError } = run.state;
  const { log, mapping } = load;
  const busy = load.status.state === 'running' || status.state === 'running';
  // Settings are the technical detail once there is an answer: folded then, open before the first run.
  const [settingsOpen, setSettingsOpen] = useState<boolean | null>(null);
  const showSettings = settingsOpen ?? !results;
  // What the report adds when the marketer made it: an edited what-if and drawn response curves, of these results only.
  const [extras, setExtras] = useState<{ of: RunResults | null; whatIf: WhatIfState | null; curves: ResponseCurves | null }>({ of: null, whatIf: null, curves: null });
  const current = results && extras.of === results.value ? extras : { whatIf: null, curves: null };
  const setExtra = (patch: Partial<Pick<typeof extras, 'whatIf' | 'curves'>>) => {
    const of = results?.value ?? null;
    setExtras((old) => ({ ...(old.of === of ? old : { whatIf: null, curves: null }), ...patch, of }));
  };

  // Names and channels sit under the answer once there is one, beside the data summary before.
  const channels = log && !mapping && (
    <ChannelsPanel
      labels={labels.labels}
      source={labels.source}
      message={labels.message}
      disabled={busy}
      columns={log.summary.groupingColumns ?? []}
      onColumn={(column) => void labels.groupBy(column)}
      onFile={(file) => void labels.open(file, log.summary.eventsPerCampaign.map((c) => c.campaign))}
      onClear={labels.clear}
    />
  );

  function downloadReport() {
    if (!results) return;
    const html = reportHtml({
      results: results.value,
      labels: labels.labels,
      level: labels.level,
      whatIf: current.whatIf,
      curves: current.curves,
      source: { name: log?.summary.name ?? 'saved session', rows: log?.summary.rows ?? 0 },
      made: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    });
    downloadText(html, 'attribution-report.html', 'text/html');
  }

  return (
    <div className="app">
      <header className="app__header">
        <h1>Attribution Lab</h1>
        <p className="muted">
          Which campaigns earn their conversions, and where should the budget go? Everything runs in this browser tab.
        </p>
      </header>
      <main className="app__main">
        {results && (
          <AnswerView
            key={results.fromSession ? 'session' : 'run'}
            results={results.value}
            labels={labels.labels}
            level={labels.level}
            onLevel={labels.setLevel}
            onReport={downloadReport}
            onJudge={results.fromSession ? undefined : run.judgeAllocation}
            onCurves={results.fromSession ? undefined : run.responseCurves}
            onWhatIf={(whatIf) => setExtra({ whatIf })}
            onCurvesDrawn={(curves) => setExtra({ curves })}
          />
        )}
        {results && channels}
        {results && (
          <ResultsView
            key={results.fromSession ? 'session' : 'run'}
            results={results.value}
            labels={labels.labels}
            fromSession={results.fromSession}
            sweeping={sweeping}
            onResweep={(b, u) => void run.resweep(b, u)}
            onRecommend={run.recommend}
          />
        )}
        <DropZone disabled={busy} onFile={load.loadFile} onDemo={load.loadDemo} onPrepared={load.loadPrepared} />
        {load.restartNotice && (
          <section className="panel" role="status" data-testid="worker-restarted">
            <p>{load.restartNotice}</p>
            <button type="button" className="button button--secondary" onClick={load.dismissRestart}>
              Dismiss
            </button>
          </section>
        )}
        {load.status.state === 'running' && <LoadProgress label={load.label} progress={load.status.progress} onCancel={load.cancel} />}
        {load.status.state === 'failed' && <ErrorView error={load.status.error} onDismiss={load.dismissError} />}
        {mapping && (
          <MappingView
            key={`${mapping.file.name}:${mapping.file.size}:${mapping.file.lastModified}`}
            fileName={mapping.file.name}
            preview={mapping.preview}
            message={mapping.message}
            disabled={busy}
            onSubmit={(columns) => load.loadMapped(mapping.file, columns)}
            onCancel={load.cancelMapping}
          />
        )}
        {log && !mapping && (
          <>
            {!results && channels}
            <SummaryView log={log} labels={labels.labels} />
            <details
              className="fold"
              data-testid="settings-fold"
              open={showSettings}
              onToggle={(e) => {
                const open = (e.target as HTMLDetailsElement).open;
                if (open !== showSettings) setSettingsOpen(open);
              }}
            >
              <summary>Settings for the next run</summary>
              <RunSettings
                value={settings}
                disabled={status.state === 'running'}
                onChange={run.setSettings}
                onForgetKeptModels={run.forgetKeptModels}
                campaignIds={log.summary.eventsPerCampaign.map((c) => c.campaign)}
              />
            </details>
            <RunPanel
              status={status}
              steps={steps}
              progress={progress}
              losses={losses}
              backend={backend}
              canRun={!busy}
              onRun={() => void run.start({ hasCost: log.summary.hasCost === true })}
              onCancel={run.cancel}
            />
          </>
        )}
        {actionError && <ErrorView error={actionError} onDismiss={run.dismissError} />}
        <section className="panel exports" aria-label="Save and open">
          <button type="button" className="button button--secondary" data-testid="export-weights" disabled={!session.canSave} onClick={session.exportWeights}>
            Export weights (JSON)
          </button>
          <button type="button" className="button button--secondary" data-testid="save-session" disabled={!session.canSave} onClick={session.save}>
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
                if (file) void session.open(file);
              }}
            />
          </label>
          <span className="muted">A session holds the settings and results, never the log itself.</span>
        </section>
      </main>
    </div>
  );
}
