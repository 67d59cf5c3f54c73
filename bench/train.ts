/**
 * `npm run bench:train [-- --journeys N --batches N --backends wasm,cpu]`
 *
 * Seconds per epoch, journeys per second and peak RSS of each model on each
 * Node backend, on a fixed fabricated set (~100 k training journeys, 15 steps,
 * 100 campaigns, 7 category columns of 150 values; lengths uniform 1..15, so
 * most batches run all 15 steps), plus the attention model fed the article's
 * one-hot matrices on the same backend. An epoch is sampled: `--batches`
 * batches are timed after the first (warm-up) one and the time extrapolated to
 * the full epoch. Each configuration runs in its own process so that its peak
 * RSS is its own.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { useBackend } from '../src/core/models/backend';
import { splitRows } from '../src/core/models/inputs';
import { plantedPrepared } from '../src/core/models/testing';
import { trainModel } from '../src/core/models/train';
import { Split } from '../src/core/prepared';
import { DEFAULT_TRAIN, type Backend, type NeuralModelName } from '../src/core/settings';

const { values } = parseArgs({
  options: {
    journeys: { type: 'string', default: '156000' },
    batches: { type: 'string', default: '8' },
    backends: { type: 'string', default: 'wasm,cpu' },
    configs: { type: 'string', default: 'logreg,lstm,attention,attention-onehot' },
    child: { type: 'string' },
  },
});

const ARTICLE_PYTORCH_JOURNEYS_PER_SECOND = 3900;

interface Figure {
  config: string;
  backend: Backend;
  trainJourneys: number;
  batchSize: number;
  sampledBatches: number;
  secondsPerBatch: number;
  cpuSecondsPerBatch: number;
  secondsPerEpoch: number;
  journeysPerSecond: number;
  peakRssMb: number;
}

async function child(spec: string): Promise<void> {
  const [backend, config] = spec.split(':') as [Backend, string];
  const started = await useBackend(backend);
  if (!started.ok) throw new Error(started.error);
  const prepared = plantedPrepared({
    journeys: Number(values.journeys),
    campaigns: 100,
    categoryColumns: 7,
    categoryValues: 150,
    steps: 15,
    seed: 2024,
    causal: [3, 17, 42, 71],
    effect: 0.6,
  });
  const name = config.replace('-onehot', '') as NeuralModelName;
  const sampled = Number(values.batches);
  const trainJourneys = splitRows(prepared, Split.Train).length;
  const batchSize = DEFAULT_TRAIN.batchSize[name];
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  let wallAt = 0;
  let cpuAt = 0;
  await trainModel(
    prepared,
    name,
    { ...DEFAULT_TRAIN, epochs: { logreg: 1, lstm: 1, attention: 1 } },
    {
      // The clock starts when the warm-up batch ends.
      onBatchEnd: (p) => {
        if (p.batch === 1) {
          wallAt = performance.now();
          cpuAt = cpu();
        }
      },
    },
    { gradMode: config.endsWith('-onehot') ? 'onehot' : 'auto', maxBatchesPerEpoch: sampled + 1, validate: false },
  ).then((m) => m.dispose());
  const secondsPerBatch = (performance.now() - wallAt) / 1000 / sampled;
  const cpuSecondsPerBatch = (cpu() - cpuAt) / sampled;
  const figure: Figure = {
    config,
    backend,
    trainJourneys,
    batchSize,
    sampledBatches: sampled,
    secondsPerBatch,
    cpuSecondsPerBatch,
    secondsPerEpoch: secondsPerBatch * Math.ceil(trainJourneys / batchSize),
    journeysPerSecond: batchSize / secondsPerBatch,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(figure) + '\n');
}

function parent(): void {
  const figures: Figure[] = [];
  for (const backend of values.backends!.split(',')) {
    for (const config of values.configs!.split(',')) {
      process.stderr.write(`running ${config} on ${backend}...\n`);
      const run = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--child', `${backend}:${config}`, '--journeys', values.journeys!, '--batches', values.batches!], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const line = run.stdout.trim().split('\n').pop() ?? '';
      try {
        figures.push(JSON.parse(line) as Figure);
      } catch {
        process.stderr.write(`${config} on ${backend} failed (exit ${run.status})\n`);
      }
    }
  }
  const f = (x: number, d = 1) => x.toFixed(d);
  console.log(`\nTraining speed, ${figures[0]?.trainJourneys ?? '?'} training journeys, ${values.batches} sampled batches per configuration (extrapolated to an epoch)\n`);
  console.log('| model | backend | s/epoch | journeys/s | CPU s/batch | wall s/batch | peak RSS MB | vs PyTorch one-hot 3,900 j/s |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const x of figures) {
    console.log(
      `| ${x.config} | ${x.backend} | ${f(x.secondsPerEpoch)} | ${f(x.journeysPerSecond, 0)} | ${f(x.cpuSecondsPerBatch, 3)} | ${f(x.secondsPerBatch, 3)} | ${f(x.peakRssMb, 0)} | ${f(x.journeysPerSecond / ARTICLE_PYTORCH_JOURNEYS_PER_SECOND, 2)} |`,
    );
  }
  for (const backend of new Set(figures.map((x) => x.backend))) {
    const ours = figures.find((x) => x.backend === backend && x.config === 'attention');
    const oneHot = figures.find((x) => x.backend === backend && x.config === 'attention-onehot');
    if (ours && oneHot) {
      console.log(
        `\n${backend}: attention with embedding sums is ${f(oneHot.secondsPerEpoch / ours.secondsPerEpoch, 2)}x faster per epoch than fed one-hot matrices ` +
          `(CPU time ratio ${f(oneHot.cpuSecondsPerBatch / ours.cpuSecondsPerBatch, 2)}x).`,
      );
    }
  }
}

if (values.child) await child(values.child);
else parent();
