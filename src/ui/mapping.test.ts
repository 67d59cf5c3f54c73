import { describe, expect, it } from 'vitest';
import { draftFromSuggestion, mappingFromDraft, type Draft } from './mapping';

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
  ])('refuses %s', (_name, patch, message) => {
    const r = mappingFromDraft({ ...base, ...patch });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});
