import { describe, expect, it } from 'vitest';
import { ChunkedColumns } from './columns';

/** Appends `values` to column 0 one row at a time, fitting the column to each value as the ingest does. */
function fill(columns: ChunkedColumns, values: readonly number[]): void {
  for (const v of values) {
    const r = columns.nextRow();
    columns.fit(0, v)[r] = v;
  }
}

describe('ChunkedColumns category columns', () => {
  it('start as bytes and stay bytes while every value fits', () => {
    const columns = new ChunkedColumns([Uint8Array]);
    const values = Array.from({ length: 40_000 }, (_, i) => (i * 7) % 256);
    fill(columns, values);
    const out = columns.join(0);
    expect(out).toBeInstanceOf(Uint8Array);
    expect(Array.from(out)).toEqual(values);
  });

  it('widen to 16 and then 32 bits across chunks, keeping the narrow chunks already full', () => {
    // 16 Ki, 32 Ki, 64 Ki rows: the first chunk is full before any value passes 255.
    const columns = new ChunkedColumns([Uint8Array]);
    const values = Array.from({ length: 100_000 }, (_, i) => (i < 20_000 ? i % 256 : i < 60_000 ? i % 65_536 : i));
    fill(columns, values);
    const out = columns.join(0);
    expect(out).toBeInstanceOf(Uint32Array);
    expect(Array.from(out)).toEqual(values);
  });

  it('widen a pre-sized single chunk in place of the old one, which becomes the column', () => {
    const columns = new ChunkedColumns([Uint8Array], 1000);
    const values = Array.from({ length: 1000 }, (_, i) => (i < 500 ? i % 200 : 300 + i));
    fill(columns, values);
    const out = columns.join(0);
    expect(out).toBeInstanceOf(Uint16Array);
    expect(out.length).toBe(1000);
    expect(Array.from(out)).toEqual(values);
  });

  it('leave a column alone when the value fits, and widen only as far as needed', () => {
    const columns = new ChunkedColumns([Uint8Array]);
    columns.nextRow();
    const first = columns.fit(0, 255);
    expect(first).toBeInstanceOf(Uint8Array);
    expect(columns.fit(0, 0)).toBe(first);
    first[0] = 200;
    const wide = columns.fit(0, 65_535);
    expect(wide).toBeInstanceOf(Uint16Array);
    expect(wide[0]).toBe(200);
    expect(columns.fit(0, 65_536)).toBeInstanceOf(Uint32Array);
  });
});

describe('ChunkedColumns.widen', () => {
  it('widens a Uint32 time column to Float64 from the chunk being filled on; the join holds every value exactly', () => {
    // 16 Ki, 32 Ki, 64 Ki rows: the fraction comes in the third chunk, after two full Uint32 chunks.
    const columns = new ChunkedColumns([Uint32Array]);
    const values = Array.from({ length: 100_000 }, (_, i) => (i === 70_000 ? 2 ** 32 + 0.5 : i === 80_000 ? -1 : 4_000_000_000 + i));
    let wide = false;
    for (const v of values) {
      const r = columns.nextRow();
      if (!wide && v >>> 0 !== v) {
        columns.widen(0, Float64Array);
        wide = true;
      }
      columns.current(0)[r] = v;
    }
    const out = columns.join(0);
    expect(out).toBeInstanceOf(Float64Array);
    expect(Array.from(out)).toEqual(values);
  });

  it('keeps a pre-sized single chunk, widened, as the column', () => {
    const columns = new ChunkedColumns([Uint32Array], 100);
    for (let i = 0; i < 100; i++) {
      const r = columns.nextRow();
      if (i === 50) expect(columns.widen(0, Float64Array)[49]).toBe(49);
      columns.current(0)[r] = i + (i >= 50 ? 0.25 : 0);
    }
    const out = columns.join(0);
    expect(out).toBeInstanceOf(Float64Array);
    expect(Array.from(out)).toEqual(Array.from({ length: 100 }, (_, i) => i + (i >= 50 ? 0.25 : 0)));
  });
});
