/**
 * The whole Criteo log from pick to recommendation in one tab (issue 16): the
 * built app in headless Chromium, the generated full-size log picked, the
 * app's default settings (the article's: 400 campaigns sampled, balanced, its
 * epochs, every test journey up to 100 k scored by the model-judged steps, the
 * sweep, the recommendation). Prints wall time to the summary, then per run
 * step (the app's own timings), peak Chromium memory and the worst page round
 * trip while each step ran, and what the run recommended. Not part of CI.
 *
 *   npm run build && npm run bench:full [-- --file log.tsv.gz] [--backend wasm|webgpu|webgl]
 *       [--epochs N] [--campaigns N] [--timeout-min 60] [--json out.json]
 *
 * --epochs and --campaigns change the article's settings for a shorter run;
 * the table says so. The file defaults to the full-size log the browser
 * benchmarks cache (~/.cache/attribution-lab/criteo-16.5M.tsv.gz); make it with
 *   npx tsx scripts/generate.ts --rows 16500000 --out ~/.cache/attribution-lab/criteo-16.5M.tsv.gz
 * With --backend webgpu Chromium is started with --enable-unsafe-webgpu; the
 * table says which backend the run used (the run panel's own words), so a
 * machine without a GPU adapter shows the fallback plainly.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from '@playwright/test';
import { loadAverage, openBenchBrowser, sampleResponsiveness } from './browser';

// bench is typechecked with Node's lib, not the DOM's: this global exists only inside the browser callbacks.
interface PageElement {
  dataset: Record<string, string | undefined>;
  getAttribute(name: string): string | null;
}
declare const document: { querySelectorAll(selector: string): Iterable<PageElement>; querySelector(selector: string): PageElement | null };

const DEFAULT_FILE = join(homedir(), '.cache', 'attribution-lab', 'criteo-16.5M.tsv.gz');

interface StepFigure {
  step: string;
  seconds: number;
  peakRssMB: number;
  roundTripMaxMs: number;
}

/** The run's current step: the first progress row not yet full, or null between steps. */
async function currentStep(page: Page): Promise<string | null> {
  return page
    .evaluate(() => {
      const rows = [...document.querySelectorAll('[data-testid^="progress-"]')];
      const open = rows.find((r) => Number(r.dataset.share) < 1);
      return open ? open.dataset.testid!.slice('progress-'.length) : null;
    })
    .catch(() => null);
}

/** "Seconds per step: Prepare 1.2, Attention 30.5." -> label and seconds. */
function parseTimings(text: string): { label: string; seconds: number }[] {
  const body = text.replace(/^[^:]*:\s*/, '').replace(/\.\s*$/, '');
  return body.split(', ').map((part) => {
    const at = part.lastIndexOf(' ');
    return { label: part.slice(0, at), seconds: Number(part.slice(at + 1)) };
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      file: { type: 'string', default: DEFAULT_FILE },
      dist: { type: 'string', default: 'dist' },
      port: { type: 'string', default: '4175' },
      backend: { type: 'string', default: 'wasm' },
      epochs: { type: 'string' },
      campaigns: { type: 'string' },
      'timeout-min': { type: 'string', default: '60' },
      json: { type: 'string' },
    },
  });
  const file = values.file!;
  if (!existsSync(file)) {
    console.error(`no log at ${file}: make it with \`npx tsx scripts/generate.ts --rows 16500000 --out ${file}\`, or give --file.`);
    return 2;
  }
  if (!['wasm', 'webgpu', 'webgl', 'cpu'].includes(values.backend!)) {
    console.error(`--backend takes wasm, webgpu, webgl or cpu; got "${values.backend}".`);
    return 2;
  }
  const timeoutMs = Number(values['timeout-min']) * 60_000;
  const changed: string[] = [];
  const bench = await openBenchBrowser(values.dist!, values.port!, values.backend === 'webgpu' ? ['--enable-unsafe-webgpu'] : []);
  const load = [loadAverage()];
  try {
    const page = await bench.browser.newPage();
    let crashed = false;
    page.on('crash', () => (crashed = true));
    await page.goto(bench.url);
    await page.getByTestId('drop-zone').waitFor();

    let step: string | null = 'load';
    const sampler = sampleResponsiveness(page, { isCrashed: () => crashed, label: () => step });
    const started = performance.now();
    await page.getByTestId('file-input').setInputFiles(file);
    await page.getByTestId('summary').waitFor({ timeout: timeoutMs });
    const toSummary = (performance.now() - started) / 1000;
    const rows = Number(await page.getByTestId('summary').getAttribute('data-rows'));
    console.log(`summary after ${toSummary.toFixed(1)} s (${rows.toLocaleString('en-US')} rows, load ${loadAverage().toFixed(1)})`);

    await page.getByTestId('setting-backend').selectOption(values.backend!);
    if (values.epochs) {
      await page.getByTestId('setting-epochs').fill(values.epochs);
      await page.getByTestId('setting-epochs-logreg').fill(values.epochs);
      changed.push(`${values.epochs} epochs for every model`);
    }
    if (values.campaigns) {
      await page.getByTestId('setting-campaigns').fill(values.campaigns);
      changed.push(`${values.campaigns} campaigns`);
    }
    step = null;
    const poller = setInterval(() => {
      void currentStep(page).then((s) => (step = s));
    }, 1000);
    const runStarted = performance.now();
    await page.getByTestId('run').click();
    await page.waitForFunction(() => ['done', 'failed'].includes(document.querySelector('[data-testid="status"]')?.getAttribute('data-state') ?? ''), undefined, {
      timeout: timeoutMs,
      polling: 1000,
    });
    const runSeconds = (performance.now() - runStarted) / 1000;
    clearInterval(poller);
    load.push(loadAverage());
    const seen = await sampler.stop();
    const state = await page.getByTestId('status').getAttribute('data-state');
    if (state !== 'done') {
      console.error(`the run ${state}: ${(await page.getByTestId('status').textContent())?.trim()}`);
      return 1;
    }
    const backendUsed = ((await page.getByTestId('backend-in-use').textContent()) ?? '').replace(/^Compute backend:\s*/, '').trim();
    const timings = parseTimings((await page.getByTestId('step-timings').textContent()) ?? '');
    const rec = page.getByTestId('answer-recommendation');
    const recommended = (await rec.count()) > 0 ? { method: await rec.getAttribute('data-method'), expected: Number(await rec.getAttribute('data-expected')), today: Number(await rec.getAttribute('data-today')) } : null;

    // Per step: the app's own seconds, and what the sampler saw while the step's progress row was open.
    const stepIds = await page.evaluate(() => [...document.querySelectorAll('[data-testid^="progress-"]')].map((r) => r.dataset.testid!.slice('progress-'.length)));
    const figures: StepFigure[] = timings.map((t, i) => {
      const id = stepIds[i];
      const s = id ? seen.byLabel[id] : undefined;
      return { step: t.label, seconds: t.seconds, peakRssMB: s?.peakRssMB ?? Number.NaN, roundTripMaxMs: s?.roundTripMaxMs ?? Number.NaN };
    });
    const result = {
      file,
      fileMB: statSync(file).size / 1e6,
      rows,
      settings: changed.length ? `the app's defaults but ${changed.join(', ')}` : "the app's defaults (the article's settings)",
      backend: backendUsed,
      secondsToSummary: toSummary,
      loadPeakRssMB: seen.byLabel.load?.peakRssMB ?? Number.NaN,
      loadRoundTripMaxMs: seen.byLabel.load?.roundTripMaxMs ?? Number.NaN,
      runSeconds,
      totalSeconds: toSummary + runSeconds,
      steps: figures,
      peakRssMB: seen.peakRssMB,
      roundTripMedianMs: seen.roundTripMedianMs,
      roundTripMaxMs: seen.roundTripMaxMs,
      slowSamples: seen.slowSamples,
      samples: seen.samples,
      recommended,
      loadAverage: load,
    };
    if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2) + '\n');

    const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
    console.log(`\n${result.fileMB.toFixed(0)} MB, ${rows.toLocaleString('en-US')} rows; ${result.settings}; backend ${backendUsed}; load average ${load.map((l) => l.toFixed(1)).join(' → ')}`);
    console.log('\n| step | wall s | peak Chromium RSS (MB) | worst round trip (ms) |');
    console.log('|---|---|---|---|');
    console.log(`| pick to summary | ${toSummary.toFixed(1)} | ${ms(result.loadPeakRssMB)} | ${ms(result.loadRoundTripMaxMs)} |`);
    for (const f of figures) console.log(`| ${f.step} | ${f.seconds.toFixed(1)} | ${ms(f.peakRssMB)} | ${ms(f.roundTripMaxMs)} |`);
    console.log(`| **pick to recommendation** | **${result.totalSeconds.toFixed(1)}** | ${ms(seen.peakRssMB)} | ${ms(seen.roundTripMaxMs)} (median ${ms(seen.roundTripMedianMs)}; ${seen.slowSamples} of ${seen.samples} over 1 s) |`);
    console.log(recommended ? `\nrecommended: ${recommended.method}, expected ${recommended.expected.toFixed(1)} against today's ${recommended.today.toFixed(1)}` : '\nno recommendation was made');
    return 0;
  } finally {
    await bench.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
