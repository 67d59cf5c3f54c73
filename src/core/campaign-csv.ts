/**
 * The small per-campaign CSV files a user drops (channel names, budget
 * limits): a fixed header, then one row per campaign of the loaded log, each
 * campaign once. Checked here once; each file then checks its own columns.
 * The first problem is the one message, and a bad file yields no rows.
 */
import Papa from 'papaparse';

export type CampaignCsvResult = { ok: true; rows: { line: number; id: string; cells: string[] }[] } | { ok: false; reason: string };

const normalise = (h: string) => h.trim().toLowerCase().replace(/[_\s]+/g, ' ');

/** Shows a cell from the user's file in a message: quoted, cut short. */
export function quoteCell(text: string): string {
  return `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}"`;
}

/**
 * Reads `text` as the `what` file ("channel file") whose header must be
 * `columns` (case, underscores and spaces around names do not matter; the
 * first is the campaign id). Rows come back trimmed, with their line number,
 * the id apart from the other cells.
 */
export function readCampaignCsv(text: string, what: string, columns: readonly string[], campaignIds: readonly string[]): CampaignCsvResult {
  const fail = (reason: string): CampaignCsvResult => ({ ok: false, reason });
  const header = columns.join(',');
  const rows = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' }).data;
  if (rows.length === 0) return fail(`The ${what} is empty: it needs the header "${header}" and one row per campaign.`);
  const names = rows[0].map(normalise);
  if (names.length !== columns.length || names.some((h, i) => h !== columns[i])) {
    return fail(`The ${what}'s columns must be "${header}"; this one has "${rows[0].map((h) => h.trim()).join(',')}".`);
  }
  if (rows.length === 1) return fail(`The ${what} has a header but no campaigns.`);
  const known = new Set(campaignIds);
  const seen = new Set<string>();
  const out: { line: number; id: string; cells: string[] }[] = [];
  for (let r = 1; r < rows.length; r++) {
    const line = r + 1;
    const row = rows[r].map((c) => c.trim());
    if (row.length !== columns.length) return fail(`Line ${line} of the ${what} has ${row.length} fields; it needs ${columns.length} (${columns.join(', ')}).`);
    const [id, ...cells] = row;
    if (id === '') return fail(`Line ${line} of the ${what} has no campaign id.`);
    if (!known.has(id)) return fail(`Line ${line} of the ${what} names campaign ${quoteCell(id)}, which is not in the loaded log.`);
    if (seen.has(id)) return fail(`Campaign ${quoteCell(id)} is listed twice in the ${what} (again on line ${line}).`);
    seen.add(id);
    out.push({ line, id, cells });
  }
  return { ok: true, rows: out };
}
