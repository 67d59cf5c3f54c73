/**
 * A column mapping's rules apart from any file (the app's mapping step and the
 * CLI's --map / --mapping share them and their messages), and the saved
 * mapping file the app downloads and `--mapping FILE` reads.
 */
import type { ColumnMapping, TimestampUnit } from './types';

export type MappingCheck = { ok: true; mapping: ColumnMapping } | { ok: false; error: string };

export const TIMESTAMP_UNITS: readonly TimestampUnit[] = ['auto', 'seconds', 'milliseconds', 'iso'];

/** Each column a mapping names, with the role it plays, in the order the roles are listed. */
export function mappedColumns(m: Partial<ColumnMapping>): { role: string; column: string }[] {
  const roles: [string, string | undefined][] = [
    ['user', m.user],
    ['time', m.timestamp],
    ['campaign', m.campaign],
    ['conversion flag', m.conversion],
    ['conversion id', m.conversionId],
    ['conversion rows', m.conversionEvent?.column],
    ['cost', m.cost],
    ['click flag', m.click],
    ['value', m.value],
    ['channel', m.channel],
    ...(m.userAttributes ?? []).map((c): [string, string] => ['user attributes', c]),
    ...(m.categories ?? []).map((c): [string, string] => ['features', c]),
  ];
  return roles.filter((r): r is [string, string] => typeof r[1] === 'string' && r[1].trim() !== '').map(([role, column]) => ({ role, column }));
}

/**
 * The first column named for two roles (or twice in one list), as a message;
 * null when each column plays one role. Header names are matched without case,
 * as the ingest finds them.
 */
export function repeatedColumnMessage(m: Partial<ColumnMapping>): string | null {
  const seen = new Map<string, string>();
  for (const { role, column } of mappedColumns(m)) {
    const key = column.trim().toLowerCase();
    const first = seen.get(key);
    if (first === role) return `Column '${column.trim()}' is named twice for the ${role}.`;
    if (first !== undefined) return `Column '${column.trim()}' is chosen for two roles, the ${first} and the ${role}: each column plays one role.`;
    seen.set(key, role);
  }
  return null;
}

/**
 * The app's mapping rules, in the order the form shows its fields: the roles a
 * journey needs, a value for conversion rows, three different columns for
 * user, time and campaign, one role per column, a lookback of a day or more.
 */
export function checkMapping(m: Partial<ColumnMapping>): MappingCheck {
  const fail = (error: string): MappingCheck => ({ ok: false, error });
  if (!m.user?.trim()) return fail('Pick the column that holds the user id.');
  if (!m.timestamp?.trim()) return fail('Pick the column that holds the event time.');
  if (!m.campaign?.trim()) return fail('Pick the column that holds the campaign or channel.');
  if (!m.conversion?.trim() && !m.conversionId?.trim() && !m.conversionEvent?.column.trim()) {
    return fail('Pick the column that tells which journeys converted.');
  }
  if (m.conversionEvent && !m.conversionEvent.value.trim()) return fail('Type the value that marks a conversion row, e.g. purchase.');
  const trio = [m.user, m.timestamp, m.campaign].map((c) => c.trim().toLowerCase());
  if (new Set(trio).size < trio.length) return fail('User, time and campaign must be three different columns.');
  const repeated = repeatedColumnMessage(m);
  if (repeated) return fail(repeated);
  if (m.lookbackDays !== undefined && !(m.lookbackDays > 0 && Number.isFinite(m.lookbackDays))) {
    return fail('The lookback window must be at least one day.');
  }
  const unit = m.timestampUnit ?? 'auto';
  if (!TIMESTAMP_UNITS.includes(unit)) return fail(`Unknown time unit '${String(unit)}'.`);
  return { ok: true, mapping: { ...m, user: m.user, timestamp: m.timestamp, campaign: m.campaign, timestampUnit: unit } };
}

/** Tells a saved mapping from other JSON (a weights file, a run's settings). */
export const SAVED_MAPPING_KIND = 'attribution-lab/column-mapping';
export const SAVED_MAPPING_VERSION = 1;

/** What the app's "Save mapping" downloads and `--mapping FILE` reads. */
export interface SavedMapping {
  kind: typeof SAVED_MAPPING_KIND;
  version: typeof SAVED_MAPPING_VERSION;
  mapping: ColumnMapping;
}

export function savedMappingText(mapping: ColumnMapping): string {
  const saved: SavedMapping = { kind: SAVED_MAPPING_KIND, version: SAVED_MAPPING_VERSION, mapping };
  return JSON.stringify(saved, null, 2) + '\n';
}

const STRING_ROLES = ['user', 'timestamp', 'campaign', 'conversion', 'conversionId', 'cost', 'click', 'value', 'channel'] as const;
const LIST_ROLES = ['categories', 'userAttributes'] as const;
const KNOWN_KEYS = new Set<string>([...STRING_ROLES, ...LIST_ROLES, 'timestampUnit', 'conversionEvent', 'lookbackDays']);

/**
 * A saved mapping's text as a mapping, its shape checked (not its rules:
 * checkMapping does that). The error is one line, without the file's name.
 */
export function parseSavedMapping(text: string): { ok: true; mapping: Partial<ColumnMapping> } | { ok: false; error: string } {
  const fail = (error: string) => ({ ok: false as const, error });
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch {
    return fail('it is not JSON; save the mapping again from the app.');
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(saved) || saved.kind !== SAVED_MAPPING_KIND) return fail(`it is not a column mapping saved by the app (no "kind": "${SAVED_MAPPING_KIND}").`);
  if (saved.version !== SAVED_MAPPING_VERSION) return fail(`it is a version ${String(saved.version)} mapping; this version reads version ${SAVED_MAPPING_VERSION}.`);
  const m = saved.mapping;
  if (!isObject(m)) return fail('it has no "mapping" object.');
  const unknown = Object.keys(m).find((k) => !KNOWN_KEYS.has(k));
  if (unknown !== undefined) return fail(`"${unknown}" is not a role of a column mapping.`);
  for (const key of STRING_ROLES) {
    if (m[key] !== undefined && typeof m[key] !== 'string') return fail(`"${key}" must be a column name.`);
  }
  for (const key of LIST_ROLES) {
    const v = m[key];
    if (v !== undefined && !(Array.isArray(v) && v.every((c) => typeof c === 'string'))) return fail(`"${key}" must be a list of column names.`);
  }
  if (m.timestampUnit !== undefined && !TIMESTAMP_UNITS.includes(m.timestampUnit as TimestampUnit)) {
    return fail(`"timestampUnit" must be one of ${TIMESTAMP_UNITS.join(', ')}.`);
  }
  const event = m.conversionEvent;
  if (event !== undefined && !(isObject(event) && typeof event.column === 'string' && typeof event.value === 'string')) {
    return fail('"conversionEvent" must hold a "column" and a "value".');
  }
  if (m.lookbackDays !== undefined && typeof m.lookbackDays !== 'number') return fail('"lookbackDays" must be a number of days.');
  return { ok: true, mapping: m as Partial<ColumnMapping> };
}
