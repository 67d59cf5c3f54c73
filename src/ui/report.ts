/**
 * The report to share (issue 14): one self-contained HTML file with the
 * answer, the allocation and money tables, a chart drawn as inline SVG, the
 * method notes, and the settings and seed; no data rows, no scripts, no
 * links out, so it opens offline and prints to a clean PDF. A pure string
 * builder: the page hands it the results it shows.
 */
import type { CampaignLabels } from '../core/channels';
import { methodLabel } from '../core/methods';
import type { ResponseCurves, RunResults } from '../shared/protocol';
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
} from './answer';
import { formatCount, formatNumber } from './format';

export interface ReportInput {
  results: RunResults;
  labels: CampaignLabels | null;
  level: Level;
  source: { name: string; rows: number };
  /** The what-if the marketer edited, when it differs from the recommendation. */
  whatIf?: WhatIfState | null;
  /** The response curves, when they were drawn on the page. */
  curves?: ResponseCurves | null;
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

const CURVE_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#56B4E9', '#CC79A7', '#000000', '#F0E442'];

/** Response curves as an inline SVG line chart: incremental conversions against the budget as a multiple of today's. */
export function curvesSvg(curves: ResponseCurves): string {
  const list = curves.curves;
  const [left, top, w, h] = [56, 28, 420, 220];
  const maxX = Math.max(1e-12, ...list.flatMap((c) => c.points.map((p) => p.multiple)));
  const ys = list.flatMap((c) => c.points.map((p) => p.incremental));
  const [minY, maxY] = [Math.min(0, ...ys), Math.max(1e-12, ...ys)];
  const x = (m: number) => (left + (m / maxX) * w).toFixed(1);
  const y = (v: number) => (top + h - ((v - minY) / (maxY - minY || 1)) * h).toFixed(1);
  const legend = list
    .map((c, g) => `<rect x="${left + w + 16}" y="${top + g * 18}" width="10" height="10" fill="${CURVE_COLOURS[g % CURVE_COLOURS.length]}"/><text x="${left + w + 30}" y="${top + g * 18 + 9}" font-size="12">${e(c.label.length > 24 ? `${c.label.slice(0, 23)}…` : c.label)}</text>`)
    .join('');
  const lines = list
    .map((c, g) => `<polyline fill="none" stroke-width="2" stroke="${CURVE_COLOURS[g % CURVE_COLOURS.length]}"${g >= CURVE_COLOURS.length ? ' stroke-dasharray="6 4"' : ''} points="${c.points.map((p) => `${x(p.multiple)},${y(p.incremental)}`).join(' ')}"><title>${e(c.label)}</title></polyline>`)
    .join('');
  const ticks = [...new Set(list[0]?.points.map((p) => p.multiple) ?? [])]
    .map((m) => `<text x="${x(m)}" y="${top + h + 16}" font-size="11" text-anchor="middle">${e(`${formatNumber(m, m % 1 ? 1 : 0)}×`)}</text>`)
    .join('');
  const width = left + w + 200;
  const height = top + h + 40;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Response curves: expected incremental conversions against the budget" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">` +
    `<line x1="${left}" y1="${top + h}" x2="${left + w}" y2="${top + h}" stroke="#555d66"/><line x1="${left}" y1="${top}" x2="${left}" y2="${top + h}" stroke="#555d66"/>` +
    `<text x="${left - 6}" y="${top + 4}" font-size="11" text-anchor="end">${e(formatNumber(maxY, 1))}</text><text x="${left - 6}" y="${top + h}" font-size="11" text-anchor="end">${e(formatNumber(minY, 1))}</text>` +
    `<text x="${left}" y="${top - 10}" font-size="12">conversions added</text><text x="${left + w / 2}" y="${top + h + 34}" font-size="12" text-anchor="middle">budget, × today's</text>` +
    ticks +
    lines +
    legend +
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
export function reportHtml({ results, labels, level, source, made, whatIf, curves }: ReportInput): string {
  const rec = results.recommendation;
  const parts: string[] = [];
  parts.push(`<h1>Attribution Lab: where the budget should go</h1>`);
  parts.push(`<p class="muted">Log ${e(source.name)} (${formatCount(source.rows)} rows), made ${e(made)}. Figures by ${level}. No data rows are in this file.</p>`);
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
      `<div class="answer" id="answer" data-method="${e(rec.method)}" data-gain="${rec.expected.recommended - rec.expected.today}" data-expected="${rec.expected.recommended}" data-today="${rec.expected.today}" data-low="${low}" data-high="${high}">` +
        `<p><strong>${e(headline)}</strong> Budget ${e(formatAmount(rec.budget, unit))} ${unit === 'money' ? "(the cost column's units)" : 'impressions'}.</p>` +
        `<p>Expected conversions on ${formatCount(rec.journeys.test)} held-out journeys: <strong>${formatNumber(rec.expected.recommended, 1)}</strong> with this split against ${formatNumber(rec.expected.today, 1)} with today's, a gain of <strong>${formatSigned(rec.expected.recommended - rec.expected.today)}</strong> (90% interval ${formatSigned(low)} to ${formatSigned(high)}).</p>` +
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
    const total = moneyTotal(results, money);
    const conv = (r: typeof total) => formatWithInterval(r.conversions, r.low, r.high, (x) => formatNumber(x, 2));
    const cost = (r: typeof total) => formatWithInterval(r.costPerConversion, r.costLow, r.costHigh, (x) => formatAmount(x, 'money'));
    const withRoas = results.money?.valuePerConversion !== undefined;
    const roas = (r: typeof total) => (withRoas ? [formatWithInterval(r.roas, r.roasLow, r.roasHigh, (x) => formatNumber(x, 2))] : []);
    parts.push(
      table(
        [
          level === 'channel' ? 'Channel' : 'Campaign',
          'Spend',
          `Incremental conversions${incrementalSource(results) === 'removal' ? ' (90% interval)' : ''}`,
          'Cost per incremental conversion',
          ...(withRoas ? ['ROAS (incremental value / spend)'] : []),
        ],
        [...money.map((r) => [r.label, formatAmount(r.spend, 'money'), conv(r), cost(r), ...roas(r)]), ['All', formatAmount(total.spend, 'money'), conv(total), cost(total), ...roas(total)]],
        ` id="money" data-total-spend="${total.spend}" data-total-conversions="${total.conversions}"`,
      ),
    );
    parts.push(`<p class="muted">Spend: the cost column summed over the log. ${e(incrementalNote(results))} ${e(roasNote(results))}</p>`);
  } else {
    parts.push(`<p>The log has no cost column: no spend, and the recommendation is in impressions.</p>`);
  }
  if (rec && whatIf) {
    const unit = rec.unit;
    parts.push(`<h2>What if</h2>`);
    parts.push(
      `<p id="what-if" data-expected="${whatIf.expected}">With the budgets edited as below, the attention model expects <strong>${e(formatNumber(whatIf.expected, 1))}</strong> conversions on the same held-out journeys (${e(formatSigned(whatIf.expected - rec.expected.today))} against today's split, ${e(formatSigned(whatIf.expected - rec.expected.recommended))} against the recommendation), spending ${e(formatAmount(whatIf.total, unit))} of ${e(formatAmount(rec.budget, unit))}.</p>`,
    );
    parts.push(
      table(
        [whatIf.level === 'channel' ? 'Channel' : 'Campaign', 'Today', 'Recommended', 'What if'],
        whatIf.rows.map((r) => [r.label, formatAmount(r.today, unit), formatAmount(r.recommended, unit), formatAmount(r.whatIf, unit)]),
      ),
    );
  }
  if (curves && curves.curves.length) {
    parts.push(`<h2>Response curves</h2>`);
    parts.push(
      `<p class="muted">Expected incremental conversions as one budget goes from nothing to twice today's, every other campaign at today's, judged by the attention model on ${e(formatCount(curves.journeys))} held-out journeys; a curve that flattens shows diminishing returns.</p>`,
    );
    parts.push(curvesSvg(curves));
    const multiples = curves.curves[0].points.map((p) => p.multiple);
    parts.push(
      table(
        ['Group', `Today's budget`, ...multiples.map((m) => `${formatNumber(m, m % 1 ? 1 : 0)}× today's`)],
        curves.curves.map((c) => [c.label, formatAmount(c.today, curves.unit), ...c.points.map((p) => formatNumber(p.incremental, 2))]),
        ' id="response-curves"',
      ),
    );
  }
  parts.push(`<h2>How it was judged</h2>`);
  if (rec) {
    parts.push(
      `<p>Every allocation below was split by a method's weights (raised to the pitch chosen on half of the sampled held-out journeys), searched against the model, or today's split; each was then judged by the attention model on the other half. ${
        rec.rule === 'preferred'
          ? "The recommendation is the model-judged removal effect when it beats today's split by more than its 90% bootstrap interval, else today's split; the model's own ranking of the others is shown, not followed (the evaluation over planted-truth worlds found it less reliable). The table's intervals hold together over every allocation compared."
          : "The recommendation is the best that beats today's split by more than its 90% bootstrap interval (simultaneous over every allocation compared), else today's split."
      }</p>`,
    );
    parts.push(
      table(
        ['Allocation', 'Pitch', 'Expected conversions (held out)', 'Gain against today', '90% interval'],
        rec.candidates.map((c) => [c.label, c.pitch === undefined ? '' : String(c.pitch), formatNumber(c.test, 1), formatSigned(c.gain), `${formatSigned(c.interval90[0])} to ${formatSigned(c.interval90[1])}`]),
      ),
    );
  }
  const metrics = Object.entries(results.metrics);
  if (metrics.length) {
    parts.push(`<h3>Models on held-out journeys</h3>`);
    parts.push(table(['Model', 'AUC', 'Log loss', 'Accuracy'], metrics.map(([m, s]) => [methodLabel(m), formatNumber(s.auc, 3), formatNumber(s.logLoss, 3), formatNumber(s.accuracy, 3)])));
  }
  parts.push(`<h2>Settings and seed</h2>`);
  parts.push(
    `<p>Seed <strong id="seed">${results.settings.prepare.seed}</strong>; ${results.stats.campaignsSampled} of ${results.stats.campaignsInData} campaigns; ${formatCount(results.stats.convertedJourneys)} converted and ${formatCount(results.stats.unconvertedJourneys)} unconverted journeys; backend ${e(results.backend ?? 'none')}.</p>`,
  );
  if (results.timings) {
    parts.push(`<p class="muted">Seconds per step: ${e(Object.entries(results.timings).map(([s, t]) => `${s} ${(t ?? 0).toFixed(1)}`).join(', '))}.</p>`);
  }
  parts.push(`<pre class="settings">${e(JSON.stringify(results.settings, null, 1))}</pre>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Attribution report: ${e(source.name)}</title><style>${STYLE}</style></head><body>${parts.join('\n')}</body></html>\n`;
}
