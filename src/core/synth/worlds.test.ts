import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CRITEO_COLUMNS } from '../table';
import { DEMO_SYNTH_OPTIONS, generateSynthetic } from './generate';
import { deliveredConversions, expectedConversionsServed, trueRemovalEffects, type PlantedWorld } from './oracle';
import { JourneyScratch, journeyLogit } from './planted';
import type { SynthTruth } from './types';
import { findWorld, generateWorld, parseWorldFile, WORLDS } from './worlds';

const USERS = 4000;

function make(name: string, seed = 5, users = USERS): { text: string; truth: SynthTruth; world: PlantedWorld } {
  const spec = findWorld(name);
  if (!spec) throw new Error(name);
  const decoder = new TextDecoder('latin1');
  const parts: string[] = [];
  const { truth, world } = generateWorld(spec, seed, (c) => parts.push(decoder.decode(c)), users);
  return { text: parts.join(''), truth, world };
}

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

/** Share of the total variance of `value` explained by the group means (the correlation ratio eta squared). */
function explainedShare(group: string[], value: number[]): number {
  const mean = value.reduce((a, b) => a + b, 0) / value.length;
  const sums = new Map<string, [number, number]>();
  group.forEach((g, i) => {
    const s = sums.get(g) ?? [0, 0];
    s[0] += value[i];
    s[1]++;
    sums.set(g, s);
  });
  let between = 0;
  for (const [sum, n] of sums.values()) between += n * (sum / n - mean) ** 2;
  const total = value.reduce((a, v) => a + (v - mean) ** 2, 0);
  return between / total;
}

/** Per user (uid as written): the cat1 value and the base log-odds (which is the base constant plus the latent propensity). */
function segmentAndPropensity(text: string, world: PlantedWorld): { segment: string[]; propensity: number[] } {
  const uidCol = CRITEO_COLUMNS.indexOf('uid');
  const catCol = CRITEO_COLUMNS.indexOf('cat1');
  const cat1 = new Map<string, string>();
  for (const line of text.split('\n').slice(1)) {
    if (!line) continue;
    const f = line.split('\t');
    cat1.set(f[uidCol], f[catCol]);
  }
  const base = new Map<string, number>();
  for (let j = 0; j < world.log.journeys; j++) base.set(String(world.log.uid[j]), world.log.base[j]);
  const users = [...base.keys()];
  return { segment: users.map((u) => cat1.get(u)!), propensity: users.map((u) => base.get(u)!) };
}

describe('worlds', () => {
  it('writes the demo generator\'s bytes for the demo world', () => {
    const parts: string[] = [];
    generateSynthetic({ ...DEMO_SYNTH_OPTIONS, users: USERS, seed: 5 }, (t) => parts.push(t));
    expect(sha(make('demo').text)).toBe(sha(parts.join('')));
  });

  it('gives the same world for the same seed and another for another seed', () => {
    const a = make('tangled', 9, 1500);
    const b = make('tangled', 9, 1500);
    expect(sha(a.text)).toBe(sha(b.text));
    expect([...a.world.log.base]).toEqual([...b.world.log.base]);
    expect(sha(make('tangled', 10, 1500).text)).not.toBe(sha(a.text));
  });

  it('records the journeys the truth counts, and the truth\'s removal losses are the oracle\'s', () => {
    for (const name of ['demo', 'interaction', 'clicks', 'decay']) {
      const { truth, world } = make(name, 3, 2000);
      expect(world.log.journeys).toBe(truth.counts.journeys);
      expect(world.log.time.length).toBe(truth.counts.rows);
      const effects = trueRemovalEffects(world);
      truth.campaigns.forEach((c, i) => expect(c.removalLoss).toBeCloseTo(effects.removal[i], 9));
    }
  });

  it('shows the propensity in the user segment, less with noise, and not at all when hidden', () => {
    const shares = ['demo', 'propensity-noisy', 'propensity-hidden'].map((name) => {
      const { text, world } = make(name);
      const { segment, propensity } = segmentAndPropensity(text, world);
      return explainedShare(segment, propensity);
    });
    expect(shares[0]).toBeGreaterThan(0.4);
    expect(shares[1]).toBeLessThan(shares[0] - 0.15);
    // Eight segments over thousands of users: chance alone explains about 7 / users.
    expect(shares[2]).toBeLessThan(0.01);
  });

  it('gives repeat impressions no effect in the once-per-journey world, and some in the demo', () => {
    const firstOnly = (world: PlantedWorld) => {
      const served = new Uint8Array(world.log.time.length);
      for (let j = 0; j < world.log.journeys; j++) {
        const seen = new Set<number>();
        for (let e = world.log.offsets[j]; e < world.log.offsets[j + 1]; e++) {
          if (!seen.has(world.log.campaign[e])) served[e] = 1;
          seen.add(world.log.campaign[e]);
        }
      }
      return expectedConversionsServed(world, served);
    };
    const once = make('once-per-journey').world;
    expect(firstOnly(once)).toBeCloseTo(deliveredConversions(once), 9);
    const demo = make('demo').world;
    expect(deliveredConversions(demo) - firstOnly(demo)).toBeGreaterThan(1);
  });

  it('applies each world\'s dose rule, decay, click lift and interaction to a journey', () => {
    const day = 86_400;
    // One impression of a causal campaign: `at` seconds before the journey's end, clicked or not, repeated `times`.
    // With `dependent`, the campaign is the interaction's dependent one, after the trigger if `afterTrigger`.
    const contribution = (name: string, at: number, clicked: number, times: number, dependent?: { afterTrigger: boolean }) => {
      const { world } = make(name, 5, 300);
      const c = dependent ? world.model.dependent : world.model.effects.findIndex((e) => e > 0);
      const campaigns = [...(dependent?.afterTrigger ? [world.model.trigger] : []), ...Array<number>(times).fill(c)];
      const time = campaigns.map(() => 10 * day - at);
      const logit = journeyLogit(world.model, 0, time, campaigns, campaigns.map(() => clicked), 0, campaigns.length, 10 * day, new JourneyScratch(world.log.campaignIds.length));
      return logit / world.model.effects[c];
    };
    expect(contribution('demo', 0, 0, 3)).toBeCloseTo(2, 12);
    expect(contribution('once-per-journey', 0, 0, 3)).toBe(1);
    expect(contribution('per-impression', 0, 0, 3)).toBeCloseTo(3, 12);
    expect(contribution('saturating', 0, 0, 30)).toBeCloseTo(2 * (1 - Math.exp(-15)), 12);
    expect(contribution('saturating', 0, 0, 1)).toBeCloseTo(2 * (1 - Math.exp(-0.5)), 12);
    expect(contribution('decay', 2 * day, 0, 1)).toBeCloseTo(Math.log2(1.5), 12);
    expect(contribution('demo', 2 * day, 0, 1)).toBeCloseTo(1, 12);
    expect(contribution('clicks', 0, 1, 1)).toBeCloseTo(Math.log2(5), 12);
    expect(contribution('demo', 0, 1, 1)).toBeCloseTo(1, 12);
    // Interaction: nothing without the trigger first, the full effect after it.
    expect(contribution('interaction', 0, 0, 1, { afterTrigger: false })).toBe(0);
    expect(contribution('interaction', 0, 0, 1, { afterTrigger: true })).toBeGreaterThanOrEqual(1);
    expect(make('interaction', 5, 300).world.model.dependent).toBeGreaterThanOrEqual(0);
  });

  it('puts late campaigns before conversions of high-propensity users more, the stronger the targeting', () => {
    const lateLift = (name: string) => {
      const { truth, world } = make(name);
      const late = new Set(truth.campaigns.flatMap((c, i) => (c.role === 'late' ? [i] : [])));
      const sorted = [...world.log.base].sort((a, b) => a - b);
      const high = sorted[Math.floor(0.8 * sorted.length)];
      const share = (pick: (b: number) => boolean) => {
        let withLate = 0;
        let n = 0;
        for (let j = 0; j < world.log.journeys; j++) {
          if (!pick(world.log.base[j])) continue;
          n++;
          for (let e = world.log.offsets[j]; e < world.log.offsets[j + 1]; e++) {
            if (late.has(world.log.campaign[e])) {
              withLate++;
              break;
            }
          }
        }
        return withLate / n;
      };
      return share((b) => b >= high) / share((b) => b < high);
    };
    expect(lateLift('confounded')).toBeGreaterThan(1.5 * lateLift('demo'));
  });

  it('has about 60% single-impression journeys and a tail to hundreds in the long-tail world', () => {
    const { world } = make('long-tail', 5, 6000);
    let single = 0;
    let longest = 0;
    for (let j = 0; j < world.log.journeys; j++) {
      const n = world.log.offsets[j + 1] - world.log.offsets[j];
      if (n === 1) single++;
      longest = Math.max(longest, n);
    }
    expect(single / world.log.journeys).toBeGreaterThan(0.5);
    expect(single / world.log.journeys).toBeLessThan(0.7);
    expect(longest).toBeGreaterThan(100);
  });

  it('has 400 and 700 campaigns where it says so, and 90% without effect in the mostly-null world', () => {
    expect(findWorld('campaigns-400')?.options.campaigns).toBe(400);
    expect(make('campaigns-700', 5, 500).world.log.campaignIds.length).toBe(700);
    const effects = make('mostly-null').truth.campaigns.map((c) => c.effect);
    expect(effects.filter((e) => e === 0).length / effects.length).toBeCloseTo(0.9, 2);
  });

  it('names every world once and checks every world\'s options', () => {
    expect(new Set(WORLDS.map((w) => w.name)).size).toBe(WORLDS.length);
    for (const w of WORLDS) expect(parseWorldFile(JSON.stringify({ base: w.name })).ok).toBe(true);
    expect(parseWorldFile('{"options": {"world": {"colour": 1}}}')).toMatchObject({ ok: false, error: expect.stringMatching(/colour/) });
  });
});
