/** The column-mapping form's state and its check, apart from React so it can be tested in Node. */
import { checkMapping, type MappingCheck } from '../core/ingest/mapping';
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
  /** The conversion value (revenue) column, for ROAS. */
  value: string;
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
    value: s.value ?? '',
    categories: s.categories ?? [],
    lookbackDays: s.lookbackDays ?? 30,
  };
}

/**
 * Builds the mapping from the draft and checks it by the rules the CLI's
 * --map shares (core/ingest/mapping.ts), or says in one line what is missing.
 */
export function mappingFromDraft(d: Draft): MappingCheck {
  const used = [d.user, d.timestamp, d.campaign];
  const mapping: Partial<ColumnMapping> = { timestampUnit: d.timestampUnit };
  if (d.user) mapping.user = d.user;
  if (d.timestamp) mapping.timestamp = d.timestamp;
  if (d.campaign) mapping.campaign = d.campaign;
  if (d.conversion) {
    if (d.conversionKind === 'flag') mapping.conversion = d.conversion;
    else if (d.conversionKind === 'id') mapping.conversionId = d.conversion;
    else {
      mapping.conversionEvent = { column: d.conversion, value: d.conversionValue.trim() };
      mapping.lookbackDays = d.lookbackDays;
    }
  }
  if (d.cost) mapping.cost = d.cost;
  if (d.click) mapping.click = d.click;
  if (d.value) mapping.value = d.value;
  // Ticking a role's column as a feature too is a slip of the form, not a second role.
  const categories = d.categories.filter((c) => !used.includes(c) && c !== d.conversion && c !== d.value);
  if (categories.length) mapping.categories = categories;
  return checkMapping(mapping);
}

/** The saved mapping's file name: the log's name without its extensions. */
export function savedMappingName(fileName: string): string {
  const base = fileName.replace(/\.(gz|zip)$/i, '').replace(/\.[^.]*$/, '');
  return `${base || 'log'}.mapping.json`;
}
