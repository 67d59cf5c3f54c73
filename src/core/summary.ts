/** The data summary shown after a load (panel and `cli summary`). */
import { groupingColumns } from './channels';
import { groupJourneys, type JourneyIndex } from './journeys';
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
