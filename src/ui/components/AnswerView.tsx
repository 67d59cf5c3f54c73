import { hasChannels, type CampaignLabels } from '../../core/channels';
import type { ResponseCurves, RunResults } from '../../shared/protocol';
import {
  allocationRows,
  formatAmount,
  formatSigned,
  formatWithInterval,
  incrementalNote,
  incrementalSource,
  largestMoves,
  moneyRows,
  moneyTotal,
  roasNote,
  type AllocationRow,
  type Level,
  type WhatIfState,
} from '../answer';
import { formatCount, formatNumber } from '../format';
import { ResponseCurvesView, type DrawCurves } from './ResponseCurves';
import { WhatIfView, type JudgeAllocation } from './WhatIfView';

interface Props {
  results: RunResults;
  labels: CampaignLabels | null;
  level: Level;
  onLevel: (level: Level) => void;
  onReport: () => void;
  /** Absent for results opened from a saved session: nothing in the worker to judge with. */
  onJudge?: JudgeAllocation;
  /** Absent for results opened from a saved session, as `onJudge`. */
  onCurves?: DrawCurves;
  /** Told the edited what-if (null when back to the recommendation) and the drawn response curves, for the report. */
  onWhatIf?: (state: WhatIfState | null) => void;
  onCurvesDrawn?: (curves: ResponseCurves | null) => void;
}

/** Changes when the campaigns' names or channels change: the what-if's rows follow them. */
const labelsKey = (labels: CampaignLabels | null) => (labels ? JSON.stringify(labels) : '');

const unitWord = (unit: 'money' | 'impressions') => (unit === 'money' ? 'spend' : 'impressions');

function Moves({ title, rows, unit, testId }: { title: string; rows: AllocationRow[]; unit: 'money' | 'impressions'; testId: string }) {
  return (
    <div className="answer__moves" data-testid={testId}>
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul>
          {rows.map((r) => (
            <li key={r.key} data-key={r.key} data-change={r.change}>
              <strong>{r.label}</strong>: {formatAmount(r.today, unit)} → {formatAmount(r.recommended, unit)} ({r.change > 0 ? '+' : '−'}
              {formatAmount(Math.abs(r.change), unit)})
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function LevelChoice({ level, onLevel, channels }: { level: Level; onLevel: (level: Level) => void; channels: boolean }) {
  return (
    <fieldset className="level-choice">
      <legend>Show by</legend>
      <label>
        <input type="radio" name="level" data-testid="level-campaign" checked={level === 'campaign'} onChange={() => onLevel('campaign')} /> campaign
      </label>
      <label title={channels ? undefined : 'Open a channel file to group campaigns into channels'}>
        <input type="radio" name="level" data-testid="level-channel" checked={level === 'channel'} disabled={!channels} onChange={() => onLevel('channel')} /> channel
      </label>
    </fieldset>
  );
}

/**
 * The answer first (issue 14): the move the run recommends, what it is
 * expected to bring against today's delivery with its 90% interval, and what
 * it rests on; money per campaign or channel below it.
 */
export function AnswerView({ results, labels, level: wanted, onLevel, onReport, onJudge, onCurves, onWhatIf, onCurvesDrawn }: Props) {
  const channels = hasChannels(labels);
  const level: Level = channels ? wanted : 'campaign';
  const rec = results.recommendation;
  const money = moneyRows(results, labels, level);
  return (
    <section
      className="panel answer"
      aria-labelledby="answer-title"
      data-testid="answer"
      data-method={rec?.method ?? 'none'}
      data-gain={rec ? rec.expected.recommended - rec.expected.today : undefined}
    >
      <div className="answer__head">
        <h2 id="answer-title">The answer</h2>
        <LevelChoice level={level} onLevel={onLevel} channels={channels} />
        <button type="button" className="button button--secondary" data-testid="export-report" onClick={onReport}>
          Download report (HTML)
        </button>
      </div>
      {rec ? <Recommended results={results} labels={labels} level={level} /> : <NoRecommendation results={results} />}
      {rec && onJudge && (
        <WhatIfView key={`${rec.method}:${rec.budget}:${rec.expected.recommended}:${level}:${labelsKey(labels)}`} rec={rec} labels={labels} level={level} onJudge={onJudge} onEdited={onWhatIf} />
      )}
      {rec && onCurves && (
        <ResponseCurvesView key={`${rec.method}:${rec.budget}:${rec.expected.recommended}`} rec={rec} labels={labels} level={level} onCurves={onCurves} onDrawn={onCurvesDrawn} />
      )}
      <MoneyTable rows={money} level={level} results={results} />
    </section>
  );
}

function NoRecommendation({ results }: { results: RunResults }) {
  const note = results.notes.find((n) => n.startsWith('Recommendation:'));
  return (
    <p data-testid="answer-none">
      This run made no recommendation judged on held-out journeys
      {note ? ` (${note.replace(/^Recommendation:\s*/, '')})` : ': it needs the attention model and the recommendation step in the settings'}. The pitch sweep and
      the replayed allocations below still compare the methods.
    </p>
  );
}

function Recommended({ results, labels, level }: { results: RunResults; labels: CampaignLabels | null; level: Level }) {
  const rec = results.recommendation!;
  const rows = allocationRows(rec, labels, level);
  const moves = largestMoves(rows, rec.budget);
  const gain = rec.expected.recommended - rec.expected.today;
  const [low, high] = rec.expected.interval90;
  const keep = rec.method === 'today';
  const unit = rec.unit;
  return (
    <div
      data-testid="answer-recommendation"
      data-method={rec.method}
      data-unit={unit}
      data-budget={rec.budget}
      data-expected={rec.expected.recommended}
      data-today={rec.expected.today}
      data-low={low}
      data-high={high}
    >
      <p className="answer__headline" data-testid="answer-headline">
        {keep ? (
          <strong>Keep today&apos;s split of the {unitWord(unit)}.</strong>
        ) : (
          <strong>
            Move the {unitWord(unit)} as {rec.label}
            {rec.pitch !== undefined ? ` at pitch ${rec.pitch}` : ''} splits it.
          </strong>
        )}{' '}
        Budget {formatAmount(rec.budget, unit)} {unit === 'money' ? 'in the cost column’s units' : 'impressions'}: the replay&apos;s budget (10% of the prepared{' '}
        {unit === 'money' ? 'cost' : 'impressions'} unless set), with today&apos;s split scaled to the same budget.
      </p>
      <p className="answer__expected" data-testid="answer-expected">
        Expected conversions on {formatCount(rec.journeys.test)} held-out journeys: <strong>{formatNumber(rec.expected.recommended, 1)}</strong> with this split against{' '}
        {formatNumber(rec.expected.today, 1)} with today&apos;s, a gain of <strong>{formatSigned(gain)}</strong> (90% interval {formatSigned(low)} to {formatSigned(high)}).
      </p>
      {!keep && (
        <div className="answer__move-lists">
          <Moves title="Largest increases" rows={moves.increases} unit={unit} testId="answer-increases" />
          <Moves title="Largest cuts" rows={moves.cuts} unit={unit} testId="answer-cuts" />
        </div>
      )}
      <p data-testid="answer-why">
        <strong>Why:</strong> {rec.why} Every allocation was judged by the attention model (the network that predicts each journey&apos;s conversion) on journeys that
        chose neither the pitch nor the allocation.
      </p>
      <details>
        <summary>The whole allocation by {level}</summary>
        <div className="table-scroll table-scroll--tall">
          <table className="table" data-testid="answer-allocation" data-level={level}>
            <thead>
              <tr>
                <th scope="col">{level === 'channel' ? 'Channel' : 'Campaign'}</th>
                <th scope="col" className="num-col">Today</th>
                <th scope="col" className="num-col">Recommended</th>
                <th scope="col" className="num-col">Change</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key} data-key={r.key} data-today={r.today} data-recommended={r.recommended}>
                  <th scope="row">{r.label}</th>
                  <td className="num-col">{formatAmount(r.today, unit)}</td>
                  <td className="num-col">{formatAmount(r.recommended, unit)}</td>
                  <td className={`num-col ${r.change < 0 ? 'down' : r.change > 0 ? 'up' : ''}`}>
                    {r.change > 0 ? '+' : r.change < 0 ? '−' : ''}
                    {formatAmount(Math.abs(r.change), unit)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}

function MoneyTable({ rows, level, results }: { rows: ReturnType<typeof moneyRows>; level: Level; results: RunResults }) {
  if (!rows) {
    return (
      <p className="muted" data-testid="money-none">
        This log has no cost column, so the recommendation is in impressions and there is no spend to show.
      </p>
    );
  }
  const total = moneyTotal(results, rows);
  const source = incrementalSource(results);
  const conv = (r: Pick<typeof total, 'conversions' | 'low' | 'high'>) => formatWithInterval(r.conversions, r.low, r.high, (x) => formatNumber(x, 2));
  const cost = (r: Pick<typeof total, 'costPerConversion' | 'costLow' | 'costHigh'>) =>
    formatWithInterval(r.costPerConversion, r.costLow, r.costHigh, (x) => formatAmount(x, 'money'));
  const withRoas = results.money?.valuePerConversion !== undefined;
  const roas = (r: Pick<typeof total, 'roas' | 'roasLow' | 'roasHigh'>) => formatWithInterval(r.roas, r.roasLow, r.roasHigh, (x) => formatNumber(x, 2));
  return (
    <div className="answer__money">
      <h3>Money by {level}</h3>
      <p className="muted" data-testid="money-method" data-source={source ?? 'none'}>
        Spend is the cost column summed over every row of the log. {incrementalNote(results)}
      </p>
      <p className="muted" data-testid="roas-note" data-roas={withRoas ? 'yes' : 'no'}>
        {roasNote(results)}
      </p>
      <div className="table-scroll table-scroll--tall">
        <table className="table" data-testid="money" data-level={level} data-source={source ?? 'none'} data-total-spend={total.spend} data-total-conversions={total.conversions}>
          <thead>
            <tr>
              <th scope="col">{level === 'channel' ? 'Channel' : 'Campaign'}</th>
              <th scope="col" className="num-col">Spend</th>
              <th scope="col" className="num-col">Incremental conversions{source === 'removal' ? ' (90% interval)' : ''}</th>
              <th scope="col" className="num-col">Cost per incremental conversion</th>
              {withRoas && <th scope="col" className="num-col">ROAS (incremental value / spend)</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr
                key={r.key}
                data-key={r.key}
                data-spend={r.spend}
                data-conversions={r.conversions}
                data-low={r.low}
                data-high={r.high}
                data-judged-spend={r.judgedSpend}
                data-roas={r.roas}
                data-members={r.members.join(' ')}
              >
                <th scope="row">{r.label}</th>
                <td className="num-col">{formatAmount(r.spend, 'money')}</td>
                <td className="num-col">{conv(r)}</td>
                <td className="num-col">{cost(r)}</td>
                {withRoas && <td className="num-col">{roas(r)}</td>}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-testid="money-total" data-spend={total.spend} data-conversions={total.conversions} data-low={total.low} data-high={total.high}>
              <th scope="row">All</th>
              <td className="num-col">{formatAmount(total.spend, 'money')}</td>
              <td className="num-col">{conv(total)}</td>
              <td className="num-col">{cost(total)}</td>
              {withRoas && <td className="num-col">{roas(total)}</td>}
            </tr>
          </tfoot>
        </table>
      </div>
    </div>
  );
}
