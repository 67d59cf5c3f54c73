/**
 * Timing of journey preparation, one budget replay and the article's pitch
 * sweep (8 pitches x 6 weight vectors) on a full-size log.
 *
 *   npm run bench:simulate                 # 16.5 M rows
 *   npm run bench:simulate -- --rows 2000000
 *
 * Reads the cached generated log of bench/ingest.ts
 * (~/.cache/attribution-lab/criteo-16.5M.tsv.gz) when it is there and --rows is
 * not given; otherwise generates a log with the same generator straight into
 * the ingest, in memory (nothing is written). Targets: preparation of all
 * events under 10 s, one replay under 1 s, the sweep under 8 CPU-s. The sweep
 * is timed twice in one run: every pitch replayed event by event (before),
 * and sweepPitches (replays side by side, one pass per model), with a check that they agree.
 * --skip-features leaves out the preparation with features (memory).
 */
import { existsSync, openAsBlob } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { progressLogger } from '../src/cli/command';
import { attributePositions } from '../src/core/attribution/position';
import { ingest } from '../src/core/ingest';
import type { InputFile } from '../src/core/ingest/types';
import { groupJourneys } from '../src/core/journeys';
import { prepareJourneys } from '../src/core/prepare';
import { DEFAULT_PITCHES, DEFAULT_PREPARE, POSITION_MODELS, type PrepareSettings } from '../src/core/settings';
import { campaignBudgets, replay, replayInput, resolveWeights, sweepPitches } from '../src/core/simulate';
import { syntheticChunks, usersForRows } from '../src/core/synth/generate';
import type { EventTable } from '../src/core/table';

const FULL_ROWS = 16_468_027;
const CACHE = join(homedir(), '.cache', 'attribution-lab', 'criteo-16.5M.tsv.gz');

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(2);
}

/**
 * Runs `f`, with wall-clock and CPU seconds: on a machine shared with other
 * jobs the wall clock overstates the cost, and CPU time is the fairer figure.
 */
function timed<T>(f: () => T): { value: T; figures: string } {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const value = f();
  const used = process.cpuUsage(cpu);
  return { value, figures: `${seconds(wall)} s wall, ${((used.user + used.system) / 1e6).toFixed(2)} s CPU` };
}

/** The generator's chunks as a file the ingest can read, without writing it anywhere. */
function generatedFile(rows: number): InputFile {
  const base = { seed: 1, campaigns: 675 };
  const users = usersForRows(rows, base);
  const progress = progressLogger('generating');
  let chunks: Generator<Uint8Array> | null = null;
  return {
    name: `generated-${rows}.tsv`,
    // Only used for progress figures; about 150 bytes a row.
    size: rows * 150,
    stream: () =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          chunks ??= syntheticChunks({ ...base, users }, progress);
          const step = chunks.next();
          if (step.done) controller.close();
          else controller.enqueue(step.value);
        },
      }),
  };
}

async function loadTable(rows: number | undefined): Promise<EventTable> {
  const useCache = rows === undefined && existsSync(CACHE);
  const file: InputFile = useCache
    ? await (async () => {
        const blob = await openAsBlob(CACHE);
        return { name: CACHE, size: blob.size, stream: () => blob.stream() as ReadableStream<Uint8Array> };
      })()
    : generatedFile(rows ?? FULL_ROWS);
  process.stderr.write(`reading ${file.name}\n`);
  const started = performance.now();
  const progress = progressLogger('reading');
  const result = await ingest(file, { onProgress: (p) => progress(p.bytesRead, p.totalBytes) });
  if (!result.ok) throw new Error(result.error.message);
  process.stderr.write(`read ${result.table.rowCount} rows in ${seconds(started)} s (not part of the targets)\n`);
  return result.table;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, 'skip-features': { type: 'boolean', default: false } }, strict: true });
  const rows = values.rows === undefined ? undefined : Number(values.rows);
  const table = await loadTable(rows);

  // Every event goes through: all campaigns, no balancing, no minimum length.
  const everything: PrepareSettings = { ...DEFAULT_PREPARE, campaigns: { kind: 'all' }, balance: 'none', minTouchpoints: 1 };
  const grouped = timed(() => groupJourneys(table));
  const lean = timed(() => prepareJourneys(table, everything, undefined, { journeys: grouped.value, features: false }));
  const prepared = lean.value;
  console.log(`rows                          ${table.rowCount}`);
  console.log(`journeys                      ${prepared.journeys.count} (${prepared.stats.convertedJourneys} converted)`);
  console.log(`events prepared               ${prepared.events.count}`);
  console.log(`group journeys                ${grouped.figures}`);
  console.log(`prepare for the replay        ${lean.figures} (+ grouping: target < 10 s)`);

  // Features and padded sequences take journeys x steps of memory: measured with the
  // default minimum of 2 touchpoints, as the models would be trained.
  if (!values['skip-features']) {
    const full = timed(() => prepareJourneys(table, { ...everything, minTouchpoints: DEFAULT_PREPARE.minTouchpoints }));
    const seq = full.value.sequences;
    const bytes = seq.campaign.byteLength + seq.categories.byteLength + seq.numeric.byteLength + seq.mask.byteLength;
    console.log(
      `prepare with features         ${full.figures} (grouping included; ${full.value.journeys.count} journeys, ` +
        `sequences ${(bytes / 2 ** 30).toFixed(2)} GiB)`,
    );
  }

  const position = timed(() => Object.fromEntries(attributePositions(prepared, POSITION_MODELS).map((r) => [r.model, r.weights])));
  const weights = position.value;
  console.log(`5 position models             ${position.figures}`);

  const input = replayInput(prepared);
  const lta = resolveWeights(input.campaignIds, weights.lta);
  if (!lta.ok) throw new Error(lta.error);
  const budgets = campaignBudgets(lta.weights, 0.1 * input.events.count, 1, 'impressions');
  replay(input, budgets, 'impressions');
  const once = timed(() => replay(input, budgets, 'impressions'));
  console.log(`one replay                    ${once.figures} (target < 1 s; ${once.value.conversions} conversions)`);

  // Before: every pitch replayed event by event (what sweepPitches did before replayLanes).
  const settings = { pitches: [...DEFAULT_PITCHES], unit: 'impressions' as const };
  const perPitch = timed(() => {
    const state = new Uint8Array(input.journeyLabel.length);
    const uniform = Object.fromEntries(input.campaignIds.map((id) => [id, 1]));
    const out: number[][] = [];
    for (const w of [...Object.values(weights), uniform]) {
      const r = resolveWeights(input.campaignIds, w);
      if (!r.ok) throw new Error(r.error);
      out.push(settings.pitches.map((p) => replay(input, campaignBudgets(r.weights, 0.1 * input.events.count, p, 'impressions'), 'impressions', state).conversions));
    }
    return out;
  });
  const swept = timed(() => sweepPitches(input, weights, settings));
  const sweep = swept.value;
  if (!sweep.ok) throw new Error(sweep.error);
  const vectors = sweep.models.length;
  const same = sweep.models.every((m, i) => m.results.every((r, k) => r.conversions === perPitch.value[i][k]));
  console.log(`sweep ${DEFAULT_PITCHES.length} pitches x ${vectors} vectors, per-pitch replay (before)   ${perPitch.figures}`);
  console.log(`sweep ${DEFAULT_PITCHES.length} pitches x ${vectors} vectors, sweepPitches (8 lanes a pass)    ${swept.figures} (target < 8 CPU-s at 16.5 M rows; same conversions as before: ${same})`);
  for (const m of sweep.models) console.log(`  ${m.model.padEnd(10)} best pitch ${m.best.pitch}, ${m.best.conversions} conversions`);
  if (!same) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
