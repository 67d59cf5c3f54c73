/** The column-mapping form's state and its check, apart from React so it can be tested in Node. */
import type { ColumnMapping, TimestampUnit } from '../core/ingest/types';

export type ConversionKind = 'flag' | 'id' | 'event';

/** Form state: every select holds a header name or '' for "none". */
export interface Draft {
  user: string;
  timestamp: string;
  timestampUnit: TimestampUnit;
  campaign: string;
  conversionKind: ConversionKind;
  conversion: string;
  conversionValue: string;
  cost: string;
  click: string;
  categories: string[];
  lookbackDays: number;
}

export function draftFromSuggestion(s: Partial<ColumnMapping>): Draft {
  const conversionKind: ConversionKind = s.conversionEvent ? 'event' : s.conversionId && !s.conversion ? 'id' : 'flag';
  return {
    user: s.user ?? '',
    timestamp: s.timestamp ?? '',
    timestampUnit: s.timestampUnit ?? 'auto',
    campaign: s.campaign ?? '',
    conversionKind,
    conversion: s.conversionEvent?.column ?? (conversionKind === 'id' ? s.conversionId : s.conversion) ?? '',
    conversionValue: s.conversionEvent?.value ?? '',
    cost: s.cost ?? '',
    click: s.click ?? '',
    categories: s.categories ?? [],
    lookbackDays: s.lookbackDays ?? 30,
  };
}

/** Checks the draft and builds the mapping, or says in one line what is missing. */
export function mappingFromDraft(d: Draft): { ok: true; mapping: ColumnMapping } | { ok: false; error: string } {
  if (!d.user) return { ok: false, error: 'Pick the column that holds the user id.' };
  if (!d.timestamp) return { ok: false, error: 'Pick the column that holds the event time.' };
  if (!d.campaign) return { ok: false, error: 'Pick the column that holds the campaign or channel.' };
  if (!d.conversion) return { ok: false, error: 'Pick the column that tells which journeys converted.' };
  if (d.conversionKind === 'event' && !d.conversionValue.trim())
    return { ok: false, error: 'Type the value that marks a conversion row, e.g. purchase.' };
  const used = [d.user, d.timestamp, d.campaign];
  if (new Set(used).size < used.length) return { ok: false, error: 'User, time and campaign must be three different columns.' };
  if (!(d.lookbackDays > 0)) return { ok: false, error: 'The lookback window must be at least one day.' };
  const mapping: ColumnMapping = {
    user: d.user,
    timestamp: d.timestamp,
    timestampUnit: d.timestampUnit,
    campaign: d.campaign,
  };
  if (d.conversionKind === 'flag') mapping.conversion = d.conversion;
  else if (d.conversionKind === 'id') mapping.conversionId = d.conversion;
  else {
    mapping.conversionEvent = { column: d.conversion, value: d.conversionValue.trim() };
    mapping.lookbackDays = d.lookbackDays;
  }
  if (d.cost) mapping.cost = d.cost;
  if (d.click) mapping.click = d.click;
  const categories = d.categories.filter((c) => !used.includes(c) && c !== d.conversion);
  if (categories.length) mapping.categories = categories;
  return { ok: true, mapping };
}

