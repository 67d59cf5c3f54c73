import { describe, expect, it } from 'vitest';
import { formatWeights, parseWeights, parseWeightsCsv, parseWeightsJson, weightsFormatOf } from './weights';

describe('weights files', () => {
  const weights = { lta: { '101': 0.5, '202': 0 }, linear: { '101': 0.25, 'a,b': 1e-7 } };

  it.each(['json', 'csv'] as const)('round-trips through %s', (format) => {
    const r = parseWeights(formatWeights(weights, format), format);
    expect(r).toEqual({ ok: true, weights });
  });

  it('writes CSV with a campaign column and one column per model, blank where a model lacks a campaign', () => {
    const lines = formatWeights(weights, 'csv').trim().split('\n');
    expect(lines[0]).toBe('campaign,lta,linear');
    expect(lines).toContain('202,0,');
    expect(lines).toContain('"a,b",,1e-7');
  });

  it('reads a CSV with the campaign column anywhere and a byte-order mark', () => {
    const r = parseWeightsCsv('\uFEFFlta,Campaign\r\n0.1,x\r\n0.2,y\r\n');
    expect(r).toEqual({ ok: true, weights: { lta: { x: 0.1, y: 0.2 } } });
  });

  it.each([
    ['not JSON', '{lta:', /not valid JSON/],
    ['an array', '[1,2]', /JSON object/],
    ['no model', '{}', /no model/],
    ['a model that is not an object', '{"lta": 3}', /"lta" must map/],
    ['a string weight', '{"lta": {"7": "0.5"}}', /campaign 7 is not a number/],
    ['an empty model', '{"lta": {}}', /no campaign weights/],
  ])('rejects JSON with %s', (_name, text, message) => {
    const r = parseWeightsJson(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it.each([
    ['nothing', '', /empty/],
    ['no campaign column', 'id,lta\n1,0.5\n', /"campaign" column/],
    ['no model column', 'campaign\n1\n', /no model column/],
    ['a word for a weight', 'campaign,lta\n1,high\n', /Line 2 .*"high" is not a number/],
    ['a short row', 'campaign,lta,linear\n1,0.5\n', /Line 2 .*2 fields/],
    ['a duplicate campaign', 'campaign,lta\n1,0.5\n1,0.6\n', /appears twice/],
    ['two columns with one name', 'campaign,lta,lta\n1,0.5,0.6\n', /two columns named "lta"/],
    ['a header only', 'campaign,lta\n', /no campaign rows/],
  ])('rejects CSV with %s', (_name, text, message) => {
    const r = parseWeightsCsv(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it.each([
    ['w.json', 'campaign,lta', 'json'],
    ['w.CSV', '{}', 'csv'],
    ['weights', ' {"lta": {}}', 'json'],
    ['weights', 'campaign,lta', 'csv'],
  ] as const)('takes %s starting %j as %s', (name, text, format) => {
    expect(weightsFormatOf(name, text)).toBe(format);
  });
});
