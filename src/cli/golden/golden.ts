/**
 * The golden run: the CLI's `attribute` (every method), `train` and
 * `simulate` on the demo log at a fixed seed, as one JSON object. Committed
 * as `demo.json` before the run was reshaped into steps, rewritten when the
 * sampling became a seeded hash of the ids (issue 15); `golden.test.ts`
 * checks that the same commands still give the same numbers.
 *
 *   npx tsx src/cli/golden/golden.ts --write   # rewrite demo.json (only when a change of numbers is intended)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_SYNTH_OPTIONS, generateSynthetic } from '../../core/synth/generate';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const GOLDEN_FILE = join(dirname(fileURLToPath(import.meta.url)), 'demo.json');
const SEED = '7';

/** Wall-clock fields and the temporary folder's name differ run to run and are not part of the behaviour. */
function withoutTimes(value: unknown, dir: string): unknown {
  if (Array.isArray(value)) return value.map((v) => withoutTimes(v, dir));
  if (typeof value === 'string') return value.split(dir).join('<dir>');
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'seconds')
        .map(([key, v]) => [key, withoutTimes(v, dir)]),
    );
  }
  return value;
}

function cli(dir: string, args: string[]): unknown {
  const stdout = execFileSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return withoutTimes(JSON.parse(stdout), dir);
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function goldenRun(): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'golden-'));
  try {
    const log = join(dir, 'demo.tsv');
    const parts: string[] = [];
    generateSynthetic(DEMO_SYNTH_OPTIONS, (text) => parts.push(text));
    writeFileSync(log, parts.join(''));
    const counting = join(dir, 'counting.json');
    const neural = join(dir, 'neural.json');
    const scored = join(dir, 'scored.json');
    const model = join(dir, 'model');
    const attribute = cli(dir, ['attribute', log, '--models', 'lta,first,linear,timedecay,ushape,markov,shapley_count', '--out', counting, '--seed', SEED]);
    const train = cli(dir, ['train', log, '--models', 'logreg,attention', '--epochs', '1', '--seed', SEED, '--out', neural, '--save-model', model]);
    const attributeScored = cli(dir, ['attribute', log, '--models', 'removal,shapley', '--model', model, '--journeys', 'test', '--seed', SEED, '--out', scored]);
    const simulateCounting = cli(dir, ['simulate', log, '--weights', counting, '--seed', SEED]);
    const simulateNeural = cli(dir, ['simulate', log, '--weights', neural, '--seed', SEED, '--cost', '--pitches', '0.5,1,2']);
    return {
      attribute,
      weights: readJson(counting),
      train,
      neuralWeights: readJson(neural),
      attributeScored,
      scoredWeights: readJson(scored),
      simulateCounting,
      simulateNeural,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  writeFileSync(GOLDEN_FILE, `${JSON.stringify(goldenRun(), null, 1)}\n`);
  process.stderr.write(`wrote ${GOLDEN_FILE}\n`);
}
