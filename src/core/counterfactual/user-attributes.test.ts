/**
 * Counterfactuals keep what is known about the user: every variant of a
 * journey, the empty one included, carries the user's attributes. The empty
 * variant is worth 0 by default (noAds 'zero', the article's convention); under
 * noAds 'model' a model with user attributes scores it as "this user, no ads".
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../models/backend';
import { featureLayout, idsPerStep } from '../models/inputs';
import { priorCorrect } from '../models/metrics';
import { createNetwork, defaultNetworkConfig, disposeNetwork } from '../models/networks';
import type { SequenceBatch } from '../models/scorer';
import { createScorer, stepBatch, type ScoringPath, type TrainedModel } from '../models/train';
import { prepareJourneys } from '../prepare';
import { createRng } from '../random';
import { DEFAULT_PREPARE, type NeuralModelName } from '../settings';
import { buildTable, type RowLiteral } from '../testing/table-builder';
import { modelReplay } from './model-replay';
import { modelRemovalEffects } from './removal';
import { JourneyBatcher } from './journey-batch';
import { shapleyAttribution } from './shapley';

beforeAll(async () => {
  expect((await useBackend('wasm')).ok).toBe(true);
});

// One user of two 'b' touchpoints; six users of one 'a' touchpoint at the same time, told apart by their segment only.
const rows: RowLiteral[] = [
  { t: 0, user: 'w', campaign: 'b', conversionId: 'x', categories: { segment: 'S0' } },
  { t: 1, user: 'w', campaign: 'b', conversionId: 'x', categories: { segment: 'S0' } },
  ...[0, 1, 2, 3, 4, 5].map((i) => ({ t: 10, user: `u${i}`, campaign: 'a', conversionId: i < 2 ? `y${i}` : undefined, categories: { segment: i % 2 ? 'S2' : 'S1' } })),
];
const prepared = prepareJourneys(buildTable(rows), { ...DEFAULT_PREPARE, campaigns: { kind: 'all' }, minTouchpoints: 1, balance: 'none', minCategoryCount: 1 });
const layout = featureLayout(prepared, false);
const RATE = 0.5;
/** Per user vocabulary index (0 other, S0, S1, S2): what each value adds to the logit. */
const USER_TERMS = [0, 0.5, -1.5, 2];

function model(name: NeuralModelName): TrainedModel {
  const config = {
    ...defaultNetworkConfig(name, layout.vocabulary, idsPerStep(layout), layout.numericUsed.length),
    units: 8,
    embedding: 12,
    userColumns: layout.userColumns,
    userVocabulary: layout.userVocabulary,
  };
  const network = createNetwork(config, createRng(5), 'auto', undefined, 'js');
  // Embeddings along the output kernel, scaled so that value k adds USER_TERMS[k] to the logit.
  const w = network.variables.get('outputKernel')!.dataSync() as Float32Array;
  const norm = w.reduce((a, x) => a + x * x, 0);
  const rowsOf = USER_TERMS.flatMap((t) => Array.from(w, (x) => (t * x) / norm));
  const terms = tf.tensor2d(rowsOf, [USER_TERMS.length, config.units]);
  network.variables.get('userEmbedding')!.assign(terms);
  terms.dispose();
  return {
    name,
    network,
    layout,
    campaignIds: prepared.campaignIds,
    negativeSamplingRate: RATE,
    history: [],
    keptEpoch: 0,
    backend: tf.getBackend(),
    seed: 5,
    dispose: () => disposeNetwork(network),
  };
}

/** Journey j with every touchpoint taken away. */
function emptyOf(journeys: number[]): SequenceBatch {
  const b = stepBatch(prepared.sequences, journeys);
  b.mask.fill(0);
  b.campaign.fill(0);
  b.numeric.fill(0);
  return b;
}

const seq = prepared.sequences;
const aJourneys = Array.from({ length: prepared.journeys.count }, (_, j) => j).filter((j) => prepared.campaignIds[seq.campaign[j * seq.steps]] === 'a');
const wJourney = Array.from({ length: prepared.journeys.count }, (_, j) => j).find((j) => seq.length[j] === 2)!;

describe.each([
  ['attention', 'prefix'],
  ['attention', 'tfjs'],
  ['lstm', 'prefix'],
  ['lstm', 'tfjs'],
] as [NeuralModelName, ScoringPath][])('%s model, %s scorer', (name, path) => {
  it('the fixture holds the segment per journey, not per touchpoint', () => {
    expect(prepared.userAttributes).toEqual(['segment']);
    expect(layout.userColumns).toBe(1);
    expect(layout.userVocabulary).toBe(4);
    expect(aJourneys).toHaveLength(6);
  });

  it('scores a journey with no touchpoints as its user with no ads', async () => {
    const m = model(name);
    const scorer = createScorer(m, 512, path);
    expect(scorer.scoresEmptyJourneys).toBe(true);
    const empty = emptyOf([aJourneys[0], aJourneys[1]]);
    const p = await scorer.score(empty);
    const bias = (await m.network.variables.get('outputBias')!.data())[0];
    const s1 = priorCorrect(1 / (1 + Math.exp(-(bias + USER_TERMS[2]))), RATE);
    const s2 = priorCorrect(1 / (1 + Math.exp(-(bias + USER_TERMS[3]))), RATE);
    expect(p[0]).toBeCloseTo(s1, 5);
    expect(p[1]).toBeCloseTo(s2, 5);
    // Two users differing only in the segment: different no-ads scores.
    expect(Math.abs(p[1] - p[0])).toBeGreaterThan(0.1);
    m.dispose();
  });

  it("with noAds 'zero' (the default) the empty variant scores 0 and Shapley credits split the expected conversions", async () => {
    const m = model(name);
    const scorer = createScorer(m, 512, path);
    const all = await scorer.score(stepBatch(seq, aJourneys));
    const [wAll] = await scorer.score(stepBatch(seq, [wJourney]));
    const aSum = all.reduce((a, p) => a + p, 0);
    // The batcher: an empty variant lands as 0 although the scorer could score it.
    const target = new Float64Array(2).fill(-1);
    const batcher = new JourneyBatcher(seq, scorer, 8);
    await batcher.add(aJourneys[0], () => false, target, 0);
    await batcher.add(aJourneys[1], () => true, target, 1);
    await batcher.flush();
    expect(target[0]).toBe(0);
    expect(target[1]).toBeCloseTo(all[1], 5);

    const removal = await modelRemovalEffects(prepared, scorer, { reweight: false });
    const shapley = await shapleyAttribution(prepared, scorer, { reweight: false, noAds: 'zero' });
    const replay = await modelReplay(prepared, scorer, { only_b: { a: 0, b: 1 } }, { pitches: [1], budget: 2, reweight: false });
    expect(removal.weights.a).toBeCloseTo(aSum, 5);
    expect(removal.weights.b).toBeCloseTo(wAll, 5);
    expect(shapley.noAdsConversions).toBe(0);
    expect(shapley.weights.a).toBeCloseTo(aSum, 5);
    expect(shapley.weights.b).toBeCloseTo(wAll, 5);
    const credit = Object.values(shapley.weights).reduce((a, w) => a + w, 0);
    expect(credit).toBeCloseTo(shapley.expectedConversions, 5);
    if (!replay.ok) throw new Error(replay.error);
    expect(replay.byModel.only_b[0].expectedConversions).toBeCloseTo(wAll, 5);
    m.dispose();
  });

  it("with noAds 'model', removal, Shapley and model replay keep the user when they take touchpoints away, and free their tensors", async () => {
    const m = model(name);
    const scorer = createScorer(m, 512, path);
    const all = await scorer.score(stepBatch(seq, aJourneys));
    const none = await scorer.score(emptyOf(aJourneys));
    const [wAll] = await scorer.score(stepBatch(seq, [wJourney]));
    const [wNone] = await scorer.score(emptyOf([wJourney]));
    let aDrop = 0;
    let noneSum = 0;
    aJourneys.forEach((_, i) => {
      aDrop += all[i] - none[i];
      noneSum += none[i];
    });

    const run = async () => {
      const removal = await modelRemovalEffects(prepared, scorer, { reweight: false, noAds: 'model' });
      const shapley = await shapleyAttribution(prepared, scorer, { reweight: false, noAds: 'model' });
      const replay = await modelReplay(prepared, scorer, { only_b: { a: 0, b: 1 } }, { pitches: [1], budget: 2, reweight: false, noAds: 'model' });
      return { removal, shapley, replay };
    };
    const first = await run();
    const { removal, shapley, replay } = first;
    // Identical touchpoints, different users: not merged into one journey.
    expect(removal.distinctJourneys).toBe(3);
    expect(removal.weights.a).toBeCloseTo(aDrop, 5);
    expect(removal.weights.b).toBeCloseTo(wAll - wNone, 5);
    expect(shapley.weights.a).toBeCloseTo(aDrop, 5);
    expect(shapley.weights.b).toBeCloseTo(wAll - wNone, 5);
    expect(shapley.noAdsConversions).toBeCloseTo(noneSum + wNone, 5);
    // Campaign a gets no budget: its journeys go on without their one touchpoint, each still its own user.
    if (!replay.ok) throw new Error(replay.error);
    expect(replay.byModel.only_b[0].expectedConversions).toBeCloseTo(wAll + noneSum, 5);

    const before = tf.memory().numTensors;
    await run();
    await run();
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });
});

describe.each(['attention', 'lstm'] as NeuralModelName[])('%s model', (name) => {
  it('the prefix-tree scorer and the tfjs forward agree with user attributes, empty journeys included', async () => {
    const m = model(name);
    const journeys = Array.from({ length: prepared.journeys.count }, (_, j) => j);
    const batch = stepBatch(seq, [...journeys, ...journeys]);
    // The second copy of each journey loses its first touchpoint (the rest move up), so single-touch ones become empty.
    for (let r = journeys.length; r < batch.count; r++) {
      const base = r * seq.steps;
      batch.campaign.copyWithin(base, base + 1, base + seq.steps);
      batch.mask.copyWithin(base, base + 1, base + seq.steps);
      batch.mask[base + seq.steps - 1] = 0;
      const f = seq.numericNames.length;
      batch.numeric.copyWithin(base * f, (base + 1) * f, (base + seq.steps) * f);
      batch.numeric.fill(0, (base + seq.steps - 1) * f, (base + seq.steps) * f);
    }
    const a = await createScorer(m, 512, 'prefix').score(batch);
    const b = await createScorer(m, 512, 'tfjs').score(batch);
    for (let r = 0; r < batch.count; r++) expect(a[r]).toBeCloseTo(b[r], 5);
    // Empty variants are scored, and differ by user.
    const empties = aJourneys.map((j) => a[journeys.length + j]);
    expect(new Set(empties.map((p) => p.toFixed(6))).size).toBe(2);
    m.dispose();
  });
});

describe('a scorer without user attributes', () => {
  it("still counts the empty journey as 0, even under noAds 'model'", async () => {
    const scorer = { name: 'constant', score: (b: SequenceBatch) => Promise.resolve(new Float32Array(b.count).fill(0.25)) };
    const removal = await modelRemovalEffects(prepared, scorer, { reweight: false, noAds: 'model' });
    // Each a journey: 0.25 with its touchpoint, 0 without.
    expect(removal.weights.a).toBeCloseTo(6 * 0.25, 6);
  });
});
