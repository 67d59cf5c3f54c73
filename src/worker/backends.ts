/**
 * The browser's tfjs backend ladder, run inside the worker: WebGPU, then
 * WebGL, then WASM (SIMD; threads when the page is cross-origin isolated),
 * then plain-JS CPU. Measured on a machine without a GPU (browser-notes.md):
 * a software WebGPU adapter (SwiftShader) trains 15-20x slower than wasm and
 * software WebGL 2-3x slower, so software adapters are passed over for wasm,
 * while a real GPU keeps WebGPU first.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// The same module instance the package entry registers (it has no exports map): needed to register the wasm backend again.
import { BackendWasm, init as initWasmModule } from '@tensorflow/tfjs-backend-wasm/dist/backend_wasm';
// Vite copies the .wasm files into the build and gives their URLs; tfjs would
// otherwise look for them next to the bundle under their package names.
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { BACKEND_ORDER, type Backend } from '../core/settings';

export interface BackendAttempt {
  backend: Backend;
  /** Why it was skipped or failed, or what ran. */
  reason: string;
}

export type BackendChoice =
  | { ok: true; backend: Backend; reason: string; attempts: BackendAttempt[] }
  | { ok: false; error: string; attempts: BackendAttempt[] };

/** The slice of WebGPU we read; TypeScript's WebWorker lib does not declare WebGPU. */
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}
interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<GpuAdapterInfoLike>;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render/i;

export type AdapterCheck = { usable: true; description: string } | { usable: false; reason: string };

/** Whether a WebGPU adapter is a real GPU: SwiftShader and friends say so in their info. */
export function classifyWebGpuAdapter(adapter: GpuAdapterLike | null, info: GpuAdapterInfoLike | undefined): AdapterCheck {
  if (!adapter) return { usable: false, reason: 'no WebGPU adapter (no GPU, or WebGPU disabled)' };
  const text = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' ');
  if (adapter.isFallbackAdapter || SOFTWARE_RENDERER.test(text)) {
    return { usable: false, reason: `software WebGPU adapter (${text || 'fallback adapter'}): wasm is faster` };
  }
  return { usable: true, description: text || 'WebGPU adapter' };
}

async function checkWebGpu(): Promise<AdapterCheck> {
  const gpu = (self.navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return { usable: false, reason: 'WebGPU is not available here (needs a secure context and a supporting browser)' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    const info = adapter?.info ?? (adapter?.requestAdapterInfo ? await adapter.requestAdapterInfo() : undefined);
    return classifyWebGpuAdapter(adapter, info);
  } catch (err) {
    return { usable: false, reason: `WebGPU adapter request failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** WebGL2 in a worker goes through OffscreenCanvas; the unmasked renderer names a software rasteriser. */
function checkWebGl(): AdapterCheck {
  if (typeof OffscreenCanvas === 'undefined') return { usable: false, reason: 'no OffscreenCanvas in this worker, so no WebGL' };
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
  if (!gl) return { usable: false, reason: 'WebGL2 is not available' };
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(debug ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  if (SOFTWARE_RENDERER.test(renderer)) return { usable: false, reason: `software WebGL (${renderer}): wasm is faster` };
  return { usable: true, description: renderer };
}

let wasmPathsSet = false;

/** Why the threaded wasm build was given up for single-threaded SIMD, when it was. */
let threadsDropped: string | null = null;

/**
 * How long the threaded build may take to start its pthread pool and run the
 * probe kernel. A pool that cannot load never rejects: tfjs waits forever.
 */
const THREADS_START_MS = 20_000;
/** The wasm backend's priority in tfjs (base.ts of tfjs-backend-wasm). */
const WASM_PRIORITY = 2;
/** Big enough that XNNPACK splits the product over its thread pool. */
const PROBE_SIZE = 128;

/**
 * One plain line from the error a pthread worker reported, e.g. the
 * importScripts of its blob: script refused by a Content-Security-Policy.
 */
export function threadFailureReason(message: string): string {
  const line = message.replace(/^Uncaught\s+/, '').replace(/blob:\S+?(?=['"\s]|$)/g, 'a blob: URL').split('\n')[0].trim();
  const hint = /importScripts/.test(line) ? " (a Content-Security-Policy without blob: in script-src blocks tfjs's pthread workers)" : '';
  return `${line || 'unknown error'}${hint}`;
}

/**
 * Emscripten rethrows a pthread worker's error event from its onerror
 * handler, so it would surface as this worker's uncaught error, which the
 * page treats as a crash. While the threaded build starts, and after it is
 * given up, those are caught here and become the fallback's reason.
 */
function watchPthreadErrors(): { first: Promise<string>; stop: () => void } {
  let report: (message: string) => void = () => {};
  const first = new Promise<string>((resolve) => (report = resolve));
  const onError = (event: ErrorEvent): void => {
    // Two copies of each: the pthread's own uncaught error, passed up from that
    // nested worker (no error object, a blob: script as its file), and
    // Emscripten's rethrow of its error event.
    const rethrown = typeof ErrorEvent !== 'undefined' && event.error instanceof ErrorEvent;
    const passedUp = event.error == null && /^blob:/.test(event.filename ?? '');
    if (!rethrown && !passedUp) return;
    event.preventDefault();
    report(threadFailureReason(rethrown ? (event.error as ErrorEvent).message : event.message));
  };
  self.addEventListener('error', onError);
  return { first, stop: () => self.removeEventListener('error', onError) };
}

/** Runs one matrix product and checks its sum: a backend that starts can still fail its first kernel. */
async function probeKernel(): Promise<string | null> {
  const n = PROBE_SIZE;
  const total = tf.tidy(() => tf.matMul(tf.ones([n, n]), tf.ones([n, n])).sum());
  try {
    const [value] = await total.data();
    return value === n * n * n ? null : `a test matrix product gave ${value}, not ${n * n * n}`;
  } finally {
    total.dispose();
  }
}

async function startAndProbe(name: Backend): Promise<string | null> {
  try {
    if (!(await tf.setBackend(name))) return `${name} did not start`;
    await tf.ready();
    const probe = await probeKernel();
    return probe ? `${name} started but ${probe}` : null;
  } catch (err) {
    return `${name} failed to start: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Drops the threaded backend (started or stuck) and registers wasm afresh; tfjs picks its build when the backend starts. */
function forgetWasmBackend(): void {
  try {
    tf.removeBackend('wasm');
  } catch {
    // A broken threaded module may fail to dispose; it is dropped either way.
  }
  tf.registerBackend('wasm', async () => new BackendWasm((await initWasmModule()).wasm), WASM_PRIORITY);
}

/**
 * wasm, threaded when the page is cross-origin isolated; if the threaded
 * build cannot start its pthreads or run a kernel, single-threaded SIMD wasm
 * with the reason, rather than dropping down the ladder to the CPU backend.
 */
async function startWasm(): Promise<string | null> {
  if (!(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))) return startAndProbe('wasm');
  // tfjs's own thread count: half of navigator.hardwareConcurrency, at most 8,
  // so 1 on a 2-core machine. Two threads there (tfjs caps any count at half
  // the cores, so this took reporting twice the cores as the module started)
  // trained 1.6-3.9x slower than single-threaded SIMD on a shared 2-core
  // machine (scripts/train-browser.ts), so the count is left to tfjs.
  const pthreadErrors = watchPthreadErrors();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const failure = await Promise.race([
    startAndProbe('wasm'),
    pthreadErrors.first.then((message) => `a pthread worker failed: ${message}`),
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`its pthreads did not start within ${THREADS_START_MS / 1000} s`), THREADS_START_MS))),
  ]);
  clearTimeout(timer);
  if (failure === null) {
    // Threads run: from here a pthread error is a real crash, for the page to see.
    pthreadErrors.stop();
    return null;
  }
  // The abandoned pool's workers may still report errors: pthreadErrors keeps swallowing them.
  threadsDropped = `threaded wasm failed (${failure.replace(/^wasm /, '')})`;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  forgetWasmBackend();
  const single = await startAndProbe('wasm');
  return single ? `${single}; before that, ${threadsDropped}` : null;
}

async function tryBackend(name: Backend): Promise<string | null> {
  if (name === 'wasm' && !wasmPathsSet) {
    setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlainUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
    });
    wasmPathsSet = true;
  }
  if (name === 'wasm') return startWasm();
  try {
    if (!(await tf.setBackend(name))) return `${name} did not start`;
    await tf.ready();
    return null;
  } catch (err) {
    return `${name} failed to start: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function wasmDescription(): string {
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  const isolated = (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const mode = threads
    ? `${getThreadsCount()} thread${getThreadsCount() === 1 ? '' : 's'}`
    : threadsDropped
      ? `single thread: ${threadsDropped}`
      : isolated
        ? 'single thread'
        : 'single thread: the page is not cross-origin isolated';
  return `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${mode})`;
}

/**
 * Starts the best backend, or `forced` when given (falling back down the
 * ladder, with the reason, if it cannot start). The answer lists every
 * backend tried and why it was passed over.
 */
export async function startBrowserBackend(forced?: Backend): Promise<BackendChoice> {
  const attempts: BackendAttempt[] = [];
  const ladder = forced ? [forced, ...BACKEND_ORDER.filter((b) => b !== forced)] : [...BACKEND_ORDER];
  for (const name of ladder) {
    const chosen = name === forced;
    if (!chosen && (name === 'webgpu' || name === 'webgl')) {
      const check = name === 'webgpu' ? await checkWebGpu() : checkWebGl();
      if (!check.usable) {
        attempts.push({ backend: name, reason: check.reason });
        continue;
      }
    }
    const failure = await tryBackend(name);
    if (failure) {
      attempts.push({ backend: name, reason: failure });
      continue;
    }
    const what = name === 'wasm' ? wasmDescription() : name;
    const reason = chosen ? `${what}, as asked` : attempts.length ? `${what}; passed over: ${attempts.map((a) => a.reason).join('; ')}` : what;
    attempts.push({ backend: name, reason: 'running' });
    return { ok: true, backend: name, reason, attempts };
  }
  return { ok: false, error: 'No tfjs backend could start in this browser.', attempts };
}
