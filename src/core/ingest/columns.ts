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
 *
 * Category columns are made as Uint8Array and widened by `fit` when a value
 * needs more bits: the chunk being filled is copied into the wider type and
 * later chunks are made of it, while chunks already full stay narrow (the
 * join copies them into the widest type). So a column takes the bytes its
 * dictionary needs during the load as well as after it.
 */
import { categoryColumnType, categoryLimit, type CategoryColumn } from '../table';


export type TypedArray = Float64Array | Float32Array | Uint32Array | Int32Array | Int16Array | Uint16Array | Uint8Array;
export type TypedArrayConstructor = { new (length: number): TypedArray };

export const MAX_CHUNK_ROWS = 1 << 20;
const FIRST_CHUNK_ROWS = 1 << 14;
/** A pre-sized first chunk is kept as the column when it is at most this much larger than the rows (6%: ~2-3 bytes of a ~40-byte row). */
const KEEP_SLACK = 1.06;

export class ChunkedColumns {
  /** chunks[c][k] is column c of chunk k; null once joined. */
  private readonly chunks: (TypedArray | null)[][];
  /** Each column's type for new chunks (a category column's widens with `fit`). */
  private readonly types: TypedArrayConstructor[];
  /** Rows in the chunks before the current one. */
  private before = 0;
  private capacity = 0;
  private filled = 0;

  constructor(
    types: readonly TypedArrayConstructor[],
    /** Expected rows, when known: the first chunk's size. */
    private readonly expectedRows = 0,
  ) {
    this.types = [...types];
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

  /**
   * Makes category column c hold values up to `max`: when the chunk being
   * filled is too narrow, it is copied into the narrowest type that fits and
   * later chunks are made of that type. Returns the chunk being filled
   * (refresh cached references from it). Column c must be a category column
   * (Uint8Array, Uint16Array or Uint32Array).
   */
  fit(c: number, max: number): CategoryColumn {
    const list = this.chunks[c];
    const chunk = list[list.length - 1] as CategoryColumn;
    if (max <= categoryLimit(chunk)) return chunk;
    return this.widen(c, categoryColumnType(max)) as CategoryColumn;
  }

  /**
   * Makes column c of `Type` from the chunk being filled on: that chunk is
   * copied into it, later chunks are made of it, and chunks already full stay
   * as they are (the join copies them into `Type`). `Type` must hold every
   * value of the old type (a timestamp column: Uint32Array to Float64Array).
   * Returns the chunk being filled.
   */
  widen(c: number, Type: TypedArrayConstructor): TypedArray {
    const list = this.chunks[c];
    const chunk = list[list.length - 1] as TypedArray;
    const wide = new Type(chunk.length);
    wide.set(chunk);
    list[list.length - 1] = wide;
    this.types[c] = Type;
    return wide;
  }

  /** Joins column c into one array of `rowCount` rows, of its widest (last) chunk's type, and frees its chunks. */
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
