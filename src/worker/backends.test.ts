import { describe, expect, it } from 'vitest';
import { classifyWebGpuAdapter } from './backends';

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
