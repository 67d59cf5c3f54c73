/**
 * The report to share (issue 14): one self-contained HTML file with the
 * answer, the allocation and money tables, a chart drawn as inline SVG, the
 * method notes, and the settings and seed; no data rows, no scripts, no
 * links out, so it opens offline and prints to a clean PDF. A pure string
 * builder: the page hands it the results it shows.
 */
import type { CampaignLabels } from '../core/channels';
import { methodLabel } from '../core/methods';
import type { RunResults } from '../shared/protocol';
import { allocationRows, formatAmount, formatSigned, largestMoves, moneyRows, type AllocationRow, type Level } from './answer';

export interface ReportInput {
  results: RunResults;
  labels: CampaignLabels | null;
  level: Level;
  source: { name: string; rows: number };
  /** ISO time the report was made. */
  made: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const e = escapeHtml;

/** Today against recommended per row, as horizontal bars; the rows with the largest changes, at most `max`. */
export function allocationSvg(rows: AllocationRow[], unit: 'money' | 'impressions', max = 20): string {
  const shown = [...rows].sort((a, b) => Math.abs(b.change) - Math.abs(a.change)).slice(0, max);
  const most = Math.max(1e-12, ...shown.flatMap((r) => [r.today, r.recommended]));
  const rowH = 26;
  const labelW = 190;
  const barW = 380;
  const height = shown.length * rowH + 30;
  const bars = shown
    .map((r, i) => {
      const y = 24 + i * rowH;
      const w = (v: number) => ((v / most) * barW).toFixed(1);
      return (
        `<text x="${labelW - 6}" y="${y + 13}" text-anchor="end" font-size="12">${e(r.label.length > 28 ? `${r.label.slice(0, 27)}…` : r.label)}</text>` +
        `<rect x="${labelW}" y="${y}" width="${w(r.today)}" height="9" fill="#9aa3ad"><title>today ${e(formatAmount(r.today, unit))}</title></rect>` +
        `<rect x="${labelW}" y="${y + 10}" width="${w(r.recommended)}" height="9" fill="#0072B2"><title>recommended ${e(formatAmount(r.recommended, unit))}</title></rect>` +
        `<text x="${labelW + barW + 6}" y="${y + 13}" font-size="12">${e(`${r.change >= 0 ? '+' : '−'}${formatAmount(Math.abs(r.change), unit)}`)}</text>`
      );
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Today's and the recommended ${unit === 'money' ? 'spend' : 'impressions'}" width="${labelW + barW + 90}" height="${height}" viewBox="0 0 ${labelW + barW + 90} ${height}" font-family="system-ui, sans-serif">` +
    `<rect x="${labelW}" y="4" width="10" height="9" fill="#9aa3ad"/><text x="${labelW + 14}" y="12" font-size="12">today</text>` +
    `<rect x="${labelW + 70}" y="4" width="10" height="9" fill="#0072B2"/><text x="${labelW + 84}" y="12" font-size="12">recommended</text>` +
    bars +
    `</svg>`
  );
}

function table(head: string[], rows: string[][], attrs = ''): string {
  return (
    `<table${attrs}><thead><tr>${head.map((h, i) => `<th${i ? ' class="num"' : ''}>${e(h)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((r) => `<tr>${r.map((c, i) => (i ? `<td class="num">${e(c)}</td>` : `<th>${e(c)}</th>`)).join('')}</tr>`).join('') +
    `</tbody></table>`
  );
}

const STYLE = `
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1b1f24;max-width:60rem;margin:1.5rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.4rem 0 .4rem;border-bottom:1px solid #d4d8dd}
.muted{color:#555d66}.answer{font-size:1.05rem}
table{border-collapse:collapse;margin:.4rem 0;font-size:.9rem}th,td{border-bottom:1px solid #d4d8dd;padding:.2rem .6rem;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}pre{white-space:pre-wrap;font-size:.75rem;background:#f4f6f8;padding:.5rem}
@media print{body{margin:0;max-width:none;font-size:10pt}h2{break-after:avoid}table,svg{break-inside:avoid}.settings{font-size:7pt}}
`;

/** The report as one HTML document. */
export function reportHtml({ results, labels, level, source, made }: ReportInput): string {
  const rec = results.recommendation;
  const parts: string[] = [];
  parts.push(`<h1>Attribution Lab: where the budget should go</h1>`);
  parts.push(`<p class="muted">Log ${e(source.name)} (${source.rows.toLocaleString('en-US')} rows), made ${e(made)}. Figures by ${level}. No data rows are in this file.</p>`);
  parts.push(`<h2>The answer</h2>`);
  if (rec) {
    const unit = rec.unit;
    const rows = allocationRows(rec, labels, level);
    const moves = largestMoves(rows, rec.budget);
    const [low, high] = rec.expected.interval90;
    const headline =
      rec.method === 'today'
        ? `Keep today's split of the ${unit === 'money' ? 'spend' : 'impressions'}.`
        : `Move the ${unit === 'money' ? 'spend' : 'impressions'} as ${rec.label}${rec.pitch !== undefined ? ` at pitch ${rec.pitch}` : ''} splits it.`;
    parts.push(
      `<div class="answer" id="answer" data-method="${e(rec.method)}" data-expected="${rec.expected.recommended}" data-today="${rec.expected.today}" data-low="${low}" data-high="${high}">` +
        `<p><strong>${e(headline)}</strong> Budget ${e(formatAmount(rec.budget, unit))} ${unit === 'money' ? "(the cost column's units)" : 'impressions'}.</p>` +
        `<p>Expected conversions on ${rec.journeys.test.toLocaleString('en-US')} held-out journeys: <strong>${rec.expected.recommended.toFixed(1)}</strong> with this split against ${rec.expected.today.toFixed(1)} with today's, a gain of <strong>${formatSigned(rec.expected.recommended - rec.expected.today)}</strong> (90% interval ${formatSigned(low)} to ${formatSigned(high)}).</p>` +
        (moves.increases.length ? `<p>Largest increases: ${moves.increases.map((r) => e(`${r.label} +${formatAmount(r.change, unit)}`)).join('; ')}.</p>` : '') +
        (moves.cuts.length ? `<p>Largest cuts: ${moves.cuts.map((r) => e(`${r.label} −${formatAmount(-r.change, unit)}`)).join('; ')}.</p>` : '') +
        `<p><strong>Why:</strong> ${e(rec.why)}</p></div>`,
    );
    parts.push(`<h2>The allocation</h2>`);
    parts.push(allocationSvg(rows, unit));
    parts.push(
      table(
        [level === 'channel' ? 'Channel' : 'Campaign', 'Today', 'Recommended', 'Change'],
        rows.map((r) => [r.label, formatAmount(r.today, unit), formatAmount(r.recommended, unit), `${r.change >= 0 ? '+' : '−'}${formatAmount(Math.abs(r.change), unit)}`]),
        ' id="allocation"',
      ),
    );
  } else {
    parts.push(`<p>This run made no recommendation judged on held-out journeys (it needs the attention model).</p>`);
  }
  const money = moneyRows(results, labels, level);
  parts.push(`<h2>Money</h2>`);
  if (money) {
    const total = money.reduce((s, r) => s + r.spend, 0);
    parts.push(
      table(
        [level === 'channel' ? 'Channel' : 'Campaign', 'Spend', 'Incremental conversions', 'Cost per incremental conversion'],
        [
          ...money.map((r) => [r.label, formatAmount(r.spend, 'money'), Number.isFinite(r.conversions) ? r.conversions.toFixed(2) : '–', formatAmount(r.costPerConversion, 'money')]),
          ['All', formatAmount(total, 'money'), '', ''],
        ],
        ` id="money" data-total-spend="${total}"`,
      ),
    );
    parts.push(`<p class="muted">Spend: the cost column summed over the log. Incremental conversions: the attention model's Shapley values on held-out journeys. No ROAS: the log carries no conversion value the app reads (Criteo's has none).</p>`);
  } else {
    parts.push(`<p>The log has no cost column: no spend, and the recommendation is in impressions.</p>`);
  }
  parts.push(`<h2>How it was judged</h2>`);
  if (rec) {
    parts.push(
      `<p>Every allocation below was split by a method's weights (raised to the pitch chosen on half of the sampled held-out journeys), searched against the model, or today's split; each was then judged by the attention model on the other half. The recommendation is the best that beats today's split by more than its 90% bootstrap interval, else today's split.</p>`,
    );
    parts.push(
      table(
        ['Allocation', 'Pitch', 'Expected conversions (held out)', 'Gain against today', '90% interval'],
        rec.candidates.map((c) => [c.label, c.pitch === undefined ? '' : String(c.pitch), c.test.toFixed(1), formatSigned(c.gain), `${formatSigned(c.interval90[0])} to ${formatSigned(c.interval90[1])}`]),
      ),
    );
  }
  const metrics = Object.entries(results.metrics);
  if (metrics.length) {
    parts.push(`<h3>Models on held-out journeys</h3>`);
    parts.push(table(['Model', 'AUC', 'Log loss', 'Accuracy'], metrics.map(([m, s]) => [methodLabel(m), s.auc.toFixed(3), s.logLoss.toFixed(3), s.accuracy.toFixed(3)])));
  }
  parts.push(`<h2>Settings and seed</h2>`);
  parts.push(
    `<p>Seed <strong id="seed">${results.settings.prepare.seed}</strong>; ${results.stats.campaignsSampled} of ${results.stats.campaignsInData} campaigns; ${results.stats.convertedJourneys.toLocaleString('en-US')} converted and ${results.stats.unconvertedJourneys.toLocaleString('en-US')} unconverted journeys; backend ${e(results.backend ?? 'none')}.</p>`,
  );
  if (results.timings) {
    parts.push(`<p class="muted">Seconds per step: ${e(Object.entries(results.timings).map(([s, t]) => `${s} ${(t ?? 0).toFixed(1)}`).join(', '))}.</p>`);
  }
  parts.push(`<pre class="settings">${e(JSON.stringify(results.settings, null, 1))}</pre>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Attribution report: ${e(source.name)}</title><style>${STYLE}</style></head><body>${parts.join('\n')}</body></html>\n`;
}
