/**
 * The limits a marketer sets on the recommendation (issue 13): a floor and a
 * ceiling per campaign from a small CSV (`campaign id,floor,ceiling`, amounts
 * in the budget's unit, either may be blank), and a cap on the change from
 * today's amount. Pure: the UI and the CLI hand the file's text here; a bad
 * file yields no limits at all, with the first problem as the one message.
 */
import { quoteCell, readCampaignCsv } from '../campaign-csv';
import type { AllocationLimits } from '../settings';

export type LimitsFileResult = { ok: true; limits: Pick<AllocationLimits, 'floor' | 'ceiling'>; campaigns: number } | { ok: false; reason: string };

/** The header the file must have, in this order (case, underscores and spaces around names do not matter). */
export const LIMITS_FILE_COLUMNS = ['campaign id', 'floor', 'ceiling'] as const;

/**
 * Reads a limits file against the campaigns of the loaded log: every row names
 * a campaign of the log once; floor and ceiling are blank or numbers of 0 or
 * more, the floor not above the ceiling.
 */
export function parseLimitsFile(text: string, campaignIds: readonly string[]): LimitsFileResult {
  const read = readCampaignCsv(text, 'limits file', LIMITS_FILE_COLUMNS, campaignIds);
  if (!read.ok) return read;
  const fail = (reason: string): LimitsFileResult => ({ ok: false, reason });
  const floor: Record<string, number> = {};
  const ceiling: Record<string, number> = {};
  for (const { line, id, cells } of read.rows) {
    const amount = (cell: string, what: string): number | string | undefined => {
      if (cell === '') return undefined;
      const v = Number(cell);
      return Number.isFinite(v) && v >= 0 ? v : `Line ${line} of the limits file: the ${what} ${quoteCell(cell)} is not a number of 0 or more.`;
    };
    const f = amount(cells[0], 'floor');
    const c = amount(cells[1], 'ceiling');
    if (typeof f === 'string') return fail(f);
    if (typeof c === 'string') return fail(c);
    if (f === undefined && c === undefined) return fail(`Line ${line} of the limits file gives campaign ${quoteCell(id)} neither a floor nor a ceiling.`);
    if (f !== undefined && c !== undefined && f > c) return fail(`Line ${line} of the limits file: campaign ${quoteCell(id)}'s floor ${f} is above its ceiling ${c}.`);
    if (f !== undefined) floor[id] = f;
    if (c !== undefined) ceiling[id] = c;
  }
  return { ok: true, limits: { floor, ceiling }, campaigns: read.rows.length };
}

/** A cap on change given as a share (0.5 = ±50%): a number of 0 or more. */
export function checkMaxChange(value: number): string | null {
  return Number.isFinite(value) && value >= 0 ? null : `The largest change must be a share of 0 or more (0.5 = ±50%); got ${value}.`;
}

/**
 * The limits kept for the prepared campaigns, and the campaigns the limits
 * name that the preparation did not keep (sampled out): their limits cannot
 * apply, and the run says so.
 */
export function limitsForCampaigns(limits: AllocationLimits, campaignIds: readonly string[]): { limits: AllocationLimits; dropped: string[] } {
  const kept = new Set(campaignIds);
  const dropped = new Set<string>();
  const keep = (byId: Record<string, number> | undefined) => {
    if (!byId) return undefined;
    const out: Record<string, number> = {};
    for (const [id, v] of Object.entries(byId)) {
      if (kept.has(id)) out[id] = v;
      else dropped.add(id);
    }
    return out;
  };
  const floor = keep(limits.floor);
  const ceiling = keep(limits.ceiling);
  return {
    limits: { ...(floor ? { floor } : {}), ...(ceiling ? { ceiling } : {}), ...(limits.maxChange !== undefined ? { maxChange: limits.maxChange } : {}) },
    dropped: [...dropped].sort(),
  };
}
