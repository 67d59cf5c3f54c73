/**
 * `export-sql --dialect duckdb|bigquery|spark [--table NAME | FILE] [--out TARGET]`
 * plus the preparation flags and --map / --mapping / --time-unit: prints the
 * preparation for those settings as one SQL script (see docs/warehouse.md).
 * stdout: the script, nothing else. A mapping that names a column the file's
 * header lacks, or a log the SQL cannot prepare, exits 1 with one line on
 * stderr and prints nothing.
 */
import { open } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { ColumnMapping } from '../../core/ingest/types';
import { CRITEO_SQL_COLUMNS, preparationSql, SQL_DIALECTS, type SqlColumns, type SqlDialect, type SqlSource } from '../../core/prepare/sql';
import { MODEL_CATEGORY_COLUMNS } from '../../core/table';
import { log, parseArgs, UsageError, withUsageErrors, type CliCommand } from '../command';
import { INPUT_OPTIONS, INPUT_USAGE, inputFromFlags, PREPARE_OPTIONS, PREPARE_USAGE, prepareSettingsFromFlags } from '../flags';
import { mappingFromFlags } from '../run';

const USAGE =
  `usage: npm run --silent cli -- export-sql --dialect ${SQL_DIALECTS.join('|')} [--table NAME | FILE] [--out FILE|TABLE] ` +
  `${PREPARE_USAGE} ${INPUT_USAGE}`;

type Columns = { ok: true; columns: SqlColumns } | { ok: false; error: string };

/** The SQL's columns from an app mapping; what the SQL cannot do yet is said in one line. */
export function sqlColumnsFromMapping(m: ColumnMapping): Columns {
  if (m.conversionEvent) {
    return { ok: false, error: 'export-sql needs a conversion id column (conversion-id=COL); journeys cut at conversion rows are not in the SQL yet.' };
  }
  if (!m.conversionId) return { ok: false, error: 'export-sql needs a conversion id column: add conversion-id=COL to the mapping.' };
  if (m.timestampUnit === 'auto') return { ok: false, error: 'export-sql cannot detect the time unit: give --time-unit s, ms or iso.' };
  // The app's candidates: the mapped categories and user attributes (the article's columns when the log has them).
  const categories = [...(m.categories ?? []), ...(m.userAttributes ?? [])];
  const model = MODEL_CATEGORY_COLUMNS.filter((c) => categories.includes(c));
  return {
    ok: true,
    columns: {
      timestamp: m.timestamp,
      timestampUnit: m.timestampUnit,
      user: m.user,
      campaign: m.campaign,
      conversionId: m.conversionId,
      noConversion: 'zero-or-minus-one',
      conversion: m.conversion,
      click: m.click,
      cost: m.cost,
      categories: model.length > 0 ? [...model] : [...categories],
      ...(m.userAttributes?.length ? { userAttributes: [...m.userAttributes] } : {}),
    },
  };
}

function sourceOf(path: string): SqlSource {
  const lower = path.toLowerCase().replace(/\.gz$/, '');
  const format = lower.endsWith('.parquet') ? 'parquet' : lower.endsWith('.csv') ? 'csv' : 'tsv';
  return { kind: 'file', path, format };
}

/** The header line of a text log (plain or gzip), or null when it cannot be read that way. */
async function headerOf(path: string): Promise<string[] | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const buffer = Buffer.alloc(1 << 16);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    let bytes = buffer.subarray(0, bytesRead);
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      // A 64 KiB gzip prefix is not a whole stream; the sync inflater stops at the end of the input.
      try {
        bytes = gunzipSync(bytes, { finishFlush: 2 });
      } catch {
        return null;
      }
    }
    const line = bytes.toString('utf8').split(/\r?\n/)[0];
    const delimiter = line.includes('\t') ? '\t' : ',';
    return line.split(delimiter).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  } finally {
    await handle.close();
  }
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { dialect: { type: 'string' }, table: { type: 'string' }, out: { type: 'string' }, ...PREPARE_OPTIONS, ...INPUT_OPTIONS },
    allowPositionals: true,
    strict: true,
  });
  const dialect = values.dialect;
  if (dialect === undefined || !(SQL_DIALECTS as readonly string[]).includes(dialect)) {
    throw new UsageError(dialect === undefined ? USAGE : `--dialect takes ${SQL_DIALECTS.join(', ')}; got "${dialect}". ${USAGE}`);
  }
  const table = values.table;
  if ((table === undefined) === (positionals.length !== 1) || positionals.length > 1) {
    throw new UsageError(`Give the log as --table NAME or as one FILE. ${USAGE}`);
  }
  const flags = prepareSettingsFromFlags(values);
  if (!flags.ok) throw new UsageError(flags.error);
  const input = inputFromFlags(values);
  const mapped = await mappingFromFlags(input);
  if (!mapped.ok) {
    log(mapped.error);
    return 1;
  }
  let columns = CRITEO_SQL_COLUMNS;
  if (mapped.mapping) {
    const fromMapping = sqlColumnsFromMapping(mapped.mapping);
    if (!fromMapping.ok) {
      log(fromMapping.error);
      return 1;
    }
    columns = fromMapping.columns;
  }
  const source: SqlSource = table !== undefined ? { kind: 'table', name: table } : sourceOf(positionals[0]);
  if (source.kind === 'file' && dialect === 'bigquery') throw new UsageError('BigQuery reads a table: load the file first and pass --table DATASET.TABLE.');
  if (source.kind === 'file' && dialect === 'spark' && source.format !== 'parquet') {
    throw new UsageError('Spark reads Parquet files directly; for a CSV log make a table first and pass --table NAME.');
  }
  if (source.kind === 'file' && source.format !== 'parquet') {
    const header = await headerOf(source.path);
    if (header === null) {
      log(`Cannot read ${source.path}.`);
      return 1;
    }
    const named = [columns.user, columns.timestamp, columns.campaign, columns.conversionId, columns.conversion, columns.click, columns.cost, columns.timeSinceLastClick, ...columns.categories];
    const missing = named.filter((c): c is string => c !== undefined && !header.includes(c));
    if (missing.length > 0) {
      const from = input.kind === 'map' ? '--map: ' : input.kind === 'file' ? `--mapping ${input.path}: ` : '';
      log(`${from}${source.path} has no column ${missing.map((c) => `"${c}"`).join(', ')} (its header: ${header.slice(0, 30).join(', ')}).`);
      return 1;
    }
  }
  const exported = preparationSql({ dialect: dialect as SqlDialect, settings: flags.settings, source, columns, output: values.out });
  if (!exported.ok) {
    log(exported.error);
    return 1;
  }
  process.stdout.write(exported.sql);
  return 0;
}

export const exportSqlCommand: CliCommand = {
  summary: 'print the preparation as one SQL script for DuckDB, BigQuery or Spark (docs/warehouse.md)',
  run: withUsageErrors(run),
};
