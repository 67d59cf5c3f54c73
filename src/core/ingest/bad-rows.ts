/** Malformed rows: skipped and counted until there are too many of them. */
import type { SkippedRow } from '../table';
import { failure } from './errors';

/** Examples kept for the summary. */
const MAX_EXAMPLES = 10;
/** The share is judged only once this many rows were seen (and again at the end). */
const MIN_ROWS_FOR_SHARE = 1000;

export class BadRows {
  count = 0;
  readonly examples: SkippedRow[] = [];
  /** True while every bad row was a value that is not a number (then the code is `bad-value`). */
  private onlyValues = true;

  constructor(private readonly maxShare: number) {}

  /** Records a bad row; `goodRows` is the rows accepted so far. */
  add(line: number, reason: string, kind: 'value' | 'shape', goodRows: number): void {
    this.count++;
    if (kind !== 'value') this.onlyValues = false;
    if (this.examples.length < MAX_EXAMPLES) this.examples.push({ line, reason });
    if (goodRows + this.count >= MIN_ROWS_FOR_SHARE) this.check(goodRows);
  }

  /** Stops the load when the share of bad rows is above the limit. */
  check(goodRows: number): void {
    const seen = goodRows + this.count;
    if (this.count === 0 || this.count <= this.maxShare * seen) return;
    const first = this.examples[0];
    const limit = `${+(this.maxShare * 100).toFixed(2)}%`;
    failure(
      this.onlyValues ? 'bad-value' : 'too-many-bad-rows',
      `${first.reason} ${this.count} of ${seen} rows are malformed, more than the ${limit} that may be skipped.`,
    );
  }
}
