import { describe, expect, it } from 'vitest';
import { throttleProgress } from './throttle';

describe('throttleProgress', () => {
  it.each([
    // [times of calls, done values, total, expected done values sent]
    [[0, 10, 20, 150, 160], [1, 2, 3, 4, 5], 10, [1, 4]],
    [[0, 10, 20], [1, 2, 10], 10, [1, 10]],
    [[0, 100, 200], [1, 2, 3], 10, [1, 2, 3]],
  ])('calls at %j send %j', (times, dones, total, expected) => {
    const sent: number[] = [];
    let t = 0;
    const report = throttleProgress<{ done: number; total: number }>((p) => sent.push(p.done), 100, () => t);
    times.forEach((time, i) => {
      t = time;
      report({ done: dones[i], total });
    });
    expect(sent).toEqual(expected);
  });
});
