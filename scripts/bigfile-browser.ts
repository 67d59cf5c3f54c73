/**
 * Drives the built app in headless Chromium with files too big for the e2e
 * suite, and reports how long each takes to reach an error or a summary and
 * whether the page stayed responsive meanwhile. Not part of CI.
 *
 *   npm run build && npx tsx scripts/bigfile-browser.ts [--only random,line,criteo,tsv,floor-gz,floor-wasm,floor-tsv,floor-byob,floor-fflate,floor-slices,floor-reader-sync] [--repeat N] [--dist dist] [--port 4174] [--timeline FILE.json]
 *   npm run bench:ingest-browser   (the ingest figures of issue 16: the floors and both full-size files, twice each)
 *
 * Files are made once and cached in ~/.cache/attribution-lab/:
 * - random-1GiB.bin: 1 GiB of seeded random bytes (named .tsv when picked);
 * - one-line-50MB.tsv: 50 MB with no line break and no delimiter;
 * - criteo-16.5M.tsv.gz: the full-size generated Criteo log, reused if the
 *   ingest benchmark already cached it, else written by scripts/generate.ts;
 * - criteo-16.5M.tsv: the same log inflated once (the `tsv` case).
 *
 * The floor cases do not load the app: a blank page hands the picked file to
 * a bare worker that only reads it (`floor-tsv`: File.stream(); `floor-byob`: the same into one
 * reused buffer, as the ingest reads; `floor-slices`:
 * 8 MiB Blob.arrayBuffer() slices; `floor-reader-sync`: the same through
 * FileReaderSync) or only inflates it (`floor-gz`: File.stream() through
 * DecompressionStream; `floor-wasm`: through zlib-streams' wasm build into one
 * reused buffer, as the app's inflate worker does; `floor-fflate`: through
 * fflate's Gunzip), and counts bytes: what an ingest reading that way cannot beat.
 *
 * Responsiveness: every 500 ms the script times a page.evaluate round trip;
 * a busy main thread shows up as a long round trip. Memory: the summed RSS of
 * the Chromium processes, read from /proc (shared pages counted more than
 * once, so an upper bound) and their summed PSS (shared pages split between
 * the processes sharing them: the closer figure). CPU: user + system seconds
 * of those processes during the case, from /proc/PID/stat. Load: the
 * machine's 1-minute load average at the start and the end of each case.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from '@playwright/test';
import { chromiumPids, loadAverage, median, openBenchBrowser, rssMB } from '../bench/browser';
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
  /** A floor case: the file is only read or only inflated in a bare worker, no app (see FLOOR_WORKER). */
  floor?: Floor;
}

/** One sample of the timeline (--timeline): seconds since the pick, memory, and what the page showed. */
interface Sample {
  s: number;
  rssMB: number;
  pssMB: number;
  /** PSS of each Chromium process over 50 MB, by its --type (browser, renderer, gpu-process, utility). */
  byProcess: Record<string, number>;
  /** The load progress the page showed: bytes done of total, rows; absent once gone. */
  progress?: string;
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
  peakPssMB: number;
  /** CPU seconds the Chromium processes used during the case. */
  cpuSeconds: number;
  /** The threads that used over a CPU-second, with their CPU seconds. */
  threads: string;
  /** Summed PSS two seconds after the outcome: what the page keeps. */
  afterPssMB: number;
  /** 1-minute load average at the start and the end. */
  load: [number, number];
  /** Every sample, when --timeline asked for them. */
  timeline?: Sample[];
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

async function criteoTsvFile(): Promise<string> {
  const path = join(CACHE, 'criteo-16.5M.tsv');
  if (existsSync(path)) return path;
  const gz = await criteoFile();
  if (existsSync(`${path}.partial`)) throw new Error(`${path}.partial exists: another process is writing it; run again when it is done.`);
  console.log(`inflating ${gz} once to ${path}`);
  const result = spawnSync('sh', ['-c', `gzip -dc '${gz}' > '${path}.partial' && mv '${path}.partial' '${path}'`], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`gzip -dc failed with status ${result.status}.`);
  return path;
}

function aliasAs(target: string, name: string): string {
  const alias = join(CACHE, name);
  if (existsSync(alias)) unlinkSync(alias);
  symlinkSync(target, alias);
  return alias;
}

/** How a floor case reads the file: File.stream() (none), through DecompressionStream (gzip) or fflate, or in slices. */
type Floor = 'none' | 'byob' | 'gzip' | 'fflate' | 'wasm' | 'slices' | 'reader-sync';

const CASES: Case[] = [
  { key: 'random', label: '1 GiB of random bytes', path: randomBytesFile },
  { key: 'line', label: '50 MB single line', path: oneLineFile },
  { key: 'criteo', label: '16.5 M-row Criteo log (.tsv.gz)', path: criteoFile },
  { key: 'tsv', label: '16.5 M-row Criteo log (plain .tsv)', path: criteoTsvFile },
  { key: 'floor-gz', label: 'floor: DecompressionStream alone in a worker (.tsv.gz)', path: criteoFile, floor: 'gzip' },
  { key: 'floor-tsv', label: 'floor: File.stream() read alone in a worker (.tsv)', path: criteoTsvFile, floor: 'none' },
  { key: 'floor-byob', label: 'floor: File.stream() BYOB reads into one 1 MiB buffer alone in a worker (.tsv)', path: criteoTsvFile, floor: 'byob' },
  { key: 'floor-wasm', label: "floor: zlib in wasm (zlib-streams' build) alone in a worker, into one 1 MiB buffer (.tsv.gz)", path: criteoFile, floor: 'wasm' },
  { key: 'floor-fflate', label: "floor: fflate's Gunzip alone in a worker (.tsv.gz)", path: criteoFile, floor: 'fflate' },
  { key: 'floor-slices', label: 'floor: 8 MiB Blob.arrayBuffer() slices alone in a worker (.tsv)', path: criteoTsvFile, floor: 'slices' },
  { key: 'floor-reader-sync', label: 'floor: 8 MiB FileReaderSync slices alone in a worker (.tsv)', path: criteoTsvFile, floor: 'reader-sync' },
];

/** Summed PSS in MB (from smaps_rollup; 0 where the kernel lacks it). */
function pssMB(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (match) kb += Number(match[1]);
    } catch {
      // Gone, or no smaps_rollup.
    }
  }
  return kb / 1024;
}

/** One thread's name and CPU seconds (user + system) so far. */
interface ThreadTime {
  name: string;
  seconds: number;
}

/**
 * CPU seconds used so far by every thread of `pids`, keyed pid/tid, from
 * /proc/PID/task/TID/stat: a worker runs on a thread of its own
 * (DedicatedWorker thread), so the busiest threads show which work ran where.
 */
function cpuTicks(pids: number[], into: Map<string, ThreadTime>): void {
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the command name.
        into.set(`${pid}/${tid}`, { name, seconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS });
      } catch {
        // Gone: its last reading stays.
      }
    }
  }
}

/** Each Chromium process's PSS in MB, keyed by its --type (the browser process has none), pid after it. */
function pssByProcess(pids: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pid of pids) {
    const mb = pssMB([pid]);
    if (mb < 50) continue;
    let type = 'browser';
    try {
      const match = /--type=([^\s\0]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      if (match) type = match[1];
    } catch {
      continue;
    }
    out[`${type}/${pid}`] = Math.round(mb);
  }
  return out;
}

/** What the page's load progress says, read in the sampler's round trip (a string: no DOM types here). */
const PROGRESS_PROBE = `(() => {
  const p = document.querySelector('[data-testid="progress"]');
  return p ? p.getAttribute('data-done') + '/' + p.getAttribute('data-total') + ' ' + (p.querySelector('.muted')?.textContent ?? '') : '';
})()`;

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * A worker that reads the File it is sent to the end, through
 * DecompressionStream when told, and answers with the bytes and the time.
 */
const FLOOR_WORKER = `
onmessage = async (event) => {
  const { file, floor } = event.data;
  const started = performance.now();
  let bytes = 0;
  let chunks = 0;
  const take = (value) => {
    bytes += value.length;
    chunks++;
  };
  if (floor === 'slices' || floor === 'reader-sync') {
    // The file read in 8 MiB slices: Blob.arrayBuffer() per slice, or FileReaderSync.
    const step = 8 << 20;
    const sync = floor === 'reader-sync' ? new FileReaderSync() : null;
    for (let at = 0; at < file.size; at += step) {
      const slice = file.slice(at, Math.min(file.size, at + step));
      take(new Uint8Array(sync ? sync.readAsArrayBuffer(slice) : await slice.arrayBuffer()));
    }
  } else if (floor === 'byob') {
    // Into one reused 1 MiB buffer, as the app's ingest reads a plain file.
    const reader = file.stream().getReader({ mode: 'byob' });
    let buffer = new ArrayBuffer(1 << 20);
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(buffer));
      if (done) break;
      take(value);
      buffer = value.buffer;
    }
  } else if (floor === 'wasm') {
    // zlib compiled to wasm (its bytes are prepended to this worker as ZLIB_WASM, base64), into one reused output buffer.
    const zlib = new WebAssembly.Instance(new WebAssembly.Module(Uint8Array.from(atob(self.ZLIB_WASM), (c) => c.charCodeAt(0))), {}).exports;
    zlib._initialize?.();
    const handle = zlib.inflate_new();
    zlib.inflate_init_gzip(handle);
    const IN = 1 << 20, OUT = 1 << 20;
    const inPtr = zlib.malloc(IN), outPtr = zlib.malloc(OUT);
    const reader = file.stream().getReader();
    let ended = false;
    while (!ended) {
      const { done, value } = await reader.read();
      if (done) break;
      for (let at = 0; at < value.length && !ended; ) {
        const staged = Math.min(IN, value.length - at);
        new Uint8Array(zlib.memory.buffer, inPtr, staged).set(value.subarray(at, at + staged));
        let offset = 0;
        while (offset < staged) {
          const result = zlib.inflate_process(handle, inPtr + offset, staged - offset, outPtr, OUT, 0);
          const code = result >> 24;
          if (code < 0 && code !== -5) throw new Error('zlib code ' + code);
          if (result & 0xffffff) take(new Uint8Array(zlib.memory.buffer, outPtr, result & 0xffffff));
          offset += zlib.inflate_last_consumed(handle);
          if (code === 1) { ended = true; break; }
        }
        at += staged;
      }
    }
  } else if (floor === 'fflate') {
    // fflate's streaming Gunzip (its UMD build is prepended to this worker).
    const gunzip = new self.fflate.Gunzip((chunk) => take(chunk));
    const reader = file.stream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      gunzip.push(done ? new Uint8Array(0) : value, done);
      if (done) break;
    }
  } else {
    let stream = file.stream();
    if (floor === 'gzip') stream = stream.pipeThrough(new DecompressionStream('gzip'));
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      take(value);
    }
  }
  postMessage({ bytes, chunks, ms: performance.now() - started });
};`;

/** zlib-streams' wasm build as base64, for the wasm floor's worker. */
const ZLIB_WASM = readFileSync(new URL('../node_modules/zlib-streams/dist/zlib-streams.wasm', import.meta.url)).toString('base64');

/** fflate's UMD build, for the fflate floor's worker. */
const FFLATE_UMD = readFileSync(new URL('../node_modules/fflate/umd/index.js', import.meta.url), 'utf8');

/** Picks the file on a blank page and times a bare worker reading (or inflating) it. */
async function startFloor(page: Page, path: string, floor: Floor): Promise<() => Promise<{ outcome: Outcome['outcome']; message: string }>> {
  await page.setContent('<input type="file" id="file">');
  await page.locator('#file').setInputFiles(path);
  // A string, not a function: this program is compiled without the DOM's types.
  const result = page.evaluate(`new Promise((resolve, reject) => {
    const file = document.getElementById('file').files[0];
    const worker = new Worker(URL.createObjectURL(new Blob([${JSON.stringify((floor === 'fflate' ? FFLATE_UMD + ';\n' : floor === 'wasm' ? `self.ZLIB_WASM = ${JSON.stringify(ZLIB_WASM)};\n` : '') + FLOOR_WORKER)}], { type: 'text/javascript' })));
    worker.onmessage = (event) => { worker.terminate(); resolve(event.data); };
    worker.onerror = (event) => reject(new Error(event.message));
    worker.postMessage({ file, floor: ${JSON.stringify(floor)} });
  })`) as Promise<{ bytes: number; chunks: number; ms: number }>;
  return async () => {
    try {
      const r = await result;
      return { outcome: 'summary', message: `${(r.bytes / 1e6).toFixed(0)} MB of text in ${r.chunks} chunks, ${(r.ms / 1000).toFixed(1)} s in the worker (${(r.bytes / 1e6 / (r.ms / 1000)).toFixed(0)} MB/s)` };
    } catch (err) {
      return { outcome: 'error', message: err instanceof Error ? err.message : String(err) };
    }
  };
}

async function runCase(browser: Browser, url: string, label: string, path: string, floor?: Floor, timeline?: Sample[]): Promise<Outcome> {
  const page: Page = await browser.newPage();
  let crashed = false;
  page.on('crash', () => (crashed = true));
  if (!floor) {
    await page.goto(url);
    await page.getByTestId('drop-zone').waitFor();
  }

  const roundTrips: number[] = [];
  let peakRss = 0;
  let peakPss = 0;
  const cpuBefore = new Map<string, ThreadTime>();
  const cpuAfter = new Map<string, ThreadTime>();
  cpuTicks(chromiumPids(), cpuBefore);
  const loadBefore = loadAverage();
  let sampling = true;
  const picked = performance.now();
  const sampler = (async () => {
    while (sampling && !crashed) {
      const started = performance.now();
      const answer = await (timeline ? (page.evaluate(PROGRESS_PROBE) as Promise<string>) : page.evaluate(() => '')).then(
        (text) => ({ text }),
        () => null,
      );
      if (!answer) break;
      roundTrips.push(performance.now() - started);
      const pids = chromiumPids();
      const rss = rssMB(pids);
      const pss = pssMB(pids);
      peakRss = Math.max(peakRss, rss);
      peakPss = Math.max(peakPss, pss);
      timeline?.push({
        s: Math.round((performance.now() - picked) / 100) / 10,
        rssMB: Math.round(rss),
        pssMB: Math.round(pss),
        byProcess: pssByProcess(pids),
        ...(answer.text ? { progress: answer.text } : {}),
      });
      cpuTicks(pids, cpuAfter);
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();

  const started = performance.now();
  /** Stops the sampler, waits 2 s for the PSS after, reads what the page says, and closes it. */
  const finish = async (outcome: Outcome['outcome'], read: () => Promise<{ message: string; rows?: number }>): Promise<Outcome> => {
    const seconds = (performance.now() - started) / 1000;
    sampling = false;
    await sampler;
    cpuTicks(chromiumPids(), cpuAfter);
    const load: [number, number] = [loadBefore, loadAverage()];
    await new Promise((r) => setTimeout(r, 2000));
    const afterPss = pssMB(chromiumPids());
    const { message, rows } = await read();
    if (!crashed) await page.close();
    return {
      label,
      sizeMB: statSync(path).size / 1e6,
      outcome,
      seconds,
      message,
      ...(rows !== undefined ? { rows } : {}),
      roundTripMedianMs: median(roundTrips),
      roundTripMaxMs: Math.max(0, ...roundTrips),
      slowSamples: roundTrips.filter((t) => t > 1000).length,
      samples: roundTrips.length,
      peakRssMB: peakRss,
      peakPssMB: peakPss,
      afterPssMB: afterPss,
      cpuSeconds: cpuSpent(cpuBefore, cpuAfter),
      threads: busiestThreads(cpuBefore, cpuAfter),
      load,
      ...(timeline ? { timeline } : {}),
    };
  };
  if (floor) {
    const finished = await (await startFloor(page, path, floor))();
    return finish(finished.outcome, async () => ({ message: finished.message }));
  }
  await page.getByTestId('file-input').setInputFiles(path);
  const outcome = await Promise.race([
    page.getByTestId('error').waitFor({ timeout: OUTCOME_TIMEOUT_MS }).then(() => 'error' as const),
    page.getByTestId('summary').waitFor({ timeout: OUTCOME_TIMEOUT_MS }).then(() => 'summary' as const),
    page.getByTestId('mapping').waitFor({ timeout: OUTCOME_TIMEOUT_MS }).then(() => 'mapping' as const),
  ]).catch(() => (crashed ? ('crash' as const) : ('timeout' as const)));
  return finish(outcome, async () => {
    if (outcome === 'error') return { message: ((await page.getByTestId('error').locator('.error__message').textContent()) ?? '').trim() };
    if (outcome !== 'summary') return { message: '' };
    const rows = Number(await page.getByTestId('summary').getAttribute('data-rows'));
    return { rows, message: `${rows.toLocaleString('en-US')} rows, ingest ${await page.getByTestId('summary').getAttribute('data-elapsed-ms')} ms` };
  });
}

function cpuSpent(before: Map<string, ThreadTime>, after: Map<string, ThreadTime>): number {
  let seconds = 0;
  for (const [key, t] of after) seconds += t.seconds - (before.get(key)?.seconds ?? 0);
  return seconds;
}

/** Threads that used over a CPU-second during the case, busiest first, e.g. "DedicatedWorker 31.2". */
function busiestThreads(before: Map<string, ThreadTime>, after: Map<string, ThreadTime>): string {
  return [...after]
    .map(([key, t]) => ({ name: t.name, seconds: t.seconds - (before.get(key)?.seconds ?? 0) }))
    .filter((t) => t.seconds >= 1)
    .sort((a, b) => b.seconds - a.seconds)
    .map((t) => `${t.name} ${t.seconds.toFixed(1)}`)
    .join(', ');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      dist: { type: 'string', default: 'dist' },
      port: { type: 'string', default: '4174' },
      repeat: { type: 'string', default: '1' },
      /** Write every sample (memory by process, the page's progress) of each case to this JSON file. */
      timeline: { type: 'string' },
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

  // A port of its own: Vite 8 refuses a second preview of one project, and the e2e suite's server may be up.
  const bench = await openBenchBrowser(dist, values.port!);
  const { browser, url } = bench;
  const results: Outcome[] = [];
  try {
    const repeat = Math.max(1, Number(values.repeat) || 1);
    // In the order asked for: e.g. a floor right before the load it bounds.
    for (let round = 0; round < repeat; round++) {
      for (const key of wanted) {
        const c = CASES.find((x) => x.key === key)!;
        let path: string;
        try {
          path = await c.path();
        } catch (err) {
          console.error(`${c.label}: ${err instanceof Error ? err.message : String(err)}`);
          continue;
        }
        console.log(`${c.label}: picking ${path}`);
        const result = await runCase(browser, url, c.label, path, c.floor, values.timeline ? [] : undefined);
        results.push(result);
        const { timeline, ...shown } = result;
        console.log(JSON.stringify(shown));
        if (values.timeline && timeline) writeFileSync(values.timeline, JSON.stringify(results, null, 1));
      }
    }
  } finally {
    await bench.close();
  }

  console.log(
    '\n| file | MB | outcome | s | Chromium CPU-s | busiest threads (CPU-s) | load start / end | median / max round trip (ms) | samples > 1 s | peak Chromium RSS / PSS, PSS after (MB) | message |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.label} | ${r.sizeMB.toFixed(0)} | ${r.outcome} | ${r.seconds.toFixed(1)} | ${r.cpuSeconds.toFixed(1)} | ${r.threads} | ${r.load[0].toFixed(1)} / ${r.load[1].toFixed(1)} | ${r.roundTripMedianMs.toFixed(0)} / ${r.roundTripMaxMs.toFixed(0)} | ${r.slowSamples} of ${r.samples} | ${r.peakRssMB.toFixed(0)} / ${r.peakPssMB.toFixed(0)}, ${r.afterPssMB.toFixed(0)} | ${r.message} |`,
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
