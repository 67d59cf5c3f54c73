/**
 * Saving and opening sessions, and the weights export: files in and out of
 * the page, over the run's state. Nothing here reaches the worker: a session
 * holds the settings and results, never the log.
 */
import type { Dispatch } from 'react';
import type { LoadedLog } from '../../shared/protocol';
import { downloadText } from '../download';
import { makeSession, parseSession } from '../session';
import type { RunAction, RunState } from '../state/run-reducer';

export interface SessionHandle {
  canSave: boolean;
  save: () => void;
  open: (file: File) => Promise<void>;
  exportWeights: () => void;
}

export function useSession(run: { state: RunState; dispatch: Dispatch<RunAction> }, log: LoadedLog | null): SessionHandle {
  const { state, dispatch } = run;
  const results = state.results;
  return {
    canSave: results !== null,
    save: () => {
      if (!results) return;
      const session = makeSession(results.value, { name: log?.summary.name ?? 'unknown', rows: log?.summary.rows ?? 0 });
      downloadText(JSON.stringify(session, null, 2), 'attribution-session.json', 'application/json');
    },
    open: async (file: File) => {
      const parsed = parseSession(await file.text());
      if (parsed.ok) dispatch({ type: 'session-opened', results: parsed.session.results });
      else dispatch({ type: 'action-failed', error: { name: 'SessionError', message: parsed.error } });
    },
    exportWeights: () => {
      if (!results) return;
      // The CLI's weights file: {"<model>": {"<campaign id>": weight}}.
      downloadText(JSON.stringify(results.value.weights, null, 2), 'attribution-weights.json', 'application/json');
    },
  };
}
