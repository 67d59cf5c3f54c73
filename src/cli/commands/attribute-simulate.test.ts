/** The attribute and simulate commands end to end on a small generated log, against the core they wrap. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { attributePositions } from '../../core/attribution/position';
import { ingest } from '../../core/ingest';
import { prepareJourneys } from '../../core/prepare';
import { DEFAULT_PREPARE, POSITION_MODELS } from '../../core/settings';
import { replayInput, sweepPitches } from '../../core/simulate';
import { generateSynthetic } from '../../core/synth/generate';
import { parseWeightsCsv } from '../../core/weights';
import { attributeCommand, parseModels } from './attribute';
import { parsePitches, simulateCommand } from './simulate';

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

/** Runs a command, returning its exit code and parsed stdout; stderr is silenced. */
async function run(command: typeof attributeCommand, args: string[]): Promise<{ code: number; out: any }> {
  let stdout = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await command.run(args);
    return { code, out: stdout ? JSON.parse(stdout) : null };
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

describe('flag parsing', () => {
  it('reads models and pitches', () => {
    expect(parseModels('lta, ushape,lta')).toEqual(['lta', 'ushape']);
    expect(parseModels(undefined)).toEqual([...POSITION_MODELS]);
    expect(parsePitches('0.1,1,3')).toEqual([0.1, 1, 3]);
    expect(parsePitches(undefined)).toHaveLength(8);
  });
});
