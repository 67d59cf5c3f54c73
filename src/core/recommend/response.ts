/**
 * Response curves (issue 14): for a channel or a campaign, the expected
 * incremental conversions as its budget goes from nothing to twice today's,
 * every other campaign held at today's amount, so that diminishing returns
 * show. Within a channel, its campaigns keep today's split between them.
 *
 * Each point is judged by the same judge as the what-if (the attention model
 * on the recommendation's held-out journeys). A point's value is the judged
 * total at that budget minus the judged total with the group at zero: what the
 * group's budget adds, given everything else runs as today.
 */
import { throwIfAborted } from '../counterfactual/journey-batch';
import type { AllocationJudge, ShareChange } from './judge';

/** Multiples of today's budget of the group: 0, 0.25, ..., 2. */
export const RESPONSE_MULTIPLES: readonly number[] = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];

/** A channel (its campaigns) or a single campaign; `campaigns` are campaign indexes of the judge. */
export interface ResponseGroup {
  key: string;
  label: string;
  campaigns: readonly number[];
}

export interface ResponsePoint {
  /** The group's budget as a multiple of today's. */
  multiple: number;
  /** The group's budget in the judge's unit (money or impressions). */
  amount: number;
  /** Expected conversions at this budget minus those with the group at zero. */
  incremental: number;
}

export interface ResponseCurve {
  key: string;
  label: string;
  /** Today's budget of the group, in the judge's unit. */
  today: number;
  points: ResponsePoint[];
}

export interface ResponseOptions {
  /** The budget the shares are of, in the judge's unit: amounts are shares × budget. */
  budget: number;
  /** Multiples of today's group budget; 0 is judged whether listed or not (every point is measured from it). */
  multiples?: readonly number[];
  signal?: AbortSignal;
  /** Called after each group: groups done of all. */
  onProgress?: (done: number, total: number, group: string) => void;
}

/**
 * One curve per group. `today` holds today's share of the budget per campaign
 * (as `judge.reset` takes them). The judge is left at today's allocation.
 */
export async function responseCurves(
  judge: Pick<AllocationJudge, 'reset' | 'deltas'>,
  today: ArrayLike<number>,
  groups: readonly ResponseGroup[],
  options: ResponseOptions,
): Promise<ResponseCurve[]> {
  const multiples = [...(options.multiples ?? RESPONSE_MULTIPLES)].filter((m) => Number.isFinite(m) && m >= 0);
  if (!multiples.includes(0)) multiples.unshift(0);
  multiples.sort((a, b) => a - b);
  throwIfAborted(options.signal);
  await judge.reset(today);
  const curves: ResponseCurve[] = [];
  for (const group of groups) {
    throwIfAborted(options.signal);
    const todayShare = group.campaigns.reduce((s, c) => s + today[c], 0);
    // Every point of a group in one pass: the judge scores the new served sets together.
    const trials = multiples.map((m) => group.campaigns.map((c): ShareChange => [c, m * today[c]]));
    const deltas = await judge.deltas(trials);
    const zero = deltas[multiples.indexOf(0)];
    curves.push({
      key: group.key,
      label: group.label,
      today: todayShare * options.budget,
      points: multiples.map((multiple, t) => ({ multiple, amount: multiple * todayShare * options.budget, incremental: deltas[t] - zero })),
    });
    options.onProgress?.(curves.length, groups.length, group.label);
  }
  return curves;
}
