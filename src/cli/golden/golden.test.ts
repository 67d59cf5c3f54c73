/**
 * Behaviour stays: the CLI gives the numbers committed in demo.json for the
 * demo log at a fixed seed. Counting methods and replays must match exactly;
 * numbers that pass through a trained network may differ in the last float
 * digits (kernel order), so they get a relative tolerance.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_FILE, goldenRun } from './golden';

/** Paths where two numbers differ: none means equal within `tolerance` (relative, with an absolute floor). */
function differences(actual: unknown, expected: unknown, tolerance: number, path = '$'): string[] {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const ok = tolerance === 0 ? Object.is(actual, expected) || actual === expected : Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected));
    return ok ? [] : [`${path}: ${actual} vs ${expected}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${path}: length ${Array.isArray(actual) ? actual.length : typeof actual} vs ${expected.length}`];
    return expected.flatMap((e, i) => differences(actual[i], e, tolerance, `${path}[${i}]`));
  }
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object') return [`${path}: ${typeof actual} vs object`];
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((k) => differences((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], tolerance, `${path}.${k}`));
  }
  return actual === expected ? [] : [`${path}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`];
}

describe('golden CLI run on the demo log', () => {
  const expected = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as Record<string, unknown>;
  let actual: Record<string, unknown>;

  it('runs the commands', () => {
    actual = goldenRun();
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  }, 240_000);

  it.each(['attribute', 'weights', 'simulateCounting'])('%s matches exactly', (key) => {
    expect(differences(actual[key], expected[key], 0)).toEqual([]);
  });

  it.each(['train', 'neuralWeights', 'simulateNeural', 'attributeScored', 'scoredWeights'])('%s matches within float noise', (key) => {
    expect(differences(actual[key], expected[key], 1e-4)).toEqual([]);
  });

  it('notices a changed number', () => {
    expect(differences({ a: [1, 2] }, { a: [1, 2.001] }, 1e-4)).toHaveLength(1);
    expect(differences({ a: 'x' }, { a: 'y' }, 0)).toHaveLength(1);
  });
});
