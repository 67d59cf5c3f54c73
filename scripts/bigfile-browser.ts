/**
 * Drives the built app in headless Chromium with files too big for the e2e
 * suite, and reports how long each takes to reach an error or a summary and
 * whether the page stayed responsive meanwhile. Not part of CI.
 *
 *   npm run build && npx tsx scripts/bigfile-browser.ts [--only random,line,criteo] [--dist dist] [--port 4174]
 *
 * Files are made once and cached in ~/.cache/attribution-lab/:
 * - random-1GiB.bin: 1 GiB of seeded random bytes (named .tsv when picked);
 * - one-line-50MB.tsv: 50 MB with no line break and no delimiter;
 * - criteo-16.5M.tsv.gz: the full-size generated Criteo log, reused if the
 *   ingest benchmark already cached it, else written by scripts/generate.ts.
 *
 * Responsiveness: every 500 ms the script times a page.evaluate round trip;
 * a busy main thread shows up as a long round trip. Memory: the summed RSS of
 * the Chromium processes, read from /proc (shared pages counted more than
 * once, so an upper bound).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { once } from 'node:events';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from '@playwright/test';
import { createRng } from '../src/core/random';

const CACHE = join(homedir(), '.cache', 'attribution-lab');
const GIB = 1024 ** 3;
const SAMPLE_MS = 500;
/** Long enough for the full Criteo log on 2 cores; a hang still ends. */
const OUTCOME_TIMEOUT_MS = 15 * 60_000;

interface Case {
  key: string;
  label: string;
  /** The file as picked (a symlink when the cached name would give away its type). */
  path: () => Promise<string>;
}

interface Outcome {
  label: string;
  sizeMB: number;
  outcome: 'error' | 'summary' | 'mapping' | 'timeout' | 'crash';
  seconds: number;
  message: string;
  rows?: number;
  roundTripMedianMs: number;
  roundTripMaxMs: number;
  /** Samples whose round trip took over a second: the page felt frozen. */
  slowSamples: number;
  samples: number;
  peakRssMB: number;
}

async function writeChunks(path: string, chunks: number, fill: (chunk: Uint8Array, index: number) => void, chunkBytes: number): Promise<void> {
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  const chunk = new Uint8Array(chunkBytes);
  for (let i = 0; i < chunks; i++) {
    fill(chunk, i);
    // Copy: the stream may still hold the previous chunk when we refill it.
    if (!out.write(chunk.slice())) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  spawnSync('mv', [partial, path]);
}

async function randomBytesFile(): Promise<string> {
  const path = join(CACHE, 'random-1GiB.bin');
  if (!existsSync(path)) {
    console.log(`writing ${path} (1 GiB, seeded)`);
    const rng = createRng(1_073_741_824);
    await writeChunks(path, GIB / (4 << 20), (chunk) => {
      const words = new Uint32Array(chunk.buffer);
      for (let i = 0; i < words.length; i++) words[i] = Math.floor(rng.next() * 2 ** 32);
    }, 4 << 20);
  }
  // The app is told nothing by the name: it must find out from the bytes.
  return aliasAs(path, 'random-1GiB.tsv');
}

async function oneLineFile(): Promise<string> {
  const path = join(CACHE, 'one-line-50MB.tsv');
  if (!existsSync(path)) {
    console.log(`writing ${path} (50 MB, one line)`);
    await writeChunks(path, 50, (chunk) => chunk.fill(0x78), 1_000_000);
  }
  return path;
}

async function criteoFile(): Promise<string> {
  const path = join(CACHE, 'criteo-16.5M.tsv.gz');
  if (existsSync(path)) return path;
  if (existsSync(`${path}.partial`)) throw new Error(`${path}.partial exists: another process is writing it; run again when it is done.`);
  console.log(`generating ${path} with scripts/generate.ts (16.5 M rows; this takes a while)`);
  const result = spawnSync('npx', ['tsx', 'scripts/generate.ts', '--rows', '16500000', '--out', path], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`scripts/generate.ts failed with status ${result.status}.`);
  return path;
}

function aliasAs(target: string, name: string): string {
  const alias = join(CACHE, name);
  if (existsSync(alias)) unlinkSync(alias);
  symlinkSync(target, alias);
  return alias;
}

const CASES: Case[] = [
  { key: 'random', label: '1 GiB of random bytes', path: randomBytesFile },
  { key: 'line', label: '50 MB single line', path: oneLineFile },
  { key: 'criteo', label: '16.5 M-row Criteo log (.tsv.gz)', path: criteoFile },
];

/** Pids of a process and all its descendants, from /proc. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/PID/stat is the parent pid; the command name (field 2) may hold spaces, hence the lastIndexOf.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Chromium processes started by this script (the browser, its renderers and GPU/utility helpers). */
function chromiumPids(): number[] {
  return processTree(process.pid).filter((pid) => {
    try {
      return /chrom/i.test(readFileSync(`/proc/${pid}/comm`, 'utf8'));
    } catch {
      return false;
    }
  });
}

function rssMB(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) kb += Number(match[1]);
    } catch {
      // Gone.
    }
  }
  return kb / 1024;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function runCase(browser: Browser, url: string, label: string, path: string): Promise<Outcome> {
  const page: Page = await browser.newPage();
  let crashed = false;
  page.on('crash', () => (crashed = true));
  await page.goto(url);
  await page.getByTestId('drop-zone').waitFor();

  const roundTrips: number[] = [];
  let peakRss = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling && !crashed) {
      const started = performance.now();
      const ok = await page.evaluate(() => 1).then(
        () => true,
        () => false,
      );
      if (!ok) break;
      roundTrips.push(performance.now() - started);
      peakRss = Math.max(peakRss, rssMB(chromiumPids()));
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();

  const started = performance.now();
  await page.getByTestId('file-input').setInputFiles(path);
  const outcome = await Promise.race([
    page.getByTestId('error').waitFor({ timeout: OUTCOME_TIMEOUT_MS }).then(() => 'error' as const),
    page.getByTestId('summary').waitFor({ timeout: OUTCOME_TIMEOUT_MS }).then(() => 'summary' as const),
    page.getByTestId('mapping').waitFor({ timeout: OUTCOME_TIMEOUT_MS }).then(() => 'mapping' as const),
  ]).catch(() => (crashed ? ('crash' as const) : ('timeout' as const)));
  const seconds = (performance.now() - started) / 1000;
  sampling = false;
  await sampler;

  let message = '';
  let rows: number | undefined;
  if (outcome === 'error') message = ((await page.getByTestId('error').locator('.error__message').textContent()) ?? '').trim();
  if (outcome === 'summary') {
    rows = Number(await page.getByTestId('summary').getAttribute('data-rows'));
    message = `${rows.toLocaleString('en-US')} rows, ingest ${await page.getByTestId('summary').getAttribute('data-elapsed-ms')} ms`;
  }
  if (!crashed) await page.close();
  return {
    label,
    sizeMB: statSync(path).size / 1e6,
    outcome,
    seconds,
    message,
    rows,
    roundTripMedianMs: median(roundTrips),
    roundTripMaxMs: Math.max(0, ...roundTrips),
    slowSamples: roundTrips.filter((t) => t > 1000).length,
    samples: roundTrips.length,
    peakRssMB: peakRss,
  };
}

async function waitForServer(url: string, server: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (server.exitCode !== null) throw new Error(`vite preview exited with status ${server.exitCode}.`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not up yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`vite preview did not answer at ${url}.`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      dist: { type: 'string', default: 'dist' },
      port: { type: 'string', default: '4174' },
    },
  });
  const wanted = values.only ? values.only.split(',') : CASES.map((c) => c.key);
  const unknown = wanted.filter((k) => !CASES.some((c) => c.key === k));
  if (unknown.length) {
    console.error(`unknown case ${unknown.join(', ')}; choose from ${CASES.map((c) => c.key).join(', ')}.`);
    return 2;
  }
  const dist = resolve(values.dist!);
  if (!existsSync(join(dist, 'index.html'))) {
    console.error(`no build at ${dist}: run \`npm run build\` first.`);
    return 2;
  }
  mkdirSync(CACHE, { recursive: true });

  const url = `http://localhost:${values.port}/`;
  // Node itself, not npx: killing npx would leave the preview server running.: Vite 8 refuses a
  // second preview of one project, and the e2e suite's server may be up.
  const vite = resolve('node_modules', 'vite', 'bin', 'vite.js');
  const server = spawn(process.execPath, [vite, 'preview', '--outDir', dist, '--port', values.port!, '--strictPort'], { stdio: 'ignore' });
  const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  let browser: Browser | undefined;
  const results: Outcome[] = [];
  try {
    await waitForServer(url, server);
    browser = await chromium.launch({
      executablePath: existsSync(chromiumPath) ? chromiumPath : undefined,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    for (const c of CASES.filter((c) => wanted.includes(c.key))) {
      let path: string;
      try {
        path = await c.path();
      } catch (err) {
        console.error(`${c.label}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      console.log(`${c.label}: picking ${path}`);
      const result = await runCase(browser, url, c.label, path);
      results.push(result);
      console.log(JSON.stringify(result));
    }
  } finally {
    await browser?.close();
    server.kill();
  }

  console.log('\n| file | MB | outcome | s | median / max round trip (ms) | samples > 1 s | peak Chromium RSS (MB) | message |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.label} | ${r.sizeMB.toFixed(0)} | ${r.outcome} | ${r.seconds.toFixed(1)} | ${r.roundTripMedianMs.toFixed(0)} / ${r.roundTripMaxMs.toFixed(0)} | ${r.slowSamples} of ${r.samples} | ${r.peakRssMB.toFixed(0)} | ${r.message} |`,
    );
  }
  return results.every((r) => r.outcome === 'error' || r.outcome === 'summary') ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
