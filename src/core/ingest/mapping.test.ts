import { describe, expect, it } from 'vitest';
import { checkMapping, parseSavedMapping, savedMappingText, SAVED_MAPPING_KIND } from './mapping';
import type { ColumnMapping } from './types';

const BASE: ColumnMapping = { user: 'user_id', timestamp: 'event_time', timestampUnit: 'iso', campaign: 'channel', conversion: 'converted' };

describe('checkMapping (the app step and the CLI alike)', () => {
  it('accepts a flag mapping and fills the default unit', () => {
    const { timestampUnit: _unit, ...noUnit } = BASE;
    expect(checkMapping(noUnit)).toEqual({ ok: true, mapping: { ...BASE, timestampUnit: 'auto' } });
  });

  it('carries the optional roles: the conversion value, the channel and the user attributes', () => {
    const m = { ...BASE, value: 'revenue', channel: 'medium', userAttributes: ['country', 'segment'] };
    expect(checkMapping(m)).toEqual({ ok: true, mapping: m });
  });

  it.each([
    ['no user', { user: '' }, 'Pick the column that holds the user id.'],
    ['no time', { timestamp: undefined }, 'Pick the column that holds the event time.'],
    ['no campaign', { campaign: ' ' }, 'Pick the column that holds the campaign or channel.'],
    ['no conversions', { conversion: undefined }, 'Pick the column that tells which journeys converted.'],
    ['conversion rows without a value', { conversion: undefined, conversionEvent: { column: 'event', value: ' ' } }, 'Type the value that marks a conversion row, e.g. purchase.'],
    ['user and time in one column', { timestamp: 'user_id' }, 'User, time and campaign must be three different columns.'],
    ['the same column apart from case', { campaign: 'USER_ID' }, 'User, time and campaign must be three different columns.'],
    ['cost and value in one column', { cost: 'spend', value: 'spend' }, "Column 'spend' is chosen for two roles, the cost and the value: each column plays one role."],
    ['the conversion flag as the channel', { channel: 'converted' }, "Column 'converted' is chosen for two roles, the conversion flag and the channel: each column plays one role."],
    ['a user attribute twice', { userAttributes: ['country', 'Country'] }, "Column 'Country' is named twice for the user attributes."],
    ['a role as a user attribute', { userAttributes: ['user_id'] }, "Column 'user_id' is chosen for two roles, the user and the user attributes"],
    ['a zero lookback', { lookbackDays: 0 }, 'The lookback window must be at least one day.'],
    ['an unknown unit', { timestampUnit: 'weeks' as never }, "Unknown time unit 'weeks'."],
  ])('refuses %s', (_name, patch, message) => {
    const r = checkMapping({ ...BASE, ...patch });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});

describe('the saved mapping file', () => {
  it.each([
    [BASE],
    [{ ...BASE, conversion: undefined, conversionEvent: { column: 'event', value: 'purchase' }, lookbackDays: 7, categories: ['device'] }],
    [{ ...BASE, conversionId: 'order_id', cost: 'spend', click: 'clicked', value: 'revenue', channel: 'medium', userAttributes: ['country'] }],
  ])('round-trips %j', (mapping) => {
    const clean = JSON.parse(JSON.stringify(mapping)) as ColumnMapping;
    expect(parseSavedMapping(savedMappingText(clean))).toEqual({ ok: true, mapping: clean });
  });

  const saved = (mapping: unknown, extra: object = {}) => JSON.stringify({ kind: SAVED_MAPPING_KIND, version: 1, mapping, ...extra });
  it.each([
    ['not JSON', '{user: x', 'it is not JSON'],
    ['a weights file', JSON.stringify({ lta: { a: 1 } }), 'it is not a column mapping saved by the app'],
    ['a later version', saved(BASE, { version: 2 }), 'it is a version 2 mapping'],
    ['no mapping', saved(null), 'it has no "mapping" object'],
    ['an unknown role', saved({ ...BASE, revenue: 'x' }), '"revenue" is not a role of a column mapping'],
    ['a number for a column', saved({ ...BASE, user: 3 }), '"user" must be a column name'],
    ['a text for a list', saved({ ...BASE, userAttributes: 'country' }), '"userAttributes" must be a list of column names'],
    ['an unknown unit', saved({ ...BASE, timestampUnit: 'days' }), '"timestampUnit" must be one of auto, seconds, milliseconds, iso'],
    ['conversion rows without a value', saved({ ...BASE, conversionEvent: { column: 'event' } }), '"conversionEvent" must hold a "column" and a "value"'],
    ['a text lookback', saved({ ...BASE, lookbackDays: '7' }), '"lookbackDays" must be a number of days'],
  ])('refuses %s', (_name, text, message) => {
    const r = parseSavedMapping(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});
