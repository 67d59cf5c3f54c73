/**
 * What the answer at the top of the results and the shared report say
 * (issue 14), as plain data: the recommended move at campaign or channel
 * level, and money per campaign or channel. Pure, so the page and the report
 * build the same numbers from the same results.
 */
import { campaignName, channelOf, sumByChannel, type CampaignLabels } from '../core/channels';
import type { DefendedRecommendation, ResponseGroupRequest, RunResults } from '../shared/protocol';

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

export interface MoneyRow {
  key: string;
  label: string;
  members: string[];
  /** Cost summed over the loaded log. */
  spend: number;
  /** Expected conversions the attention model's Shapley values give it (NaN without them). */
  conversions: number;
  /** Spend on the journeys those values were judged on, counted as they count them (NaN without them). */
  judgedSpend: number;
  /** judgedSpend / conversions: NaN when there are no conversions to divide by. */
  costPerConversion: number;
}

/**
 * Spend, incremental conversions and cost per incremental conversion per
 * campaign or channel; null when the log has no cost column. A channel's
 * amounts are the sums of its campaigns'.
 */
export function moneyRows(results: RunResults, labels: CampaignLabels | null, level: Level): MoneyRow[] | null {
  const money = results.money;
  if (!money) return null;
  const ids = results.campaignIds;
  const shapley = results.weights.shapley;
  const byId = (values: readonly number[] | undefined) => Object.fromEntries(ids.map((id, c) => [id, values ? values[c] : Number.NaN]));
  const conversions = Object.fromEntries(ids.map((id) => [id, shapley ? (shapley[id] ?? 0) : Number.NaN]));
  const rows = group([byId(money.spend), conversions, byId(money.judgedSpend)], labels, level);
  return rows.map((g) => {
    const [spend, conv, judged] = shapley ? g.values : [g.values[0], Number.NaN, Number.NaN];
    return { key: g.key, label: g.label, members: g.members, spend, conversions: conv, judgedSpend: judged, costPerConversion: conv > 0 ? judged / conv : Number.NaN };
  });
}

/** Money keeps cents; impressions are whole. */
export function formatAmount(v: number, unit: 'money' | 'impressions'): string {
  if (!Number.isFinite(v)) return '–';
  return unit === 'money' ? v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : Math.round(v).toLocaleString('en-US');
}

export function formatSigned(v: number, digits = 1): string {
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;
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
