/** The attribute and simulate commands end to end on a small generated log, against the core they wrap. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { attributePositions } from '../../core/attribution/position';
import { countingShapley, markovAttribution, modelRemovalEffects } from '../../core/counterfactual';
import { createScorer } from '../../core/models/train';
import { ingest } from '../../core/ingest';
import { prepareJourneys } from '../../core/prepare';
import { DEFAULT_PREPARE, POSITION_MODELS } from '../../core/settings';
import { replayInput, sweepPitches } from '../../core/simulate';
import { generateSynthetic } from '../../core/synth/generate';
import { parseWeightsCsv } from '../../core/weights';
import { ATTRIBUTION_METHODS } from '../../core/methods';
import { parseMethodList, parsePitches } from '../flags';
import { readSavedModel } from '../model-loader';
import { attributeCommand } from './attribute';
import { simulateCommand } from './simulate';
import { trainCommand } from './train';

const parseModels = (text: string | undefined) => parseMethodList(text, ATTRIBUTION_METHODS, POSITION_MODELS);

let dir: string;
let log: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'h3-cli-'));
  log = join(dir, 'log.tsv');
  const parts: string[] = [];
  generateSynthetic({ seed: 5, users: 3000, campaigns: 12 }, (t) => parts.push(t));
  writeFileSync(log, parts.join(''));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a command, returning its exit code and parsed stdout; stderr is kept apart, not printed. */
async function run(command: typeof attributeCommand, args: string[]): Promise<{ code: number; out: any }> {
  return (await runWithLog(command, args)).result;
}

async function runWithLog(command: typeof attributeCommand, args: string[]): Promise<{ result: { code: number; out: any }; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await command.run(args);
    return { result: { code, out: stdout ? JSON.parse(stdout) : null }, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

async function coreSweep(weights: Record<string, Record<string, number>>, pitches: number[]) {
  const blob = new Blob([readFileSync(log)]);
  const loaded = await ingest({ name: 'log.tsv', size: blob.size, stream: () => blob.stream() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  const prepared = prepareJourneys(loaded.table, { ...DEFAULT_PREPARE, seed: 11 }, undefined, { features: false });
  return { prepared, sweep: sweepPitches(replayInput(prepared), weights, { pitches, unit: 'impressions' }) };
}

describe('attribute and simulate commands', () => {
  it('writes weights, then replays them to the same numbers the core gives', async () => {
    const weightsPath = join(dir, 'w.json');
    const a = await run(attributeCommand, [log, '--out', weightsPath, '--details', join(dir, 'd.json'), '--seed', '11']);
    expect(a.code).toBe(0);
    expect(a.out.models).toEqual([...POSITION_MODELS]);
    const weights = JSON.parse(readFileSync(weightsPath, 'utf8'));
    expect(Object.keys(weights)).toEqual([...POSITION_MODELS]);
    const details = JSON.parse(readFileSync(join(dir, 'd.json'), 'utf8'));
    expect(details.models.lta.length).toBe(a.out.campaigns);

    const s = await run(simulateCommand, [log, '--weights', weightsPath, '--pitches', '0.5,2', '--seed', '11']);
    expect(s.code).toBe(0);
    const { prepared, sweep } = await coreSweep(weights, [0.5, 2]);
    if (!sweep.ok) throw new Error(sweep.error);
    expect(s.out.events).toBe(prepared.events.count);
    expect(s.out.budget).toBeCloseTo(0.1 * prepared.events.count, 9);
    expect(s.out.unit).toBe('impressions');
    const expected = sweep.models.flatMap((m) =>
      m.results.map((r) => ({ model: m.model, pitch: r.pitch, conversions: r.conversions, spent: r.spent })),
    );
    expect(s.out.results).toEqual(expected);
    expect(Object.keys(s.out.best)).toEqual([...POSITION_MODELS, 'uniform']);
    expect(s.out.missingCampaigns.lta).toBe(0);

    // The weights the core computes from the same preparation are the ones written.
    const lta = attributePositions(prepared, ['lta'])[0].weights;
    expect(weights.lta).toEqual(lta);
  });

  it('writes CSV weights when the name ends in .csv and counts campaigns missing from them', async () => {
    const csv = join(dir, 'w.csv');
    expect((await run(attributeCommand, [log, '--models', 'lta', '--out', csv])).code).toBe(0);
    const parsed = parseWeightsCsv(readFileSync(csv, 'utf8'));
    expect(parsed.ok && Object.keys(parsed.weights)).toEqual(['lta']);
    // Drop one campaign from the file: the replay gives it 0 and says so.
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    writeFileSync(csv, lines.slice(0, -1).join('\n') + '\n');
    const s = await run(simulateCommand, [log, '--weights', csv, '--pitches', '1']);
    expect(s.code).toBe(0);
    expect(s.out.missingCampaigns).toEqual({ lta: 1, uniform: 0 });
  });

  it('replays a money budget with --cost', async () => {
    const weightsPath = join(dir, 'w.json');
    await run(attributeCommand, [log, '--models', 'linear', '--out', weightsPath]);
    const s = await run(simulateCommand, [log, '--weights', weightsPath, '--cost', '--budget', '0.5', '--pitches', '1']);
    expect(s.code).toBe(0);
    expect(s.out.unit).toBe('money');
    expect(s.out.budget).toBe(0.5);
    for (const r of s.out.results) expect(r.spent).toBeLessThanOrEqual(0.5 + 1e-9);
  });

  it.each([
    [attributeCommand, ['--models', 'lta']],
    [attributeCommand, ['LOG', '--models', 'nope']],
    [attributeCommand, ['LOG', '--half-life-days', '-1']],
    [attributeCommand, ['LOG', '--balance', 'sometimes']],
    [simulateCommand, ['LOG']],
    [simulateCommand, ['LOG', '--weights', 'w.json', '--pitches', '1,x']],
    [simulateCommand, ['LOG', '--weights', 'w.json', '--budget', '0']],
    [simulateCommand, ['LOG', '--weights', 'w.json', '--unknown']],
    [simulateCommand, ['LOG', '--weights', 'w.json', '--journeys', 'some']],
    [simulateCommand, ['LOG', '--weights', 'w.json', '--replay', 'test']],
    [simulateCommand, ['LOG', '--weights', 'w.json', '--replay', 'model', '--pitches', '0,1']],
    [simulateCommand, ['LOG', '--weights', 'w.json', '--replay', 'model', '--epochs', '0']],
    [attributeCommand, ['LOG', '--models', 'markov', '--markov-order', '0']],
    [attributeCommand, ['LOG', '--models', 'shapley', '--permutations', '1']],
    [attributeCommand, ['LOG', '--models', 'removal', '--backend', 'webgpu']],
    [attributeCommand, ['LOG', '--journeys', 'train']],
  ])('exits 2 on bad arguments %#', async (command, args) => {
    const r = await run(command, args.map((a) => (a === 'LOG' ? log : a)));
    expect(r.code).toBe(2);
    expect(r.out).toBeNull();
  });

  it('exits 1 with nothing on stdout for a missing file', async () => {
    const r = await run(attributeCommand, [join(dir, 'missing.tsv')]);
    expect(r).toEqual({ code: 1, out: null });
  });
});

describe('counterfactual attribution and the model replay', () => {
  let models: string;
  // Settings the saved model was trained with; every command below prepares the same way.
  const prep = ['--seed', '11'];

  beforeAll(async () => {
    models = join(dir, 'models');
    const t = await run(trainCommand, [log, '--models', 'attention', '--epochs', '1', '--save-model', models, ...prep]);
    if (t.code !== 0) throw new Error('training the test model failed');
  });

  const finiteForEvery = (weights: Record<string, number>, campaigns: string[]): void => {
    expect(Object.keys(weights).sort()).toEqual([...campaigns].sort());
    for (const c of campaigns) expect(Number.isFinite(weights[c])).toBe(true);
  };

  it('gives markov and shapley_count weights for every replayed campaign, as the core computes them', async () => {
    const detailsPath = join(dir, 'cf.json');
    const a = await run(attributeCommand, [log, '--models', 'markov,shapley_count,lta', '--details', detailsPath, ...prep]);
    expect(a.code).toBe(0);
    expect(Object.keys(a.out.weights)).toEqual(['markov', 'shapley_count', 'lta']);
    const { prepared } = await coreSweep({}, [1]);
    finiteForEvery(a.out.weights.markov, prepared.campaignIds);
    finiteForEvery(a.out.weights.shapley_count, prepared.campaignIds);
    const markov = markovAttribution(prepared);
    if (!markov.ok) throw new Error(markov.error);
    expect(a.out.weights.markov).toEqual(markov.weights);
    expect(a.out.weights.shapley_count).toEqual(countingShapley(prepared).weights);

    const details = JSON.parse(readFileSync(detailsPath, 'utf8'));
    const rows = details.models.markov.campaigns;
    expect(rows.map((r: { campaign: string }) => r.campaign)).toEqual(prepared.campaignIds);
    expect(rows.map((r: { removalEffect: number }) => r.removalEffect)).toEqual([...markov.removalEffects]);
    expect(details.models.shapley_count.campaigns[0]).toHaveProperty('perImpression');
  });

  it('fits a second-order chain with --markov-order 2', async () => {
    const a = await run(attributeCommand, [log, '--models', 'markov', '--markov-order', '2', '--details', join(dir, 'm2.json'), ...prep]);
    expect(a.code).toBe(0);
    const details = JSON.parse(readFileSync(join(dir, 'm2.json'), 'utf8'));
    expect(details.models.markov.order).toBe(2);
    const sum = Object.values(a.out.weights.markov as Record<string, number>).reduce((x, y) => x + y, 0);
    expect(sum).toBeCloseTo(1, 9);
  });

  it.each([['DIR'], ['DIR/attention']])('computes removal and shapley with the model saved in %s', async (which) => {
    const modelDir = which === 'DIR' ? models : join(models, 'attention');
    const detailsPath = join(dir, 'model-details.json');
    const before = tf.memory().numTensors;
    // The test journeys alone keep Shapley's 2^n coalitions per journey quick.
    const a = await run(attributeCommand, [
      log, '--models', 'removal,shapley', '--model', modelDir, '--details', detailsPath, '--journeys', 'test', ...prep,
    ]);
    expect(a.code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(a.out.scorer).toMatchObject({ model: 'attention', source: 'loaded' });
    const { prepared: plain } = await coreSweep({}, [1]);
    finiteForEvery(a.out.weights.removal, plain.campaignIds);
    finiteForEvery(a.out.weights.shapley, plain.campaignIds);

    // The removal weights are the core's, with the same saved model on the same journeys.
    const blob = new Blob([readFileSync(log)]);
    const loaded = await ingest({ name: 'log.tsv', size: blob.size, stream: () => blob.stream() });
    if (!loaded.ok) throw new Error(loaded.error.message);
    const prepared = prepareJourneys(loaded.table, { ...DEFAULT_PREPARE, seed: 11 });
    const saved = await readSavedModel(join(models, 'attention'));
    if (!saved.ok) throw new Error(saved.error);
    try {
      const removal = await modelRemovalEffects(prepared, createScorer(saved.model), { subset: 'test' });
      expect(Object.keys(a.out.weights.removal)).toEqual(Object.keys(removal.weights));
      for (const [c, w] of Object.entries(removal.weights)) expect(a.out.weights.removal[c]).toBeCloseTo(w, 6);
    } finally {
      saved.model.dispose();
    }

    const details = JSON.parse(readFileSync(detailsPath, 'utf8'));
    const shapley = details.models.shapley;
    for (const row of shapley.campaigns) {
      expect(row.standardError).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(row.perImpression)).toBe(true);
    }
    // Efficiency: the credits split the model's expected conversions (--no-ads zero, the default:
    // a journey with no touchpoint left converts with probability 0, user attributes or not).
    const credit = shapley.campaigns.reduce((sum: number, r: { credit: number }) => sum + r.credit, 0);
    expect(shapley.noAdsConversions).toBe(0);
    expect(credit).toBeCloseTo(shapley.expectedConversions, 3);
    expect(details.models.removal.campaigns.every((r: { touchpoints: number }) => r.touchpoints >= 0)).toBe(true);
  });

  it('trains the attention model first when no --model is given, and says so on stderr', async () => {
    const { result, stderr } = await runWithLog(attributeCommand, [log, '--models', 'removal', '--epochs', '1', '--journeys', 'test', ...prep]);
    expect(result.code).toBe(0);
    expect(result.out.scorer).toMatchObject({ model: 'attention', source: 'trained' });
    expect(stderr).toMatch(/no --model given: training the attention model/);
    expect(Object.values(result.out.weights.removal).every((w) => Number.isFinite(w))).toBe(true);
  });

  it('adds expected conversions to every result row with --replay model and leaves the article figures as they were', async () => {
    const weightsPath = join(dir, 'cf-w.json');
    expect((await run(attributeCommand, [log, '--models', 'lta,markov', '--out', weightsPath, ...prep])).code).toBe(0);
    const common = [log, '--weights', weightsPath, '--pitches', '0.5,2', ...prep];
    const article = await run(simulateCommand, common);
    const judged = await run(simulateCommand, [...common, '--replay', 'model', '--model', models]);
    expect(article.code).toBe(0);
    expect(judged.code).toBe(0);
    expect(article.out.replay).toBe('article');
    expect(judged.out.replay).toBe('model');
    expect(judged.out.results).toHaveLength(6);
    for (const row of judged.out.results) {
      expect(Number.isFinite(row.expectedConversions)).toBe(true);
      expect(row.expectedConversions).toBeGreaterThanOrEqual(0);
      // --no-ads zero (the default): a journey left with no touchpoint converts with probability 0.
      expect(row.expectedConversions).toBeLessThanOrEqual(judged.out.modelReplay.baseline + 1e-9);
    }
    const articleFields = judged.out.results.map(({ expectedConversions: _, ...rest }: { expectedConversions: number }) => rest);
    expect(articleFields).toEqual(article.out.results);
    expect(judged.out.best).toEqual(article.out.best);
    expect(judged.out.modelReplay.source).toBe('loaded');
  });

  it('replays the test journeys only with --journeys test', async () => {
    const weightsPath = join(dir, 'cf-w.json');
    const s = await run(simulateCommand, [log, '--weights', weightsPath, '--journeys', 'test', '--pitches', '1', ...prep]);
    expect(s.code).toBe(0);
    const { prepared } = await coreSweep({}, [1]);
    expect(s.out.journeys).toBe('test');
    expect(s.out.events).toBe(replayInput(prepared, 'test').events.count);
    expect(s.out.events).toBeLessThan(prepared.events.count);
  });

  it.each([
    ['a folder with no model', (m: string) => join(m, 'missing'), /^No saved model in .*model\.json\.$/],
    ['a model prepared otherwise', (m: string) => m, /does not fit these journeys/],
  ])('exits 1 with one line for %s', async (_, modelDir, message) => {
    // Keeping 5 campaigns prepares other journeys than the model was trained on.
    const extra = message.source.includes('fit') ? ['--campaigns', '5'] : [];
    for (const [command, args] of [
      [attributeCommand, [log, '--models', 'removal', '--model', modelDir(models), ...prep, ...extra]],
      [simulateCommand, [log, '--weights', join(dir, 'cf-w.json'), '--replay', 'model', '--model', modelDir(models), ...prep, ...extra]],
    ] as const) {
      const { result, stderr } = await runWithLog(command, [...args]);
      expect(result).toEqual({ code: 1, out: null });
      const lastLine = stderr.trimEnd().split('\n').pop() ?? '';
      expect(lastLine).toMatch(message);
    }
  });
});

describe('flag parsing', () => {
  it('reads models and pitches', () => {
    expect(parseModels('lta, ushape,lta')).toEqual(['lta', 'ushape']);
    expect(parseModels(undefined)).toEqual([...POSITION_MODELS]);
    expect(parseModels('markov,shapley_count, removal,shapley')).toEqual(['markov', 'shapley_count', 'removal', 'shapley']);
    expect(parsePitches('0.1,1,3')).toEqual([0.1, 1, 3]);
    expect(parsePitches(undefined)).toHaveLength(8);
  });
});
