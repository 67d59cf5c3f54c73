import { describe, expect, it } from 'vitest';
import { classifyWebGpuAdapter, threadFailureReason } from './backends';

describe('classifyWebGpuAdapter', () => {
  it.each([
    { name: 'no adapter', adapter: null, info: undefined, usable: false, reason: /no WebGPU adapter/ },
    { name: 'SwiftShader', adapter: {}, info: { vendor: 'google', architecture: 'swiftshader', description: '' }, usable: false, reason: /software/ },
    { name: 'fallback flag', adapter: { isFallbackAdapter: true }, info: { vendor: 'x' }, usable: false, reason: /software/ },
    { name: 'llvmpipe', adapter: {}, info: { description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, usable: false, reason: /software/ },
    { name: 'a real GPU', adapter: {}, info: { vendor: 'nvidia', architecture: 'hopper' }, usable: true, reason: null },
  ])('$name', ({ adapter, info, usable, reason }) => {
    const check = classifyWebGpuAdapter(adapter, info);
    expect(check.usable).toBe(usable);
    if (!check.usable && reason) expect(check.reason).toMatch(reason);
  });
});

describe('threadFailureReason', () => {
  it.each([
    {
      name: 'a refused blob: script',
      message:
        "Uncaught NetworkError: Failed to execute 'importScripts' on 'WorkerGlobalScope': The script at 'blob:http://localhost:4173/92bb-dc19' failed to load.",
      want: /^NetworkError: Failed to execute 'importScripts' .* The script at 'a blob: URL' failed to load\. \(a Content-Security-Policy without blob: in script-src/,
    },
    { name: 'a minified free variable', message: 'Uncaught ReferenceError: e is not defined', want: /^ReferenceError: e is not defined$/ },
    { name: 'several lines', message: 'RuntimeError: memory access out of bounds\n    at wasm-function[12]', want: /^RuntimeError: memory access out of bounds$/ },
    { name: 'nothing said', message: '', want: /^unknown error$/ },
  ])('$name', ({ message, want }) => {
    const reason = threadFailureReason(message);
    expect(reason).toMatch(want);
    expect(reason).not.toMatch(/blob:http/);
  });
});
