import { describe, expect, it } from 'vitest';
import { valuesByCampaign } from './results';

describe('valuesByCampaign (ROAS)', () => {
  it("averages the values of the conversions each campaign touched, each conversion once, NaN where none", () => {
    // Rows: campaign (log index), conversion index (-1 = unconverted).
    const table = {
      rowCount: 7,
      campaign: Uint32Array.from([0, 0, 1, 1, 2, 3, 0]),
      conversionId: Int32Array.from([0, 0, 0, 1, -1, 1, 2]),
    };
    const values = Float64Array.from([10, 40, 4]);
    // Prepared campaigns 0..2 stand for log campaigns 0, 1, 2; log campaign 3 was not kept.
    const bySource = new Map([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    const v = valuesByCampaign(table, values, bySource, 3);
    expect(v[0]).toBeCloseTo((10 + 4) / 2, 12);
    expect(v[1]).toBeCloseTo((10 + 40) / 2, 12);
    expect(v[2]).toBeNaN();
  });
});
