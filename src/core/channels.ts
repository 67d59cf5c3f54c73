/**
 * Campaign names and channels (issue 14): a small CSV the user drops
 * (`campaign id,name,channel`) names each campaign and groups campaigns into
 * channels, and a channel's amount is the sum of its campaigns'. Pure: the UI
 * reads the file's text and hands it here; nothing is changed unless the whole
 * file is good.
 */
import { quoteCell, readCampaignCsv } from './campaign-csv';
import type { EventTable } from './table';

export interface CampaignLabel {
  name: string;
  channel: string;
}

/** Campaign id -> its name and channel. Campaigns the file does not list keep their id as name and fall in no channel. */
export type CampaignLabels = Record<string, CampaignLabel>;

export type ChannelFileResult = { ok: true; labels: CampaignLabels } | { ok: false; reason: string };

/** The header the file must have, in this order (case and spaces around names do not matter). */
export const CHANNEL_FILE_COLUMNS = ['campaign id', 'name', 'channel'] as const;

/** The channel of a campaign the labels do not place. */
export const UNGROUPED = '(no channel)';

/**
 * Reads a channel file against the campaigns of the loaded log. Every row
 * must name a campaign of the log, once, with a non-empty name; a channel may
 * be empty (the campaign is then named but not grouped). The first problem is
 * the one message; a bad file yields no labels at all.
 */
export function parseChannelFile(text: string, campaignIds: readonly string[]): ChannelFileResult {
  const read = readCampaignCsv(text, 'channel file', CHANNEL_FILE_COLUMNS, campaignIds);
  if (!read.ok) return read;
  const labels: CampaignLabels = {};
  for (const { line, id, cells } of read.rows) {
    const [name, channel] = cells;
    if (name === '') return { ok: false, reason: `Line ${line} of the channel file gives campaign ${quoteCell(id)} an empty name.` };
    labels[id] = { name, channel };
  }
  return { ok: true, labels };
}

/** A campaign's name for people: its label's name, or its id. */
export function campaignName(labels: CampaignLabels | null | undefined, id: string): string {
  return labels?.[id]?.name ?? id;
}

/** A campaign's channel, or UNGROUPED. */
export function channelOf(labels: CampaignLabels | null | undefined, id: string): string {
  const c = labels?.[id]?.channel;
  return c ? c : UNGROUPED;
}

/** Whether the labels put any campaign in a channel. */
export function hasChannels(labels: CampaignLabels | null | undefined): boolean {
  return !!labels && Object.values(labels).some((l) => l.channel !== '');
}

/**
 * Amounts per campaign summed per channel, in order of first appearance in
 * `amounts`; `members` lists each channel's campaigns. NaN amounts count as
 * missing and are left out of the sums.
 */
export function sumByChannel(amounts: Record<string, number>, labels: CampaignLabels | null | undefined): { channel: string; amount: number; members: string[] }[] {
  const out = new Map<string, { channel: string; amount: number; members: string[] }>();
  for (const [id, v] of Object.entries(amounts)) {
    const channel = channelOf(labels, id);
    let g = out.get(channel);
    if (!g) {
      g = { channel, amount: 0, members: [] };
      out.set(channel, g);
    }
    if (Number.isFinite(v)) g.amount += v;
    g.members.push(id);
  }
  return [...out.values()];
}

/**
 * Labels from a column of the log that names each campaign's channel (an own
 * log's channel column, or a Criteo category the user picks): each campaign
 * goes to the value seen most often on its rows (ties: the first seen).
 * `pairs` holds one [campaign id, channel value, rows] per distinct pair.
 */
export function labelsFromColumn(pairs: readonly (readonly [string, string, number])[], names?: CampaignLabels | null): CampaignLabels {
  const best = new Map<string, { channel: string; rows: number }>();
  for (const [id, channel, rows] of pairs) {
    const b = best.get(id);
    if (!b || rows > b.rows) best.set(id, { channel, rows });
  }
  const labels: CampaignLabels = {};
  for (const [id, { channel }] of best) labels[id] = { name: campaignName(names, id), channel };
  return labels;
}

/** Columns of a loaded log that can group its campaigns: an own log's channel column first, then the category columns (Criteo's cat1..cat9). */
export function groupingColumns(table: Pick<EventTable, 'campaignChannels' | 'categoryNames'>): string[] {
  return [...(table.campaignChannels ? [table.campaignChannels.column] : []), ...table.categoryNames];
}

export type ColumnLabelsResult = { ok: true; labels: CampaignLabels } | { ok: false; reason: string };

/**
 * Labels that put each campaign of the log in the channel a column gives it
 * (its value on most of the campaign's rows), keeping names already given.
 */
export function labelsFromTable(
  table: Pick<EventTable, 'campaignChannels' | 'categoryNames' | 'categories' | 'categoryIds' | 'campaign' | 'campaignIds' | 'rowCount'>,
  column: string,
  names?: CampaignLabels | null,
): ColumnLabelsResult {
  if (table.campaignChannels && table.campaignChannels.column === column) {
    const values = table.campaignChannels.values;
    return { ok: true, labels: labelsFromColumn(table.campaignIds.map((id, c) => [id, values[c], 1] as const), names) };
  }
  const k = table.categoryNames.indexOf(column);
  if (k < 0) return { ok: false, reason: `The log has no column "${column}" to group campaigns by.` };
  const counts = new Map<number, Map<number, number>>();
  const values = table.categories[k];
  for (let r = 0; r < table.rowCount; r++) {
    let byValue = counts.get(table.campaign[r]);
    if (!byValue) counts.set(table.campaign[r], (byValue = new Map()));
    byValue.set(values[r], (byValue.get(values[r]) ?? 0) + 1);
  }
  const pairs: [string, string, number][] = [];
  for (const [c, byValue] of counts) for (const [v, rows] of byValue) pairs.push([table.campaignIds[c], table.categoryIds[k][v], rows]);
  return { ok: true, labels: labelsFromColumn(pairs, names) };
}
