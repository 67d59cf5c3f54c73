import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ingest } from '../ingest';
import type { InputFile } from '../ingest/types';
import { summarize } from '../summary';
import { generateSynthetic, syntheticChunks } from './generate';
import type { SynthOptions } from './types';

function asFile(name: string, parts: (string | Uint8Array)[]): InputFile {
  const blob = new Blob(parts);
  return { name, size: blob.size, stream: () => blob.stream() };
}

describe('generator -> TSV -> ingest -> summarize', () => {
  it.each<[string, SynthOptions]>([
    ['a small log', { seed: 11, users: 2500, campaigns: 12 }],
    ['long journeys over a week', { seed: 12, users: 1500, campaigns: 20, meanJourneyLength: 8, durationSeconds: 7 * 86_400 }],
  ])('counts the same as the generator for %s', async (_name, options) => {
    const chunks: string[] = [];
    const truth = generateSynthetic(options, (t) => chunks.push(t));
    const loaded = await ingest(asFile('synthetic.tsv', chunks));
    if (!loaded.ok) throw new Error(loaded.error.message);
    expect(loaded.table.skipped.count).toBe(0);
    const s = summarize(loaded.table);
    expect({
      rows: s.rows,
      users: s.users,
      campaigns: s.campaigns,
      journeys: s.journeys,
      convertedJourneys: s.convertedJourneys,
      clicks: s.clicks,
    }).toEqual(truth.counts);
    const impressions = Object.fromEntries(truth.campaigns.filter((c) => c.impressions > 0).map((c) => [c.id, c.impressions]));
    expect(Object.fromEntries(s.eventsPerCampaign.map((e) => [e.campaign, e.events]))).toEqual(impressions);
  });

  it('reads the gzip file the script writes the same way', async () => {
    const options = { seed: 13, users: 1500, campaigns: 10 };
    const parts: Uint8Array[] = [];
    const chunks = syntheticChunks(options);
    let step = chunks.next();
    for (; !step.done; step = chunks.next()) parts.push(step.value);
    const truth = step.value;
    const loaded = await ingest(asFile('synthetic.tsv.gz', [gzipSync(Buffer.concat(parts))]));
    if (!loaded.ok) throw new Error(loaded.error.message);
    const s = summarize(loaded.table);
    expect([s.rows, s.journeys, s.convertedJourneys]).toEqual([truth.counts.rows, truth.counts.journeys, truth.counts.convertedJourneys]);
  });
});
