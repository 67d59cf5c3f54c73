/**
 * `summary FILE [--map ... | --mapping FILE] [--time-unit s|ms|iso] [--max-bad-rows SHARE]`:
 * reads a log and prints its data summary as one JSON object. A rejected file
 * exits 1 with the ingest's one-line message on stderr.
 */
import { summarize } from '../../core/summary';
import { log, parseArgs, printJson, UsageError, withUsageErrors, type CliCommand } from '../command';
import { INPUT_OPTIONS, INPUT_USAGE } from '../flags';
import { loadTable } from '../run';

const USAGE = `usage: npm run --silent cli -- summary FILE ${INPUT_USAGE}`;

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...INPUT_OPTIONS }, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const loaded = await loadTable(positionals[0], values);
  if (!loaded.ok) {
    log(loaded.error);
    return 1;
  }
  printJson(summarize(loaded.table));
  return 0;
}

export const summaryCommand: CliCommand = {
  summary: 'read a log (.tsv/.csv, .gz, .zip) and print its data summary as JSON',
  run: withUsageErrors(run),
};
