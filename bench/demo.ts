/** The app's demo log, prepared with the app's default settings, for the benchmarks that train on it. */
import { ingest } from '../src/core/ingest';
import { prepareJourneys } from '../src/core/prepare';
import type { PreparedData } from '../src/core/prepared';
import { DEFAULT_PREPARE } from '../src/core/settings';
import { DEMO_SYNTH_OPTIONS, generateSynthetic } from '../src/core/synth/generate';

export async function demoPrepared(): Promise<PreparedData> {
  const parts: string[] = [];
  generateSynthetic(DEMO_SYNTH_OPTIONS, (t) => parts.push(t));
  const blob = new Blob(parts);
  const loaded = await ingest({ name: 'demo.tsv', size: blob.size, stream: () => blob.stream() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  return prepareJourneys(loaded.table, DEFAULT_PREPARE);
}
