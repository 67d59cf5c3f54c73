import { openInputFile } from './src/cli/input';
import { ingest } from './src/core/ingest';
const file = await openInputFile(process.env.HOME + '/.cache/attribution-lab/criteo-16.5M.tsv');
const t = performance.now();
const r = await ingest(file, {});
if (!r.ok) throw new Error(r.error.message);
console.log('ingest', ((performance.now() - t) / 1000).toFixed(2), r.table.rowCount);
