import type { PrepareSettings } from './settings';

/** What the summary panel and `cli summary` show about a loaded log. Computed by ./summary.ts. */
export interface DataSummary {
  /** Data rows accepted. */
  rows: number;
  users: number;
  campaigns: number;
  /** Journeys: distinct (user, conversion id) pairs. */
  journeys: number;
  convertedJourneys: number;
  /** convertedJourneys / journeys. */
  conversionRate: number;
  clicks: number;
  /** Seconds; null when the table is empty. */
  timeSpan: { start: number; end: number } | null;
  /** journeys with exactly `length` touchpoints; the last bucket holds `length` and longer (`orLonger`). */
  journeyLengthHistogram: { length: number; journeys: number; orLonger?: boolean }[];
  /** Events per campaign, most first. */
  eventsPerCampaign: { campaign: string; events: number }[];
  /** Whether the log has a cost column: the app then recommends a budget in money. Absent from older summaries. */
  hasCost?: boolean;
  /** Columns that can group campaigns into channels (an own log's channel column, then the category columns). */
  groupingColumns?: string[];
  skippedRows: number;
  skippedExamples: { line: number; reason: string }[];
  /** 'prepared': touchpoints the SQL export prepared (summarizePrepared); the run skips its prepare step. */
  format: 'criteo' | 'delimited' | 'prepared';
  /** For a prepared file: the preparation settings the SQL was made for. */
  preparedSettings?: PrepareSettings;
  name: string;
  notes: string[];
}
