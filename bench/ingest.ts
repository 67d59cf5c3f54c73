/**
 * Ingest benchmark: `npm run bench:ingest [-- --rows N] [--papa-mb MB] [--plain-mb MB]`.
 *
 * Generates a Criteo-schema .tsv.gz of 16.5 M rows once (cached in
 * ~/.cache/attribution-lab/), then measures, each in a fresh
 * Node process so peak RSS is its own: gzip alone, the core ingest, and a
 * papaparse-based parse of the first --papa-mb MB of text. Prints MB/s of
 * plain text, rows/s, seconds and peak RSS. Targets (2 cores): the whole
 * file under 20 s and 1.5 GB.
 *
 * The machine is shared, so wall time says little: each figure also has the
 * CPU-seconds it took (all threads, and the main thread alone, from /proc),
 * CPU-seconds per GB of text and MB of text per CPU-second. With zlib
 * inflating on another thread (src/cli/input.ts), the wall time on an idle
 * 2-core machine is about the larger of the two threads' CPU-seconds; that is
 * the estimate printed for the whole file. `--plain-mb MB` also times the
 * core ingest on the first MB of the text, uncompressed (cached), which is
 * the scanner alone.
 *
 * `--browser [--dist DIR]`: the same file picked in the built app (`npx vite
 * build --outDir DIR` first) in headless Chromium, timed to the summary, with the summed RSS of
 * the browser's processes sampled from /proc (shared pages counted twice, so
 * an upper bound).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import Papa from 'papaparse';
import { openInputFile } from '../src/cli/input';
import { ingest } from '../src/core/ingest';
import { createRng } from '../src/core/random';
import { syntheticChunks, usersForRows } from '../src/core/synth/generate';
import { tableByteLength } from '../src/core/table';

const MB = 1e6;
const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};

/** Peak resident memory of this process, from the kernel (Linux). */
function peakRssBytes(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
  } catch {
    return process.memoryUsage().rss;
  }
}

/**
 * The planted-truth generator (src/core/synth) makes realistic journeys but
 * writes about 15 k rows/s on the shared 2-core machine (~18 min for 16.5 M),
 * so the default here is a plain seeded writer with the Criteo schema and
 * cardinalities (6.1 M users, 675 campaigns, ~5% converted rows, 36% clicks,
 * 53% without a last click), about 2.4 GB of text. `--synth` uses the real
 * generator instead.
 */
function* plainCriteoChunks(rows: number): Generator<Uint8Array> {
  const rng = createRng(16_500_000);
  const encoder = new TextEncoder();
  const users = 6_142_256;
  const span = 2_670_000;
  // Odd multipliers modulo powers of two are bijections: distinct ids that look opaque.
  const userId = (k: number) => (Math.imul(k, 0x9e3779b1) >>> 0) % 33_554_432;
  const campaignId = (k: number) => 10_000_000 + ((Math.imul(k, 0x85ebca6b) >>> 0) % 22_000_000);
  const catCardinality = [9, 40, 2_000, 30, 600, 20, 12_000, 800, 40_000];
  let lines: string[] = ['timestamp\tuid\tcampaign\tconversion\tconversion_timestamp\tconversion_id\tattribution\tclick\tclick_pos\tclick_nb\tcost\tcpo\ttime_since_last_click\tcat1\tcat2\tcat3\tcat4\tcat5\tcat6\tcat7\tcat8\tcat9'];
  for (let i = 0; i < rows; i++) {
    const t = Math.floor((i * span) / rows);
    const u = Math.floor(rng.next() * rng.next() * users);
    const converted = u % 20 === 0 ? 1 : 0;
    const click = rng.next() < 0.36 ? 1 : 0;
    const campaign = campaignId(Math.floor(rng.next() * rng.next() * 675));
    const cost = rng.next() < 0.2 ? '1e-05' : (rng.next() * 0.01).toFixed(6);
    const sinceClick = rng.next() < 0.53 ? -1 : rng.int(600_000);
    let cats = '';
    for (let k = 0; k < 9; k++) cats += '\t' + (1_000_000 * (k + 1) + ((Math.imul(rng.int(catCardinality[k]), 0x27d4eb2d) >>> 0) % 30_000_000));
    lines.push(
      `${t}\t${userId(u)}\t${campaign}\t${converted}\t${converted ? t + rng.int(2_000_000) : -1}\t${converted ? 20_000_000 + (u % 435_810) : -1}\t` +
        `${converted && click ? 1 : 0}\t${click}\t${converted && click ? rng.int(5) : -1}\t${converted && click ? 1 + rng.int(5) : -1}\t${cost}\t${(rng.next() * 2).toFixed(6)}\t${sinceClick}${cats}`,
    );
    if (lines.length === 8192) {
      yield encoder.encode(lines.join('\n') + '\n');
      lines = [];
    }
  }
  if (lines.length) yield encoder.encode(lines.join('\n') + '\n');
}

async function generate(path: string, rows: number, synth: boolean): Promise<void> {
  mkdirSync(join(path, '..'), { recursive: true });
  const started = performance.now();
  const tmp = `${path}.partial`;
  let chunks: Iterable<Uint8Array>;
  if (synth) {
    const options = { seed: 16_500_000, campaigns: 675, meanJourneyLength: 3 };
    const users = usersForRows(rows, options);
    console.log(`generating ${path}: ~${(rows / 1e6).toFixed(1)} M rows, ${users} users, planted-truth generator (once; cached)`);
    chunks = syntheticChunks({ ...options, users });
  } else {
    console.log(`generating ${path}: ${(rows / 1e6).toFixed(1)} M rows, plain seeded writer (once; cached)`);
    chunks = plainCriteoChunks(rows);
  }
  await pipeline(Readable.from(chunks), createGzip({ level: 6 }), createWriteStream(tmp));
  renameSync(tmp, path);
  console.log(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s, ${(statSync(path).size / MB).toFixed(0)} MB gzip`);
}

type Figures = Record<string, number | string>;

/** The first `mb` MB of the gzip's text as a plain file beside it (made once), cut at a line end. */
async function plainPrefix(path: string, mb: number): Promise<string> {
  const out = path.replace(/\.tsv\.gz$/, `-first${mb}MB.tsv`);
  if (existsSync(out)) return out;
  const limit = mb * MB;
  const pieces: Buffer[] = [];
  let bytes = 0;
  for await (const piece of createReadStream(path).pipe(createGunzip())) {
    pieces.push(piece as Buffer);
    bytes += (piece as Buffer).length;
    if (bytes >= limit) break;
  }
  const text = Buffer.concat(pieces).subarray(0, limit);
  writeFileSync(out, text.subarray(0, text.lastIndexOf(10) + 1));
  return out;
}

/** CPU-seconds of the main thread alone (Linux; NaN elsewhere). */
function mainThreadCpuSeconds(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Starts a CPU clock; the returned function gives the figures for `textBytes` of text. */
function cpuClock(): (textBytes: number) => Figures {
  const process0 = process.cpuUsage();
  const main0 = mainThreadCpuSeconds();
  return (textBytes) => {
    const used = process.cpuUsage(process0);
    const cpuSeconds = (used.user + used.system) / 1e6;
    const mainCpuSeconds = mainThreadCpuSeconds() - main0;
    return {
      cpuSeconds,
      mainCpuSeconds,
      otherThreadsCpuSeconds: cpuSeconds - mainCpuSeconds,
      cpuSecondsPerGB: cpuSeconds / (textBytes / 1e9),
      mbPerCpuSecond: textBytes / MB / cpuSeconds,
    };
  };
}

async function gunzipOnly(path: string): Promise<Figures> {
  const file = await openInputFile(path);
  const cpu = cpuClock();
  const started = performance.now();
  const reader = file.stream().pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>).getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
  }
  const seconds = (performance.now() - started) / 1000;
  return { textMB: bytes / MB, seconds, mbPerSecond: bytes / MB / seconds, ...cpu(bytes) };
}

/** Node's zlib as the CLI uses it: 1 MB reads, 256 KB inflated pieces. */
async function zlibOnly(path: string): Promise<Figures> {
  const cpu = cpuClock();
  const started = performance.now();
  let bytes = 0;
  for await (const piece of createReadStream(path, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 18 }))) {
    bytes += (piece as Buffer).length;
  }
  const seconds = (performance.now() - started) / 1000;
  return { textMB: bytes / MB, seconds, mbPerSecond: bytes / MB / seconds, ...cpu(bytes) };
}

async function coreIngest(path: string): Promise<Figures> {
  const file = await openInputFile(path);
  const cpu = cpuClock();
  const started = performance.now();
  let lastPercent = -10;
  const result = await ingest(file, {
    onProgress: (p) => {
      const percent = (100 * p.bytesRead) / p.totalBytes;
      if (percent - lastPercent >= 10) {
        lastPercent = percent;
        process.stderr.write(`  ${percent.toFixed(0)}% ${(p.rows / 1e6).toFixed(1)} M rows ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;
  if (!result.ok) throw new Error(result.error.message);
  const t = result.table;
  return {
    rows: t.rowCount,
    users: t.userCount,
    campaigns: t.campaignIds.length,
    conversions: t.conversionCount,
    textMB: t.source.textBytes / MB,
    seconds,
    mbPerSecond: t.source.textBytes / MB / seconds,
    rowsPerSecond: t.rowCount / seconds,
    tableMB: tableByteLength(t) / MB,
    bytesPerRow: tableByteLength(t) / t.rowCount,
    ...cpu(t.source.textBytes),
  };
}

/** The strings way: papaparse rows, Number() per field, over the first `limitMB` of text. */
async function papaparse(path: string, limitMB: number): Promise<Figures> {
  const file = await openInputFile(path);
  const started = performance.now();
  const reader = file.stream().pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const parser = new Papa.Parser({ delimiter: '\t', newline: '\n' });
  let partial = '';
  let bytes = 0;
  let rows = 0;
  let checksum = 0;
  while (bytes < limitMB * MB) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    const input = partial + decoder.decode(value, { stream: true });
    const result = parser.parse(input, 0, true) as { data: string[][]; meta: { cursor: number } };
    for (const row of result.data) {
      rows++;
      for (let f = 0; f < row.length; f++) checksum += Number(row[f]) || 0;
    }
    partial = input.substring(result.meta.cursor);
  }
  await reader.cancel();
  const seconds = (performance.now() - started) / 1000;
  return { textMB: bytes / MB, rows, seconds, mbPerSecond: bytes / MB / seconds, checksum: checksum > 0 ? 'ok' : 'zero' };
}

async function child(mode: string, path: string): Promise<void> {
  const figures =
    mode === 'gunzip'
      ? await gunzipOnly(path)
      : mode === 'zlib'
        ? await zlibOnly(path)
        : mode === 'ingest'
          ? await coreIngest(path)
          : await papaparse(path, flag('--papa-mb', 400));
  figures.peakRssMB = peakRssBytes() / MB;
  process.stdout.write(JSON.stringify(figures) + '\n');
}

function runChild(mode: string, path: string): Figures {
  const out = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--child', mode, path, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  if (out.status !== 0) throw new Error(`${mode} failed (exit ${out.status})`);
  return JSON.parse(out.stdout.trim().split('\n').at(-1) as string) as Figures;
}

/** Summed RSS (bytes) of `root` and its descendants. */
function treeRss(root: number): number {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
      rss.set(Number(entry), Number(fields[21]) * 4096);
    } catch {
      // The process ended while we looked.
    }
  }
  let total = 0;
  for (const [pid, bytes] of rss) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        total += bytes;
        break;
      }
    }
  }
  return total;
}

async function browserRun(path: string): Promise<Figures> {
  const at = args.indexOf('--dist');
  const dist = at >= 0 ? args[at + 1] : 'dist';
  if (!existsSync(join(dist, 'index.html'))) throw new Error(`Build the app first: npx vite build --outDir ${dist}`);
  const { chromium } = await import('@playwright/test');
  const port = 4189;
  const server = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--port', String(port), '--strictPort', '--outDir', dist], { stdio: 'ignore' });
  try {
    const url = `http://localhost:${port}/`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(url)).ok) break;
      } catch {
        if (i > 100) throw new Error('vite preview did not start');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // launchServer, not launch: it exposes the browser's process, whose tree we sample.
    const server_ = await chromium.launchServer({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const root = server_.process().pid ?? 0;
    const browser = await chromium.connect(server_.wsEndpoint());
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, treeRss(root))), 250);
    try {
      const page = await browser.newPage();
      await page.goto(url);
      const started = performance.now();
      await page.getByTestId('file-input').setInputFiles(path);
      const summary = page.getByTestId('summary');
      await summary.waitFor({ timeout: 600_000 });
      const seconds = (performance.now() - started) / 1000;
      const rows = Number(await summary.getAttribute('data-rows'));
      return { rows, seconds, rowsPerSecond: rows / seconds, peakRssMB: peak / MB };
    } finally {
      clearInterval(sampler);
      await browser.close();
      await server_.close();
    }
  } finally {
    server.kill();
  }
}

const fmt = (f: Figures) =>
  Object.entries(f)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(k === 'bytesPerRow' || k.startsWith('mbPer') ? 1 : 2)) : v}`)
    .join(', ');

async function main(): Promise<void> {
  const childAt = args.indexOf('--child');
  if (childAt >= 0) return child(args[childAt + 1], args[childAt + 2]);
  const rows = flag('--rows', 16_500_000);
  const synth = args.includes('--synth');
  const path = join(homedir(), '.cache', 'attribution-lab', `criteo-${+(rows / 1e6).toFixed(2)}M${synth ? '-synth' : ''}.tsv.gz`);
  if (!existsSync(path)) await generate(path, rows, synth);
  console.log(`file: ${path} (${(statSync(path).size / MB).toFixed(0)} MB)`);
  if (args.includes('--browser')) {
    console.log(`headless Chromium, built app, file picked to summary shown: ${fmt(await browserRun(path))}`);
    return;
  }
  const plainMB = flag('--plain-mb', 0);
  if (plainMB > 0) {
    const plain = await plainPrefix(path, plainMB);
    const scanner = runChild('ingest', plain);
    console.log(`core ingest of the first ${plainMB} MB, uncompressed (scanner + dictionaries): ${fmt(scanner)}`);
  }
  const gunzip = runChild('gunzip', path);
  console.log(`gzip alone (DecompressionStream, read only): ${fmt(gunzip)}`);
  const zlib = runChild('zlib', path);
  console.log(`gzip alone (node:zlib as the CLI reads it): ${fmt(zlib)}`);
  const core = runChild('ingest', path);
  console.log(`core ingest (zlib on its own thread + byte scanner + dictionaries): ${fmt(core)}`);
  const busiest = Math.max(core.mainCpuSeconds as number, core.otherThreadsCpuSeconds as number);
  console.log(
    `estimate on an idle 2-core machine (busiest thread's CPU-seconds; this machine's load inflates them too): ~${busiest.toFixed(1)} s ` +
      `(main thread ${(core.mainCpuSeconds as number).toFixed(1)} CPU-s, other threads ${(core.otherThreadsCpuSeconds as number).toFixed(1)} CPU-s)`,
  );
  const papa = runChild('papaparse', path);
  console.log(`papaparse path (gzip + strings + Number()), first ${papa.textMB} MB: ${fmt(papa)}`);
  console.log(`core / papaparse, MB/s of text: ${((core.mbPerSecond as number) / (papa.mbPerSecond as number)).toFixed(2)}x`);
  const pass = (core.seconds as number) < 20 && (core.peakRssMB as number) < 1500;
  console.log(`targets (under 20 s, under 1500 MB): ${pass ? 'met' : 'NOT met'}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
