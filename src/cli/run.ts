/**
 * What every command starts with: read the log, then run the steps it needs
 * from the one list in core/run, with progress and notes on stderr. The
 * commands only choose steps and shape their JSON.
 */
import { readFile } from 'node:fs/promises';
import { ingest } from '../core/ingest';
import { checkMapping, parseSavedMapping } from '../core/ingest/mapping';
import type { ColumnMapping } from '../core/ingest/types';
import { useBestNodeBackend } from '../core/models/backend';
import type { RunStep } from '../core/methods';
import { createRunContext, runSteps, type RunCallbacks, type RunContext, type RunOptions } from '../core/run';
import type { RunSettings } from '../core/settings';
import type { EventTable } from '../core/table';
import { log, progressLogger } from './command';
import { inputFromFlags, type FlagValues, type InputFlags } from './flags';
import { openInputFile } from './input';

export type LoadResult = { ok: true; table: EventTable } | { ok: false; error: string };

/**
 * The mapping the input flags give, checked by the app's rules (undefined for
 * the Criteo log); the message is prefixed with the flag it came from.
 */
export async function mappingFromFlags(input: InputFlags): Promise<{ ok: true; mapping?: ColumnMapping } | { ok: false; error: string }> {
  if (input.kind === 'criteo') return { ok: true };
  let mapping: Partial<ColumnMapping>;
  let from: string;
  if (input.kind === 'map') {
    mapping = input.mapping;
    from = '--map';
  } else {
    from = `--mapping ${input.path}`;
    let text: string;
    try {
      text = await readFile(input.path, 'utf8');
    } catch {
      return { ok: false, error: `Cannot read the mapping file ${input.path}.` };
    }
    const saved = parseSavedMapping(text);
    if (!saved.ok) return { ok: false, error: `${from}: ${saved.error}` };
    mapping = input.timeUnit ? { ...saved.mapping, timestampUnit: input.timeUnit } : saved.mapping;
  }
  const checked = checkMapping(mapping);
  return checked.ok ? checked : { ok: false, error: `${from}: ${checked.error}` };
}

/**
 * Reads and parses a log, with progress on stderr. `values` are the command's
 * parsed flags: the input ones (INPUT_OPTIONS: --map, --time-unit, --mapping,
 * --max-bad-rows) are read here; a usage mistake among them throws UsageError
 * before the file is opened.
 */
export async function loadTable(path: string, values: FlagValues = {}): Promise<LoadResult> {
  const input = inputFromFlags(values);
  const mapped = await mappingFromFlags(input);
  if (!mapped.ok) return mapped;
  let file;
  try {
    file = await openInputFile(path);
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  const progress = progressLogger('reading');
  const result = await ingest(file, {
    mapping: mapped.mapping,
    maxBadRowShare: input.maxBadRowShare,
    onProgress: (p) => progress(p.bytesRead, p.totalBytes),
  });
  if (!result.ok) {
    // The core's line speaks to the app's user; here the way to choose the columns is a flag.
    const hint = result.error.code === 'needs-mapping' ? ' Give them with --map user=COL,time=COL,campaign=COL,conversion=COL or --mapping FILE.' : '';
    return { ok: false, error: result.error.message + hint };
  }
  const t = result.table;
  log(`read ${t.rowCount} rows, ${t.userCount} users, ${t.campaignIds.length} campaigns`);
  return { ok: true, table: t };
}

/** Step progress on stderr: a line per preparation stage, a throttled percentage for the rest. */
function stderrProgress(): NonNullable<RunCallbacks['onStep']> {
  const loggers = new Map<string, (done: number, total: number) => void>();
  let stage = '';
  return (step, done, total, detail) => {
    if (step === 'prepare') {
      if (detail && detail !== stage && detail !== 'done') {
        stage = detail;
        log(`preparing: ${stage}`);
      }
      return;
    }
    if (done === 0 || !detail || detail.startsWith('done')) return;
    // One logger per line of text, so "epoch 2 of 5" restarts at 0%.
    const label = `${step}: ${detail.replace(/, loss [\d.]+$/, '')}`;
    if (!loggers.has(label)) loggers.set(label, progressLogger(label));
    loggers.get(label)!(done, total);
  };
}

/**
 * Runs `steps` on the table with the Node backend (started only when a step
 * trains or scores). Notes go to stderr; on failure the message is the error.
 */
export async function runCliSteps(
  table: EventTable | null,
  settings: RunSettings,
  steps: readonly RunStep[],
  options: RunOptions = {},
  callbacks: RunCallbacks = {},
): Promise<{ ok: true; ctx: RunContext } | { ok: false; error: string }> {
  const ctx = createRunContext(
    table,
    settings,
    {
      onStep: stderrProgress(),
      onEpoch: (model, r) =>
        log(`${model} epoch ${r.epoch}: loss ${r.trainLoss.toFixed(4)}, validation loss ${r.validationLoss.toFixed(4)} (${r.seconds.toFixed(1)} s)`),
      initBackend: async (preferred) => {
        const started = await useBestNodeBackend(preferred);
        return started.ok ? { ok: true, backend: started.backend } : started;
      },
      ...callbacks,
    },
    options,
  );
  const result = await runSteps(ctx, steps);
  if (!result.ok) return result;
  const prepared = ctx.prepared!;
  const s = prepared.stats;
  if (options.prepared) {
    log(`read ${prepared.journeys.count} prepared journeys (${s.convertedJourneys} converted), ${prepared.events.count} events, ${prepared.campaignIds.length} campaigns; prepared with ${JSON.stringify(prepared.settings)}`);
  } else if (steps.includes('prepare')) {
    log(`prepared ${prepared.journeys.count} journeys (${s.convertedJourneys} converted), ${prepared.events.count} events, ${prepared.campaignIds.length} campaigns`);
  }
  for (const note of ctx.notes) log(note);
  return { ok: true, ctx };
}
