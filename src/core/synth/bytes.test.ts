import { describe, expect, it } from 'vitest';
import { ByteWriter, asciiBytes } from './bytes';

function written(fill: (w: ByteWriter) => void, capacity?: number): string {
  const w = new ByteWriter(capacity);
  fill(w);
  return new TextDecoder('latin1').decode(w.buf.subarray(0, w.pos));
}

describe('ByteWriter', () => {
  it.each([0, 7, 10, -1, 20073966, 2_678_400, 2 ** 31 - 1, 2 ** 40 + 3])('int(%s) writes what String() writes', (n) => {
    expect(written((w) => w.int(n))).toBe(String(n));
  });

  it.each([
    [1e-5, '0.00001'],
    [0.390793596019, '0.390794'],
    [0.1, '0.1'],
    [1, '1'],
    [2, '2'],
    [1.5, '1.5'],
    [0.0123, '0.0123'],
    [0.0000004, '0'],
    [12.000001, '12.000001'],
  ])('price(%s) writes %s', (x, text) => {
    expect(written((w) => w.price(x))).toBe(text);
  });

  it('joins fields, tabs and newlines, and grows past its capacity', () => {
    const text = written((w) => {
      for (let i = 0; i < 100; i++) {
        w.reserve(64);
        w.bytes(asciiBytes('row'));
        w.tab();
        w.int(i);
        w.tab();
        w.bytes(asciiBytes('xabcx'), 1, 4);
        w.newline();
      }
    }, 16);
    const lines = text.split('\n');
    expect(lines).toHaveLength(101);
    expect(lines[0]).toBe('row\t0\tabc');
    expect(lines[99]).toBe('row\t99\tabc');
  });
});
