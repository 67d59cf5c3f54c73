/**
 * What the in-browser benchmarks share: the built app served by `vite
 * preview`, Debian's Chromium, and a sampler that times a page round trip and
 * reads the Chromium processes' summed resident memory from /proc twice a
 * second (shared pages counted more than once, so an upper bound).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';

export const SAMPLE_MS = 500;

/** Pids of a process and all its descendants, from /proc. */
export function processTree(root: number): number[] {
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

/** Chromium processes started by this process (the browser, its renderers and GPU/utility helpers). */
export function chromiumPids(): number[] {
  return processTree(process.pid).filter((pid) => {
    try {
      return /chrom/i.test(readFileSync(`/proc/${pid}/comm`, 'utf8'));
    } catch {
      return false;
    }
  });
}

export function rssMB(pids: number[]): number {
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

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export interface Responsiveness {
  roundTripMedianMs: number;
  roundTripMaxMs: number;
  /** Samples whose round trip took over a second: the page felt frozen. */
  slowSamples: number;
  samples: number;
  peakRssMB: number;
  /** Peak RSS and worst round trip while each label held (when the sampler was given `label`). */
  byLabel: Record<string, { peakRssMB: number; roundTripMaxMs: number }>;
}

export interface SamplerOptions {
  isCrashed?: () => boolean;
  /** What the page is doing now (e.g. the run's current step), read in the same round trip that is timed. */
  label?: () => string | null;
}

/**
 * Samples `page` until `stop()`: each sample times one `page.evaluate` round
 * trip (a busy main thread shows as a long one) and reads the RSS.
 */
export function sampleResponsiveness(page: Page, options: SamplerOptions = {}): { stop: () => Promise<Responsiveness> } {
  const roundTrips: number[] = [];
  const byLabel: Responsiveness['byLabel'] = {};
  let peak = 0;
  let sampling = true;
  const loop = (async () => {
    while (sampling && !options.isCrashed?.()) {
      const started = performance.now();
      const ok = await page.evaluate(() => 1).then(
        () => true,
        () => false,
      );
      if (!ok) break;
      const trip = performance.now() - started;
      roundTrips.push(trip);
      const rss = rssMB(chromiumPids());
      peak = Math.max(peak, rss);
      const label = options.label?.();
      if (label) {
        const seen = (byLabel[label] ??= { peakRssMB: 0, roundTripMaxMs: 0 });
        seen.peakRssMB = Math.max(seen.peakRssMB, rss);
        seen.roundTripMaxMs = Math.max(seen.roundTripMaxMs, trip);
      }
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();
  return {
    stop: async () => {
      sampling = false;
      await loop;
      return {
        roundTripMedianMs: median(roundTrips),
        roundTripMaxMs: Math.max(0, ...roundTrips),
        slowSamples: roundTrips.filter((t) => t > 1000).length,
        samples: roundTrips.length,
        peakRssMB: peak,
        byLabel,
      };
    },
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

export interface BenchBrowser {
  url: string;
  browser: Browser;
  close: () => Promise<void>;
}

/**
 * Serves the build in `dist` with `vite preview` on `port` and launches
 * Chromium (CHROMIUM_PATH, else /usr/bin/chromium when present). Throws with a
 * message saying what to do when there is no build.
 */
export async function openBenchBrowser(dist: string, port: string, extraArgs: readonly string[] = []): Promise<BenchBrowser> {
  const outDir = resolve(dist);
  if (!existsSync(join(outDir, 'index.html'))) throw new Error(`no build at ${outDir}: run \`npm run build\` first.`);
  const url = `http://localhost:${port}/`;
  // Node itself, not npx: killing npx would leave the preview server running.
  const vite = resolve('node_modules', 'vite', 'bin', 'vite.js');
  const server = spawn(process.execPath, [vite, 'preview', '--outDir', outDir, '--port', port, '--strictPort'], { stdio: 'ignore' });
  try {
    await waitForServer(url, server);
    const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
    const browser = await chromium.launch({
      executablePath: existsSync(chromiumPath) ? chromiumPath : undefined,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...extraArgs],
    });
    return {
      url,
      browser,
      close: async () => {
        await browser.close();
        server.kill();
      },
    };
  } catch (err) {
    server.kill();
    throw err;
  }
}

/** The machine's load average over the last minute, as `uptime` prints it. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}
