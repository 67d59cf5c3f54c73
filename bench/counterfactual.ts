/**
 * Counterfactual attribution timings: Markov removal effects, model-based
 * removal effects, model Shapley values and the model-judged replay on about
 * 100 k journeys, with a plain-TypeScript stand-in scorer whose cost per
 * journey is close to a small recurrent network's, and how the work grows
 * with the number of campaigns. With --attention, also times the real
 * attention scorer (wasm) on a sample and extrapolates: journey-variants
 * scored per CPU-second by the tfjs forward (the reference) and by the
 * prefix-tree forward (prefix-scorer.ts), in the same run on the same journeys.
 * Figures are CPU seconds of this process (see `timed`).
 *
 *   npx tsx bench/counterfactual.ts [--journeys 100000] [--campaigns 10,50,400] [--attention] [--attention-only]
 */
import { parseArgs } from 'node:util';
import { markovAttribution } from '../src/core/counterfactual/markov';
import { modelRemovalEffects } from '../src/core/counterfactual/removal';
import { countingShapley, shapleyAttribution } from '../src/core/counterfactual/shapley';
import { modelReplay } from '../src/core/counterfactual/model-replay';
import { buildPrepared, type JourneySpec } from '../src/core/counterfactual/test-fixtures';
import type { JourneyScorer, SequenceBatch } from '../src/core/models/scorer';
import type { PreparedData } from '../src/core/prepared';
import { createRng } from '../src/core/random';

const { values } = parseArgs({
  options: {
    journeys: { type: 'string', default: '100000' },
    campaigns: { type: 'string', default: '10,50,400' },
    attention: { type: 'boolean', default: false },
    /** Skip the stand-in scorer's tables (they need the journeys built, but not timed). */
    'attention-only': { type: 'boolean', default: false },
    /** Journeys of the tfjs reference run (slow); the prefix path runs on --attention-sample. */
    'reference-sample': { type: 'string', default: '2000' },
    'attention-sample': { type: 'string', default: '2000' },
    /** Second-order Markov solves one system per campaign over tens of thousands of states: sample it. */
    'order2-journeys': { type: 'string', default: '20000' },
  },
});
const journeyCount = Number(values.journeys);
const campaignCounts = values.campaigns.split(',').map(Number);

/** Criteo-like journeys: geometric lengths (mean ~3.5, 1..30), popular campaigns shown more, one segment column. */
function makeData(journeys: number, campaigns: number, seed: number): PreparedData {
  const rng = createRng(seed);
  const popularity = Array.from({ length: campaigns }, (_, c) => 1 / (c + 1));
  const cumulative: number[] = [];
  popularity.reduce((sum, p, c) => (cumulative[c] = sum + p), 0);
  const total = cumulative[campaigns - 1];
  const draw = (): number => {
    const u = rng.next() * total;
    let lo = 0;
    let hi = campaigns - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const specs: JourneySpec[] = [];
  for (let j = 0; j < journeys; j++) {
    let length = 2;
    while (length < 30 && rng.next() < 0.6) length++;
    const segment = rng.int(8);
    const start = rng.int(2_600_000);
    // A user sees few distinct campaigns: most touchpoints repeat one of two or three.
    const own = [draw(), draw(), draw()];
    specs.push({
      converted: rng.next() < 0.3,
      split: rng.int(5) === 0 ? 2 : 0,
      touchpoints: Array.from({ length }, (_, k) => ({
        time: start + k * 3600,
        campaign: rng.next() < 0.8 ? own[rng.int(3)] : draw(),
        categories: [segment],
        numeric: [rng.int(2), rng.next(), rng.next(), (start + k * 3600) / 2_600_000],
        cost: rng.next(),
      })),
    });
  }
  return buildPrepared(specs, { campaigns, steps: 15, categoryColumns: 1 });
}

/** About the arithmetic of a 16-unit recurrent cell per step, in plain TypeScript. */
function standInScorer(campaigns: number, seed: number): JourneyScorer {
  const H = 16;
  const rng = createRng(seed);
  const embedding = Float32Array.from({ length: (campaigns + 8) * H }, () => rng.normal() * 0.3);
  const recurrent = Float32Array.from({ length: H * H }, () => rng.normal() * 0.2);
  const output = Float32Array.from({ length: H }, () => rng.normal() * 0.5);
  const h = new Float32Array(H);
  const next = new Float32Array(H);
  return {
    name: 'stand-in',
    async score(batch: SequenceBatch): Promise<Float32Array> {
      const out = new Float32Array(batch.count);
      const cc = batch.categories.length / (batch.count * batch.steps);
      for (let j = 0; j < batch.count; j++) {
        h.fill(0);
        let any = false;
        for (let s = 0; s < batch.steps; s++) {
          const i = j * batch.steps + s;
          if (batch.mask[i] === 0) continue;
          any = true;
          const e = batch.campaign[i] * H;
          const g = (campaigns + (batch.categories[i * cc] % 8)) * H;
          for (let u = 0; u < H; u++) {
            let z = embedding[e + u] + embedding[g + u];
            for (let v = 0; v < H; v++) z += recurrent[u * H + v] * h[v];
            next[u] = Math.tanh(z);
          }
          h.set(next);
        }
        let z = -1;
        for (let u = 0; u < H; u++) z += output[u] * h[u];
        out[j] = any ? 1 / (1 + Math.exp(-z)) : 0;
      }
      return out;
    },
  };
}

/**
 * Seconds of this process's CPU time (user + system), not wall time: the
 * 2-core machine is shared, and wall time there measures the neighbours.
 * The work is single-threaded, so on an idle machine wall time is about the same.
 */
async function timed<T>(f: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = process.cpuUsage();
  const value = await f();
  const d = process.cpuUsage(t0);
  return [value, (d.user + d.system) / 1e6];
}

function distinctPerJourney(data: PreparedData): { mean: number; over6: number } {
  const seq = data.sequences;
  let sum = 0;
  let over6 = 0;
  for (let j = 0; j < data.journeys.count; j++) {
    const set = new Set<number>();
    for (let s = 0; s < seq.length[j]; s++) set.add(seq.campaign[j * seq.steps + s]);
    sum += set.size;
    if (set.size > 6) over6++;
  }
  return { mean: sum / data.journeys.count, over6 };
}

const rows: string[] = [];
const table = (cells: (string | number)[]): void => {
  const line = cells.map((c) => (typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toFixed(2)) : c)).join(' | ');
  rows.push(`| ${line} |`);
  console.log(line);
};

console.log(`journeys ${journeyCount}, campaigns ${campaignCounts.join(', ')}`);
let perJourneySeconds: number;
let attentionData: PreparedData | null = null;
for (const campaigns of campaignCounts) {
  const [data, buildSeconds] = await timed(() => makeData(journeyCount, campaigns, 1));
  attentionData ??= data;
  if (values['attention-only']) break;
  const scorer = standInScorer(campaigns, 2);
  const { mean, over6 } = distinctPerJourney(data);
  console.log(`\n${campaigns} campaigns: ${data.events.count} events, ${mean.toFixed(2)} distinct campaigns per journey, ${over6} journeys over 6 (built in ${buildSeconds.toFixed(1)} s)`);

  // The stand-in's own cost, on full journeys in batches of 2048.
  const probe = { count: 0 };
  const [, probeSeconds] = await timed(async () => {
    const seq = data.sequences;
    const size = Math.min(2048, data.journeys.count);
    const width = seq.numericNames.length;
    for (let start = 0; start + size <= Math.min(data.journeys.count, 20480); start += size) {
      const from = start * seq.steps;
      const to = (start + size) * seq.steps;
      await scorer.score({
        count: size,
        steps: seq.steps,
        campaign: seq.campaign.subarray(from, to),
        categories: seq.categories.subarray(from * seq.categoryColumns, to * seq.categoryColumns),
        numeric: seq.numeric.subarray(from * width, to * width),
        mask: seq.mask.subarray(from, to),
      });
      probe.count += size;
    }
  });
  perJourneySeconds = probeSeconds / probe.count;

  const [m1, markov1] = await timed(() => markovAttribution(data, { order: 1 }));
  const order2Journeys = Math.min(journeyCount, Number(values['order2-journeys']));
  const order2Data = order2Journeys < journeyCount ? makeData(order2Journeys, campaigns, 1) : data;
  const [m2, markov2] = await timed(() => markovAttribution(order2Data, { order: 2 }));
  const [, counting] = await timed(() => countingShapley(data));
  const [removal, removalSeconds] = await timed(() => modelRemovalEffects(data, scorer));
  const [shapley, shapleySeconds] = await timed(() => shapleyAttribution(data, scorer, { permutations: 100 }));
  const weights = { markov: m1.ok ? m1.weights : {}, removal: removal.weights };
  const [replay, replaySeconds] = await timed(() => modelReplay(data, scorer, weights, {}));
  table(['campaigns', campaigns, 'stand-in µs/journey', perJourneySeconds * 1e6]);
  table(['markov order 1', m1.ok ? m1.states : 0, 'states; seconds', markov1]);
  table([`markov order 2 on ${order2Journeys} journeys`, m2.ok ? m2.states : 0, `states, ${m2.ok ? m2.sweeps : 0} sweeps at most; seconds`, markov2]);
  table(['counting shapley', '', 'seconds', counting]);
  table(['model removal', removal.scored, 'journeys scored; seconds', removalSeconds]);
  table(['model shapley', shapley.scored, `journeys scored (${shapley.sampledJourneys} sampled); seconds`, shapleySeconds]);
  table(['model replay, 2 weight sets x 8 pitches', replay.ok ? replay.scored : 0, 'journeys scored; seconds', replaySeconds]);
  table(['scorer share of removal / shapley', '', '%', (100 * removal.scored * perJourneySeconds) / removalSeconds]);
  table(['', '', '%', (100 * shapley.scored * perJourneySeconds) / shapleySeconds]);
}

if ((values.attention || values['attention-only']) && attentionData) {
  // The real attention scorer on wasm; the weights barely matter for its cost, so one short epoch.
  const { useBackend } = await import('../src/core/models/backend');
  const { trainModel, createScorer } = await import('../src/core/models/train');
  const { DEFAULT_TRAIN } = await import('../src/core/settings');
  const tf = await import('@tensorflow/tfjs');
  console.log('\nattention scorer:', await useBackend('wasm'));
  const data = attentionData;
  const model = await trainModel(data, 'attention', { ...DEFAULT_TRAIN, epochs: { ...DEFAULT_TRAIN.epochs, attention: 1 } }, {}, { maxBatchesPerEpoch: 2, trainRows: Int32Array.from({ length: 512 }, (_, i) => i) });
  const sample = Number(values['attention-sample']);
  const referenceSample = Number(values['reference-sample']);
  const campaigns = data.campaignIds.length;
  const tensorsBefore = tf.memory().numTensors;
  for (const [path, size] of [
    ['tfjs', referenceSample],
    ['prefix', sample],
  ] as const) {
    const scorer = createScorer(model, 512, path);
    const subset = makeData(size, campaigns, 3);
    // First calls compile kernels and grow the wasm heap: keep them out of the figures.
    await modelRemovalEffects(makeData(200, campaigns, 4), scorer);
    const [removal, seconds] = await timed(() => modelRemovalEffects(subset, scorer));
    const [shapley, shapleySeconds] = await timed(() => shapleyAttribution(subset, scorer, { permutations: 100 }));
    table([`attention (wasm, ${path}) removal on`, size, 'journeys; journey-variants per CPU-s', removal.scored / seconds]);
    table([`attention (wasm, ${path}) shapley on`, size, 'journeys; journey-variants per CPU-s', shapley.scored / shapleySeconds]);
    table([`attention (${path}), extrapolated removal + shapley for`, journeyCount, 'journeys; CPU-s', ((seconds + shapleySeconds) * journeyCount) / size]);
  }
  console.log('tensors left by the scorers', tf.memory().numTensors - tensorsBefore);
  model.dispose();
}

console.log('\n' + rows.join('\n'));
