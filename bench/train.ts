/**
 * `npm run bench:train [-- --data planted|demo|FILE --journeys N --batches N --configs ... --batch-sizes 64,256 --buckets on,off --pytorch N]`
 *
 * Training speed of each model on the wasm (and cpu) backend of Node:
 * seconds per epoch, journeys per second by wall clock and by CPU time (the
 * machine may be shared, so CPU time is the figure to compare), CPU seconds
 * per batch and peak RSS. Data:
 * - `planted` (default): the issue's fixed synthetic set, 156,000 fabricated
 *   journeys of which ~100 k are training journeys, uniform length 1..15
 *   (mean 8), 100 campaigns and 7 category columns of 150 values: a one-hot
 *   touchpoint is ~1,150 floats wide, as in the article (~1,500);
 * - `demo`: the app's demo log (synthetic generator, default preparation):
 *   5,875 training journeys, short as in real logs (mean ~3.5 of 15 steps);
 * - a log file, e.g. ~/.cache/attribution-lab/criteo-16.5M.tsv.gz: read and
 *   prepared with the app's defaults (400 campaigns, balanced) in each child.
 * Configurations: logreg, lstm, attention, attention-onehot (the attention
 * model fed the article's one-hot matrices, built per batch), lstm-tfloop and
 * attention-tfloop (the recurrence as tfjs ops step by step, as on GPU
 * backends) and stock-lstm (tf.layers.lstm with sigmoid gates + a dense
 * output, fed dense 128-wide touchpoints, i.e. the attention model's
 * recurrence alone, always all steps). lstm and attention train with the
 * fused trainer (fused-train.ts); lstm-ops and attention-ops with tfjs ops
 * and tfjs's RMSprop, as before it.
 * `--batches N` (default 150) times N batches after a warm-up batch and
 * scales to an epoch; batches come in shuffled order (batches.ts), so they
 * are a random sample of the epoch, bucketed or not. `--batches 0` times a
 * whole epoch. Each configuration runs in its own process so that its peak
 * RSS is its own.
 * `--whole` instead trains every model as the app does (the run's training steps: default
 * epochs, validation, evaluation, attribution) and prints each model's time.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { PreparedData } from '../src/core/prepared';
import { Split } from '../src/core/prepared';
import { createRng } from '../src/core/random';
import { DEFAULT_PREPARE, DEFAULT_TRAIN, type Backend, type NeuralModelName } from '../src/core/settings';
import { demoPrepared } from './demo';
import { useBackend } from '../src/core/models/backend';
import { activeLengths } from '../src/core/models/batches';
import { featureLayout, splitRows } from '../src/core/models/inputs';
import { loadTable } from '../src/cli/run';
import { prepareJourneys } from '../src/core/prepare';
import { plantedPrepared } from '../src/core/models/testing';
import { trainModel } from '../src/core/models/train';
import { createRunContext, runSteps } from '../src/core/run';
import { defaultRunSettings } from '../src/core/settings';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'planted' },
    journeys: { type: 'string', default: '156000' },
    batches: { type: 'string', default: '150' },
    backends: { type: 'string', default: 'wasm' },
    configs: { type: 'string', default: 'logreg,lstm,attention,attention-onehot,stock-lstm' },
    'batch-sizes': { type: 'string', default: '64,256' },
    buckets: { type: 'string', default: 'on,off' },
    child: { type: 'string' },
    whole: { type: 'boolean', default: false },
    pytorch: { type: 'string', default: '3900' },
  },
});

/**
 * The baseline of the last column: journeys per second of the notebook's
 * PyTorch attention model. Default: the issue's 3,900 (wall clock, both
 * cores). `--pytorch N` sets another, e.g. the journeys per CPU-second that
 * `python3 bench/pytorch_attention.py` measures on this machine.
 */
const PYTORCH_JOURNEYS_PER_SECOND = Number(values.pytorch);

interface Figure {
  config: string;
  backend: Backend;
  batchSize: number;
  buckets: boolean;
  trainJourneys: number;
  meanLength: number;
  timedBatches: number;
  secondsPerEpoch: number;
  cpuSecondsPerEpoch: number;
  cpuSecondsPerBatch: number;
  journeysPerSecond: number;
  journeysPerCpuSecond: number;
  peakRssMb: number;
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function loadData(): Promise<PreparedData> {
  if (values.data === 'planted') {
    return plantedPrepared({ journeys: Number(values.journeys), campaigns: 100, categoryColumns: 7, categoryValues: 150, steps: 15, seed: 2024, causal: [3, 17, 42, 71], effect: 0.6 });
  }
  if (values.data === 'demo') return demoPrepared();
  // A log file (e.g. the full-size one bench:ingest generates), read and prepared as the app does by default.
  const loaded = await loadTable(values.data!);
  if (!loaded.ok) throw new Error(loaded.error);
  const prepared = prepareJourneys(loaded.table, DEFAULT_PREPARE);
  const layout = featureLayout(prepared, DEFAULT_TRAIN.dropTimeFeatures);
  process.stderr.write(`prepared ${prepared.journeys.count} journeys, ${prepared.campaignIds.length} campaigns, vocabulary ${layout.vocabulary}\n`);
  return prepared;
}

/** Trains tf.layers.lstm on dense random touchpoints shaped like the attention model's embeddings: [B, 15, 128]. */
async function stockLstm(steps: number, batchSize: number, batches: number): Promise<{ wall: number; cpu: number }> {
  const model = tf.sequential({
    layers: [tf.layers.lstm({ units: 64, recurrentActivation: 'sigmoid', inputShape: [steps, 128] }), tf.layers.dense({ units: 1, activation: 'sigmoid' })],
  });
  model.compile({ optimizer: tf.train.rmsprop(0.001), loss: 'binaryCrossentropy' });
  const rng = createRng(7);
  const x = tf.tensor3d(Float32Array.from({ length: batchSize * steps * 128 }, () => rng.normal() * 0.1), [batchSize, steps, 128]);
  const y = tf.tensor2d(Float32Array.from({ length: batchSize }, () => (rng.next() < 0.5 ? 1 : 0)), [batchSize, 1]);
  await model.trainOnBatch(x, y);
  const wall = performance.now();
  const cpu = cpuNow();
  for (let b = 0; b < batches; b++) await model.trainOnBatch(x, y);
  return { wall: (performance.now() - wall) / 1000, cpu: cpuNow() - cpu };
}

async function child(spec: string): Promise<void> {
  const [backend, config, size, bucketsFlag] = spec.split(':') as [Backend, string, string, string];
  const started = await useBackend(backend);
  if (!started.ok) throw new Error(started.error);
  const prepared = await loadData();
  const seq = prepared.sequences;
  const trainRows = splitRows(prepared, Split.Train);
  const lengths = activeLengths(seq.mask, seq.steps, trainRows.length, trainRows);
  const meanLength = lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length);
  const batchSize = Number(size);
  const buckets = bucketsFlag === 'on';
  const epochBatches = Math.ceil(trainRows.length / batchSize);
  const sampled = Number(values.batches) > 0 ? Math.min(epochBatches, Number(values.batches)) : epochBatches;
  let wall: number;
  let cpu: number;
  if (config === 'stock-lstm') {
    ({ wall, cpu } = await stockLstm(seq.steps, batchSize, Math.min(sampled, 8)));
    wall *= sampled / Math.min(sampled, 8);
    cpu *= sampled / Math.min(sampled, 8);
  } else {
    const name = config.replace(/-onehot|-tfloop|-ops/, '') as NeuralModelName;
    const settings = { ...DEFAULT_TRAIN, epochs: { logreg: 1, lstm: 1, attention: 1 }, batchSize: { logreg: batchSize, lstm: batchSize, attention: batchSize } };
    const options = { gradMode: config.endsWith('-onehot') ? ('onehot' as const) : ('auto' as const), validate: false, lengthBuckets: buckets, recurrence: config.endsWith('-tfloop') ? ('tf' as const) : undefined, fused: config.endsWith('-ops') ? false : undefined };
    // Warm-up: the first batch of a backend compiles and allocates.
    (await trainModel(prepared, name, settings, {}, { ...options, maxBatchesPerEpoch: 1 })).dispose();
    const wallAt = performance.now();
    const cpuAt = cpuNow();
    (await trainModel(prepared, name, settings, {}, { ...options, maxBatchesPerEpoch: sampled })).dispose();
    wall = (performance.now() - wallAt) / 1000;
    cpu = cpuNow() - cpuAt;
  }
  const scale = epochBatches / sampled;
  const figure: Figure = {
    config,
    backend,
    batchSize,
    buckets,
    trainJourneys: trainRows.length,
    meanLength,
    timedBatches: sampled,
    secondsPerEpoch: wall * scale,
    cpuSecondsPerEpoch: cpu * scale,
    cpuSecondsPerBatch: cpu / sampled,
    journeysPerSecond: trainRows.length / (wall * scale),
    journeysPerCpuSecond: trainRows.length / (cpu * scale),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(figure) + '\n');
}

function parent(): void {
  const figures: Figure[] = [];
  for (const backend of values.backends!.split(',')) {
    for (const config of values.configs!.split(',')) {
      for (const size of values['batch-sizes']!.split(',')) {
        // The regression and the stock model have no steps to bucket.
        const bucketModes = config === 'logreg' || config === 'stock-lstm' ? ['off'] : values.buckets!.split(',');
        for (const buckets of bucketModes) {
          const spec = `${backend}:${config}:${size}:${buckets}`;
          process.stderr.write(`running ${spec}...\n`);
          const args = [...process.execArgv, process.argv[1], '--child', spec, '--data', values.data!, '--journeys', values.journeys!, '--batches', values.batches!];
          const run = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
          const line = run.stdout.trim().split('\n').pop() ?? '';
          try {
            figures.push(JSON.parse(line) as Figure);
          } catch {
            process.stderr.write(`${spec} failed (exit ${run.status})\n`);
          }
        }
      }
    }
  }
  const f = (x: number, d = 1) => x.toFixed(d);
  const first = figures[0];
  console.log(
    `\nTraining speed, ${values.data} data: ${first?.trainJourneys ?? '?'} training journeys, mean length ${first ? f(first.meanLength, 2) : '?'} steps; ` +
      `${Number(values.batches) > 0 ? `${values.batches} timed batches (a random sample) scaled to an epoch` : 'one whole epoch timed'}\n`,
  );
  console.log(`| model | backend | batch | buckets | s/epoch | CPU s/epoch | journeys/s | journeys/CPU-s | CPU s/batch | peak RSS MB | CPU j/s vs PyTorch ${PYTORCH_JOURNEYS_PER_SECOND.toLocaleString('en-GB')} |`);
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const x of figures) {
    console.log(
      `| ${x.config} | ${x.backend} | ${x.batchSize} | ${x.buckets ? 'on' : 'off'} | ${f(x.secondsPerEpoch)} | ${f(x.cpuSecondsPerEpoch)} | ${f(x.journeysPerSecond, 0)} | ` +
        `${f(x.journeysPerCpuSecond, 0)} | ${f(x.cpuSecondsPerBatch, 3)} | ${f(x.peakRssMb, 0)} | ${f(x.journeysPerCpuSecond / PYTORCH_JOURNEYS_PER_SECOND, 2)} |`,
    );
  }
  for (const x of figures.filter((y) => y.config === 'attention')) {
    const same = (y: Figure) => y.backend === x.backend && y.batchSize === x.batchSize;
    const oneHot = figures.find((y) => same(y) && y.config === 'attention-onehot' && y.buckets === x.buckets);
    if (oneHot) {
      console.log(
        `${x.backend}, batch ${x.batchSize}, buckets ${x.buckets ? 'on' : 'off'}: embedding sums vs one-hot input: ` +
          `${f(oneHot.cpuSecondsPerEpoch / x.cpuSecondsPerEpoch, 2)}x in CPU time, ${f(oneHot.secondsPerEpoch / x.secondsPerEpoch, 2)}x in wall time.`,
      );
    }
    const tfLoop = figures.find((y) => same(y) && y.config === 'attention-tfloop' && y.buckets === x.buckets);
    if (tfLoop) console.log(`${x.backend}, batch ${x.batchSize}, buckets ${x.buckets ? 'on' : 'off'}: JS recurrence vs tfjs ops step by step: ${f(tfLoop.cpuSecondsPerEpoch / x.cpuSecondsPerEpoch, 2)}x in CPU time.`);
    const unbucketed = figures.find((y) => same(y) && y.config === 'attention' && !y.buckets);
    if (x.buckets && unbucketed) console.log(`${x.backend}, batch ${x.batchSize}: length buckets speed attention up ${f(unbucketed.cpuSecondsPerEpoch / x.cpuSecondsPerEpoch, 2)}x in CPU time.`);
    const stock = figures.find((y) => same(y) && y.config === 'stock-lstm');
    if (stock && !x.buckets) {
      console.log(
        `${x.backend}, batch ${x.batchSize}: stock tf.layers.lstm (recurrence only, all 15 steps) ${f(stock.cpuSecondsPerBatch, 3)} CPU s/batch; ` +
          `our whole attention model without buckets ${f(x.cpuSecondsPerBatch, 3)}.`,
      );
    }
  }
}

/** The app's whole training on the chosen data, one backend: CPU and wall seconds per model (evaluation included). */
async function whole(): Promise<void> {
  const backend = values.backends!.split(',')[0] as Backend;
  const started = await useBackend(backend);
  if (!started.ok) throw new Error(started.error);
  const prepared = await loadData();
  let cpuAt = cpuNow();
  let wallAt = performance.now();
  const lines: string[] = [];
  // Each model's figure runs from the previous model's last epoch, so it includes that model's evaluation and attribution.
  const ctx = createRunContext(
    null,
    defaultRunSettings(),
    {
      onEpoch: (model, record) => {
        if (record.epoch !== DEFAULT_TRAIN.epochs[model]) return;
        lines.push(`| ${model} | ${record.epoch} | ${(cpuNow() - cpuAt).toFixed(1)} | ${((performance.now() - wallAt) / 1000).toFixed(1)} |`);
        cpuAt = cpuNow();
        wallAt = performance.now();
      },
    },
    { prepared },
  );
  const outcome = await runSteps(ctx, DEFAULT_TRAIN.models);
  if (!outcome.ok) throw new Error(outcome.error);
  const result = ctx;
  console.log(`\nWhole training as in the app, ${values.data} data, ${backend}: ${splitRows(prepared, Split.Train).length} training journeys\n`);
  console.log('| model | epochs | CPU s | wall s |\n|---|---|---|---|\n' + lines.join('\n'));
  for (const [name, m] of Object.entries(result.metrics)) console.log(`${name}: held-out ROC-AUC ${m.auc.toFixed(3)}`);
  for (const m of result.models) m.dispose();
}

if (values.child) await child(values.child);
else if (values.whole) await whole();
else parent();
