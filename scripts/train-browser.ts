/**
 * Training speed of the built app in headless Chromium, on single-threaded
 * SIMD wasm (the page served as vite.config.ts serves it) and on threaded
 * wasm (the same headers plus COOP/COEP, so the page is cross-origin
 * isolated). For each model, one run on the demo log with only that model,
 * the regression at 1 epoch and the counterfactual steps off; wall and CPU
 * seconds are taken over the model's step (first progress to done) and
 * divided by the epochs. CPU is summed over every Chromium process, read
 * from /proc, so it counts all threads of the pool. Journeys per second are
 * the demo's training journeys (prepared in Node with the same defaults) over
 * the wall seconds of one epoch.
 *
 * `--modes webgpu` (or `single,threads,webgpu`) trains on the WebGPU backend
 * in a Chromium started with --enable-unsafe-webgpu (plus `--gpu-flags`, e.g.
 * `--enable-features=Vulkan` on a Linux GPU machine). Before it measures, it
 * asks the page for a WebGPU adapter and prints what it got; when there is no
 * adapter, or only a software one (SwiftShader: no GPU), it says so plainly
 * and measures nothing on webgpu unless `--software-webgpu` is given, since
 * those figures would not be a GPU's.
 *
 *   npx vite build && npx tsx scripts/train-browser.ts [--dist dist] [--epochs 2] [--batch 64] [--models lstm,attention] [--repeat 1]
 *       [--modes single,threads,webgpu] [--gpu-flags "--enable-features=Vulkan"] [--software-webgpu]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from '@playwright/test';
import { demoPrepared } from '../bench/demo';
import { splitRows } from '../src/core/models/inputs';
import { Split } from '../src/core/prepared';
import { ISOLATION_HEADERS, SECURITY_HEADERS } from '../vite.config';
import { serveDist } from './serve-dist';

const TICKS_PER_SECOND = 100;
const POLL_MS = 100;
const RUN_TIMEOUT_MS = 20 * 60_000;


/** utime + stime, in seconds, of every process descended from this one (the browser and its children). */
function descendantsCpuSeconds(): number {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name, which may hold spaces, sit after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(fields[1]));
      ticks.set(Number(name), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended while we read.
    }
  }
  let total = 0;
  for (const [pid, t] of ticks) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.pid) {
        total += t;
        break;
      }
    }
  }
  return total / TICKS_PER_SECOND;
}

interface Row {
  mode: string;
  model: string;
  backend: string;
  wallPerEpoch: number;
  cpuPerEpoch: number;
}

// Typechecked with Node's lib, not the DOM's: this global exists only inside the browser callback.
declare const navigator: {
  gpu?: { requestAdapter(options?: object): Promise<{ isFallbackAdapter?: boolean; info?: Record<string, string> } | null> };
};

/** What WebGPU adapter the page gets: null when none; `software` for a fallback or SwiftShader adapter. */
async function webGpuAdapter(browser: Browser, origin: string): Promise<{ description: string; software: boolean } | null> {
  const page = await browser.newPage();
  try {
    await page.goto(origin + '/');
    return await page.evaluate(async () => {
      const adapter = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) return null;
      const info = adapter.info ?? {};
      const description = ['vendor', 'architecture', 'device', 'description'].map((k) => info[k]).filter(Boolean).join(' / ');
      return { description: description || 'unnamed adapter', software: adapter.isFallbackAdapter === true || /swiftshader|llvmpipe|software/i.test(description) };
    });
  } finally {
    await page.close();
  }
}

async function measure(browser: Browser, origin: string, mode: string, model: string, others: string[], epochs: number, batch: number): Promise<Row> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  try {
    await page.goto(origin + '/');
    await page.getByTestId('load-demo').click();
    await page.getByTestId('summary').waitFor({ timeout: 120_000 });
    await page.getByTestId('setting-cf-model').uncheck();
    await page.getByTestId('setting-cf-replay').uncheck();
    for (const other of others) await page.getByTestId(`setting-model-${other}`).uncheck();
    await page.getByTestId(`setting-model-${model}`).check();
    await page.getByTestId('setting-epochs-logreg').fill('1');
    await page.getByTestId('setting-epochs').fill(String(epochs));
    await page.getByTestId('setting-batch-size').fill(String(batch));
    await page.getByTestId('setting-backend').selectOption(mode === 'webgpu' ? 'webgpu' : 'wasm');
    await page.getByTestId('run').click();
    const step = page.getByTestId(`progress-${model}`);
    const status = page.getByTestId('status');
    let start: { wall: number; cpu: number } | null = null;
    const until = Date.now() + RUN_TIMEOUT_MS;
    for (;;) {
      if (Date.now() > until) throw new Error(`${mode} ${model}: no result within ${RUN_TIMEOUT_MS / 60_000} min`);
      const state = await status.getAttribute('data-state');
      if (state === 'failed') throw new Error(`${mode} ${model}: the run failed: ${await page.getByTestId('error').textContent()}`);
      const share = Number((await step.getAttribute('data-share').catch(() => null)) ?? 0);
      if (!start && share > 0) start = { wall: performance.now(), cpu: descendantsCpuSeconds() };
      if (start && share >= 1) {
        const wall = (performance.now() - start.wall) / 1000;
        const cpu = descendantsCpuSeconds() - start.cpu;
        const backend = ((await page.getByTestId('backend-in-use').textContent()) ?? '').replace(/^Compute backend:\s*/, '').replace(/, as asked$/, '');
        return { mode, model, backend, wallPerEpoch: wall / epochs, cpuPerEpoch: cpu / epochs };
      }
      await page.waitForTimeout(POLL_MS);
    }
  } finally {
    await context.close();
  }
}

function load(): string {
  return loadavg().map((l) => l.toFixed(2)).join(', ');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dist: { type: 'string', default: 'dist' },
      epochs: { type: 'string', default: '2' },
      batch: { type: 'string', default: '64' },
      models: { type: 'string', default: 'lstm,attention' },
      repeat: { type: 'string', default: '1' },
      modes: { type: 'string', default: 'single,threads' },
      'gpu-flags': { type: 'string', default: '' },
      'software-webgpu': { type: 'boolean', default: false },
    },
  });
  const modes = values.modes.split(',');
  const unknownMode = modes.find((m) => !['single', 'threads', 'webgpu'].includes(m));
  if (unknownMode) throw new Error(`--modes takes single, threads and webgpu; got "${unknownMode}"`);
  const dist = resolve(values.dist);
  if (!existsSync(join(dist, 'index.html'))) throw new Error(`no build in ${dist}: run \`npx vite build\` first`);
  const epochs = Number(values.epochs);
  const batch = Number(values.batch);
  const models = values.models.split(',');
  const allModels = ['lstm', 'attention'];
  const single = await serveDist(dist, SECURITY_HEADERS);
  const threaded = await serveDist(dist, { ...SECURITY_HEADERS, ...ISOLATION_HEADERS });
  const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  const launch = (extra: string[]) =>
    chromium.launch({
      executablePath: existsSync(chromiumPath) ? chromiumPath : undefined,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...extra],
    });
  const browser = await launch([]);
  const gpuBrowser = modes.includes('webgpu') ? await launch(['--enable-unsafe-webgpu', ...values['gpu-flags'].split(' ').filter(Boolean)]) : null;
  const trainJourneys = splitRows(await demoPrepared(), Split.Train).length;
  const rows: Row[] = [];
  console.log(`load average before: ${load()}`);
  try {
    const runModes: [string, string, Browser][] = [];
    if (modes.includes('single')) runModes.push(['single', single.origin, browser]);
    if (modes.includes('threads')) runModes.push(['threads', threaded.origin, browser]);
    if (gpuBrowser) {
      const adapter = await webGpuAdapter(gpuBrowser, single.origin);
      if (!adapter) console.log('WebGPU: no adapter at all (no GPU, or WebGPU disabled in this Chromium): nothing measured on webgpu.');
      else if (adapter.software && !values['software-webgpu']) {
        console.log(`WebGPU: no GPU adapter, only a software one (${adapter.description}): nothing measured on webgpu (--software-webgpu measures it anyway).`);
      } else {
        console.log(`WebGPU: ${adapter.software ? 'software adapter, NOT a GPU' : 'GPU adapter'}: ${adapter.description}`);
        runModes.push(['webgpu', single.origin, gpuBrowser]);
      }
    }
    for (let r = 0; r < Number(values.repeat); r++) {
      for (const model of models) {
        // Alternating modes, so a change in the machine's load hits each.
        for (const [mode, origin, b] of runModes) {
          const row = await measure(b, origin, mode, model, allModels.filter((m) => m !== model), epochs, batch);
          console.log(`  ${row.mode} ${row.model}: ${row.wallPerEpoch.toFixed(2)} s/epoch wall, ${row.cpuPerEpoch.toFixed(2)} s/epoch CPU, ${(trainJourneys / row.wallPerEpoch).toFixed(0)} journeys/s (${row.backend})`);
          rows.push(row);
        }
      }
    }
  } finally {
    await browser.close();
    await gpuBrowser?.close();
    single.server.close();
    threaded.server.close();
  }
  console.log(`load average after: ${load()}`);
  console.log(`\n| model | mode | backend | wall s/epoch | CPU s/epoch | CPU/wall | journeys/s (wall) |  (demo log, ${trainJourneys} training journeys, batch ${batch}, ${epochs} epochs)`);
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) {
    console.log(
      `| ${row.model} | ${row.mode} | ${row.backend.replace(/;.*$/, '')} | ${row.wallPerEpoch.toFixed(2)} | ${row.cpuPerEpoch.toFixed(2)} | ${(row.cpuPerEpoch / row.wallPerEpoch).toFixed(2)} | ${(trainJourneys / row.wallPerEpoch).toFixed(0)} |`,
    );
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
