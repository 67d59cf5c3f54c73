/**
 * What the worker holds, for the leak checks (e2e/leaks.spec.ts): tfjs's own
 * count and the typed arrays of the table and the last run. The worker's JS
 * heap cannot be read from the page, so the arrays are counted here.
 */
import * as tf from '@tensorflow/tfjs';

export interface WorkerMemory {
  /** Null until a run has started a tfjs backend (asking earlier would start one). */
  backend: string | null;
  numTensors: number;
  numBytes: number;
  heldArrays: number;
  heldBytes: number;
}

/** `roots`: what the worker keeps between calls. */
export function workerMemory(backendStarted: boolean, roots: unknown[]): WorkerMemory {
  const held = countArrays(roots);
  if (!backendStarted) return { backend: null, numTensors: 0, numBytes: 0, ...held };
  const m = tf.memory();
  return { backend: tf.getBackend(), numTensors: m.numTensors, numBytes: m.numBytes, ...held };
}

/** Typed arrays reachable from `roots` (a few levels of plain objects and arrays deep), each buffer counted once. */
export function countArrays(roots: unknown[]): { heldArrays: number; heldBytes: number } {
  const buffers = new Set<ArrayBufferLike>();
  const seen = new Set<object>();
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      buffers.add(value.buffer);
      return;
    }
    if (depth > 4) return;
    for (const child of Array.isArray(value) ? value : Object.values(value)) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  let heldBytes = 0;
  for (const b of buffers) heldBytes += b.byteLength;
  return { heldArrays: buffers.size, heldBytes };
}
