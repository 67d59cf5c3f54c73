/** The batcher's memory of variants (`remember`): a repeat is answered without the scorer, and only where its key is exact. */
import { describe, expect, it } from 'vitest';
import { JourneyBatcher } from './journey-batch';
import { buildPrepared, functionScorer, type JourneySpec } from './test-fixtures';

const journeys: JourneySpec[] = [0, 1, 2].map((j) => ({
  converted: j !== 1,
  touchpoints: [0, 1, 2].map((k) => ({ time: 10 * j + k, campaign: (j + k) % 3, numeric: [0, 0, 0, 0] })),
}));

/** Each kept set gets its own value, so that a wrong answer from memory would show. */
const model = () => functionScorer('sets', (j) => 0.01 * j.steps.reduce((a, s, k) => a + (s + 1) * (j.campaigns[k] + 2), 0));

async function scoreTwice(steps: number, remember: boolean): Promise<{ values: number[]; scored: number }> {
  const seq = buildPrepared(journeys, { steps }).sequences;
  const batcher = new JourneyBatcher(seq, model(), 4, undefined, 'zero', remember);
  const out = new Float64Array(8);
  const variants: [number, (s: number) => boolean][] = [
    [0, (s) => s !== 1],
    [1, () => true],
    [0, (s) => s !== 1],
    [0, (s) => s !== 2],
    [2, (s) => s === 0],
    [1, () => true],
    [2, (s) => s === 0],
    [0, () => false],
  ];
  for (const [k, [j, keep]] of variants.entries()) await batcher.add(j, keep, out, k);
  await batcher.flush();
  return { values: Array.from(out), scored: batcher.scored };
}

describe('JourneyBatcher memory of variants', () => {
  it('answers a variant asked again from memory, with the value the scorer gave', async () => {
    const fresh = await scoreTwice(15, false);
    const remembered = await scoreTwice(15, true);
    expect(remembered.values).toEqual(fresh.values);
    // Eight asks: one empty (0 without the scorer) and seven variants. Remembered once scored: the first batch of
    // four is scored before any is known (the repeat of ask 0 in it too), then ask 5 repeats ask 1 from memory and
    // ask 6 repeats ask 4, which is still waiting in the batch: 6 scored.
    expect(fresh.scored).toBe(7);
    expect(remembered.scored).toBe(6);
    expect(remembered.values[2]).toBe(remembered.values[0]);
  });

  it('remembers nothing for journeys longer than 31 steps, whose kept steps do not fit a key', async () => {
    const remembered = await scoreTwice(40, true);
    expect(remembered.scored).toBe(7);
    expect(remembered.values).toEqual((await scoreTwice(40, false)).values);
  });
});
