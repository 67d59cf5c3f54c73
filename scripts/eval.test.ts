import { describe, expect, it } from 'vitest';
import { allocationGain, METHODS, parseEvalArgs, REFERENCES, summarise, worldTable, type MethodScore, type WorldRun } from './eval';

/** A run whose every method scores `gain` (+ its index / 100, so methods differ), with NaN rhos for the references. */
function run(world: string, seed: number, gain: number): WorldRun {
  const scores: MethodScore[] = [...METHODS, ...REFERENCES].map((method, i) => ({
    world,
    seed,
    method,
    rhoPerImpression: (REFERENCES as readonly string[]).includes(method) ? Number.NaN : gain,
    rhoTotal: Number.NaN,
    pitch: 1,
    expected: 0,
    gain: gain + i / 100,
  }));
  return { world, seed, users: 1, rows: 1, preparedJourneys: 1, budget: 1, noAds: 0, delivered: 0, best: 1, bestFound: 'greedy', testAuc: {}, recommended: 'removal', seconds: 0, scores };
}

describe('eval tables', () => {
  const runs = [run('a', 1, 0.2), run('a', 2, 0.4), run('b', 1, 0.9), run('c', 1, 0.5)];

  it('has one row per world and method', () => {
    const rows = worldTable(runs).split('\n').slice(2);
    const methods = METHODS.length + REFERENCES.length;
    expect(rows).toHaveLength(3 * methods);
    const keys = rows.map((r) => r.split('|').slice(1, 3).map((x) => x.trim()).join('/'));
    expect(new Set(keys).size).toBe(rows.length);
    // Means over seeds: world a's first method is (0.2 + 0.4) / 2.
    expect(rows[0]).toMatch(/^\| a \| lta \| 0\.30 \|.*\| 0\.30 \|$/);
  });

  it('gives each method its worst world and its median over worlds', () => {
    const lta = summarise(runs).find((s) => s.method === 'lta')!;
    expect(lta.worstWorld).toBe('a');
    expect(lta.worstGain).toBeCloseTo(0.3, 12);
    expect(lta.medianGain).toBeCloseTo(0.5, 12);
    expect(summarise(runs).map((s) => s.method)).toEqual([...METHODS, ...REFERENCES]);
  });

  it('names the worst world-seed and counts the world-seeds below delivery', () => {
    const deliveryAt = (r: WorldRun, gain: number) => {
      r.scores.find((s) => s.method === 'delivery')!.gain = gain;
      return r;
    };
    // Delivery under every method, but in world d, where lta (gain 0.1) falls under it and removal stays above.
    const all = [...runs.map((r) => deliveryAt(structuredClone(r), 0)), deliveryAt(run('d', 3, 0.1), 0.105)];
    const lta = summarise(all).find((s) => s.method === 'lta')!;
    expect([lta.worstRun, lta.worstRunGain, lta.belowDelivery, lta.runs]).toEqual(['d s3', 0.1, 1, 5]);
    const removal = summarise(all).find((s) => s.method === 'removal')!;
    expect(removal.belowDelivery).toBe(0);
  });

  it('scales gains from no ads (0) to the best true allocation (1)', () => {
    expect(allocationGain(150, 100, 200)).toBe(0.5);
    expect(allocationGain(90, 100, 200)).toBe(-0.1);
    expect(allocationGain(100, 100, 100)).toBeNaN();
  });

  it('reads --worlds all, a seed count or list, and refuses unknown worlds', () => {
    const all = parseEvalArgs(['--worlds', 'all', '--seeds', '3']);
    expect(all.ok && all.seeds).toEqual([1, 2, 3]);
    expect(all.ok && all.worlds.length).toBeGreaterThanOrEqual(11);
    const list = parseEvalArgs(['--worlds', 'demo,clicks', '--seeds', '4,9', '--budget-share', '0.05']);
    expect(list.ok && [list.worlds.map((w) => w.name), list.seeds, list.budgetShare]).toEqual([['demo', 'clicks'], [4, 9], 0.05]);
    expect(parseEvalArgs(['--worlds', 'mars'])).toMatchObject({ ok: false, error: expect.stringMatching(/Unknown world "mars"/) });
    expect(parseEvalArgs(['--budget-share', '2'])).toMatchObject({ ok: false });
  });
});
