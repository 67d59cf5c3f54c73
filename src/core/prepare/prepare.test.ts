import { describe, expect, it } from 'vitest';
import { Split, type PreparedData } from '../prepared';
import { DEFAULT_PREPARE, type PrepareSettings } from '../settings';
import { buildTable, type RowLiteral } from '../testing/table-builder';
import { checkPrepareSettings, prepareJourneys, sampledCampaignCount } from '.';
import { sortIndexByKey } from './sort';

const ALL: PrepareSettings = { ...DEFAULT_PREPARE, campaigns: { kind: 'all' }, minTouchpoints: 1, balance: 'none' };

function prepare(rows: RowLiteral[], settings: Partial<PrepareSettings> = {}, features = true): PreparedData {
  return prepareJourneys(buildTable(rows), { ...ALL, ...settings }, undefined, { features });
}

/** Each prepared journey as its campaigns in order, e.g. 'abc'. */
function journeyCampaigns(p: PreparedData): string[] {
  return Array.from({ length: p.journeys.count }, (_, j) =>
    Array.from(p.journeys.eventsByJourney.subarray(p.journeys.eventOffsets[j], p.journeys.eventOffsets[j + 1]), (e) =>
      p.campaignIds[p.events.campaign[e]],
    ).join(''),
  );
}

/** `users` users, each with `length` touchpoints on campaigns c0..c{campaigns-1}. */
function manyJourneys(users: number, campaigns: number, length = 2, converted = (u: number) => u % 3 === 0): RowLiteral[] {
  const rows: RowLiteral[] = [];
  for (let u = 0; u < users; u++) {
    for (let k = 0; k < length; k++) {
      rows.push({ t: u * 10 + k, user: u, campaign: `c${(u * 7 + k) % campaigns}`, conversionId: converted(u) ? `v${u}` : undefined });
    }
  }
  return rows;
}

describe('journeys and events', () => {
  it('reassembles journeys whose rows interleave in time', () => {
    const p = prepare([
      { t: 1, user: 1, campaign: 'a', conversionId: 'x' },
      { t: 2, user: 2, campaign: 'b' },
      { t: 3, user: 1, campaign: 'c', conversionId: 'x' },
      { t: 4, user: 2, campaign: 'd' },
    ]);
    expect(journeyCampaigns(p).sort()).toEqual(['ac', 'bd']);
  });

  it('sorts touchpoints by time, not by campaign', () => {
    const p = prepare([
      { t: 3, user: 1, campaign: 'a' },
      { t: 1, user: 1, campaign: 'c' },
      { t: 2, user: 1, campaign: 'b' },
    ]);
    expect(journeyCampaigns(p)).toEqual(['cba']);
  });

  it('lists events in time order, equal timestamps in file order', () => {
    const p = prepare([
      { t: 5, user: 1, campaign: 'a' },
      { t: 2, user: 2, campaign: 'b' },
      { t: 5, user: 2, campaign: 'c' },
      { t: 1, user: 1, campaign: 'd' },
    ]);
    expect(Array.from(p.events.row)).toEqual([3, 1, 0, 2]);
    expect(Array.from(p.events.timestamp)).toEqual([1, 2, 5, 5]);
  });

  it('labels journeys and keeps their users', () => {
    const p = prepare([
      { t: 1, user: 'u', campaign: 'a', conversionId: 'x' },
      { t: 2, user: 'u', campaign: 'a' },
      { t: 3, user: 'v', campaign: 'a' },
    ]);
    expect(Array.from(p.journeys.label)).toEqual([0, 1, 0]);
    expect(Array.from(p.journeys.user)).toEqual([0, 0, 1]);
  });
});

describe('campaign sampling', () => {
  const rows = manyJourneys(300, 50);
  const kept = (seed: number) => prepare(rows, { campaigns: { kind: 'count', count: 10 }, seed }).campaignIds.join(',');

  it('is seeded: same seed, same campaigns', () => {
    expect(kept(1)).toBe(kept(1));
  });

  it('changes with the seed', () => {
    expect(kept(1)).not.toBe(kept(2));
  });

  it('keeps the asked number and removes the other campaigns events', () => {
    const p = prepare(rows, { campaigns: { kind: 'count', count: 10 } });
    expect(p.stats.campaignsSampled).toBe(10);
    expect(p.stats.campaignsInData).toBe(50);
    expect(p.campaignIds.length).toBeLessThanOrEqual(10);
    const source = buildTable(rows);
    for (let e = 0; e < p.events.count; e++) {
      expect(source.campaignIds[source.campaign[p.events.row[e]]]).toBe(p.campaignIds[p.events.campaign[e]]);
    }
  });

  it('counts touchpoints after removing the other campaigns', () => {
    // One journey a-b, one a-a. Keeping only `a` (fraction 0.5 of 2 campaigns can keep either) ...
    const two: RowLiteral[] = [
      { t: 1, user: 1, campaign: 'a' },
      { t: 2, user: 1, campaign: 'b' },
      { t: 3, user: 2, campaign: 'a' },
      { t: 4, user: 2, campaign: 'a' },
    ];
    const outcomes = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const p = prepare(two, { campaigns: { kind: 'count', count: 1 }, minTouchpoints: 2, seed });
      // ... whichever campaign is kept, the mixed journey has one touchpoint left and is dropped.
      outcomes.add(journeyCampaigns(p).join(','));
    }
    expect([...outcomes].sort()).toEqual(['', 'aa']);
  });

  it.each([
    [{ kind: 'all' } as const, 700, 700],
    [{ kind: 'count', count: 400 } as const, 675, 400],
    [{ kind: 'count', count: 400 } as const, 30, 30],
    [{ kind: 'fraction', fraction: 0.5 } as const, 31, 16],
    [{ kind: 'fraction', fraction: 0.001 } as const, 31, 1],
  ])('%j of %i campaigns keeps %i', (sampling, present, expected) => {
    expect(sampledCampaignCount(sampling, present)).toBe(expected);
  });
});

describe('minimum touchpoints', () => {
  it('drops shorter journeys', () => {
    const p = prepare(
      [
        { t: 1, user: 1, campaign: 'a' },
        { t: 2, user: 2, campaign: 'a' },
        { t: 3, user: 2, campaign: 'b' },
      ],
      { minTouchpoints: 2 },
    );
    expect(journeyCampaigns(p)).toEqual(['ab']);
    expect(p.stats.journeysBeforeFilter).toBe(2);
    expect(p.stats.journeysAfterFilter).toBe(1);
  });
});

describe('balancing', () => {
  /** 200 unconverted journeys first in time, then 20 converted ones: the notebook kept the earliest negatives. */
  const rows: RowLiteral[] = [];
  for (let u = 0; u < 200; u++) rows.push({ t: u, user: `n${u}`, campaign: 'a' }, { t: u + 0.5, user: `n${u}`, campaign: 'b' });
  for (let u = 0; u < 20; u++) {
    rows.push({ t: 1000 + u, user: `p${u}`, campaign: 'a', conversionId: u }, { t: 1000.5 + u, user: `p${u}`, campaign: 'b', conversionId: u });
  }
  const negatives = (p: PreparedData) =>
    Array.from({ length: p.journeys.count }, (_, j) => j)
      .filter((j) => !p.journeys.label[j])
      .map((j) => p.events.timestamp[p.journeys.eventsByJourney[p.journeys.eventOffsets[j]]]);

  it('keeps every converted journey and about as many unconverted events', () => {
    const p = prepare(rows, { balance: 'events', minTouchpoints: 2 });
    expect(p.stats.convertedJourneys).toBe(20);
    expect(p.stats.convertedEvents).toBe(40);
    expect(p.stats.unconvertedEvents).toBe(40);
    expect(p.negativeSamplingRate).toBeCloseTo(20 / 200, 12);
  });

  it('draws the unconverted journeys at random, not the earliest ones', () => {
    const kept = negatives(prepare(rows, { balance: 'events' }));
    expect(kept).toHaveLength(20);
    // The notebook's negatives would all start before t = 20.
    expect(Math.max(...kept)).toBeGreaterThan(100);
  });

  it('is seeded: same seed, same negatives; another seed, others', () => {
    const a = negatives(prepare(rows, { balance: 'events', seed: 3 }));
    expect(negatives(prepare(rows, { balance: 'events', seed: 3 }))).toEqual(a);
    expect(negatives(prepare(rows, { balance: 'events', seed: 4 }))).not.toEqual(a);
  });

  it('stops at about the same number of events when journeys differ in length', () => {
    const mixed = manyJourneys(400, 5, 3, (u) => u % 10 === 0).concat(
      manyJourneys(400, 5, 1, () => false).map((r) => ({ ...r, user: `single${r.user}` })),
    );
    const p = prepare(mixed, { balance: 'events' });
    expect(p.stats.unconvertedEvents).toBeGreaterThanOrEqual(p.stats.convertedEvents);
    expect(p.stats.unconvertedEvents).toBeLessThan(p.stats.convertedEvents + 3);
  });

  it('balances by journeys when asked', () => {
    const p = prepare(rows, { balance: 'journeys' });
    expect(p.stats.unconvertedJourneys).toBe(p.stats.convertedJourneys);
  });

  it('keeps everything without balancing', () => {
    const p = prepare(rows, { balance: 'none' });
    expect(p.stats.unconvertedJourneys).toBe(200);
    expect(p.negativeSamplingRate).toBe(1);
  });
});

describe('split', () => {
  const rows = manyJourneys(1000, 8);
  it('holds out 20% for test, then 20% of the rest for validation, by journey', () => {
    const p = prepare(rows, { balance: 'none' });
    const count = (s: Split) => p.journeys.split.filter((x) => x === s).length;
    expect(count(Split.Test)).toBe(200);
    expect(count(Split.Validation)).toBe(160);
    expect(count(Split.Train)).toBe(640);
  });
  it('is seeded', () => {
    const a = prepare(rows, { seed: 9 }).journeys.split;
    expect(prepare(rows, { seed: 9 }).journeys.split).toEqual(a);
    expect(prepare(rows, { seed: 10 }).journeys.split).not.toEqual(a);
  });
});

describe('sequences and features', () => {
  const journey: RowLiteral[] = [1, 2, 3, 4, 5].map((t) => ({
    t: t * 100,
    user: 'u',
    campaign: `c${t}`,
    click: (t % 2) as 0 | 1,
    cost: t,
    timeSinceLastClick: t === 1 ? -1 : t * 10,
    categories: { cat1: t <= 2 ? 'rare' + t : 'common', other: 'x' },
  }));
  const other: RowLiteral = { t: 0, user: 'v', campaign: 'c1', cost: 0, categories: { cat1: 'common', other: 'y' } };

  it.each([
    ['first', ['c1', 'c2', 'c3']],
    ['last', ['c3', 'c4', 'c5']],
  ] as const)('cuts to the %s touchpoints', (keep, expected) => {
    const p = prepare(journey, { maxTouchpoints: 3, keep });
    const s = p.sequences;
    expect(s.length[0]).toBe(3);
    expect(Array.from(s.campaign.subarray(0, 3), (c) => p.campaignIds[c])).toEqual(expected);
  });

  it('pads short journeys with zeros and mask 0', () => {
    const p = prepare([...journey, other], { maxTouchpoints: 7 });
    const s = p.sequences;
    const j = p.journeys.user[0] === 1 ? 0 : 1;
    expect(Array.from(s.mask.subarray(j * 7, j * 7 + 7))).toEqual([1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(s.numeric.subarray((j * 7 + 1) * 4, (j * 7 + 7) * 4)).every((x) => x === 0)).toBe(true);
  });

  it('scales numeric features to 0..1 and maps "no click before" to 0', () => {
    const p = prepare(journey, { maxTouchpoints: 5 });
    const s = p.sequences;
    expect(s.numericNames).toEqual(['click', 'cost', 'time_since_last_click', 'timestamp']);
    const step = (k: number) => Array.from(s.numeric.subarray(k * 4, k * 4 + 4));
    step(0).forEach((x, f) => expect(x).toBeCloseTo([1, 1 / 5, 0, 0][f], 6));
    expect(step(1)[2]).toBeCloseTo(20 / 50, 6);
    expect(step(4)).toEqual([1, 1, 1, 1]);
    expect(step(2)[3]).toBeCloseTo(0.5, 6);
  });

  it('prefers the article category columns and shares one "other" index for rare values', () => {
    const p = prepare(journey, { maxTouchpoints: 5, minCategoryCount: 2 });
    expect(p.categoryNames).toEqual(['cat1']);
    // cat1: "other" (index 0) plus "common" (seen 3 times).
    expect(Array.from(p.categoryOffsets)).toEqual([0, 2]);
    expect(Array.from(p.sequences.categories.subarray(0, 5))).toEqual([0, 0, 1, 1, 1]);
    expect(Array.from(p.events.categories!)).toEqual([0, 0, 1, 1, 1]);
  });

  it('lays out several columns in one vocabulary', () => {
    // y changes within the user: a column constant per user would be a user attribute (user-attributes.test.ts).
    const rows = journey.map((r) => ({ ...r, categories: { x: String(r.t), y: r.t <= 200 ? 'early' : 'late' } }));
    const p = prepare(rows, { maxTouchpoints: 5, minCategoryCount: 1 });
    expect(p.categoryNames).toEqual(['x', 'y']);
    expect(Array.from(p.categoryOffsets)).toEqual([0, 6, 9]);
    expect(Array.from(p.sequences.categories.subarray(0, 4))).toEqual([1, 7, 2, 7]);
  });

  it('prepares the same data from narrow category columns as from 32-bit ones', () => {
    // cat1 is constant per user (a user attribute), cat3 has 300 values (16 bits), cat4 a few (8 bits).
    const rows: RowLiteral[] = [];
    for (let u = 0; u < 400; u++) {
      for (let k = 0; k < 3; k++) {
        rows.push({
          t: u * 10 + k,
          user: u,
          campaign: `c${(u + k) % 6}`,
          conversionId: u % 4 === 0 ? `v${u}` : undefined,
          categories: { cat1: `g${u % 5}`, cat3: `v${(u * 3 + k) % 300}`, cat4: `w${(u + k) % 3}` },
        });
      }
    }
    const narrow = buildTable(rows);
    expect(narrow.categories.map((c) => c.constructor)).toEqual([Uint8Array, Uint16Array, Uint8Array]);
    const wide = { ...narrow, categories: narrow.categories.map((c) => Uint32Array.from(c)) };
    const settings: PrepareSettings = { ...ALL, maxTouchpoints: 3, minCategoryCount: 2 };
    const a = prepareJourneys(narrow, settings, undefined, { features: true });
    const b = prepareJourneys(wide, settings, undefined, { features: true });
    expect(a.userAttributes).toEqual(['cat1']);
    expect(a.categoryNames).toEqual(['cat3', 'cat4']);
    expect(a).toEqual(b);
  });

  it('can leave the features out', () => {
    const p = prepare(journey, {}, false);
    expect(p.sequences.campaign.length).toBe(0);
    expect(p.events.count).toBe(5);
  });
});

describe('checkPrepareSettings', () => {
  it.each([
    [{ minTouchpoints: 0 }, /Minimum touchpoints/],
    [{ maxTouchpoints: 0 }, /Maximum touchpoints/],
    [{ campaigns: { kind: 'count', count: 0 } }, /Campaigns/],
    [{ campaigns: { kind: 'fraction', fraction: 1.5 } }, /share of campaigns/],
    [{ testShare: 1 }, /test share/],
    [{ balance: 'both' }, /Balancing/],
  ] as [Partial<PrepareSettings>, RegExp][])('rejects %j', (bad, message) => {
    const r = checkPrepareSettings({ ...DEFAULT_PREPARE, ...bad });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
  it('accepts the defaults', () => {
    expect(checkPrepareSettings(DEFAULT_PREPARE)).toEqual({ ok: true });
  });
});

describe('sortIndexByKey', () => {
  it.each([
    [[3, 1, 2, 1, 0, 3]],
    [[1, 2, 3, 4]],
    [[4, 3, 2, 1, 0]],
    [[2, 2, 1, 1, 2, 0, 0]],
  ])('sorts %j stably', (keys) => {
    const key = Float64Array.from(keys);
    const index = Uint32Array.from(keys.keys());
    sortIndexByKey(index, key);
    const expected = [...keys.keys()].sort((a, b) => keys[a] - keys[b] || a - b);
    expect(Array.from(index)).toEqual(expected);
  });
});
