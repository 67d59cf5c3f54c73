/** Saved sessions: settings and results as JSON, never the log itself. */
import type { RunResults, SavedSession } from '../shared/protocol';

export function makeSession(results: RunResults, source: { name: string; rows: number }): SavedSession {
  return { app: 'attribution-lab', version: 1, savedAt: new Date().toISOString(), source, results };
}

export type SessionParse = { ok: true; session: SavedSession } | { ok: false; error: string };

export function parseSession(text: string): SessionParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: 'This file is not a saved session (it is not JSON).' };
  }
  const v = value as Partial<SavedSession> | null;
  if (!v || typeof v !== 'object' || v.app !== 'attribution-lab') {
    return { ok: false, error: 'This JSON file is not an Attribution Lab session.' };
  }
  if (v.version !== 1) return { ok: false, error: `This session was saved by another version of the app (version ${String(v.version)}).` };
  const r = v.results as Partial<RunResults> | undefined;
  if (!r || !Array.isArray(r.campaignIds) || typeof r.weights !== 'object' || !r.sweep || !Array.isArray(r.sweep.models)) {
    return { ok: false, error: 'The session file is incomplete: it has no results to show.' };
  }
  return { ok: true, session: v as SavedSession };
}
