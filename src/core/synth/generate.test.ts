import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CRITEO_COLUMNS } from '../table';
import {
  DEMO_SYNTH_OPTIONS,
  estimateRows,
  estimateRowsPerUser,
  generateSynthetic,
  resolveSynthOptions,
  usersForRows,
} from './generate';
import type { SynthOptions, SynthTruth } from './types';

const SMALL: SynthOptions = { seed: 7, users: 3000, campaigns: 12 };

function generateText(options: SynthOptions): { text: string; chunks: string[]; truth: SynthTruth } {
  const chunks: string[] = [];
  const truth = generateSynthetic(options, (t) => chunks.push(t));
  return { text: chunks.join(''), chunks, truth };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The file split into header and numeric rows; small enough for plain arrays in a test. */
function parse(text: string): { header: string[]; fields: string[][]; rows: number[][] } {
  const lines = text.split('\n');
  expect(lines.pop()).toBe('');
  const header = lines.shift()!.split('\t');
  const fields = lines.map((l) => l.split('\t'));
  return { header, fields, rows: fields.map((f) => f.map(Number)) };
}

const col = Object.fromEntries(CRITEO_COLUMNS.map((c, i) => [c, i])) as Record<(typeof CRITEO_COLUMNS)[number], number>;

interface Journey {
  rows: number[][];
  converted: boolean;
}

function journeysOf(rows: number[][]): Map<string, Journey> {
  const journeys = new Map<string, Journey>();
  for (const r of rows) {
    const key = `${r[col.uid]}_${r[col.conversion_id]}`;
    const j = journeys.get(key) ?? { rows: [], converted: r[col.conversion] === 1 };
    j.rows.push(r);
    journeys.set(key, j);
  }
  return journeys;
}

const small = generateText(SMALL);
const parsed = parse(small.text);

describe('generateSynthetic: determinism', () => {
  it('writes the same bytes for the same options', () => {
    expect(sha256(generateText(SMALL).text)).toBe(sha256(small.text));
  });

  it.each([
    ['seed', { ...SMALL, seed: 8 }],
    ['users', { ...SMALL, users: 3001 }],
    ['campaigns', { ...SMALL, campaigns: 13 }],
    ['journey length', { ...SMALL, meanJourneyLength: 4 }],
  ])('writes different bytes for a different %s', (_name, options) => {
    expect(sha256(generateText(options).text)).not.toBe(sha256(small.text));
  });

  it('writes in chunks of at most about 256 KB', () => {
    const { chunks } = generateText({ seed: 1, users: 12_000, campaigns: 10 });
    expect(chunks.length).toBeGreaterThan(2);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(256 * 1024 + 4096);
  });
});

describe('generateSynthetic: schema', () => {
  const { header, fields, rows } = parsed;
  const duration = small.truth.options.durationSeconds;

  it('has the 22 Criteo columns in file order and 22 numeric fields a row', () => {
    expect(header).toEqual([...CRITEO_COLUMNS]);
    expect(rows.length).toBeGreaterThan(1000);
    expect(fields.filter((f) => f.length !== 22)).toEqual([]);
    expect(rows.filter((r) => r.some((v) => !Number.isFinite(v)))).toEqual([]);
  });

  it('is sorted by timestamp, whole seconds within the log span', () => {
    const bad = rows.filter(
      (r, i) => !Number.isInteger(r[0]) || r[0] < 0 || r[0] >= duration || (i > 0 && r[0] < rows[i - 1][0]),
    );
    expect(bad).toEqual([]);
    // Journeys of different users interleave, as in the real file.
    expect(rows.slice(0, 50).some((r, i) => i > 0 && r[col.uid] !== rows[i - 1][col.uid])).toBe(true);
  });

  it.each([
    ['uid', col.uid],
    ['campaign', col.campaign],
    ['cat1', col.cat1],
    ['cat7', col.cat7],
    ['cat9', col.cat9],
  ])('writes %s as positive integer ids like Criteo', (_name, c) => {
    expect(rows.filter((r) => !Number.isInteger(r[c]) || r[c] < 0 || r[c] >= 2 ** 31)).toEqual([]);
  });

  it('follows the -1 conventions for conversions and clicks', () => {
    const broken = rows.filter((r) => {
      const converted = r[col.conversion] === 1;
      const clicked = r[col.click] === 1;
      if (![0, 1].includes(r[col.conversion]) || ![0, 1].includes(r[col.click]) || ![0, 1].includes(r[col.attribution])) return true;
      if (!converted && (r[col.conversion_timestamp] !== -1 || r[col.conversion_id] !== -1 || r[col.attribution] !== 0)) return true;
      if (converted && (r[col.conversion_timestamp] <= r[col.timestamp] || r[col.conversion_id] < 0)) return true;
      if (!(converted && clicked)) return r[col.click_pos] !== -1 || r[col.click_nb] !== -1;
      return !(r[col.click_pos] >= 0 && r[col.click_pos] < r[col.click_nb]);
    });
    expect(broken).toEqual([]);
  });

  it('keeps cost and cpo in Criteo-like ranges', () => {
    expect(rows.filter((r) => !(r[col.cost] >= 1e-5 && r[col.cost] <= 2))).toEqual([]);
    expect(rows.filter((r) => !(r[col.cpo] > 0))).toEqual([]);
  });

  it('writes time_since_last_click from the user\'s own earlier clicks, -1 before the first', () => {
    const lastClick = new Map<number, number>();
    let mismatches = 0;
    let withClick = 0;
    for (const r of rows) {
      const prior = lastClick.get(r[col.uid]);
      const expected = prior === undefined ? -1 : r[col.timestamp] - prior;
      if (r[col.time_since_last_click] !== expected) mismatches++;
      if (expected > 0) withClick++;
      if (r[col.click] === 1) lastClick.set(r[col.uid], r[col.timestamp]);
    }
    expect(mismatches).toBe(0);
    expect(withClick).toBeGreaterThan(0);
  });

  it('keeps cat1 (the user segment) fixed for each user', () => {
    const segment = new Map<number, number>();
    let changes = 0;
    for (const r of rows) {
      const s = segment.get(r[col.uid]);
      if (s !== undefined && s !== r[col.cat1]) changes++;
      segment.set(r[col.uid], r[col.cat1]);
    }
    expect(changes).toBe(0);
    expect(new Set(rows.map((r) => r[col.cat1])).size).toBeGreaterThan(3);
  });

  it('marks every row of a converted journey with one conversion time, after its last touchpoint', () => {
    const bad = [...journeysOf(rows).values()].filter((j) => {
      if (!j.converted) return j.rows.some((r) => r[col.conversion] !== 0);
      const t = j.rows[0][col.conversion_timestamp];
      return j.rows.some((r) => r[col.conversion] !== 1 || r[col.conversion_timestamp] !== t) || t <= j.rows[j.rows.length - 1][col.timestamp];
    });
    expect(bad).toEqual([]);
  });

  it('numbers the clicks of a converted journey 0..click_nb-1 and credits its last click', () => {
    const bad = [...journeysOf(rows).values()]
      .filter((j) => j.converted)
      .filter((j) => {
        const clicks = j.rows.filter((r) => r[col.click] === 1);
        const positions = clicks.map((r) => r[col.click_pos]);
        const attributed = j.rows.filter((r) => r[col.attribution] === 1);
        return (
          positions.some((p, i) => p !== i) ||
          clicks.some((r) => r[col.click_nb] !== clicks.length) ||
          attributed.length !== (clicks.length > 0 ? 1 : 0) ||
          (clicks.length > 0 && attributed[0] !== clicks[clicks.length - 1])
        );
      });
    expect(bad).toEqual([]);
  });
});

describe('generateSynthetic: truth matches the rows', () => {
  const { rows } = parsed;
  const { truth } = small;
  const journeys = journeysOf(rows);

  it.each([
    ['rows', () => rows.length],
    ['users', () => new Set(rows.map((r) => r[col.uid])).size],
    ['campaigns', () => new Set(rows.map((r) => r[col.campaign])).size],
    ['journeys', () => journeys.size],
    ['convertedJourneys', () => [...journeys.values()].filter((j) => j.converted).length],
    ['clicks', () => rows.filter((r) => r[col.click] === 1).length],
  ] as const)('counts %s', (name, count) => {
    expect(truth.counts[name]).toBe(count());
    expect(truth.counts[name]).toBeGreaterThan(0);
  });

  it('counts impressions and last-touch credits per campaign', () => {
    const impressions = new Map<string, number>();
    const credits = new Map<string, number>();
    for (const r of rows) impressions.set(String(r[col.campaign]), (impressions.get(String(r[col.campaign])) ?? 0) + 1);
    for (const j of journeys.values()) {
      if (!j.converted) continue;
      const last = String(j.rows[j.rows.length - 1][col.campaign]);
      credits.set(last, (credits.get(last) ?? 0) + 1);
    }
    for (const c of truth.campaigns) {
      expect([c.id, c.impressions, c.lastTouchCredits]).toEqual([c.id, impressions.get(c.id) ?? 0, credits.get(c.id) ?? 0]);
    }
  });

  it('has every role, effects only on causal campaigns, and a description quoting the model', () => {
    const roles = new Set(truth.campaigns.map((c) => c.role));
    expect([...roles].sort()).toEqual(['causal', 'inert', 'late']);
    expect(truth.campaigns.filter((c) => (c.role === 'causal') !== c.effect > 0)).toEqual([]);
    expect(new Set(truth.campaigns.filter((c) => c.role === 'causal').map((c) => c.effect)).size).toBeGreaterThan(2);
    expect(truth.description).toContain(`seed ${SMALL.seed}`);
    expect(truth.description).toMatch(/sigmoid/);
  });
});

describe('generateSynthetic: planted truth', () => {
  // Big enough for the role effects to show clearly, small enough for a second or two.
  const { truth } = generateText({ seed: 3, users: 20_000, campaigns: 15 });
  const byRole = (role: string) => truth.campaigns.filter((c) => c.role === role);
  const lastTouchRate = (cs: SynthTruth['campaigns']) =>
    cs.reduce((s, c) => s + c.lastTouchCredits, 0) / cs.reduce((s, c) => s + c.impressions, 0);

  it('makes late campaigns the last touch of converted journeys far beyond their (zero) effect', () => {
    expect(byRole('late').every((c) => c.effect === 0)).toBe(true);
    // Last-touch weight per impression: late campaigns beat causal ones although they cause nothing.
    expect(lastTouchRate(byRole('late'))).toBeGreaterThan(2 * lastTouchRate(byRole('causal')));
    expect(lastTouchRate(byRole('late'))).toBeGreaterThan(2 * lastTouchRate(byRole('inert')));
  });

  it('gives causal campaigns a removal loss and late and inert campaigns none', () => {
    expect(byRole('causal').every((c) => c.removalLoss > 0 && c.lossPerImpression > 0)).toBe(true);
    expect(byRole('late').map((c) => c.removalLoss)).toEqual(byRole('late').map(() => 0));
    expect(byRole('inert').map((c) => c.removalLoss)).toEqual(byRole('inert').map(() => 0));
  });

  it('orders causal campaigns\' loss per impression by their effect', () => {
    const causal = byRole('causal').sort((a, b) => a.effect - b.effect);
    const losses = causal.map((c) => c.lossPerImpression);
    // Effects are 0.16 apart; diminishing returns and audiences blur the scale, not the order.
    expect(losses.length).toBeGreaterThanOrEqual(5);
    expect(losses).toEqual([...losses].sort((a, b) => a - b));
    expect(losses[losses.length - 1]).toBeGreaterThan(5 * losses[0]);
  });

  it('states lossPerImpression as removalLoss / impressions', () => {
    for (const c of truth.campaigns) {
      expect(c.lossPerImpression).toBeCloseTo(c.impressions > 0 ? c.removalLoss / c.impressions : 0, 12);
    }
  });
});

describe('resolveSynthOptions', () => {
  it('fills in the defaults', () => {
    const r = resolveSynthOptions({ seed: 1, users: 10, campaigns: 5 });
    expect(r.ok && r.options).toEqual({
      seed: 1,
      users: 10,
      campaigns: 5,
      meanJourneyLength: 3,
      durationSeconds: 31 * 86_400,
      baseLogOdds: expect.any(Number),
    });
  });

  it.each([
    ['no users', { seed: 1, users: 0, campaigns: 5 }, /users/],
    ['fractional users', { seed: 1, users: 2.5, campaigns: 5 }, /users/],
    ['too few campaigns', { seed: 1, users: 10, campaigns: 2 }, /campaigns/],
    ['a NaN seed', { seed: Number.NaN, users: 10, campaigns: 5 }, /seed/],
    ['journeys too short', { seed: 1, users: 10, campaigns: 5, meanJourneyLength: 0.5 }, /journey length/],
    ['a span under a day', { seed: 1, users: 10, campaigns: 5, durationSeconds: 60 }, /span/],
    ['absurd base odds', { seed: 1, users: 10, campaigns: 5, baseLogOdds: 40 }, /log-odds/],
  ])('rejects %s with one plain line', (_name, options, message) => {
    const r = resolveSynthOptions(options);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(message);
      expect(r.error).not.toContain('\n');
    }
    expect(() => generateSynthetic(options, () => {})).toThrow(RangeError);
  });
});

describe('sizing', () => {
  it('estimates rows per user close to what a run writes', () => {
    const options = { seed: 5, users: 6000, campaigns: 10 };
    const { truth } = generateText(options);
    const estimate = estimateRowsPerUser(options);
    expect(estimate).toBe(estimateRowsPerUser(options));
    expect(Math.abs(estimate * options.users - truth.counts.rows) / truth.counts.rows).toBeLessThan(0.1);
    expect(estimateRows(options)).toBe(Math.round(estimate * options.users));
  });

  it.each([5_000, 20_000])('usersForRows(%i) gets within a tenth of that many rows', (target) => {
    const options = { seed: 9, campaigns: 10 };
    const users = usersForRows(target, options);
    const { truth } = generateText({ ...options, users });
    expect(Math.abs(truth.counts.rows - target) / target).toBeLessThan(0.1);
  });

  it('sizes the demo for a one-minute run: 30-60 campaigns, 3,000-5,000 converted journeys of 2+ touchpoints', () => {
    const { text, truth } = generateText(DEMO_SYNTH_OPTIONS);
    expect(truth.counts.campaigns).toBeGreaterThanOrEqual(30);
    expect(truth.counts.campaigns).toBeLessThanOrEqual(60);
    // Count touchpoints per converted journey without building row arrays: uid and conversion_id only.
    const perJourney = new Map<string, number>();
    let start = text.indexOf('\n') + 1;
    while (start < text.length) {
      const end = text.indexOf('\n', start);
      const f = text.slice(start, end).split('\t', 6);
      if (f[5] !== '-1') perJourney.set(`${f[1]}_${f[5]}`, (perJourney.get(`${f[1]}_${f[5]}`) ?? 0) + 1);
      start = end + 1;
    }
    const converted2 = [...perJourney.values()].filter((n) => n >= 2).length;
    expect(converted2).toBeGreaterThanOrEqual(3000);
    expect(converted2).toBeLessThanOrEqual(5000);
  });
});
