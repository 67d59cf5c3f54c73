import { describe, expect, it } from 'vitest';
import { checkMaxChange, limitsForCampaigns, parseLimitsFile } from './limits';

const IDS = ['101', '102', '103'];

describe('limits file', () => {
  it('reads floors and ceilings, either one blank, whatever the header case and a BOM', () => {
    const r = parseLimitsFile('\uFEFFCampaign_ID, Floor ,CEILING\n101,5,20\n102,,7.5\n\n103,1,\n', IDS);
    expect(r).toEqual({ ok: true, limits: { floor: { '101': 5, '103': 1 }, ceiling: { '101': 20, '102': 7.5 } }, campaigns: 3 });
  });

  it.each([
    ['', /empty/],
    ['campaign,floor,ceiling\n101,1,2\n', /columns must be "campaign id,floor,ceiling"/],
    ['campaign id,floor,ceiling\n', /header but no campaigns/],
    ['campaign id,floor,ceiling\n101,1\n', /Line 2 .* 2 fields; it needs 3/],
    ['campaign id,floor,ceiling\n,1,2\n', /Line 2 .* no campaign id/],
    ['campaign id,floor,ceiling\n999,1,2\n', /names campaign "999", which is not in the loaded log/],
    ['campaign id,floor,ceiling\n101,1,2\n101,1,3\n', /listed twice .* line 3/],
    ['campaign id,floor,ceiling\n101,-1,2\n', /floor "-1" is not a number of 0 or more/],
    ['campaign id,floor,ceiling\n101,1,lots\n', /ceiling "lots" is not a number/],
    ['campaign id,floor,ceiling\n101,,\n', /neither a floor nor a ceiling/],
    ['campaign id,floor,ceiling\n101,5,2\n', /floor 5 is above its ceiling 2/],
  ])('refuses %j with one message', (text, message) => {
    const r = parseLimitsFile(text, IDS);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(message);
  });

  it('checks the cap on change', () => {
    expect(checkMaxChange(0)).toBeNull();
    expect(checkMaxChange(0.5)).toBeNull();
    expect(checkMaxChange(-0.1)).toMatch(/0 or more/);
    expect(checkMaxChange(Number.NaN)).toMatch(/0 or more/);
  });

  it('keeps the limits of prepared campaigns and names those the preparation dropped', () => {
    const r = limitsForCampaigns({ floor: { '101': 1, '104': 2 }, ceiling: { '105': 3, '102': 4 }, maxChange: 0.3 }, IDS);
    expect(r.limits).toEqual({ floor: { '101': 1 }, ceiling: { '102': 4 }, maxChange: 0.3 });
    expect(r.dropped).toEqual(['104', '105']);
  });
});
