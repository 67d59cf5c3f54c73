/**
 * `npm run eval [-- --worlds all|demo,clicks,... --seeds 3 --budget-share 0.1 --users-scale F --epochs-scale F --out DIR]`
 *
 * Many worlds, one truth test. For each synthetic world (src/core/synth/worlds.ts)
 * and seed, the log is generated, read and prepared as the app does (all
 * campaigns, its default filtering, balancing and split), the regression and
 * the attention LSTM are trained, and every attribution method is scored
 * against the world's exact oracle (src/core/synth/oracle.ts):
 *
 * - Spearman rank correlation with the true removal effect, per impression
 *   and in total;
 * - the allocation gain of the budget the method drives,
 *   (E[conv | allocation] - E[conv | no ads]) / (E[conv | best true allocation] - E[conv | no ads]).
 *   The method's pitch is the one the app would pick without the truth: the
 *   most model-judged expected conversions on the test journeys (modelReplay
 *   with the attention model as judge). The budget is a share of the world's
 *   impressions, served over every journey of the world.
 *
 * Reference rows: today's delivery scaled to the budget, the allocation the
 * app recommends by default (`defaultRecommendation`; advice to keep today's
 * split scored as today's delivery), the earlier rule's (`held_out`, on the
 * same run), and the truth's own pitch search. The summary also gives each
 * row's worst world-seed and how many world-seeds fell below delivery. Writes DIR/eval.json and DIR/eval.md and prints the tables.
 * Nothing here is tuned to make a method look better.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ingest } from '../src/core/ingest';
import { isTotalsMethod, RUN_STEPS } from '../src/core/methods';
import { useBestNodeBackend } from '../src/core/models/backend';
import { defendedRecommendation, TODAY, type DefendedRecommendation } from '../src/core/recommend';
import { createRunContext, recommendInput, runSteps } from '../src/core/run';
import { DEFAULT_PREPARE, DEFAULT_TRAIN, defaultRunSettings, POSITION_MODELS, type RunSettings } from '../src/core/settings';
import {
  bestAllocation,
  budgetOfShare,
  deliveredConversions,
  expectedConversions,
  noAdsConversions,
  pitchAllocation,
  trueRemovalEffects,
} from '../src/core/synth/oracle';
import { findWorld, generateWorld, WORLDS, type WorldSpec } from '../src/core/synth/worlds';
import { spearman } from '../src/shared/stats';
import { runAsScript } from './as-script';

/** Attribution methods, in table order: position rules, counting methods, trained models, model-judged counterfactuals. */
export const METHODS = [...POSITION_MODELS, 'markov', 'shapley_count', 'logreg', 'attention', 'removal', 'shapley'] as const;
/** Allocations that are not one method's weights at its own pitch. */
export const REFERENCES = ['delivery', 'default', 'held_out', 'truth_pitch'] as const;
export const REFERENCE_LABELS: Record<(typeof REFERENCES)[number], string> = {
  delivery: "today's delivery (logged shares, scaled to the budget)",
  default: "the app's recommendation (the recommend step: the removal effect at its fit-half pitch when its 90% interval beats today's split, else today's split)",
  held_out: "the recommendation's earlier rule, on the same run: the model's best held-out allocation whose 90% interval beats today's split, else today's split",
  truth_pitch: 'true per-impression effects at their best pitch',
};

export interface MethodScore {
  world: string;
  seed: number;
  method: string;
  /** Spearman with the true removal effect per impression, and in total (NaN when undefined). */
  rhoPerImpression: number;
  rhoTotal: number;
  pitch: number;
  expected: number;
  gain: number;
}

export interface WorldRun {
  world: string;
  seed: number;
  users: number;
  rows: number;
  preparedJourneys: number;
  budget: number;
  noAds: number;
  delivered: number;
  best: number;
  bestFound: 'pitch' | 'greedy';
  testAuc: Record<string, number>;
  /** What the app's recommendation rested on (a method key, `optimised`, or `today`), null when it made none. */
  recommended: string | null;
  /** What the 'held-out' rule rested on, on the same run. */
  heldOut?: string | null;
  seconds: number;
  scores: MethodScore[];
}

/**
 * The allocation the app recommends by default: the run's recommend step
 * (src/core/recommend), whose allocation of the prepared journeys' budget is
 * carried to the world's budget by its shares. Null when the step made none.
 */
export function defaultRecommendation(recommendation: DefendedRecommendation | undefined): { model: string; weights: Record<string, number>; pitch: number } | null {
  if (!recommendation) return null;
  return { model: recommendation.method, weights: recommendation.allocation, pitch: 1 };
}

/** Gain of an allocation's expected conversions, on the scale no ads = 0, the best true allocation = 1. */
export function allocationGain(expected: number, noAds: number, best: number): number {
  return best > noAds ? (expected - noAds) / (best - noAds) : Number.NaN;
}

function weightsVector(ids: readonly string[], byId: Record<string, number> | undefined): Float64Array {
  return Float64Array.from(ids, (id) => {
    const w = byId?.[id] ?? 0;
    return Number.isFinite(w) && w > 0 ? w : 0;
  });
}

interface MethodWeights {
  /** What the app budgets with. */
  weights: Record<string, number>;
  /** Per impression (for the rank correlation) and in total, keyed by campaign id. */
  perImpression: Record<string, number>;
  total: Record<string, number>;
}

export interface EvalOptions {
  budgetShare: number;
  usersScale: number;
  /** Cap on a world's users after scaling (the 400- and 700-campaign worlds are the slow ones). */
  maxUsers: number;
  epochsScale: number;
  log?: (line: string) => void;
}

/** One world at one seed: generate, prepare, train, attribute, and score every allocation on the oracle. */
export async function evaluateWorld(spec: WorldSpec, seed: number, options: EvalOptions): Promise<WorldRun> {
  const started = Date.now();
  const users = Math.min(options.maxUsers, Math.max(500, Math.round((spec.options.users ?? 50_000) * options.usersScale)));
  const parts: Uint8Array<ArrayBuffer>[] = [];
  const { truth, world } = generateWorld(spec, seed, (c) => parts.push(c as Uint8Array<ArrayBuffer>), users);
  const blob = new Blob(parts);
  const loaded = await ingest({ name: `${spec.name}.tsv`, size: blob.size, stream: () => blob.stream() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  // The app's own run, every step (the plain LSTM left out: no method reads it), on the app's settings with this seed.
  const defaults = defaultRunSettings();
  const settings: RunSettings = {
    ...defaults,
    prepare: { ...DEFAULT_PREPARE, campaigns: { kind: 'all' }, seed },
    train: {
      ...DEFAULT_TRAIN,
      seed,
      models: ['logreg', 'attention'],
      epochs: {
        ...DEFAULT_TRAIN.epochs,
        logreg: Math.max(1, Math.round(DEFAULT_TRAIN.epochs.logreg * options.epochsScale)),
        attention: Math.max(1, Math.round(DEFAULT_TRAIN.epochs.attention * options.epochsScale)),
      },
    },
    counterfactual: { ...defaults.counterfactual!, recommend: true },
  };
  const ctx = createRunContext(loaded.table, settings, {
    initBackend: async (preferred) => {
      const started = await useBestNodeBackend(preferred);
      return started.ok ? { ok: true, backend: started.backend } : started;
    },
  });
  // The replays spend the evaluation's share of the prepared impressions, as the oracle spends it of the world's.
  const prepared0 = await runSteps(ctx, ['prepare']);
  if (!prepared0.ok) throw new Error(`${spec.name} seed ${seed}: ${prepared0.error}`);
  settings.simulate = { ...settings.simulate, budget: options.budgetShare * ctx.prepared!.events.count };
  const outcome = await runSteps(ctx, RUN_STEPS.filter((step) => step !== 'prepare'));
  if (!outcome.ok) throw new Error(`${spec.name} seed ${seed}: ${outcome.error}`);
  // The earlier rule on the same run, judged on the same halves: the reference the default is measured against.
  const heldOutResult = ctx.recommendation ? await defendedRecommendation({ ...recommendInput(ctx), rule: 'held-out' }) : null;
  const heldOut = heldOutResult?.ok ? defaultRecommendation(heldOutResult.recommendation) : null;
  for (const m of ctx.models) m.dispose();
  const prepared = ctx.prepared!;

  const impressions = new Float64Array(prepared.campaignIds.length);
  for (let e = 0; e < prepared.events.count; e++) impressions[prepared.events.campaign[e]]++;
  const methods = new Map<string, MethodWeights>();
  const perImpressionOf = (details: unknown): Record<string, number> | undefined => {
    const campaigns = (details as { campaigns?: { campaign: string; perImpression?: number }[] } | undefined)?.campaigns;
    return campaigns && campaigns.every((c) => typeof c.perImpression === 'number')
      ? Object.fromEntries(campaigns.map((c) => [c.campaign, c.perImpression!]))
      : undefined;
  };
  for (const m of METHODS) {
    const weights = ctx.weights[m];
    if (!weights) continue;
    if (isTotalsMethod(m)) {
      methods.set(m, {
        weights,
        perImpression:
          perImpressionOf(ctx.details[m]) ??
          Object.fromEntries(prepared.campaignIds.map((id, c) => [id, impressions[c] > 0 ? (weights[id] ?? 0) / impressions[c] : 0])),
        total: weights,
      });
    } else {
      methods.set(m, { weights, perImpression: weights, total: Object.fromEntries(prepared.campaignIds.map((id, c) => [id, (weights[id] ?? 0) * impressions[c]])) });
    }
  }
  const testAuc: Record<string, number> = Object.fromEntries(Object.entries(ctx.metrics).map(([m, x]) => [m, x.auc]));

  // The pitch the app would pick for each method, without the truth: its model-judged replay of the test journeys.
  const replay = ctx.counterfactual.modelReplay;
  const chosenPitch = (m: string): number => {
    const points = replay?.byModel[m];
    if (!points || points.length === 0) return 1;
    let best = points[0];
    for (const p of points) if (p.expectedConversions > best.expectedConversions) best = p;
    return best.pitch;
  };
  const recommended = defaultRecommendation(ctx.recommendation);

  // The oracle's side: every journey of the world, the budget a share of its impressions.
  const ids = world.log.campaignIds;
  const budget = budgetOfShare(world.log, options.budgetShare, 'impressions');
  const noAds = noAdsConversions(world);
  const delivered = deliveredConversions(world);
  const best = bestAllocation(world, budget, 'impressions');
  const effects = trueRemovalEffects(world);
  const inPrepared = new Set(prepared.campaignIds);
  const scoredIds = ids.filter((id) => inPrepared.has(id));
  const truthPer = new Map(ids.map((id, c) => [id, effects.perImpression[c]]));
  const truthTotal = new Map(ids.map((id, c) => [id, effects.removal[c]]));
  const rho = (byId: Record<string, number>, truthOf: Map<string, number>) =>
    spearman(
      scoredIds.map((id) => byId[id] ?? 0),
      scoredIds.map((id) => truthOf.get(id) ?? 0),
    );
  const score = (method: string, weights: Record<string, number> | Float64Array, pitch: number, rhos?: MethodWeights): MethodScore => {
    const vector = weights instanceof Float64Array ? weights : weightsVector(ids, weights);
    const expected = expectedConversions(world, pitchAllocation(vector, budget, pitch, 'impressions'));
    return {
      world: spec.name,
      seed,
      method,
      rhoPerImpression: rhos ? rho(rhos.perImpression, truthPer) : Number.NaN,
      rhoTotal: rhos ? rho(rhos.total, truthTotal) : Number.NaN,
      pitch,
      expected,
      gain: allocationGain(expected, noAds, best.expected),
    };
  };
  const scores: MethodScore[] = [];
  for (const m of METHODS) {
    const w = methods.get(m);
    if (w) scores.push(score(m, w.weights, chosenPitch(m), w));
  }
  scores.push(score('delivery', effects.impressions, 1));
  // Advice to keep today's split is followed by changing nothing: it earns today's delivery, not the
  // app's estimate of today's shares (the prepared journeys', a hair from the log's) spent anew.
  const advised = (key: string, advice: NonNullable<typeof recommended>) =>
    advice.model === TODAY ? { ...score('delivery', effects.impressions, 1), method: key } : score(key, advice.weights, advice.pitch, methods.get(advice.model));
  if (recommended) scores.push(advised('default', recommended));
  if (heldOut) scores.push(advised('held_out', heldOut));
  scores.push(score('truth_pitch', effects.perImpression, best.pitch));

  const run: WorldRun = {
    world: spec.name,
    seed,
    users,
    rows: truth.counts.rows,
    preparedJourneys: prepared.journeys.count,
    budget,
    noAds,
    delivered,
    best: best.expected,
    bestFound: best.found,
    testAuc,
    recommended: recommended?.model ?? null,
    heldOut: heldOut?.model ?? null,
    seconds: (Date.now() - started) / 1000,
    scores,
  };
  options.log?.(
    `${spec.name} seed ${seed}: ${truth.counts.rows} rows, ${prepared.journeys.count} prepared journeys, auc attention ${testAuc.attention?.toFixed(3)}, ` +
      `best ${best.expected.toFixed(0)} (${best.found}) vs no ads ${noAds.toFixed(0)}, ${run.seconds.toFixed(0)} s`,
  );
  return run;
}

function mean(xs: number[]): number {
  const f = xs.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : Number.NaN;
}

function median(xs: number[]): number {
  const f = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (f.length === 0) return Number.NaN;
  const m = f.length >> 1;
  return f.length % 2 ? f[m] : (f[m - 1] + f[m]) / 2;
}

const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

export interface Summary {
  method: string;
  /** Per world, the mean over seeds; then the worst world and the median over worlds. */
  gainByWorld: Record<string, number>;
  worstGain: number;
  worstWorld: string;
  medianGain: number;
  medianRhoPerImpression: number;
  worstRhoPerImpression: number;
  medianRhoTotal: number;
  /** The worst single world-seed's gain, and in how many world-seeds the gain fell below today's delivery's on the same run. */
  worstRunGain: number;
  worstRun: string;
  belowDelivery: number;
  runs: number;
}

/** A method's worst world-seed and how often it fell below today's delivery, run by run. */
function perRun(runs: WorldRun[], method: string): Pick<Summary, 'worstRunGain' | 'worstRun' | 'belowDelivery' | 'runs'> {
  let worstRunGain = Infinity;
  let worstRun = '';
  let belowDelivery = 0;
  let counted = 0;
  for (const r of runs) {
    const gain = r.scores.find((s) => s.method === method)?.gain;
    if (gain === undefined || !Number.isFinite(gain)) continue;
    counted++;
    if (gain < worstRunGain) [worstRunGain, worstRun] = [gain, `${r.world} s${r.seed}`];
    const delivery = r.scores.find((s) => s.method === 'delivery')?.gain;
    if (delivery !== undefined && gain < delivery - 1e-9) belowDelivery++;
  }
  return { worstRunGain: counted > 0 ? worstRunGain : Number.NaN, worstRun, belowDelivery, runs: counted };
}

/** Mean over seeds per world and method, then the worst world and the median over worlds, per method. */
export function summarise(runs: WorldRun[]): Summary[] {
  const rowNames = [...METHODS, ...REFERENCES].filter((m) => runs.some((r) => r.scores.some((s) => s.method === m)));
  const worlds = [...new Set(runs.map((r) => r.world))];
  return rowNames.map((method) => {
    const cell = (world: string, key: 'gain' | 'rhoPerImpression' | 'rhoTotal') =>
      mean(runs.filter((r) => r.world === world).flatMap((r) => r.scores.filter((s) => s.method === method).map((s) => s[key])));
    const gainByWorld = Object.fromEntries(worlds.map((w) => [w, cell(w, 'gain')]));
    let worstWorld = '';
    let worstGain = Infinity;
    for (const w of worlds) if (gainByWorld[w] < worstGain) [worstGain, worstWorld] = [gainByWorld[w], w];
    const rhoPer = worlds.map((w) => cell(w, 'rhoPerImpression'));
    return {
      method,
      gainByWorld,
      worstGain: Number.isFinite(worstGain) ? worstGain : Number.NaN,
      worstWorld,
      medianGain: median(Object.values(gainByWorld)),
      medianRhoPerImpression: median(rhoPer),
      worstRhoPerImpression: rhoPer.filter(Number.isFinite).length ? Math.min(...rhoPer.filter(Number.isFinite)) : Number.NaN,
      medianRhoTotal: median(worlds.map((w) => cell(w, 'rhoTotal'))),
      ...perRun(runs, method),
    };
  });
}

/** The per-world table: one row per world and method (and reference allocation), means over seeds. */
export function worldTable(runs: WorldRun[]): string {
  const lines = ['| world | method | rho per impression | rho total | pitch | allocation gain |', '|---|---|---|---|---|---|'];
  const worlds = [...new Set(runs.map((r) => r.world))];
  for (const world of worlds) {
    const mine = runs.filter((r) => r.world === world);
    for (const method of [...METHODS, ...REFERENCES]) {
      const s = mine.flatMap((r) => r.scores.filter((x) => x.method === method));
      if (s.length === 0) continue;
      const pitches = [...new Set(s.map((x) => x.pitch))].join('/');
      lines.push(
        `| ${world} | ${method} | ${fmt(mean(s.map((x) => x.rhoPerImpression)))} | ${fmt(mean(s.map((x) => x.rhoTotal)))} | ${pitches} | ${fmt(mean(s.map((x) => x.gain)))} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Allocation gain, worlds down and methods across (means over seeds): the README's compact view. */
export function gainMatrix(runs: WorldRun[]): string {
  const methods = [...METHODS, ...REFERENCES].filter((m) => runs.some((r) => r.scores.some((s) => s.method === m)));
  const lines = [`| world | ${methods.join(' | ')} |`, `|---|${methods.map(() => '---').join('|')}|`];
  for (const world of [...new Set(runs.map((r) => r.world))]) {
    const mine = runs.filter((r) => r.world === world);
    const cells = methods.map((m) => fmt(mean(mine.flatMap((r) => r.scores.filter((s) => s.method === m).map((s) => s.gain)))));
    lines.push(`| ${world} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Worst world and median per method. */
export function summaryTable(summaries: Summary[]): string {
  const lines = [
    '| method | median gain | worst gain (world) | worst world-seed | below delivery | median rho per impression | worst rho per impression | median rho total |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const s of summaries) {
    lines.push(
      `| ${s.method} | ${fmt(s.medianGain)} | ${fmt(s.worstGain)} (${s.worstWorld}) | ${fmt(s.worstRunGain)} (${s.worstRun}) | ${s.method === 'delivery' ? 'n/a' : `${s.belowDelivery} of ${s.runs}`} | ${fmt(s.medianRhoPerImpression)} | ${fmt(s.worstRhoPerImpression)} | ${fmt(s.medianRhoTotal)} |`,
    );
  }
  return lines.join('\n');
}

/** The worlds' reference points: expected conversions with no ads, as delivered, and with the best allocation found with the truth. */
export function worldsTable(runs: WorldRun[]): string {
  const lines = ['| world | rows | prepared journeys | no ads | delivered | best (budget) | found by | attention AUC | app recommends | held-out rule | seconds |', '|---|---|---|---|---|---|---|---|---|---|---|'];
  for (const world of [...new Set(runs.map((r) => r.world))]) {
    const mine = runs.filter((r) => r.world === world);
    const m = (f: (r: WorldRun) => number, d = 0) => mean(mine.map(f)).toFixed(d);
    lines.push(
      `| ${world} | ${m((r) => r.rows)} | ${m((r) => r.preparedJourneys)} | ${m((r) => r.noAds)} | ${m((r) => r.delivered)} | ${m((r) => r.best)} | ${mine.map((r) => r.bestFound).join('/')} | ${m((r) => r.testAuc.attention ?? Number.NaN, 3)} | ${mine.map((r) => r.recommended ?? 'none').join('/')} | ${mine.map((r) => r.heldOut ?? 'none').join('/')} | ${m((r) => r.seconds)} |`,
    );
  }
  return lines.join('\n');
}

type Parsed =
  | { ok: true; worlds: WorldSpec[]; seeds: number[]; budgetShare: number; usersScale: number; maxUsers: number; epochsScale: number; out: string }
  | { ok: false; error: string };

/** `--seeds 3` is seeds 1, 2, 3; `--seeds 4,9` is those, `--seeds 3,` seed 3 alone. */
export function parseEvalArgs(args: string[]): Parsed {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args,
      options: {
        worlds: { type: 'string', default: 'demo' },
        seeds: { type: 'string', default: '3' },
        'budget-share': { type: 'string', default: '0.1' },
        'users-scale': { type: 'string', default: String(DEFAULT_USERS_SCALE) },
        'max-users': { type: 'string', default: String(DEFAULT_MAX_USERS) },
        'epochs-scale': { type: 'string', default: '1' },
        out: { type: 'string', default: 'eval-results' },
      },
      strict: true,
    }).values;
  } catch (err) {
    return { ok: false, error: (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ') };
  }
  const names = values.worlds === 'all' ? WORLDS.map((w) => w.name) : values.worlds!.split(',').map((s) => s.trim());
  const worlds: WorldSpec[] = [];
  for (const n of names) {
    const w = findWorld(n);
    if (!w) return { ok: false, error: `Unknown world "${n}"; known: ${WORLDS.map((x) => x.name).join(', ')} (or all).` };
    worlds.push(w);
  }
  const seedText = values.seeds!;
  const seeds = seedText.includes(',')
    ? seedText
        .split(',')
        .filter((x) => x.trim() !== '')
        .map(Number)
    : Array.from({ length: Number(seedText) }, (_, i) => i + 1);
  if (seeds.length === 0 || !seeds.every(Number.isInteger)) return { ok: false, error: '--seeds must be a count (3) or a list (1,2,3).' };
  const num = (k: string, lo: number, hi: number): number | string => {
    const v = Number(values[k]);
    return v > lo && v <= hi ? v : `--${k} must be above ${lo} and at most ${hi}.`;
  };
  const budgetShare = num('budget-share', 0, 1);
  const usersScale = num('users-scale', 0, 10);
  const epochsScale = num('epochs-scale', 0, 10);
  const maxUsers = num('max-users', 499, 2 ** 30);
  for (const v of [budgetShare, usersScale, epochsScale, maxUsers]) if (typeof v === 'string') return { ok: false, error: v };
  return {
    ok: true,
    worlds,
    seeds,
    budgetShare: budgetShare as number,
    usersScale: usersScale as number,
    maxUsers: maxUsers as number,
    epochsScale: epochsScale as number,
    out: values.out!,
  };
}

/**
 * Share of each world's users the evaluation generates, and a cap, to fit all
 * worlds at three seeds in 30 minutes on two cores: the 50 k-user worlds run
 * at 20 k users, the 400-campaign ones at 60 k, the 700-campaign one at 90 k.
 */
export const DEFAULT_USERS_SCALE = 0.4;
export const DEFAULT_MAX_USERS = 90_000;

export function markdownReport(runs: WorldRun[], header: string): string {
  return [
    header,
    '',
    '### Worst world and median, per method (allocation gain: 0 = no ads, 1 = the best allocation found with the truth)',
    '',
    summaryTable(summarise(runs)),
    '',
    '### Allocation gain per world (means over seeds)',
    '',
    gainMatrix(runs),
    '',
    '### Worlds',
    '',
    worldsTable(runs),
    '',
    '### Every world and method (means over seeds)',
    '',
    worldTable(runs),
    '',
  ].join('\n');
}

async function main(args: string[]): Promise<number> {
  const parsed = parseEvalArgs(args);
  if (!parsed.ok) {
    process.stderr.write(`${parsed.error}\n`);
    return 2;
  }
  const backend = await useBestNodeBackend();
  if (!backend.ok) throw new Error(backend.error);
  const started = Date.now();
  const runs: WorldRun[] = [];
  const log = (line: string) => process.stderr.write(line + '\n');
  mkdirSync(parsed.out, { recursive: true });
  const write = (done: boolean): string => {
    const minutes = (Date.now() - started) / 60_000;
    const header =
      `Worlds: ${parsed.worlds.map((w) => w.name).join(', ')}; seeds ${parsed.seeds.join(', ')}; budget ${parsed.budgetShare} of each world's impressions; ` +
      `users x${parsed.usersScale} of each world's size (at most ${parsed.maxUsers}); epochs x${parsed.epochsScale}; backend ${backend.backend}; ` +
      `${minutes.toFixed(1)} min${done ? '' : ` so far (${runs.length} of ${parsed.worlds.length * parsed.seeds.length} runs)`}.`;
    const markdown = markdownReport(runs, header);
    writeFileSync(`${parsed.out}/eval.json`, JSON.stringify({ header, worlds: parsed.worlds, runs, summary: summarise(runs) }, null, 1) + '\n');
    writeFileSync(`${parsed.out}/eval.md`, markdown);
    return markdown;
  };
  // Seeds outside, worlds inside, and the files rewritten after every run: a cut-short run still covers every world.
  for (const seed of parsed.seeds) {
    for (const world of parsed.worlds) {
      runs.push(await evaluateWorld(world, seed, { ...parsed, log }));
      write(false);
    }
  }
  console.log(write(true));
  process.stderr.write(`wrote ${parsed.out}/eval.json and ${parsed.out}/eval.md\n`);
  return 0;
}

runAsScript(import.meta.url, main, { stack: true });
