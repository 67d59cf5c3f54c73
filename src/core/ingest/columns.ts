/**
 * Columns that grow in chunks and are joined once at the end.
 *
 * The row count is unknown until the end of a gzip stream. Doubling one array
 * would briefly hold 3x the data; chunks (growing from 16 Ki to 1 Mi rows, so
 * small files stay small) are joined column by column, each column's chunks
 * dropped as soon as it is copied, so the peak stays near the final size plus
 * one column.
 *
 * When the row count can be estimated (text size / bytes per line), the first
 * chunk is sized to it and, if it holds every row with little slack, is kept
 * as the final column: no join, no second copy. This matters because the
 * chunks' memory returns only at the next full GC, which no browser lets a
 * page force: a join of 1.2 GB of chunks measured a 2.5 GB peak.
 */

export type TypedArray = Float64Array | Float32Array | Uint32Array | Int32Array | Int16Array | Uint8Array;
export type TypedArrayConstructor = { new (length: number): TypedArray };

export const MAX_CHUNK_ROWS = 1 << 20;
const FIRST_CHUNK_ROWS = 1 << 14;
/** A pre-sized first chunk is kept as the column when it is at most this much larger than the rows (6%: ~80 bytes a row). */
const KEEP_SLACK = 1.06;

export class ChunkedColumns {
  /** chunks[c][k] is column c of chunk k; null once joined. */
  private readonly chunks: (TypedArray | null)[][];
  /** Rows in the chunks before the current one. */
  private before = 0;
  private capacity = 0;
  private filled = 0;

  constructor(
    private readonly types: readonly TypedArrayConstructor[],
    /** Expected rows, when known: the first chunk's size. */
    private readonly expectedRows = 0,
  ) {
    this.chunks = types.map(() => []);
  }

  /** Rows appended so far. */
  get rowCount(): number {
    return this.before + this.filled;
  }

  /**
   * Reserves the next row; returns its index inside the current chunk. Call
   * `current(c)` after a return of 0 to refresh cached column references.
   */
  nextRow(): number {
    if (this.filled === this.capacity) {
      this.before += this.filled;
      const size =
        this.capacity === 0
          ? Math.max(FIRST_CHUNK_ROWS, this.expectedRows)
          : Math.min(MAX_CHUNK_ROWS, Math.max(FIRST_CHUNK_ROWS, this.capacity * 2));
      for (let c = 0; c < this.types.length; c++) this.chunks[c].push(new this.types[c](size));
      this.capacity = size;
      this.filled = 0;
    }
    return this.filled++;
  }

  /**
   * Starts the next chunk and reserves all of its rows at once, for a writer
   * that counts rows itself; returns how many. Rows left unused at the end
   * go back with `unreserve`.
   */
  reserveChunk(): number {
    this.filled = this.capacity;
    this.nextRow();
    this.filled = this.capacity;
    return this.capacity;
  }

  /** Gives back the last `rows` reserved rows of the current chunk. */
  unreserve(rows: number): void {
    this.filled -= Math.min(rows, this.filled);
  }

  /** Column c of the chunk being filled. */
  current(c: number): TypedArray {
    const list = this.chunks[c];
    return list[list.length - 1] as TypedArray;
  }

  /** Joins column c into one array of `rowCount` rows and frees its chunks. */
  join(c: number): TypedArray {
    const rows = this.rowCount;
    const first = this.chunks[c][0];
    if (this.chunks[c].length === 1 && first && first.length <= rows * KEEP_SLACK) {
      this.chunks[c][0] = null;
      return first.subarray(0, rows);
    }
    const out = new this.types[c](rows);
    const list = this.chunks[c];
    let offset = 0;
    for (let k = 0; k < list.length; k++) {
      const chunk = list[k] as TypedArray;
      const take = Math.min(chunk.length, rows - offset);
      if (take > 0) out.set(chunk.subarray(0, take) as never, offset);
      offset += take;
      list[k] = null;
    }
    return out;
  }
}
