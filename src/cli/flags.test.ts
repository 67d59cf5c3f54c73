import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { savedMappingText } from '../core/ingest/mapping';
import type { ColumnMapping } from '../core/ingest/types';
import { DEFAULT_PREPARE } from '../core/settings';
import { UsageError } from './command';
import { inputFromFlags, noAdsFromFlags, parseCampaignSampling, prepareSettingsFromFlags } from './flags';
import { mappingFromFlags } from './run';

describe('preparation flags', () => {
  it.each([
    ['all', { kind: 'all' }],
    ['ALL', { kind: 'all' }],
    ['400', { kind: 'count', count: 400 }],
    ['1', { kind: 'count', count: 1 }],
    ['0.5', { kind: 'fraction', fraction: 0.5 }],
    ['0', null],
    ['1.5', null],
    ['-3', null],
    ['many', null],
    ['', null],
  ])('--campaigns %j', (text, expected) => {
    expect(parseCampaignSampling(text)).toEqual(expected);
  });

  it('reads every flag over the defaults', () => {
    const r = prepareSettingsFromFlags({
      campaigns: '0.25',
      'min-touchpoints': '3',
      'max-touchpoints': '20',
      keep: 'last',
      balance: 'journeys',
      'test-share': '0.1',
      'validation-share': '0.3',
      'min-category-count': '2',
      seed: '7',
    });
    expect(r).toEqual({
      ok: true,
      settings: {
        campaigns: { kind: 'fraction', fraction: 0.25 },
        minTouchpoints: 3,
        maxTouchpoints: 20,
        keep: 'last',
        balance: 'journeys',
        testShare: 0.1,
        validationShare: 0.3,
        minCategoryCount: 2,
        seed: 7,
      },
    });
  });

  it('keeps the defaults without flags', () => {
    expect(prepareSettingsFromFlags({})).toEqual({ ok: true, settings: DEFAULT_PREPARE });
  });

  it.each([
    [{ campaigns: 'some' }, /--campaigns/],
    [{ 'min-touchpoints': 'two' }, /--min-touchpoints must be a number/],
    [{ 'min-touchpoints': '0' }, /Minimum touchpoints/],
    [{ keep: 'middle' }, /--keep/],
    [{ balance: 'both' }, /--balance/],
    [{ seed: '' }, /--seed must be a number/],
  ])('rejects %j', (flags, message) => {
    const r = prepareSettingsFromFlags(flags);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});

describe('input flags: --map, --time-unit, --mapping', () => {
  const MAP = 'user=user_id,time=event_time,campaign=channel,conversion=converted';
  const BASE = { user: 'user_id', timestamp: 'event_time', campaign: 'channel', conversion: 'converted' };

  it.each([
    [MAP, undefined, { ...BASE, timestampUnit: 'auto' }],
    [MAP, 'iso', { ...BASE, timestampUnit: 'iso' }],
    [` User = user_id , TIME=event_time,campaign=channel,conversion=converted `, 's', { ...BASE, timestampUnit: 'seconds' }],
    [`${MAP},conversion-id=order_id,cost=spend,value=revenue,channel=medium`, 'ms', { ...BASE, timestampUnit: 'milliseconds', conversionId: 'order_id', cost: 'spend', value: 'revenue', channel: 'medium' }],
    [`${MAP},user-attributes=country;segment`, undefined, { ...BASE, timestampUnit: 'auto', userAttributes: ['country', 'segment'] }],
    [`${MAP},click=clicked,categories=device; ;browser`, undefined, { ...BASE, timestampUnit: 'auto', click: 'clicked', categories: ['device', 'browser'] }],
    ['user=a=b,time=t', undefined, { user: 'a=b', timestamp: 't', timestampUnit: 'auto' }],
  ])('--map %j --time-unit %s', (map, unit, expected) => {
    const input = inputFromFlags({ map, 'time-unit': unit });
    expect(input).toEqual({ kind: 'map', mapping: expected, maxBadRowShare: undefined });
  });

  it.each([
    [{ map: '' }, '--map takes ROLE=COLUMN pairs'],
    [{ map: 'user' }, '"user" has no "="'],
    [{ map: 'who=user_id' }, 'unknown role "who"'],
    [{ map: 'user=a,USER=b' }, 'names the role "user" twice'],
    [{ map: 'user-attributes=;' }, '"user-attributes=" names no column'],
    [{ map: MAP, 'time-unit': 'hours' }, '--time-unit takes s, ms or iso'],
    [{ map: MAP, mapping: 'm.json' }, 'not both'],
    [{ 'time-unit': 'iso' }, 'goes with --map or --mapping'],
    [{ 'max-bad-rows': '-0.1' }, '--max-bad-rows takes a share between 0 and 1'],
  ])('usage mistake %j', (values, message) => {
    expect(() => inputFromFlags(values)).toThrow(UsageError);
    expect(() => inputFromFlags(values)).toThrow(message);
  });

  it('reads --mapping as a file to open later, with --time-unit over its unit', () => {
    expect(inputFromFlags({ mapping: 'm.json', 'time-unit': 'iso', 'max-bad-rows': '0.1' })).toEqual({ kind: 'file', path: 'm.json', timeUnit: 'iso', maxBadRowShare: 0.1 });
    expect(inputFromFlags({})).toEqual({ kind: 'criteo', maxBadRowShare: undefined });
  });

  // The app's half (draft -> mapping -> savedMappingText) is in src/ui/mapping.test.ts; the programs split at src/ui.
  it.each([
    [{ ...BASE, timestampUnit: 'iso', cost: 'spend', click: 'clicked', categories: ['device'] }],
    [{ user: 'user_id', timestamp: 'event_time', timestampUnit: 'auto', campaign: 'channel', conversionId: 'order_id' }],
    [{ user: 'u', timestamp: 't', timestampUnit: 'seconds', campaign: 'c', conversionEvent: { column: 'event', value: 'purchase' }, lookbackDays: 7 }],
  ] as ColumnMapping[][])('reads back what the app saves: %j', async (mapping) => {
    const dir = mkdtempSync(join(tmpdir(), 'mapping-'));
    try {
      const path = join(dir, 'own export.mapping.json');
      writeFileSync(path, savedMappingText(mapping));
      expect(await mappingFromFlags(inputFromFlags({ mapping: path }))).toEqual({ ok: true, mapping });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks a --map by the app rules, the flag named in front', async () => {
    expect(await mappingFromFlags(inputFromFlags({ map: 'user=u,time=t,campaign=u,conversion=c' }))).toEqual({
      ok: false,
      error: '--map: User, time and campaign must be three different columns.',
    });
  });
});

describe('--no-ads', () => {
  it("defaults to 'zero', takes 'model', and refuses anything else", () => {
    expect(noAdsFromFlags({})).toBe('zero');
    expect(noAdsFromFlags({ 'no-ads': 'zero' })).toBe('zero');
    expect(noAdsFromFlags({ 'no-ads': 'model' })).toBe('model');
    expect(() => noAdsFromFlags({ 'no-ads': 'user' })).toThrow(UsageError);
  });
});
