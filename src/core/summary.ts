/** The data summary shown after a load (panel and `cli summary`). */
import { groupingColumns } from './channels';
import { groupJourneys, type JourneyIndex } from './journeys';
import type { PreparedData } from './prepared';
import type { DataSummary } from './summary-types';
import type { EventTable } from './table';

/** Journey lengths 1..N get a bucket each; the last one also holds every longer journey. */
export const JOURNEY_LENGTH_BUCKETS = 30;

export function summarize(table: EventTable, journeys: JourneyIndex = groupJourneys(table)): DataSummary {
  const n = table.rowCount;

  let clicks = 0;
  let start = Infinity;
  let end = -Infinity;
  const campaignEvents = new Float64Array(table.campaignIds.length);
  for (let i = 0; i < n; i++) {
    clicks += table.click[i];
    const t = table.timestamp[i];
    if (t < start) start = t;
    if (t > end) end = t;
    campaignEvents[table.campaign[i]]++;
  }

  let convertedJourneys = 0;
  const lengths = new Float64Array(JOURNEY_LENGTH_BUCKETS);
  for (let j = 0; j < journeys.count; j++) {
    convertedJourneys += journeys.converted[j];
    const length = journeys.offsets[j + 1] - journeys.offsets[j];
    lengths[Math.min(length, JOURNEY_LENGTH_BUCKETS) - 1]++;
  }

  const eventsPerCampaign = table.campaignIds
    .map((campaign, c) => ({ campaign, events: campaignEvents[c], index: c }))
    .filter((e) => e.events > 0)
    // Ties keep first appearance, so the list is the same on every run.
    .sort((a, b) => b.events - a.events || a.index - b.index)
    .map(({ campaign, events }) => ({ campaign, events }));

  const usersWithRows = new Uint8Array(table.userCount);
  let users = 0;
  for (let i = 0; i < n; i++) {
    if (!usersWithRows[table.user[i]]) {
      usersWithRows[table.user[i]] = 1;
      users++;
    }
  }

  return {
    rows: n,
    users,
    campaigns: eventsPerCampaign.length,
    journeys: journeys.count,
    convertedJourneys,
    conversionRate: journeys.count > 0 ? convertedJourneys / journeys.count : 0,
    clicks,
    timeSpan: n > 0 ? { start, end } : null,
    journeyLengthHistogram: Array.from(lengths, (count, i) =>
      i === JOURNEY_LENGTH_BUCKETS - 1
        ? { length: i + 1, journeys: count, orLonger: true }
        : { length: i + 1, journeys: count },
    ),
    eventsPerCampaign,
    hasCost: table.hasCost,
    groupingColumns: groupingColumns(table),
    skippedRows: table.skipped.count,
    skippedExamples: table.skipped.examples.map(({ line, reason }) => ({ line, reason })),
    format: table.source.format,
    name: table.source.name,
    notes: [...table.source.notes],
  };
}

/**
 * The summary of a prepared file (touchpoints the SQL export prepared): its
 * touchpoints, journeys and campaigns, as the panel shows a log's. Every
 * journey in it already passed the preparation, so the counts are the
 * prepared sample's, not the log's.
 */
export function summarizePrepared(prepared: PreparedData, name: string, notes: string[]): DataSummary {
  const { events, journeys } = prepared;
  let clicks = 0;
  let start = Infinity;
  let end = -Infinity;
  let hasCost = false;
  const campaignEvents = new Float64Array(prepared.campaignIds.length);
  for (let e = 0; e < events.count; e++) {
    clicks += events.click[e];
    if (events.timestamp[e] < start) start = events.timestamp[e];
    if (events.timestamp[e] > end) end = events.timestamp[e];
    if (events.cost[e] > 0) hasCost = true;
    campaignEvents[events.campaign[e]]++;
  }
  const lengths = new Float64Array(JOURNEY_LENGTH_BUCKETS);
  let converted = 0;
  for (let j = 0; j < journeys.count; j++) {
    converted += journeys.label[j];
    lengths[Math.min(journeys.eventOffsets[j + 1] - journeys.eventOffsets[j], JOURNEY_LENGTH_BUCKETS) - 1]++;
  }
  const eventsPerCampaign = prepared.campaignIds
    .map((campaign, c) => ({ campaign, events: campaignEvents[c], index: c }))
    .sort((a, b) => b.events - a.events || a.index - b.index)
    .map(({ campaign, events: count }) => ({ campaign, events: count }));
  return {
    rows: events.count,
    users: new Set(journeys.user).size,
    campaigns: prepared.campaignIds.length,
    journeys: journeys.count,
    convertedJourneys: converted,
    conversionRate: journeys.count > 0 ? converted / journeys.count : 0,
    clicks,
    timeSpan: events.count > 0 ? { start, end } : null,
    journeyLengthHistogram: Array.from(lengths, (count, i) =>
      i === JOURNEY_LENGTH_BUCKETS - 1 ? { length: i + 1, journeys: count, orLonger: true } : { length: i + 1, journeys: count },
    ),
    eventsPerCampaign,
    hasCost,
    groupingColumns: [],
    skippedRows: 0,
    skippedExamples: [],
    format: 'prepared',
    preparedSettings: { ...prepared.settings },
    name,
    notes,
  };
}
