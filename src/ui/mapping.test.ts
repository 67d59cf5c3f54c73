import { describe, expect, it } from 'vitest';
import { checkMapping, parseSavedMapping, savedMappingText } from '../core/ingest/mapping';
import { draftFromSuggestion, mappingFromDraft, savedMappingName, type Draft } from './mapping';

const base: Draft = draftFromSuggestion({ user: 'user_id', timestamp: 'time', campaign: 'channel', conversion: 'converted' });

describe('draftFromSuggestion', () => {
  it.each([
    [{ conversion: 'converted' }, 'flag', 'converted'],
    [{ conversionId: 'order_id' }, 'id', 'order_id'],
    [{ conversionEvent: { column: 'event', value: 'purchase' } }, 'event', 'event'],
    [{}, 'flag', ''],
  ])('%j -> %s on %j', (suggested, kind, column) => {
    const d = draftFromSuggestion(suggested);
    expect(d.conversionKind).toBe(kind);
    expect(d.conversion).toBe(column);
  });
});

describe('mappingFromDraft', () => {
  it('builds a flag mapping with the optional columns left out', () => {
    expect(mappingFromDraft(base)).toEqual({
      ok: true,
      mapping: { user: 'user_id', timestamp: 'time', timestampUnit: 'auto', campaign: 'channel', conversion: 'converted' },
    });
  });

  it('builds conversion rows with their value and lookback', () => {
    const r = mappingFromDraft({ ...base, conversionKind: 'event', conversion: 'event', conversionValue: ' purchase ', lookbackDays: 7 });
    expect(r.ok && r.mapping).toMatchObject({ conversionEvent: { column: 'event', value: 'purchase' }, lookbackDays: 7 });
  });

  it('keeps the roles out of the category features', () => {
    const r = mappingFromDraft({ ...base, categories: ['device', 'channel', 'user_id'] });
    expect(r.ok && r.mapping.categories).toEqual(['device']);
  });

  it.each([
    ['no user', { user: '' }, 'user id'],
    ['no time', { timestamp: '' }, 'event time'],
    ['no campaign', { campaign: '' }, 'campaign'],
    ['no conversion', { conversion: '' }, 'converted'],
    ['an event without a value', { conversionKind: 'event' as const, conversionValue: '  ' }, 'purchase'],
    ['one column for two roles', { campaign: 'user_id' }, 'three different columns'],
    ['a zero lookback', { conversionKind: 'event' as const, conversionValue: 'buy', lookbackDays: 0 }, 'at least one day'],
    ['the user column as the cost', { cost: 'user_id' }, "Column 'user_id' is chosen for two roles, the user and the cost"],
    ['the conversion flag as the click flag', { click: 'converted' }, "the conversion flag and the click flag"],
  ])('refuses %s', (_name, patch, message) => {
    const r = mappingFromDraft({ ...base, ...patch });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});

describe('savedMappingName', () => {
  it.each([
    ['export.csv', 'export.mapping.json'],
    ['export.csv.gz', 'export.mapping.json'],
    ['logs.zip', 'logs.mapping.json'],
    ['no-extension', 'no-extension.mapping.json'],
    ['.csv', 'log.mapping.json'],
  ])('%s -> %s', (file, name) => {
    expect(savedMappingName(file)).toBe(name);
  });
});

describe('Save mapping', () => {
  // What `--mapping FILE` does with the file: parseSavedMapping, then checkMapping (src/cli/run.ts, tested in src/cli/flags.test.ts).
  it.each([
    [{ ...base, timestampUnit: 'iso' as const, cost: 'spend', click: 'clicked', categories: ['device', 'user_id'] }],
    [{ ...base, conversionKind: 'id' as const, conversion: 'order_id' }],
    [{ ...base, conversionKind: 'event' as const, conversion: 'event', conversionValue: 'purchase', lookbackDays: 7 }],
  ])('saves a file the CLI reads back to the same mapping: %j', (draft) => {
    const made = mappingFromDraft(draft);
    if (!made.ok) throw new Error(made.error);
    const read = parseSavedMapping(savedMappingText(made.mapping));
    expect(read.ok && checkMapping(read.mapping)).toEqual({ ok: true, mapping: made.mapping });
  });
});
