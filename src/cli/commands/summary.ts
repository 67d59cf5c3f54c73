/**
 * `summary FILE`: reads a log and prints its data summary as one JSON object.
 * A rejected file exits 1 with the ingest's one-line message on stderr.
 */
import { ingest } from '../../core/ingest';
import { summarize } from '../../core/summary';
import { log, parseArgs, printJson, progressLogger, UsageError, type CliCommand } from '../command';
import { openInputFile } from '../input';

const USAGE = 'usage: npm run --silent cli -- summary FILE [--max-bad-rows SHARE]';

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'max-bad-rows': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError(USAGE);
  let maxBadRowShare: number | undefined;
  if (values['max-bad-rows'] !== undefined) {
    maxBadRowShare = Number(values['max-bad-rows']);
    if (!(maxBadRowShare >= 0 && maxBadRowShare <= 1)) throw new UsageError('--max-bad-rows takes a share between 0 and 1, e.g. 0.01.');
  }
  let file;
  try {
    file = await openInputFile(positionals[0]);
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
    return 1;
  }
  const progress = progressLogger('reading');
  const result = await ingest(file, { maxBadRowShare, onProgress: (p) => progress(p.bytesRead, p.totalBytes) });
  if (!result.ok) {
    log(result.error.message);
    return 1;
  }
  printJson(summarize(result.table));
  return 0;
}

export const summaryCommand: CliCommand = {
  summary: 'read a log (.tsv/.csv, .gz, .zip) and print its data summary as JSON',
  run,
};
