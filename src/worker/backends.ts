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
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
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

async function tryBackend(name: Backend): Promise<string | null> {
  if (name === 'wasm' && !wasmPathsSet) {
    setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlainUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
    });
    wasmPathsSet = true;
  }
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
  return `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'threads' : isolated ? 'single thread' : 'single thread: the page is not cross-origin isolated'})`;
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
