import { useEffect, useRef, useState } from 'react';
import type { CampaignLabels } from '../../core/channels';
import type { DefendedRecommendation, JobResult } from '../../shared/protocol';
import { allocationRows, formatAmount, formatSigned, whatIfAmounts, type Level, type WhatIfState } from '../answer';
import { formatCount, formatNumber } from '../format';

export type JudgeAllocation = (allocation: Record<string, number>) => Promise<JobResult<{ expected: number; total: number }>>;

interface Props {
  rec: DefendedRecommendation;
  labels: CampaignLabels | null;
  /** Campaign rows, or channel totals (a channel's total is split among its campaigns as the recommendation splits it). */
  level: Level;
  onJudge: JudgeAllocation;
  /** Told the judged what-if when it differs from the recommendation, null when it is back to it; the report shows it. */
  onEdited?: (state: WhatIfState | null) => void;
}

/** Edits wait this long for the next keystroke before the model judges them. */
const SETTLE_MS = 200;

/** The amounts as the inputs show them: cents for money, whole impressions (raw digits, as a number input takes them). */
const asText = (v: number, unit: 'money' | 'impressions') => (unit === 'money' ? v.toFixed(2) : String(Math.round(v)));

/**
 * What-if (issue 14): edit the recommended budget of any campaign, or a
 * channel's total, and the attention model judges the edited allocation on
 * the same held-out journeys as the answer, so the two numbers compare directly.
 */
export function WhatIfView({ rec, labels, level, onJudge, onEdited }: Props) {
  const rows = allocationRows(rec, labels, level);
  const shown = Object.fromEntries(rows.map((r) => [r.key, asText(r.recommended, rec.unit)]));
  const [texts, setTexts] = useState<Record<string, string>>(shown);
  const [result, setResult] = useState<{ expected: number; total: number } | { error: string } | null>(null);
  const [pending, setPending] = useState(false);
  // The model judges only once the section is opened: a closed what-if costs the worker nothing.
  const [open, setOpen] = useState(false);
  const ticket = useRef(0);

  useEffect(() => {
    if (!open) return;
    const mine = ++ticket.current;
    // A row left as shown keeps the recommendation's own, unrounded amounts: untouched, the what-if is the answer.
    const edited: Record<string, number> = {};
    for (const r of rows) if (texts[r.key] !== shown[r.key]) edited[r.key] = (texts[r.key] ?? '').trim() === '' ? 0 : Number(texts[r.key]);
    const amounts = whatIfAmounts(rec, rows, edited);
    const timer = setTimeout(() => {
      setPending(true);
      void onJudge(amounts).then((r) => {
        if (mine !== ticket.current) return;
        setPending(false);
        setResult(r.ok ? r.value : { error: r.error.message });
        if (r.ok) {
          onEdited?.(
            Object.keys(edited).length === 0
              ? null
              : { level, rows: rows.map((row) => ({ label: row.label, today: row.today, recommended: row.recommended, whatIf: edited[row.key] ?? row.recommended })), ...r.value },
          );
        }
      });
    }, SETTLE_MS);
    return () => clearTimeout(timer);
    // `rows` and `shown` follow `rec`, `labels` and `level`, which replace this view (its key) when they change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [texts, onJudge, open]);

  const unit = rec.unit;
  const noun = level === 'channel' ? 'channel' : 'campaign';
  return (
    <details className="fold whatif" data-testid="what-if" data-level={level} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>What if: edit the budgets and see the expected conversions</summary>
      <p className="muted">
        Judged by the attention model on the same {formatCount(rec.journeys.test)} held-out journeys as the answer above; a campaign&apos;s amount buys its
        impressions in time order until it is spent.{' '}
        {level === 'channel' ? "A channel's total is split among its campaigns as the recommendation splits it. " : ''}Amounts that add up to more than the budget
        spend more.
      </p>
      <div className="whatif__result" role="status" aria-live="polite">
        {result && 'error' in result ? (
          <span className="form-problem" data-testid="what-if-error">
            {result.error}
          </span>
        ) : result ? (
          <span data-testid="what-if-result" data-expected={result.expected} data-total={result.total} data-pending={pending}>
            Expected conversions: <strong>{formatNumber(result.expected, 1)}</strong> ({formatSigned(result.expected - rec.expected.today)} against today&apos;s split,{' '}
            {formatSigned(result.expected - rec.expected.recommended)} against the recommendation), spending {formatAmount(result.total, unit)} of{' '}
            {formatAmount(rec.budget, unit)}.
          </span>
        ) : (
          <span className="muted">Judging…</span>
        )}
        <button type="button" className="button button--small button--secondary" data-testid="what-if-reset" onClick={() => setTexts(shown)}>
          Back to the recommendation
        </button>
      </div>
      <div className="table-scroll table-scroll--tall">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{level === 'channel' ? 'Channel' : 'Campaign'}</th>
              <th scope="col" className="num-col">Today</th>
              <th scope="col" className="num-col">Recommended</th>
              <th scope="col" className="num-col">What if</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <th scope="row">{r.label}</th>
                <td className="num-col">{formatAmount(r.today, unit)}</td>
                <td className="num-col">{formatAmount(r.recommended, unit)}</td>
                <td className="num-col">
                  <input
                    className="limit-input"
                    type="number"
                    min={0}
                    step="any"
                    data-testid="what-if-input"
                    data-key={r.key}
                    data-campaign={level === 'campaign' ? r.key : undefined}
                    aria-label={`What-if budget for ${noun} ${r.label}`}
                    value={texts[r.key] ?? ''}
                    onChange={(e) => setTexts({ ...texts, [r.key]: e.target.value })}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
