/**
 * Which journeys the model-based methods score: the held-out test journeys
 * (every journey when there are none), at most a cap of them drawn at random
 * with the run's seed, so the cost is bounded on any log size.
 */
import { Split, type PreparedData } from '../prepared';
import { createRng } from '../random';

/** Which journeys the model-based methods scored. */
export interface CounterfactualSample {
  /** Test journeys (the held-out ones), or every prepared journey when there are no test journeys. */
  subset: 'test' | 'all';
  journeys: number;
  /** Journeys in that subset before the cap. */
  of: number;
  /** Events of the sampled journeys: what the model-judged replay replays. */
  events: number;
}

/** The journeys the model-based methods may score: the test journeys, or all when there are none. */
function candidateJourneys(prepared: PreparedData, wanted: 'test' | 'all'): { subset: 'test' | 'all'; journeys: number[] } {
  const test: number[] = [];
  if (wanted === 'all') return { subset: 'all', journeys: Array.from({ length: prepared.journeys.count }, (_, j) => j) };
  for (let j = 0; j < prepared.journeys.count; j++) if (prepared.journeys.split[j] === Split.Test) test.push(j);
  if (test.length > 0) return { subset: 'test', journeys: test };
  return { subset: 'all', journeys: Array.from({ length: prepared.journeys.count }, (_, j) => j) };
}

function chosenJourneys(
  prepared: PreparedData,
  maxJourneys: number,
  seed: number,
  wanted: 'test' | 'all',
): { subset: 'test' | 'all'; chosen: Uint32Array; of: number } {
  const { subset, journeys } = candidateJourneys(prepared, wanted);
  const cap = Math.max(1, Math.floor(maxJourneys));
  const pool = Uint32Array.from(journeys);
  if (pool.length > cap) createRng(seed).fork('counterfactual-sample').shuffle(pool);
  const chosen = pool.slice(0, Math.min(cap, pool.length)).sort();
  return { subset, chosen, of: journeys.length };
}

export function describeSample(prepared: PreparedData, maxJourneys: number, seed = prepared.settings.seed, wanted: 'test' | 'all' = 'test'): CounterfactualSample {
  const { subset, chosen, of } = chosenJourneys(prepared, maxJourneys, seed, wanted);
  let events = 0;
  for (const j of chosen) events += prepared.journeys.eventOffsets[j + 1] - prepared.journeys.eventOffsets[j];
  return { subset, journeys: chosen.length, of, events };
}

/**
 * The prepared data with only the sampled journeys marked as test journeys:
 * the counterfactual core selects journeys by split ('all' or 'test'), so a
 * capped random sample travels as a view with its own split array; nothing
 * else is copied.
 */
export function sampleForCounterfactual(prepared: PreparedData, maxJourneys: number, seed: number, wanted: 'test' | 'all' = 'test'): PreparedData {
  const { chosen } = chosenJourneys(prepared, maxJourneys, seed, wanted);
  const split = new Uint8Array(prepared.journeys.count);
  split.fill(Split.Train);
  for (const j of chosen) split[j] = Split.Test;
  return { ...prepared, journeys: { ...prepared.journeys, split } };
}
