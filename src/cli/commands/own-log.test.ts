/**
 * An analyst's own export on the command line: --map / --time-unit / --mapping
 * give the same numbers as the same rows written as the Criteo log, and every
 * bad mapping is one line on stderr with nothing written.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { savedMappingText } from '../../core/ingest/mapping';
import { CRITEO_COLUMNS } from '../../core/table';
import type { CliCommand } from '../command';
import { attributeCommand } from './attribute';
import { summaryCommand } from './summary';

const START = Date.UTC(2024, 0, 1) / 1000;
const USERS = 90;
const CHANNELS = ['501', '502', '503', '504', '505', '506'];

/** The same few hundred touchpoints as a Criteo log and as `user_id,event_time,channel,converted,spend` with ISO times. */
function logs(): { criteo: string; own: string; rows: number } {
  const criteo = [CRITEO_COLUMNS.join('\t')];
  const own = ['user_id,event_time,channel,converted,spend'];
  for (let u = 0; u < USERS; u++) {
    const converted = u % 3 === 0 ? 1 : 0;
    const touches = 1 + (u % 5);
    for (let k = 0; k < touches; k++) {
      // Users interleave in time, so file order is not journey order.
      const time = START + k * 86_400 + u * 97;
      const channel = CHANNELS[(u * 7 + k * 5) % CHANNELS.length];
      const spend = ((u + k) % 8) * 0.25;
      const values: Record<string, string | number> = {
        timestamp: time,
        uid: 1000 + u,
        campaign: channel,
        conversion: converted,
        conversion_timestamp: converted ? START + 30 * 86_400 : -1,
        conversion_id: converted ? 9000 + u : -1,
        attribution: 0,
        click: 0,
        click_pos: -1,
        click_nb: -1,
        cost: spend,
        cpo: 0,
        time_since_last_click: -1,
      };
      for (let c = 1; c <= 9; c++) values[`cat${c}`] = 7;
      criteo.push(CRITEO_COLUMNS.map((c) => values[c]).join('\t'));
      own.push([1000 + u, new Date(time * 1000).toISOString(), channel, converted, spend].join(','));
    }
  }
  return { criteo: criteo.join('\n') + '\n', own: own.join('\n') + '\n', rows: criteo.length - 1 };
}

const MAP = 'user=user_id,time=event_time,campaign=channel,conversion=converted,cost=spend';
let dir: string;
let criteoPath: string;
let ownPath: string;
let rowCount: number;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'own-log-'));
  const { criteo, own, rows } = logs();
  criteoPath = join(dir, 'criteo.tsv');
  ownPath = join(dir, 'own.csv');
  writeFileSync(criteoPath, criteo);
  writeFileSync(ownPath, own);
  rowCount = rows;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(command: CliCommand, args: string[]): Promise<{ code: number; out: any; err: string[] }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await command.run(args);
    return { code, out: stdout ? JSON.parse(stdout) : null, err: stderr.trim().split('\n').filter((l) => l !== '') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** The parts of a summary that do not name the file or its format. */
function numbers(summary: Record<string, unknown>) {
  // The columns that can group campaigns are the format's own (Criteo's cat1..cat9), like its name.
  const { format: _f, name: _n, notes: _notes, groupingColumns: _g, ...rest } = summary;
  return rest;
}

describe('own logs through --map', () => {
  it('summary: the own export with --map and --time-unit iso reads as the Criteo log of the same rows', async () => {
    const criteo = await run(summaryCommand, [criteoPath]);
    const own = await run(summaryCommand, [ownPath, '--map', MAP, '--time-unit', 'iso']);
    expect(criteo.code).toBe(0);
    expect(own.code).toBe(0);
    expect(own.out).toMatchObject({ format: 'delimited', rows: rowCount, users: USERS, campaigns: CHANNELS.length, skippedRows: 0 });
    expect(numbers(own.out)).toEqual(numbers(criteo.out));
  });

  it('attribute: the same journeys, events and weights as from the Criteo log', async () => {
    const criteo = await run(attributeCommand, [criteoPath, '--seed', '3']);
    const own = await run(attributeCommand, [ownPath, '--map', MAP, '--time-unit', 'iso', '--seed', '3']);
    expect(criteo.code).toBe(0);
    expect(own.code).toBe(0);
    for (const key of ['campaigns', 'journeys', 'convertedJourneys', 'unconvertedJourneys', 'events']) {
      expect(own.out[key], key).toBe(criteo.out[key]);
    }
    expect(own.out.convertedJourneys).toBeGreaterThan(0);
    expect(Object.keys(own.out.weights)).toEqual(Object.keys(criteo.out.weights));
    for (const [model, weights] of Object.entries(criteo.out.weights as Record<string, Record<string, number>>)) {
      expect(Object.keys(own.out.weights[model]).sort(), model).toEqual(Object.keys(weights).sort());
      for (const [campaign, w] of Object.entries(weights)) expect(own.out.weights[model][campaign], `${model} ${campaign}`).toBeCloseTo(w, 12);
    }
  });

  it('--mapping FILE (what the app saves) gives what --map gives; --time-unit overrides its unit', async () => {
    const file = join(dir, 'own.mapping.json');
    writeFileSync(
      file,
      savedMappingText({ user: 'user_id', timestamp: 'event_time', timestampUnit: 'seconds', campaign: 'channel', conversion: 'converted', cost: 'spend' }),
    );
    const byMap = await run(summaryCommand, [ownPath, '--map', MAP]);
    const byFile = await run(summaryCommand, [ownPath, '--mapping', file, '--time-unit', 'iso']);
    expect(byFile.code).toBe(0);
    expect(byFile.out).toEqual(byMap.out);
    const wrongUnit = await run(summaryCommand, [ownPath, '--mapping', file]);
    expect(wrongUnit.code).toBe(1);
    expect(wrongUnit.err.at(-1)).toContain('holds ISO dates');
  });
});

describe('bad input on the command line', () => {
  const withMap = (map: string, ...rest: string[]) => ['--map', map, ...rest];
  it.each([
    ['a column the file lacks', 1, withMap(`${MAP},value=revenue`), 'Missing column: revenue. Found: user_id, event_time, channel, converted, spend.'],
    ['one column for two roles', 1, withMap(`${MAP},value=spend`), "--map: Column 'spend' is chosen for two roles, the cost and the value: each column plays one role."],
    ['user, time and campaign not three columns', 1, withMap('user=user_id,time=event_time,campaign=user_id,conversion=converted'), '--map: User, time and campaign must be three different columns.'],
    ['no conversion role', 1, withMap('user=user_id,time=event_time,campaign=channel'), '--map: Pick the column that tells which journeys converted.'],
    ['ISO times read as seconds', 1, withMap(MAP, '--time-unit', 's'), "The time column 'event_time' holds ISO dates ('2024-01-01T00:00:00.000Z'), not Unix seconds: choose the time unit ISO dates."],
    ['ISO times read as milliseconds', 1, withMap(MAP, '--time-unit', 'ms'), 'not Unix milliseconds'],
    ['no mapping at all', 1, [], 'This is not the Criteo log: choose which columns hold the user, the time, the campaign and the conversions. Give them with --map user=COL,time=COL,campaign=COL,conversion=COL or --mapping FILE.'],
    ['a mapping file that is not there', 1, ['--mapping', 'nowhere.json'], 'Cannot read the mapping file nowhere.json.'],
    ['a pair without "="', 2, withMap('user'), '--map takes ROLE=COLUMN pairs separated by commas; "user" has no "=".'],
    ['an unknown role', 2, withMap('usr=user_id'), '--map: unknown role "usr"; roles: user, time, campaign,'],
    ['a role twice', 2, withMap('user=a,user=b'), '--map names the role "user" twice.'],
    ['an empty column', 2, withMap('user=,time=t'), '--map: "user=" names no column.'],
    ['an unknown time unit', 2, withMap(MAP, '--time-unit', 'days'), '--time-unit takes s, ms or iso (or auto, to detect); got "days".'],
    ['--map and --mapping', 2, withMap(MAP, '--mapping', 'm.json'), 'Give --map or --mapping, not both.'],
    ['--time-unit alone', 2, ['--time-unit', 'iso'], '--time-unit goes with --map or --mapping; the Criteo log needs neither.'],
    ['a bad share of bad rows', 2, withMap(MAP, '--max-bad-rows', '2'), '--max-bad-rows takes a share between 0 and 1, e.g. 0.01.'],
  ])('%s: exit %i, one line, nothing written', async (_name, code, flags, message) => {
    const out = join(dir, 'never.json');
    const r = await run(attributeCommand, [ownPath, ...flags, '--out', out]);
    expect(r.code).toBe(code);
    expect(r.out).toBeNull();
    expect(r.err.at(-1)).toContain(message);
    // The message is the only line (no progress was started).
    expect(r.err).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it('a saved file that is not a mapping', async () => {
    const file = join(dir, 'weights.json');
    writeFileSync(file, JSON.stringify({ lta: { '501': 1 } }));
    const r = await run(summaryCommand, [ownPath, '--mapping', file]);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([`--mapping ${file}: it is not a column mapping saved by the app (no "kind": "attribution-lab/column-mapping").`]);
  });
});
