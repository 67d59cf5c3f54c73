import type { CampaignLabels } from '../../core/channels';
import { campaignTitle } from '../answer';
import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { LoadedLog } from '../../shared/protocol';
import { formatCount, formatDuration, formatPercent, formatTimeSpan } from '../format';
import { PALETTE } from '../palette';
import { ChartTable } from './ChartTable';
import { Num } from './Num';

const TOP_CAMPAIGNS = 20;

export function SummaryView({ log, labels = null }: { log: LoadedLog; labels?: CampaignLabels | null }) {
  const s = log.summary;
  const histogram = s.journeyLengthHistogram.map((b) => ({
    label: b.orLonger ? `${b.length}+` : String(b.length),
    journeys: b.journeys,
  }));
  const top = s.eventsPerCampaign.slice(0, TOP_CAMPAIGNS);
  return (
    <section
      className="panel"
      data-testid="summary"
      aria-labelledby="summary-title"
      data-rows={s.rows}
      data-users={s.users}
      data-campaigns={s.campaigns}
      data-journeys={s.journeys}
      data-converted-journeys={s.convertedJourneys}
      data-conversion-rate={s.conversionRate}
      data-clicks={s.clicks}
      data-skipped-rows={s.skippedRows}
      data-format={s.format}
      data-elapsed-ms={Math.round(log.elapsedMs)}
    >
      <h2 id="summary-title">
        {s.name} <span className="muted">({s.format === 'criteo' ? 'Criteo log' : s.format === 'prepared' ? 'prepared by the SQL export' : 'mapped columns'})</span>
      </h2>
      <p className="muted">Read in {formatDuration(log.elapsedMs / 1000)}.</p>
      {s.notes.length > 0 && (
        <ul className="notes">
          {s.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
      <dl className="stats">
        <Stat label="Rows" value={<Num value={s.rows} testId="stat-rows" />} />
        <Stat label="Users" value={<Num value={s.users} testId="stat-users" />} />
        <Stat label="Campaigns" value={<Num value={s.campaigns} testId="stat-campaigns" />} />
        <Stat label="Journeys" value={<Num value={s.journeys} testId="stat-journeys" />} />
        <Stat label="Converted journeys" value={<Num value={s.convertedJourneys} testId="stat-converted" />} />
        <Stat
          label="Conversion rate"
          value={
            <span className="num" data-value={s.conversionRate}>
              {formatPercent(s.conversionRate)}
            </span>
          }
        />
        <Stat label="Clicks" value={<Num value={s.clicks} testId="stat-clicks" />} />
        <Stat label="Time span" value={formatTimeSpan(s.timeSpan)} />
        <Stat label="Skipped rows" value={<Num value={s.skippedRows} testId="stat-skipped" />} />
      </dl>
      {s.skippedExamples.length > 0 && (
        <details className="skipped" data-testid="skipped-examples">
          <summary>First skipped rows</summary>
          <ul>
            {s.skippedExamples.map((e) => (
              <li key={e.line}>
                Line {formatCount(e.line)}: {e.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      <div className="summary-grid">
        <figure className="chart">
          <figcaption>Journeys by number of touchpoints</figcaption>
          <div className="chart__body" data-testid="journey-length-chart">
            <ResponsiveContainer width="100%" height={260}>
              <BarChart data={histogram} margin={{ top: 8, right: 16, bottom: 24, left: 16 }}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="label" label={{ value: 'touchpoints', position: 'insideBottom', offset: -12 }} />
                <YAxis tickFormatter={formatCount} width={72} />
                <Tooltip formatter={(v) => formatCount(Number(v))} />
                <Bar dataKey="journeys" name="journeys" fill={PALETTE.blue} isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
          <ChartTable caption="Journeys by number of touchpoints" columns={['Touchpoints', 'Journeys']} rows={histogram.map((b) => [b.label, b.journeys])} format={formatCount} testId="journey-length-table" />
        </figure>
        <figure className="chart">
          <figcaption>
            Impressions per campaign (top {Math.min(TOP_CAMPAIGNS, s.eventsPerCampaign.length)} of{' '}
            {formatCount(s.eventsPerCampaign.length)})
          </figcaption>
          <table className="table" data-testid="campaign-table">
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col" className="num-col">
                  Impressions
                </th>
                <th scope="col" className="num-col">
                  Share
                </th>
              </tr>
            </thead>
            <tbody>
              {top.map((c) => (
                <tr key={c.campaign}>
                  <td>{campaignTitle(labels, c.campaign)}</td>
                  <td className="num-col">
                    <Num value={c.events} />
                  </td>
                  <td className="num-col">{formatPercent(s.rows ? c.events / s.rows : 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </figure>
      </div>
    </section>
  );
}

function Stat({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
