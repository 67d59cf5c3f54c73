/**
 * Weights files: attribution weights per model and campaign, as JSON
 * `{ "<model>": { "<campaign id>": weight } }` or CSV with a `campaign`
 * column and one column per model. Campaign ids stay strings: the Criteo ids
 * are opaque numbers, other logs use names.
 */
import Papa from 'papaparse';
import type { WeightsByModel } from './prepared';

export type WeightsFormat = 'json' | 'csv';
export type WeightsParse = { ok: true; weights: WeightsByModel } | { ok: false; error: string };

/** JSON when the name ends in .json, CSV when it ends in .csv, else guessed from the first character. */
export function weightsFormatOf(name: string, text: string): WeightsFormat {
  const lower = name.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.csv')) return 'csv';
  return text.trimStart().startsWith('{') ? 'json' : 'csv';
}

export function parseWeights(text: string, format: WeightsFormat): WeightsParse {
  return format === 'json' ? parseWeightsJson(text) : parseWeightsCsv(text);
}

export function parseWeightsJson(text: string): WeightsParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `The weights file is not valid JSON (${err instanceof Error ? err.message : String(err)}).` };
  }
  if (!isPlainObject(value)) {
    return { ok: false, error: 'The weights file must be a JSON object like {"lta": {"<campaign>": 0.1}}.' };
  }
  const weights: WeightsByModel = {};
  const models = Object.entries(value);
  if (models.length === 0) return { ok: false, error: 'The weights file names no model.' };
  for (const [model, byCampaign] of models) {
    if (!isPlainObject(byCampaign)) {
      return { ok: false, error: `Model "${model}" must map campaign ids to numbers.` };
    }
    const out: Record<string, number> = {};
    for (const [campaign, w] of Object.entries(byCampaign)) {
      if (typeof w !== 'number') {
        return { ok: false, error: `The "${model}" weight of campaign ${campaign} is not a number.` };
      }
      out[campaign] = w;
    }
    if (Object.keys(out).length === 0) return { ok: false, error: `Model "${model}" has no campaign weights.` };
    weights[model] = out;
  }
  return { ok: true, weights };
}

export function parseWeightsCsv(text: string): WeightsParse {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' });
  const rows = parsed.data;
  if (rows.length === 0) return { ok: false, error: 'The weights file is empty.' };
  const header = rows[0].map((h) => h.trim());
  const campaignColumn = header.findIndex((h) => h.toLowerCase() === 'campaign');
  if (campaignColumn < 0) return { ok: false, error: 'The weights CSV needs a "campaign" column.' };
  const modelColumns = header.map((name, i) => ({ name, i })).filter(({ i }) => i !== campaignColumn);
  if (modelColumns.length === 0) return { ok: false, error: 'The weights CSV has no model column next to "campaign".' };
  for (const { name } of modelColumns) {
    if (name === '') return { ok: false, error: 'A column of the weights CSV has no name.' };
    if (modelColumns.filter((m) => m.name === name).length > 1) {
      return { ok: false, error: `The weights CSV has two columns named "${name}".` };
    }
  }
  const weights: WeightsByModel = Object.fromEntries(modelColumns.map(({ name }) => [name, {}]));
  const seen = new Set<string>();
  for (let r = 1; r < rows.length; r++) {
    const line = r + 1;
    const row = rows[r];
    if (row.length !== header.length) {
      return { ok: false, error: `Line ${line} of the weights CSV has ${row.length} fields, the header has ${header.length}.` };
    }
    const campaign = row[campaignColumn].trim();
    if (campaign === '') return { ok: false, error: `Line ${line} of the weights CSV has no campaign.` };
    if (seen.has(campaign)) return { ok: false, error: `Campaign ${campaign} appears twice in the weights CSV (line ${line}).` };
    seen.add(campaign);
    for (const { name, i } of modelColumns) {
      const cell = row[i].trim();
      // An empty cell leaves the campaign out of that model (the replay then gives it 0).
      if (cell === '') continue;
      const w = Number(cell);
      if (!Number.isFinite(w)) {
        return { ok: false, error: `Line ${line} of the weights CSV: "${cell}" is not a number (model ${name}).` };
      }
      weights[name][campaign] = w;
    }
  }
  if (seen.size === 0) return { ok: false, error: 'The weights CSV has a header but no campaign rows.' };
  return { ok: true, weights };
}

export function formatWeightsJson(weights: WeightsByModel): string {
  return JSON.stringify(weights, null, 2) + '\n';
}

/** Campaigns in order of first appearance across models; a campaign missing from a model gets an empty cell. */
export function formatWeightsCsv(weights: WeightsByModel): string {
  const models = Object.keys(weights);
  const campaigns = [...new Set(models.flatMap((m) => Object.keys(weights[m])))];
  const rows = campaigns.map((c) => [c, ...models.map((m) => (Object.hasOwn(weights[m], c) ? String(weights[m][c]) : ''))]);
  return Papa.unparse({ fields: ['campaign', ...models], data: rows }, { newline: '\n' }) + '\n';
}

export function formatWeights(weights: WeightsByModel, format: WeightsFormat): string {
  return format === 'json' ? formatWeightsJson(weights) : formatWeightsCsv(weights);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
