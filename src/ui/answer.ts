/**
 * What the answer at the top of the results and the shared report say
 * (issue 14), as plain data: the recommended move at campaign or channel
 * level, and money per campaign or channel. Pure, so the page and the report
 * build the same numbers from the same results.
 */
import { campaignName, channelOf, sumByChannel, type CampaignLabels } from '../core/channels';
import { quantile } from '../core/counterfactual/bootstrap';
import type { DefendedRecommendation, ResponseGroupRequest, RunResults } from '../shared/protocol';
import { formatCount, formatNumber } from './format';

export type Level = 'campaign' | 'channel';

/** One campaign, or one channel and the campaigns it sums. */
export interface AllocationRow {
  key: string;
  label: string;
  members: string[];
  today: number;
  recommended: number;
  change: number;
}

function group(amounts: Record<string, number>[], labels: CampaignLabels | null, level: Level): { key: string; label: string; members: string[]; values: number[] }[] {
  const ids = Object.keys(amounts[0] ?? {});
  if (level === 'campaign') return ids.map((id) => ({ key: id, label: campaignName(labels, id), members: [id], values: amounts.map((a) => a[id] ?? 0) }));
  const firstSums = sumByChannel(amounts[0], labels);
  return firstSums.map((g) => ({
    key: g.channel,
    label: g.channel,
    members: g.members,
    values: amounts.map((a) => g.members.reduce((s, id) => s + (Number.isFinite(a[id]) ? a[id] : 0), 0)),
  }));
}

/** The defended recommendation per campaign or channel, in the recommendation's campaign order. */
export function allocationRows(rec: DefendedRecommendation, labels: CampaignLabels | null, level: Level): AllocationRow[] {
  return group([rec.today, rec.allocation], labels, level).map((g) => ({
    key: g.key,
    label: g.label,
    members: g.members,
    today: g.values[0],
    recommended: g.values[1],
    change: g.values[1] - g.values[0],
  }));
}

/** The largest increases and the largest cuts, biggest first; changes smaller than a millionth of the budget are no move. */
export function largestMoves(rows: AllocationRow[], budget: number, count = 3): { increases: AllocationRow[]; cuts: AllocationRow[] } {
  const tiny = 1e-6 * Math.max(budget, 1e-12);
  return {
    increases: rows.filter((r) => r.change > tiny).sort((a, b) => b.change - a.change).slice(0, count),
    cuts: rows.filter((r) => r.change < -tiny).sort((a, b) => a.change - b.change).slice(0, count),
  };
}

/** Where the money table's incremental conversions come from. */
export type IncrementalSource = 'removal' | 'shapley';

export interface MoneyRow {
  key: string;
  label: string;
  members: string[];
  /** Cost summed over the loaded log. */
  spend: number;
  /** Expected incremental conversions (NaN without a model-judged method). */
  conversions: number;
  /** The 90% interval of `conversions` from the removal effect's journey resamples (NaN when there are none). */
  low: number;
  high: number;
  /** Spend on the journeys those values were judged on, counted as they count them (NaN without them). */
  judgedSpend: number;
  /** judgedSpend / conversions: NaN when there are no conversions to divide by. */
  costPerConversion: number;
  /** judgedSpend / high to judgedSpend / low: NaN when the interval reaches zero. */
  costLow: number;
  costHigh: number;
  /**
   * Incremental value over judgedSpend, with its interval: each campaign's
   * incremental conversions times the mean value of the log's conversions it
   * touched (money.valuePerConversion). NaN without a conversion value.
   */
  roas: number;
  roasLow: number;
  roasHigh: number;
}

/**
 * Incremental conversions come from the attention model's removal effect
 * (expected conversions lost without the campaign, with a seeded journey
 * bootstrap) when the run has it, else from its Shapley values (no interval).
 */
export function incrementalSource(results: RunResults): IncrementalSource | null {
  if (results.weights.removal && results.counterfactual?.removalBootstrap) return 'removal';
  if (results.weights.shapley) return 'shapley';
  if (results.weights.removal) return 'removal';
  return null;
}

/** The interval level of the removal bootstrap (0.9), or null without one. */
export function incrementalLevel(results: RunResults): number | null {
  return incrementalSource(results) === 'removal' ? (results.counterfactual?.removalBootstrap?.level ?? null) : null;
}

/**
 * The percentile interval of the summed removal effect of `members`, each
 * resample summed first so a channel's interval comes from the same
 * resamples as its campaigns' (not by adding intervals).
 */
export function summedInterval(results: RunResults, members: readonly string[], weightOf: (id: string) => number = () => 1): [number, number] {
  const boot = results.counterfactual?.removalBootstrap;
  if (!boot || boot.resamples.length < 2) return [Number.NaN, Number.NaN];
  const at = new Map(boot.campaigns.map((id, c) => [id, c]));
  const index = members.flatMap((id) => (at.has(id) ? [[at.get(id)!, weightOf(id)] as const] : []));
  const sums = Float64Array.from(boot.resamples, (r) => index.reduce((s, [c, w]) => s + r[c] * w, 0)).sort();
  const alpha = (1 - boot.level) / 2;
  return [quantile(sums, alpha), quantile(sums, 1 - alpha)];
}

/**
 * Spend, incremental conversions (with their interval) and cost per
 * incremental conversion per campaign or channel; null when the log has no
 * cost column. A channel's amounts are the sums of its campaigns'.
 */
export function moneyRows(results: RunResults, labels: CampaignLabels | null, level: Level): MoneyRow[] | null {
  const money = results.money;
  if (!money) return null;
  const ids = results.campaignIds;
  const source = incrementalSource(results);
  const weights = source ? results.weights[source] : undefined;
  const byId = (values: readonly number[] | undefined) => Object.fromEntries(ids.map((id, c) => [id, values ? values[c] : Number.NaN]));
  const conversions = Object.fromEntries(ids.map((id) => [id, weights ? (weights[id] ?? 0) : Number.NaN]));
  const valueOf = conversionValueOf(results);
  const value = Object.fromEntries(ids.map((id) => [id, weights && valueOf ? (weights[id] ?? 0) * valueOf(id) : Number.NaN]));
  const rows = group([byId(money.spend), conversions, byId(money.judgedSpend), value], labels, level);
  return rows.map((g) => {
    const [spend, conv, judged, incrementalValue] = weights ? g.values : [g.values[0], Number.NaN, Number.NaN, Number.NaN];
    const [low, high] = source === 'removal' ? summedInterval(results, g.members) : [Number.NaN, Number.NaN];
    const [valueLow, valueHigh] = source === 'removal' && valueOf ? summedInterval(results, g.members, valueOf) : [Number.NaN, Number.NaN];
    return {
      key: g.key,
      label: g.label,
      members: g.members,
      spend,
      conversions: conv,
      low,
      high,
      judgedSpend: judged,
      costPerConversion: conv > 0 ? judged / conv : Number.NaN,
      costLow: high > 0 ? judged / high : Number.NaN,
      costHigh: low > 0 ? judged / low : Number.NaN,
      ...roasOf(valueOf ? incrementalValue : Number.NaN, valueLow, valueHigh, judged),
    };
  });
}

/** A campaign's mean conversion value (0 where no conversion touched it), or null when the log has no conversion value. */
function conversionValueOf(results: RunResults): ((id: string) => number) | null {
  const values = results.money?.valuePerConversion;
  if (!values) return null;
  const at = new Map(results.campaignIds.map((id, c) => [id, c]));
  return (id) => {
    const v = values[at.get(id) ?? -1];
    return Number.isFinite(v) ? v : 0;
  };
}

function roasOf(value: number, low: number, high: number, spend: number): Pick<MoneyRow, 'roas' | 'roasLow' | 'roasHigh'> {
  const ok = Number.isFinite(value) && spend > 0;
  return { roas: ok ? value / spend : Number.NaN, roasLow: ok ? low / spend : Number.NaN, roasHigh: ok ? high / spend : Number.NaN };
}

/** The money table's "All" row: sums, and the interval of the summed incremental conversions. */
export function moneyTotal(results: RunResults, rows: readonly MoneyRow[]): Omit<MoneyRow, 'key' | 'label'> {
  const sum = (f: (r: MoneyRow) => number) => rows.reduce((t, r) => t + (Number.isFinite(f(r)) ? f(r) : 0), 0);
  const members = rows.flatMap((r) => r.members);
  const hasConversions = rows.some((r) => Number.isFinite(r.conversions));
  const conversions = hasConversions ? sum((r) => r.conversions) : Number.NaN;
  const judgedSpend = hasConversions ? sum((r) => r.judgedSpend) : Number.NaN;
  const [low, high] = incrementalSource(results) === 'removal' ? summedInterval(results, members) : [Number.NaN, Number.NaN];
  const valueOf = conversionValueOf(results);
  const [valueLow, valueHigh] = incrementalSource(results) === 'removal' && valueOf ? summedInterval(results, members, valueOf) : [Number.NaN, Number.NaN];
  const value = valueOf && hasConversions ? sum((r) => (Number.isFinite(r.roas) ? r.roas * r.judgedSpend : 0)) : Number.NaN;
  return {
    members,
    spend: sum((r) => r.spend),
    conversions,
    low,
    high,
    judgedSpend,
    costPerConversion: conversions > 0 ? judgedSpend / conversions : Number.NaN,
    costLow: high > 0 ? judgedSpend / high : Number.NaN,
    costHigh: low > 0 ? judgedSpend / low : Number.NaN,
    ...roasOf(value, valueLow, valueHigh, judgedSpend),
  };
}

/** What the money table's incremental conversions are, in a sentence. */
export function incrementalNote(results: RunResults): string {
  const source = incrementalSource(results);
  const journeys = results.counterfactual?.sample?.journeys;
  const on = `${journeys !== undefined ? `${formatCount(journeys)} ` : ''}held-out journeys`;
  if (source === 'removal') {
    const level = incrementalLevel(results);
    return (
      `Incremental conversions are the attention model's removal effect: the expected conversions lost on ${on} when the campaign's touchpoints are taken away ` +
      `(unconverted journeys counted back to their share before balancing); a channel's is the sum of its campaigns'` +
      (level !== null ? `, and its ${Math.round(level * 100)}% interval comes from the same ${results.counterfactual!.removalBootstrap!.resamples.length} seeded journey resamples (the model is not retrained per resample)` : '') +
      `. Cost per incremental conversion divides the spend on those same journeys by them.`
    );
  }
  if (source === 'shapley') {
    return `Incremental conversions are the attention model's Shapley values on ${on} (unconverted journeys counted back to their share before balancing), without an interval; cost per incremental conversion divides the spend on those same journeys by them.`;
  }
  return 'Incremental conversions need the attention model and "removal effects and Shapley by the attention model" in the settings.';
}

/** What ROAS is here, or why there is none. */
export function roasNote(results: RunResults): string {
  if (results.money?.valuePerConversion) {
    return (
      "ROAS is incremental value over spend: each campaign's incremental conversions times the mean value of the log's conversions its touchpoints were part of " +
      '(the value column; a conversion\'s value is the largest on its rows), divided by the spend on the same held-out journeys; a channel\'s adds up its campaigns\'' +
      (incrementalSource(results) === 'removal' ? ', with its interval from the same journey resamples.' : '.')
    );
  }
  return "No ROAS: it needs the value of each conversion. Criteo's log has none; in an own log, map the column that holds a conversion's value (revenue).";
}

/** "12.3 (9.8 to 14.1)" or the number alone without an interval. */
export function formatWithInterval(v: number, low: number, high: number, format: (x: number) => string): string {
  if (!Number.isFinite(v)) return '–';
  return Number.isFinite(low) && Number.isFinite(high) ? `${format(v)} (${format(low)} to ${format(high)})` : format(v);
}

/** Money keeps cents; impressions are whole. */
export function formatAmount(v: number, unit: 'money' | 'impressions'): string {
  if (!Number.isFinite(v)) return '–';
  return unit === 'money' ? formatNumber(v, 2) : formatCount(Math.round(v));
}

export function formatSigned(v: number, digits = 1): string {
  return `${v >= 0 ? '+' : '−'}${formatNumber(Math.abs(v), digits)}`;
}

/** "Spring sale (101)" when the campaign has a name, else its id. */
export function campaignTitle(labels: CampaignLabels | null, id: string): string {
  const name = campaignName(labels, id);
  return name === id ? id : `${name} (${id})`;
}

export { channelOf };

/** Campaigns shown as response curves when the campaigns are not grouped into channels. */
export const RESPONSE_TOP_CAMPAIGNS = 8;

/**
 * The groups to draw response curves for: each channel at channel level;
 * otherwise the campaigns with the largest budgets today (at most `top`),
 * largest first. Campaigns with no budget today are left out: a multiple of
 * nothing is nothing.
 */
export function responseGroups(rec: DefendedRecommendation, labels: CampaignLabels | null, level: Level, top = RESPONSE_TOP_CAMPAIGNS): ResponseGroupRequest[] {
  const rows = group([rec.today], labels, level)
    .map((g) => ({ key: g.key, label: g.label, members: g.members, today: g.values[0] }))
    .filter((g) => g.today > 0);
  if (level === 'channel') return rows.map(({ key, label, members }) => ({ key, label, members }));
  return rows
    .sort((a, b) => b.today - a.today)
    .slice(0, top)
    .map(({ key, label, members }) => ({ key, label, members }));
}

/** A what-if the marketer edited and the model judged, as the report shows it. */
export interface WhatIfState {
  level: Level;
  rows: { label: string; today: number; recommended: number; whatIf: number }[];
  expected: number;
  total: number;
}

/**
 * The per-campaign allocation a what-if asks the model to judge: the
 * recommendation, with each edited row's amount (a campaign's, or a
 * channel's total) in place of its own. A channel's total is split among its
 * campaigns as the recommendation splits it; a channel the recommendation
 * gives nothing is split as today's delivery, else evenly.
 */
export function whatIfAmounts(rec: DefendedRecommendation, rows: readonly AllocationRow[], edited: Readonly<Record<string, number>>): Record<string, number> {
  const amounts: Record<string, number> = { ...rec.allocation };
  for (const row of rows) {
    if (!Object.hasOwn(edited, row.key)) continue;
    const v = edited[row.key];
    const share = (from: Record<string, number>) => {
      const sum = row.members.reduce((s, id) => s + (from[id] ?? 0), 0);
      return sum > 0 ? (id: string) => (from[id] ?? 0) / sum : null;
    };
    const split = share(rec.allocation) ?? share(rec.today) ?? (() => 1 / row.members.length);
    for (const id of row.members) amounts[id] = v * split(id);
  }
  return amounts;
}
