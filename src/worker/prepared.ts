/**
 * A prepared file (the SQL export's touchpoints, docs/warehouse.md) read into
 * the worker instead of a log: the bytes go through the same pure reader as
 * the CLI's `--prepared` (core/prepare/prepared-file.ts), the summary says the
 * data came prepared and with which settings, and each run builds its
 * PreparedData from the kept rows (the file's preparation settings, the run's
 * maximum touchpoints and which to keep) and skips its prepare step.
 */
import { preparedFromRows, type PreparedRows } from '../core/prepare/from-rows';
import { describePreparedSettings, preparedFileRows, preparedFileSettings } from '../core/prepare/prepared-file';
import type { PreparedData } from '../core/prepared';
import type { PrepareSettings } from '../core/settings';
import { summarizePrepared } from '../core/summary';
import { CANCELLED, type JobResult, type LoadedLog } from '../shared/protocol';

/** What the worker keeps of a prepared file between calls. */
export interface PreparedInput {
  name: string;
  /** The settings the SQL prepared with. */
  settings: PrepareSettings;
  rows: PreparedRows;
}

/** What the worker needs of a picked file (a File in the browser, in Node too). */
export interface PickedFile {
  name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

const SETTINGS_SUFFIX = '.settings';

function fail(message: string): JobResult<never> {
  return { ok: false, error: { name: 'PreparedFileError', message } };
}

/**
 * Reads the prepared file among `files` (a .csv or .parquet) and its side file
 * FILE.settings when it was picked with it. Nothing is kept on failure.
 */
export async function readPreparedInput(files: PickedFile[], signal: AbortSignal): Promise<JobResult<{ input: PreparedInput; log: LoadedLog }>> {
  const started = performance.now();
  const data = files.filter((f) => !f.name.toLowerCase().endsWith(SETTINGS_SUFFIX));
  if (data.length !== 1) {
    return fail(
      data.length === 0
        ? 'Choose the prepared file itself (.csv or .parquet), with its .settings file if the export wrote one.'
        : `Choose one prepared file at a time (with its .settings file), not ${data.length}.`,
    );
  }
  const file = data[0];
  const side = files.find((f) => f.name === `${file.name}${SETTINGS_SUFFIX}`) ?? files.find((f) => f !== file);
  let bytes: ArrayBuffer;
  let sideSettings: string | undefined;
  try {
    bytes = await file.arrayBuffer();
    sideSettings = side ? new TextDecoder().decode(await side.arrayBuffer()) : undefined;
  } catch {
    return fail(`${file.name} cannot be read.`);
  }
  if (signal.aborted) return { ok: false, error: CANCELLED };
  const input = { name: file.name, data: bytes, sideSettings };
  const settings = preparedFileSettings(input);
  if (!settings.ok) return fail(settings.error);
  const rows = await preparedFileRows(input);
  if (!rows.ok) return fail(rows.error);
  if (signal.aborted) return { ok: false, error: CANCELLED };
  const prepared = preparedFromRows(rows.rows, settings.settings);
  if (prepared.stats.convertedJourneys === 0) return fail(`${file.name}: none of its journeys converted, so there is nothing to attribute.`);
  const notes = [
    `Prepared by the SQL export (docs/warehouse.md): the run starts from these touchpoints and skips its own preparation.`,
    `The SQL's settings: ${describePreparedSettings(settings.settings)}.`,
    'Of the preparation settings below only the maximum touchpoints and which ones to keep apply; the others are the file\u2019s.',
  ];
  const summary = summarizePrepared(prepared, file.name, notes);
  return {
    ok: true,
    value: { input: { name: file.name, settings: settings.settings, rows: rows.rows }, log: { summary, elapsedMs: performance.now() - started } },
  };
}

/** The run's prepare settings on a prepared file: the file's, with the run's cut of the sequences. */
export function preparedSettingsFor(input: PreparedInput, asked: PrepareSettings): PrepareSettings {
  return { ...input.settings, maxTouchpoints: asked.maxTouchpoints, keep: asked.keep };
}

/** The prepared journeys a run on this file starts from. */
export function preparedFor(input: PreparedInput, settings: PrepareSettings): PreparedData {
  return preparedFromRows(input.rows, settings);
}
