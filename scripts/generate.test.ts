import { describe, expect, it } from 'vitest';
import { parseGenerateArgs } from './generate';

describe('parseGenerateArgs', () => {
  it.each([
    [['--rows', 'x', '--out', 'a.tsv'], /--rows must be a number/],
    [['--rows', '5', '--out', 'a.tsv'], /--rows must be a whole number/],
    [['--rows', '1000'], /--out FILE is required/],
    [['--out', 'a.tsv'], /Give --rows/],
    [['--rows', '1000', '--out', 'a.tsv', '--campaigns', '2'], /campaigns/],
    [['--rows', '1000', '--out', 'a.tsv', '--journey-length', '0'], /journey length/],
    [['--rows', '1000', '--out', 'a.tsv', '--colour', 'red'], /colour/],
    [['--rows', '1000', '--out', 'a.tsv', '--base-log-odds', '-3'], /--base-log-odds=/],
  ])('rejects %j with one line', (args, message) => {
    const r = parseGenerateArgs(args);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(message);
      expect(r.error).not.toContain('\n');
    }
  });

  it.each([
    [10_000, 10],
    [200_000, 50],
    [16_500_000, 675],
  ])('gives %i rows %i campaigns by default', (rows, campaigns) => {
    const r = parseGenerateArgs(['--rows', String(rows), '--out', 'a.tsv']);
    expect(r.ok && r.options.campaigns).toBe(campaigns);
  });

  it('sizes users from --rows and keeps explicit options', () => {
    const r = parseGenerateArgs(['--rows', '30000', '--out', 'a.tsv.gz', '--seed', '4', '--campaigns', '12', '--base-log-odds=-3']);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.out).toBe('a.tsv.gz');
    expect(r.options).toMatchObject({ seed: 4, campaigns: 12, baseLogOdds: -3 });
    // About 3 rows a user at the default journey length.
    expect(r.options.users).toBeGreaterThan(30_000 / 5);
    expect(r.options.users).toBeLessThan(30_000 / 2);
    expect(parseGenerateArgs(['--users', '777', '--out', 'a.tsv']).ok && true).toBe(true);
  });
});
