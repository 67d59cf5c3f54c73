/**
 * The warehouse path at scale: DuckDB writes a generated Criteo-schema log as
 * Parquet (by default 100 M rows, six times Criteo's 16.5 M), runs the
 * preparation script of `export-sql` on it, and the CLI trains the logistic
 * regression on the prepared sample (`train --prepared`). Prints rows/s, peak
 * memory and wall time per stage.
 *
 *   npm run bench:warehouse                        # 100 M rows
 *   npm run bench:warehouse -- --rows 10000000 --dir /tmp/wh --threads 2
 *
 * Each stage runs in a child process of its own, so its peak resident memory
 * (maxRSS) is its own. The log: users = rows / 10, 675 campaigns, 0.2% of
 * users convert (all their impressions belong to that conversion), 5% clicks,
 * about half the rows with a time since the last click; values come from
 * DuckDB's hash() of the row number, so the same rows come out every time.
 * The generated files stay in --dir (default: a folder under the OS temp
 * folder) and are removed at the end unless --keep. `--stages prepare,train`
 * runs only those (on the files a kept earlier run left in --dir). The disk
 * column is the most --dir held while the stage ran (log, spill, output),
 * sampled every second.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { preparationSql } from '../src/core/prepare/sql';
import { DEFAULT_PREPARE, type PrepareSettings } from '../src/core/settings';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SETTINGS: PrepareSettings = { ...DEFAULT_PREPARE, seed: 7 };

interface StageResult {
  stage: string;
  seconds: number;
  maxRssMiB: number;
  rows: number;
  detail: Record<string, unknown>;
}

async function duck(threads: number, dir: string) {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await connection.run(`SET threads = ${threads}`);
  await connection.run(`SET memory_limit = '8GB'`);
  await connection.run(`SET temp_directory = '${join(dir, 'spill')}'`);
  // The hash layers keep every input column; order is not needed until the final ORDER BY.
  await connection.run(`SET preserve_insertion_order = false`);
  return connection;
}

/** The generated log: only the columns the preparation reads (the others would only cost disk). */
function generateSql(rows: number, path: string): string {
  const users = Math.max(1, Math.floor(rows / 10));
  const cat = (k: number, size: number) => `CAST(hash(i * ${k + 17}) % ${size} AS BIGINT) AS cat${k}`;
  return `COPY (
  SELECT
    CAST(i * 2678400 // ${rows} AS BIGINT) AS timestamp,
    u AS uid,
    CAST(1000 + hash(i * 3) % 675 AS BIGINT) AS campaign,
    converts AS conversion,
    CASE WHEN converts = 1 THEN u * 7 + 3 ELSE -1 END AS conversion_id,
    CAST(hash(i * 5) % 20 = 0 AS INTEGER) AS click,
    CAST(hash(i * 11) % 100000 AS DOUBLE) / 1e6 AS cost,
    CASE WHEN hash(i * 13) % 2 = 0 THEN -1 ELSE CAST(hash(i * 13) % 86400 AS BIGINT) END AS time_since_last_click,
    ${[1, 2, 3, 4, 5, 6, 8].map((k) => cat(k, k * 300)).join(',\n    ')}
  FROM (
    SELECT i, u, CAST(hash(u * 31 + 1) % 1000 < 2 AS INTEGER) AS converts
    FROM (SELECT range AS i, CAST(hash(range) % ${users} AS BIGINT) AS u FROM range(${rows}))
  )
) TO '${path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)`;
}

async function stage(name: string, rows: number, dir: string, threads: number): Promise<StageResult> {
  const log = join(dir, 'log.parquet');
  const prepared = join(dir, 'prepared.csv');
  const started = performance.now();
  const detail: Record<string, unknown> = {};
  if (name === 'generate') {
    const c = await duck(threads, dir);
    await c.run(generateSql(rows, log));
    detail.parquetMiB = Math.round(statSync(log).size / 2 ** 20);
  } else if (name === 'prepare') {
    const c = await duck(threads, dir);
    const exported = preparationSql({ dialect: 'duckdb', settings: SETTINGS, source: { kind: 'file', path: log, format: 'parquet' }, output: prepared });
    if (!exported.ok) throw new Error(exported.error);
    await c.run(exported.sql);
    const counted = await c.runAndReadAll(`SELECT COUNT(*) AS n, COUNT(DISTINCT journey_id) AS j, SUM(label) AS converted FROM read_csv('${prepared}')`);
    const [n, j, converted] = counted.getRows()[0].map(Number);
    Object.assign(detail, { preparedRows: n, preparedJourneys: j, convertedTouchpoints: converted, csvMiB: Math.round(statSync(prepared).size / 2 ** 20) });
  } else {
    // The CLI itself, in this process, so maxRSS is the training's.
    const { trainCommand } = await import('../src/cli/commands/train');
    const code = await trainCommand.run(['--prepared', prepared, '--models', 'logreg', '--epochs', '1', '--backend', 'wasm', '--out', join(dir, 'weights.json')]);
    if (code !== 0) throw new Error(`train exited ${code}`);
  }
  const seconds = (performance.now() - started) / 1000;
  return { stage: name, seconds, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), rows, detail };
}

/** Bytes under `dir`, recursively (the spill folder included). */
function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    try {
      total += entry.isDirectory() ? diskBytes(path) : statSync(path).size;
    } catch {
      // A spill file removed while we looked.
    }
  }
  return total;
}

/** One stage in a child process of its own, polling the disk --dir holds while it runs. */
function runStage(name: string, rows: number, dir: string, threads: number): Promise<StageResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [fileURLToPath(import.meta.url), '--stage', name, '--rows', String(rows), '--dir', dir, '--threads', String(threads)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let peakDisk = diskBytes(dir);
    const timer = setInterval(() => (peakDisk = Math.max(peakDisk, diskBytes(dir))), 1000);
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('close', (status) => {
      clearInterval(timer);
      const line = out.split('\n').find((l) => l.startsWith('@@'));
      if (status !== 0 || !line) return reject(new Error(`stage ${name} failed (exit ${status})`));
      const r = JSON.parse(line.slice(2)) as StageResult;
      r.detail.peakDiskMiB = Math.round(Math.max(peakDisk, diskBytes(dir)) / 2 ** 20);
      resolvePromise(r);
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      dir: { type: 'string' },
      threads: { type: 'string' },
      keep: { type: 'boolean' },
      stage: { type: 'string' },
      stages: { type: 'string' },
    },
  });
  const rows = Number(values.rows ?? 100_000_000);
  const threads = Number(values.threads ?? 2);
  const dir = values.dir ?? join(tmpdir(), 'attribution-lab-warehouse');
  if (values.stage) {
    const result = await stage(values.stage, rows, dir, threads);
    process.stdout.write(`\n@@${JSON.stringify(result)}\n`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  const load = () => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
  process.stderr.write(`warehouse bench: ${rows.toLocaleString('en')} rows, ${threads} DuckDB threads, in ${dir}\n${load()}\n`);
  const results: StageResult[] = [];
  try {
    const names = (values.stages ?? 'generate,prepare,train').split(',');
    for (const name of names) {
      if (name === 'prepare' && !existsSync(join(dir, 'log.parquet'))) throw new Error(`no ${join(dir, 'log.parquet')}: run the generate stage first`);
      const r = await runStage(name, rows, dir, threads);
      results.push(r);
      const prepared = results.find((x) => x.stage === 'prepare')?.detail.preparedRows;
      const input = name === 'train' ? Number(prepared ?? 0) : rows;
      process.stderr.write(
        `${name.padEnd(9)} ${r.seconds.toFixed(1).padStart(7)} s  ${Math.round(input / r.seconds).toLocaleString('en').padStart(12)} rows/s  ` +
          `peak ${String(r.maxRssMiB).padStart(6)} MiB  disk ${String(r.detail.peakDiskMiB).padStart(6)} MiB  ${JSON.stringify(r.detail)}\n${load()}\n`,
      );
    }
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify({ rows, threads, stages: results }, null, 2) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
