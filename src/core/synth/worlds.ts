/**
 * Named synthetic worlds: the demo, worlds that each change one thing of its
 * planted model, and two that change many at once. A world is options for
 * the generator (./generate.ts) minus the seed; `generateWorld` writes its log
 * and keeps every journey for the exact oracle (./oracle.ts).
 *
 * The worlds are there to show where each attribution method fails; none is
 * tuned to make a method look good.
 */
import { DEMO_SYNTH_OPTIONS, resolveSynthOptions, syntheticChunks } from './generate';
import { WorldRecorder, type PlantedWorld } from './oracle';
import type { SynthOptions, SynthTruth } from './types';

export interface WorldSpec {
  name: string;
  /** What it changes from the demo, in a line. */
  summary: string;
  options: Omit<SynthOptions, 'seed'>;
}

const { seed: _demoSeed, ...DEMO } = DEMO_SYNTH_OPTIONS;

/** The demo's users per campaign; the campaign-count worlds keep about the impressions per campaign of the 400-campaign logs the issue measured. */
export const WORLDS: readonly WorldSpec[] = [
  { name: 'demo', summary: "today's demo log (log2 dose, confounded late campaigns, noisy segment)", options: DEMO },
  { name: 'once-per-journey', summary: 'a campaign counts once per journey: repeat impressions add nothing', options: { ...DEMO, world: { dose: 'once' } } },
  { name: 'per-impression', summary: 'every impression adds the same effect (linear dose)', options: { ...DEMO, world: { dose: 'linear' } } },
  { name: 'saturating', summary: 'effect saturates after about two impressions', options: { ...DEMO, world: { dose: 'saturating', saturation: 2 } } },
  { name: 'decay', summary: "an impression's effect halves every 2 days before the journey's end", options: { ...DEMO, world: { decayHalfLifeDays: 2 } } },
  { name: 'confounded', summary: 'late campaigns follow the latent propensity much more strongly (targeting strength 8, demo 2.5)', options: { ...DEMO, world: { lateTargeting: 8 } } },
  { name: 'propensity-noisy', summary: 'the user segment shows the propensity only through heavy noise (sd 2.5, demo 0.8)', options: { ...DEMO, world: { segmentNoise: 2.5 } } },
  { name: 'propensity-hidden', summary: 'the user segment carries nothing about the propensity', options: { ...DEMO, world: { propensity: 'hidden' } } },
  { name: 'long-tail', summary: 'about 60% single-impression journeys and a tail to hundreds', options: { ...DEMO, world: { journeyLengths: 'heavy-tail' } } },
  { name: 'campaigns-400', summary: '400 campaigns (the article samples 400 of about 700)', options: { ...DEMO, campaigns: 400, users: 150_000, world: {} } },
  { name: 'campaigns-700', summary: '700 campaigns', options: { ...DEMO, campaigns: 700, users: 250_000, world: {} } },
  { name: 'mostly-null', summary: '90% of campaigns have no effect (causal share 0.1, demo 0.4)', options: { ...DEMO, world: { causalShare: 0.1 } } },
  { name: 'clicks', summary: 'a clicked impression counts as 4 exposures', options: { ...DEMO, world: { clickLift: 4 } } },
  { name: 'interaction', summary: 'the strongest campaign works only after the most popular other one was seen', options: { ...DEMO, world: { interaction: true } } },
  {
    name: 'criteo-like',
    summary: 'many at once: 400 campaigns, heavy-tailed journeys, saturation, decay, clicks, hidden propensity, strong confounding, 80% null',
    options: {
      ...DEMO,
      campaigns: 400,
      users: 150_000,
      world: {
        dose: 'saturating',
        saturation: 3,
        decayHalfLifeDays: 5,
        clickLift: 3,
        propensity: 'hidden',
        lateTargeting: 6,
        causalShare: 0.2,
        journeyLengths: 'heavy-tail',
      },
    },
  },
  {
    name: 'tangled',
    summary: 'many at once: once per journey, an interaction, decay, noisy propensity, strong confounding, 25% late campaigns',
    options: {
      ...DEMO,
      world: { dose: 'once', interaction: true, decayHalfLifeDays: 3, segmentNoise: 2, lateTargeting: 6, lateShare: 0.25 },
    },
  },
];

export function worldNames(): string[] {
  return WORLDS.map((w) => w.name);
}

export function findWorld(name: string): WorldSpec | undefined {
  return WORLDS.find((w) => w.name === name);
}

type SpecCheck = { ok: true; spec: WorldSpec } | { ok: false; error: string };

/**
 * A world from a JSON file's text: `{"name"?, "base"?: world name, "options"?: {...}}`
 * where options are generator options (users, campaigns, ..., world: {...}) laid over the base's.
 */
export function parseWorldFile(text: string): SpecCheck {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `The world file is not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: 'The world file must hold one JSON object.' };
  const r = raw as { name?: unknown; base?: unknown; options?: unknown };
  const baseName = r.base === undefined ? 'demo' : r.base;
  const base = typeof baseName === 'string' ? findWorld(baseName) : undefined;
  if (!base) return { ok: false, error: `Unknown base world "${String(baseName)}"; known: ${worldNames().join(', ')}.` };
  if (r.options !== undefined && (typeof r.options !== 'object' || r.options === null || Array.isArray(r.options))) {
    return { ok: false, error: '"options" must be an object of generator options.' };
  }
  const extra = (r.options ?? {}) as Partial<SynthOptions>;
  const options: Omit<SynthOptions, 'seed'> = {
    ...base.options,
    ...extra,
    world: { ...(base.options.world ?? {}), ...(extra.world ?? {}) },
  };
  const check = resolveSynthOptions({ ...options, seed: 1 });
  if (!check.ok) return check;
  const name = typeof r.name === 'string' && r.name ? r.name : `${base.name}+file`;
  return { ok: true, spec: { name, summary: `from a file, over ${base.name}`, options } };
}

export interface GeneratedWorld {
  truth: SynthTruth;
  world: PlantedWorld;
}

/**
 * Writes the world's log through `write` (ASCII chunks) and returns its truth
 * and its journeys for the oracle. `users` overrides the world's size (the
 * evaluation uses smaller logs).
 */
export function generateWorld(spec: WorldSpec, seed: number, write: (chunk: Uint8Array) => void, users?: number): GeneratedWorld {
  const recorder = new WorldRecorder();
  const chunks = syntheticChunks({ ...spec.options, seed, ...(users ? { users } : {}) }, undefined, recorder);
  for (;;) {
    const step = chunks.next();
    if (step.done) return { truth: step.value, world: recorder.finish() };
    write(step.value);
  }
}
