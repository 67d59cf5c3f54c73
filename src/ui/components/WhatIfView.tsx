import { useEffect, useRef, useState } from 'react';
import type { CampaignLabels } from '../../core/channels';
import type { DefendedRecommendation, JobResult } from '../../shared/protocol';
import { campaignTitle, formatAmount, formatSigned } from '../answer';

export type JudgeAllocation = (allocation: Record<string, number>) => Promise<JobResult<{ expected: number; total: number }>>;

interface Props {
  rec: DefendedRecommendation;
  labels: CampaignLabels | null;
  onJudge: JudgeAllocation;
}

/** Edits wait this long for the next keystroke before the model judges them. */
const SETTLE_MS = 200;

/** The amounts as the inputs show them: cents for money, whole impressions. */
const asText = (allocation: Record<string, number>, unit: 'money' | 'impressions') =>
  Object.fromEntries(Object.entries(allocation).map(([id, v]) => [id, unit === 'money' ? v.toFixed(2) : String(Math.round(v))]));

/**
 * What-if (issue 14): edit the recommended budget of any campaign and the
 * attention model judges the edited allocation on the same held-out journeys
 * as the answer, so the two numbers compare directly.
 */
export function WhatIfView({ rec, labels, onJudge }: Props) {
  const shown = asText(rec.allocation, rec.unit);
  const [texts, setTexts] = useState<Record<string, string>>(shown);
  const [result, setResult] = useState<{ expected: number; total: number } | { error: string } | null>(null);
  const [pending, setPending] = useState(false);
  // The model judges only once the section is opened: a closed what-if costs the worker nothing.
  const [open, setOpen] = useState(false);
  const ticket = useRef(0);

  useEffect(() => {
    if (!open) return;
    const mine = ++ticket.current;
    const amounts: Record<string, number> = {};
    // An amount left as shown is the recommendation's own, unrounded: untouched, the what-if is the answer.
    for (const [id, t] of Object.entries(texts)) amounts[id] = t === shown[id] ? rec.allocation[id] : t.trim() === '' ? 0 : Number(t);
    const timer = setTimeout(() => {
      setPending(true);
      void onJudge(amounts).then((r) => {
        if (mine !== ticket.current) return;
        setPending(false);
        setResult(r.ok ? r.value : { error: r.error.message });
      });
    }, SETTLE_MS);
    return () => clearTimeout(timer);
    // `shown` follows `rec`, which a new run replaces together with this view (its key).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [texts, onJudge, open]);

  const unit = rec.unit;
  const ids = Object.keys(rec.allocation);
  return (
    <details className="fold whatif" data-testid="whatif" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>What if: edit the budgets and see the expected conversions</summary>
      <p className="muted">
        Judged by the attention model on the same {rec.journeys.test.toLocaleString('en-US')} held-out journeys as the answer above; a campaign&apos;s amount buys its
        impressions in time order until it is spent. Amounts that add up to more than the budget spend more.
      </p>
      <div className="whatif__result" role="status" aria-live="polite">
        {result && 'error' in result ? (
          <span className="form-problem" data-testid="whatif-error">
            {result.error}
          </span>
        ) : result ? (
          <span data-testid="whatif-result" data-expected={result.expected} data-total={result.total} data-pending={pending}>
            Expected conversions: <strong>{result.expected.toFixed(1)}</strong> ({formatSigned(result.expected - rec.expected.today)} against today&apos;s split,{' '}
            {formatSigned(result.expected - rec.expected.recommended)} against the recommendation), spending {formatAmount(result.total, unit)} of{' '}
            {formatAmount(rec.budget, unit)}.
          </span>
        ) : (
          <span className="muted">Judging…</span>
        )}
        <button type="button" className="button button--small button--secondary" data-testid="whatif-reset" onClick={() => setTexts(shown)}>
          Back to the recommendation
        </button>
      </div>
      <div className="table-scroll table-scroll--tall">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Campaign</th>
              <th scope="col" className="num-col">Today</th>
              <th scope="col" className="num-col">Recommended</th>
              <th scope="col" className="num-col">What if</th>
            </tr>
          </thead>
          <tbody>
            {ids.map((id) => (
              <tr key={id}>
                <th scope="row">{campaignTitle(labels, id)}</th>
                <td className="num-col">{formatAmount(rec.today[id], unit)}</td>
                <td className="num-col">{formatAmount(rec.allocation[id], unit)}</td>
                <td className="num-col">
                  <input
                    className="limit-input"
                    type="number"
                    min={0}
                    step="any"
                    data-testid="whatif-input"
                    data-campaign={id}
                    aria-label={`What-if budget for campaign ${campaignTitle(labels, id)}`}
                    value={texts[id] ?? ''}
                    onChange={(e) => setTexts({ ...texts, [id]: e.target.value })}
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
