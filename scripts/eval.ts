/**
 * `npm run eval [-- --seeds 1,2,3 --users N --epochs-scale F --models logreg,lstm,attention]`
 *
 * Honest evaluation on the demo log (planted truth), not a test: for each seed
 * (the preparation's split and balancing and the training use it), every
 * neural model's held-out metrics, the same with the time features left out,
 * and the Spearman rank correlation of every model's weights (position models
 * too) with the planted truth: weights against lossPerImpression, and
 * weight x impressions against removalLoss. Mean and spread (sd) over seeds,
 * as markdown. Nothing here is tuned to make one model look better: the
 * article's hyperparameters and the demo generator's defaults.
 */
import { parseArgs } from 'node:util';
import { attributePositions } from '../src/core/attribution/position';
import { ingest } from '../src/core/ingest';
import { useBestNodeBackend } from '../src/core/models/backend';
import { attributionWeights, createScorer, evaluateModel, trainModel } from '../src/core/models/train';
import { prepareJourneys } from '../src/core/prepare';
import { DEFAULT_PREPARE, DEFAULT_TRAIN, POSITION_MODELS, type NeuralModelName, type TrainSettings } from '../src/core/settings';
import { DEMO_SYNTH_OPTIONS, generateSynthetic } from '../src/core/synth/generate';
import { countingShapley, markovAttribution, modelRemovalEffects, shapleyAttribution } from '../src/core/counterfactual';
import { spearman } from '../src/shared/stats';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3' },
    users: { type: 'string' },
    'epochs-scale': { type: 'string', default: '1' },
    models: { type: 'string', default: 'logreg,lstm,attention' },
  },
});

const rows = new Map<string, Map<string, number[]>>();
function record(row: string, column: string, value: number): void {
  if (!rows.has(row)) rows.set(row, new Map());
  const cells = rows.get(row)!;
  if (!cells.has(column)) cells.set(column, []);
  cells.get(column)!.push(value);
}

function cell(xs: number[] | undefined): string {
  if (!xs || xs.length === 0) return '';
  const finite = xs.filter(Number.isFinite);
  if (finite.length === 0) return 'n/a';
  const m = finite.reduce((s, v) => s + v, 0) / finite.length;
  const sd = finite.length > 1 ? Math.sqrt(finite.reduce((s, v) => s + (v - m) ** 2, 0) / (finite.length - 1)) : 0;
  return `${m.toFixed(3)} ± ${sd.toFixed(3)}`;
}

function table(title: string, columns: string[], rowNames: string[]): void {
  console.log(`\n### ${title}\n`);
  console.log(`| model | ${columns.join(' | ')} |`);
  console.log(`|---|${columns.map(() => '---').join('|')}|`);
  for (const r of rowNames) if (rows.has(r)) console.log(`| ${r} | ${columns.map((c) => cell(rows.get(r)!.get(c))).join(' | ')} |`);
}

async function main(): Promise<void> {
  const backend = await useBestNodeBackend();
  if (!backend.ok) throw new Error(backend.error);
  const seeds = values.seeds!.split(',').map(Number);
  const models = values.models!.split(',') as NeuralModelName[];
  const scale = Number(values['epochs-scale']);
  const synth = { ...DEMO_SYNTH_OPTIONS, ...(values.users ? { users: Number(values.users) } : {}) };
  const parts: string[] = [];
  const truth = generateSynthetic(synth, (t) => parts.push(t));
  const blob = new Blob(parts);
  const loaded = await ingest({ name: 'demo.tsv', size: blob.size, stream: () => blob.stream() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  const lossPerImpression = new Map(truth.campaigns.map((c) => [c.id, c.lossPerImpression]));
  const removalLoss = new Map(truth.campaigns.map((c) => [c.id, c.removalLoss]));
  process.stderr.write(`demo log: ${loaded.table.rowCount} rows, backend ${backend.backend}, seeds ${seeds.join(',')}\n`);

  for (const seed of seeds) {
    // All campaigns: the demo has 40, and sampling would drop some of the truth.
    const prepared = prepareJourneys(loaded.table, { ...DEFAULT_PREPARE, campaigns: { kind: 'all' }, seed });
    const impressions = new Float64Array(prepared.campaignIds.length);
    for (let e = 0; e < prepared.events.count; e++) impressions[prepared.events.campaign[e]]++;
    const correlate = (model: string, weights: Record<string, number>) => {
      const ids = prepared.campaignIds;
      const w = ids.map((id) => weights[id] ?? 0);
      record(model, 'rho vs loss/impression', spearman(w, ids.map((id) => lossPerImpression.get(id) ?? 0)));
      record(model, 'rho of weight x impressions vs removal loss', spearman(w.map((x, i) => x * impressions[i]), ids.map((id) => removalLoss.get(id) ?? 0)));
    };
    for (const p of attributePositions(prepared, POSITION_MODELS)) correlate(p.model, p.weights);
    // Counterfactual weights are totals (conversions credited), not returns per impression:
    // compare them per impression against lossPerImpression, and as totals against removalLoss.
    const correlateTotals = (model: string, perImpression: Record<string, number>, totals: Record<string, number>) => {
      const ids = prepared.campaignIds;
      record(model, 'rho vs loss/impression', spearman(ids.map((id) => perImpression[id] ?? 0), ids.map((id) => lossPerImpression.get(id) ?? 0)));
      record(model, 'rho of weight x impressions vs removal loss', spearman(ids.map((id) => totals[id] ?? 0), ids.map((id) => removalLoss.get(id) ?? 0)));
    };
    const perImpressionOf = (totals: Record<string, number>) =>
      Object.fromEntries(prepared.campaignIds.map((id, c) => [id, impressions[c] > 0 ? (totals[id] ?? 0) / impressions[c] : 0]));
    const markov = markovAttribution(prepared);
    if (markov.ok) correlateTotals('markov', perImpressionOf(markov.weights), markov.weights);
    const counting = countingShapley(prepared);
    correlateTotals('shapley_count', Object.fromEntries(counting.campaigns.map((c) => [c.campaign, c.perImpression])), counting.weights);
    for (const dropTime of [false, true]) {
      for (const name of models) {
        const epochs = Math.max(1, Math.round(DEFAULT_TRAIN.epochs[name] * scale));
        const settings: TrainSettings = { ...DEFAULT_TRAIN, seed, dropTimeFeatures: dropTime, epochs: { ...DEFAULT_TRAIN.epochs, [name]: epochs } };
        const started = Date.now();
        const model = await trainModel(prepared, name, settings);
        const metrics = await evaluateModel(model, prepared);
        const label = dropTime ? `${name} (no time features)` : name;
        record(label, 'test log-loss', metrics.logLoss);
        record(label, 'test accuracy', metrics.accuracy);
        record(label, 'test ROC-AUC', metrics.auc);
        record(label, 'seconds', (Date.now() - started) / 1000);
        if (!dropTime) for (const a of await attributionWeights(model, prepared)) correlate(a.model, a.weights);
        if (!dropTime && name === 'attention') {
          // Model-based counterfactuals on the held-out test journeys, with this model as the value function.
          const scorer = createScorer(model);
          const removal = await modelRemovalEffects(prepared, scorer, { subset: 'test' });
          correlateTotals('removal', Object.fromEntries(removal.campaigns.map((c) => [c.campaign, c.perImpression])), removal.weights);
          const shapley = await shapleyAttribution(prepared, scorer, { subset: 'test', seed });
          correlateTotals('shapley', Object.fromEntries(shapley.campaigns.map((c) => [c.campaign, c.perImpression])), shapley.weights);
        }
        model.dispose();
        process.stderr.write(`seed ${seed} ${label}: auc ${metrics.auc.toFixed(3)} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
      }
    }
  }
  console.log(`Demo log ${loaded.table.rowCount} rows (${synth.users} users, ${synth.campaigns} campaigns); seeds ${seeds.join(', ')}; epochs x${scale}; backend ${backend.backend}. Mean ± sd over seeds.`);
  const neural = models.flatMap((m) => [m, `${m} (no time features)`]);
  table('Held-out test journeys', ['test log-loss', 'test accuracy', 'test ROC-AUC', 'seconds'], neural);
  table('Rank correlation with the planted truth', ['rho vs loss/impression', 'rho of weight x impressions vs removal loss'], [...POSITION_MODELS, 'markov', 'shapley_count', 'logreg', 'logreg_raw', 'attention', 'removal', 'shapley']);
}

await main();
