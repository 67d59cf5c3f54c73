/**
 * On the demo log, whose truth is planted, last-touch must over-credit the
 * `late` campaigns: shown late to users who would convert anyway, they cause
 * nothing but take the last touch.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../ingest';
import { prepareJourneys } from '../prepare';
import type { PreparedData } from '../prepared';
import { DEFAULT_PREPARE } from '../settings';
import { replayInput, sweepPitches } from '../simulate';
import { DEMO_SYNTH_OPTIONS, generateSynthetic } from '../synth/generate';
import type { SynthTruth } from '../synth/types';
import { attributePosition } from './position';

let truth: SynthTruth;
let prepared: PreparedData;

beforeAll(async () => {
  const parts: string[] = [];
  truth = generateSynthetic(DEMO_SYNTH_OPTIONS, (t) => parts.push(t));
  const blob = new Blob(parts);
  const loaded = await ingest({ name: 'demo.tsv', size: blob.size, stream: () => blob.stream() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  prepared = prepareJourneys(loaded.table, { ...DEFAULT_PREPARE, campaigns: { kind: 'all' } }, undefined, { features: false });
});

/** Share of a per-campaign quantity that goes to the late campaigns. */
function lateShare(values: Record<string, number>): number {
  const late = new Set(truth.campaigns.filter((c) => c.role === 'late').map((c) => c.id));
  let all = 0;
  let lateSum = 0;
  for (const [id, v] of Object.entries(values)) {
    all += v;
    if (late.has(id)) lateSum += v;
  }
  return lateSum / all;
}

describe('last-touch on the demo log', () => {
  it('has late campaigns to look at', () => {
    expect(truth.campaigns.filter((c) => c.role === 'late').length).toBeGreaterThan(0);
  });

  it('gives the late campaigns a far larger share of weight than of true loss', () => {
    const lta = attributePosition(prepared, 'lta').weights;
    const trueLoss = Object.fromEntries(truth.campaigns.map((c) => [c.id, Math.max(0, c.lossPerImpression)]));
    const ltaShare = lateShare(lta);
    const trueShare = lateShare(trueLoss);
    expect(ltaShare).toBeGreaterThan(2 * trueShare);
    expect(ltaShare).toBeGreaterThan(0.2);
  });

  it('credits late campaigns more under last-touch than under first-touch', () => {
    expect(lateShare(attributePosition(prepared, 'lta').weights)).toBeGreaterThan(
      lateShare(attributePosition(prepared, 'first').weights),
    );
  });

  it('replays uniform weights to the same conversions at every pitch, and last-touch differently', () => {
    const lta = attributePosition(prepared, 'lta').weights;
    const sweep = sweepPitches(replayInput(prepared), { lta }, { pitches: [0.5, 1, 2], unit: 'impressions' });
    if (!sweep.ok) throw new Error(sweep.error);
    const [byLta, uniform] = sweep.models;
    // Equal weights stay equal at any pitch, so the budgets and the replay do not change.
    expect(new Set(uniform.results.map((r) => r.conversions)).size).toBe(1);
    expect(new Set(byLta.results.map((r) => r.conversions)).size).toBeGreaterThan(1);
    expect(sweep.events).toBe(prepared.events.count);
  });
});
