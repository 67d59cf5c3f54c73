/**
 * Writes a synthetic Criteo-schema log with planted truth, of any size up to
 * the full 16.5 M rows, streaming (the text is never held whole).
 *
 *   npm run generate -- --rows 200000 --out demo.tsv --seed 1
 *   npm run generate -- --rows 16500000 --out big.tsv.gz
 *   npm run generate -- --world interaction --out w.tsv [--users U] [--seed S] [--budget-share 0.1]
 *   npm run generate -- --world-file W.json --out w.tsv
 *   npm run --silent generate -- --list-worlds
 *
 * Writes FILE and FILE.truth.json (roles, effects, removal losses, counts).
 * With a world, the truth also holds the oracle's figures: expected
 * conversions with no advertising, with today's delivery, and with the best
 * allocation found with the truth at the budget share. Progress goes to stderr.
 */
import { once } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { progressLogger } from '../src/cli/command';
import { DEMO_SYNTH_OPTIONS, resolveSynthOptions, syntheticChunks, usersForRows } from '../src/core/synth/generate';
import { bestAllocation, budgetOfShare, deliveredConversions, noAdsConversions, WorldRecorder } from '../src/core/synth/oracle';
import type { SynthOptions } from '../src/core/synth/types';
import { findWorld, parseWorldFile, worldNames, type WorldSpec } from '../src/core/synth/worlds';
import { runAsScript } from './as-script';

/** The Criteo log has 675 campaigns over 16.5 M rows; smaller files get about one campaign per 4,000 rows. */
function defaultCampaigns(rows: number): number {
  return Math.min(675, Math.max(10, Math.round(rows / 4000)));
}

const USAGE =
  'usage: npm run generate -- --rows N --out FILE[.gz] [--seed S] [--campaigns C] [--users U] [--journey-length L] [--base-log-odds=B]\n' +
  '       npm run generate -- (--world NAME | --world-file W.json) --out FILE[.gz] [--seed S] [--users U | --rows N] [--budget-share F]\n' +
  '       npm run --silent generate -- --list-worlds';

type Parsed =
  | { ok: true; list: true }
  | { ok: true; list?: false; options: SynthOptions; out: string; world?: WorldSpec; budgetShare: number }
  | { ok: false; error: string };

function numberArg(text: string | undefined, name: string): number | string | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : `--${name} must be a number, got "${text}".`;
}

export function parseGenerateArgs(args: string[]): Parsed {
  let values: Record<string, string | undefined>;
  let listWorlds: boolean;
  try {
    const parsed = parseArgs({
      args,
      options: {
        rows: { type: 'string' },
        out: { type: 'string' },
        seed: { type: 'string' },
        campaigns: { type: 'string' },
        users: { type: 'string' },
        'journey-length': { type: 'string' },
        'base-log-odds': { type: 'string' },
        world: { type: 'string' },
        'world-file': { type: 'string' },
        'list-worlds': { type: 'boolean' },
        'budget-share': { type: 'string' },
      },
      strict: true,
    }).values;
    const { 'list-worlds': list, ...strings } = parsed;
    listWorlds = list === true;
    values = strings;
  } catch (err) {
    // Node's parseArgs explains itself over several lines; the rule here is one line per error.
    return { ok: false, error: (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ') };
  }
  if (listWorlds) return { ok: true, list: true };
  if (!values.out) return { ok: false, error: '--out FILE is required.' };
  const numbers: Record<string, number | undefined> = {};
  for (const name of ['rows', 'seed', 'campaigns', 'users', 'journey-length', 'base-log-odds', 'budget-share']) {
    const n = numberArg(values[name], name);
    if (typeof n === 'string') return { ok: false, error: n };
    numbers[name] = n;
  }
  const budgetShare = numbers['budget-share'] ?? 0.1;
  if (!(budgetShare > 0 && budgetShare <= 1)) return { ok: false, error: '--budget-share must be above 0 and at most 1.' };
  if (values.world !== undefined && values['world-file'] !== undefined) return { ok: false, error: 'Give --world or --world-file, not both.' };
  let world: WorldSpec | undefined;
  if (values.world !== undefined) {
    world = findWorld(values.world);
    if (!world) return { ok: false, error: `Unknown world "${values.world}"; known: ${worldNames().join(', ')}.` };
  } else if (values['world-file'] !== undefined) {
    let text: string;
    try {
      text = readFileSync(values['world-file'], 'utf8');
    } catch (err) {
      return { ok: false, error: `Cannot read ${values['world-file']}: ${(err as Error).message}` };
    }
    const parsed = parseWorldFile(text);
    if (!parsed.ok) return parsed;
    world = parsed.spec;
  }
  if (world) return worldArgs(world, numbers, values.out, budgetShare);
  const rows = numbers.rows;
  if (rows === undefined && numbers.users === undefined) return { ok: false, error: 'Give --rows N (or --users U).' };
  if (rows !== undefined && !(Number.isInteger(rows) && rows >= 10 && rows <= 50_000_000)) {
    return { ok: false, error: '--rows must be a whole number from 10 to 50,000,000.' };
  }
  const base: Omit<SynthOptions, 'users'> = {
    seed: numbers.seed ?? 1,
    campaigns: numbers.campaigns ?? defaultCampaigns(rows ?? 200_000),
    meanJourneyLength: numbers['journey-length'],
    baseLogOdds: numbers['base-log-odds'],
  };
  // Check everything but the user count before the dry run that sizes it.
  const check = resolveSynthOptions({ ...base, users: 1 });
  if (!check.ok) return check;
  const users = numbers.users ?? usersForRows(rows!, base);
  const resolved = resolveSynthOptions({ ...base, users });
  if (!resolved.ok) return resolved;
  return { ok: true, options: resolved.options, out: values.out, budgetShare };
}

/** A world's options with the command line's seed and size laid over; the demo's seed unless told, so `--world demo` writes the demo. */
function worldArgs(world: WorldSpec, numbers: Record<string, number | undefined>, out: string, budgetShare: number): Parsed {
  for (const flag of ['campaigns', 'journey-length', 'base-log-odds']) {
    if (numbers[flag] !== undefined) return { ok: false, error: `--${flag} does not go with a world; put it in a --world-file.` };
  }
  const base: SynthOptions = { ...world.options, seed: numbers.seed ?? DEMO_SYNTH_OPTIONS.seed };
  const users = numbers.users ?? (numbers.rows !== undefined ? usersForRows(numbers.rows, base) : base.users);
  const resolved = resolveSynthOptions({ ...base, users });
  if (!resolved.ok) return resolved;
  return { ok: true, options: { ...base, users }, out, world, budgetShare };
}

export async function main(args: string[]): Promise<number> {
  const parsed = parseGenerateArgs(args);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.error}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.list) {
    process.stdout.write(JSON.stringify(worldNames()) + '\n');
    return 0;
  }
  const { options, out, world } = parsed;
  // Only a world keeps its journeys, for the oracle: a 16.5 M-row log would not fit.
  const recorder = world ? new WorldRecorder() : undefined;
  // Written under another name and renamed when whole: a killed run never leaves a log that looks complete
  // (the benchmarks reuse a cached log when its name exists).
  const partial = `${out}.partial`;
  const file = createWriteStream(partial);
  const gzip = out.endsWith('.gz') ? createGzip({ level: 6 }) : null;
  if (gzip) gzip.pipe(file);
  const sink: Writable = gzip ?? file;
  const failed = new Promise<never>((_, reject) => {
    file.on('error', reject);
    gzip?.on('error', reject);
  });
  failed.catch(() => {});

  process.stderr.write(`generating ${options.users} users, ${options.campaigns} campaigns, seed ${options.seed} -> ${out}\n`);
  const started = Date.now();
  const progress = progressLogger('users');
  const chunks = syntheticChunks(options, progress, recorder);
  let bytes = 0;
  let step = chunks.next();
  try {
    while (!step.done) {
      bytes += step.value.length;
      // Wait when the stream's buffer is full, so memory stays flat for a 2.4 GB file.
      if (!sink.write(step.value)) await Promise.race([once(sink, 'drain'), failed]);
      step = chunks.next();
    }
    sink.end();
    await Promise.race([once(file, 'finish'), failed]);
  } catch (error) {
    file.destroy();
    await rm(partial, { force: true });
    throw error;
  }
  const truth = step.value;
  await rename(partial, out);
  let written: object = truth;
  if (recorder && world) {
    const planted = recorder.finish();
    const budget = budgetOfShare(planted.log, parsed.budgetShare, 'impressions');
    const best = bestAllocation(planted, budget, 'impressions');
    written = {
      world: { name: world.name, summary: world.summary },
      ...truth,
      oracle: {
        budgetShare: parsed.budgetShare,
        budget,
        unit: 'impressions',
        noAds: noAdsConversions(planted),
        delivered: deliveredConversions(planted),
        best: {
          expected: best.expected,
          found: best.found,
          pitch: best.pitch,
          budgets: Object.fromEntries(planted.log.campaignIds.map((id, c) => [id, best.allocation.budgets[c]]).filter(([, b]) => (b as number) > 0)),
        },
      },
    };
  }
  await writeFile(`${out}.truth.json`, JSON.stringify(written, null, 2) + '\n');
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write(
    `wrote ${truth.counts.rows} rows (${(bytes / 1e6).toFixed(1)} MB of text) in ${seconds.toFixed(1)} s ` +
      `(${Math.round(truth.counts.rows / seconds)} rows/s); truth in ${out}.truth.json\n`,
  );
  return 0;
}

// Run only as a script, so tests can import parseGenerateArgs.
runAsScript(import.meta.url, main);
