import { describe, expect, it } from 'vitest';
import { hashIds, hashStart, highWord, idKey, isWholeId, lowWord, mix32, rankKey, rankStarts } from './hash';

/** The definition in hash.ts, written again with BigInt: exact integers, no imul tricks. */
function mixReference(x: bigint): bigint {
  const M = 0x45d9f3bn;
  const T = 1n << 32n;
  const spread = (v: bigint) => (v + v / 65536n) % T;
  return spread((spread((spread(x) * M) % T) * M) % T);
}

describe('the seeded id hash', () => {
  it.each([0, 1, 2, 65535, 65536, 0x7fffffff, 0x80000000, 0xdeadbeef, 4294967295])('mix32(%i) is the BigInt definition', (x) => {
    expect(BigInt(mix32(x))).toBe(mixReference(BigInt(x)));
  });

  it('splits ids into two 32-bit words, two\'s complement for negatives', () => {
    expect([lowWord(-1), highWord(-1)]).toEqual([4294967295, 4294967295]);
    expect([lowWord(2 ** 40 + 5), highWord(2 ** 40 + 5)]).toEqual([5, 256]);
    expect([lowWord(7), highWord(7)]).toEqual([7, 0]);
  });

  it('folds each id word after word, as the SQL does', () => {
    const start = hashStart(42, 0x1234);
    const id = 2 ** 33 + 9;
    expect(hashIds(start, id)).toBe(mix32((mix32((start + 9) >>> 0) + 2) >>> 0));
  });

  it('ranks sequential ids in no particular order, evenly, and differently per seed', () => {
    const n = 20000;
    const starts = rankStarts(1, 'split');
    const keys = Array.from({ length: n }, (_, i) => rankKey(starts, i, -1));
    // Half of them below the middle of the 53-bit range, within 3 standard deviations.
    const low = keys.filter((k) => k < 2 ** 52).length;
    expect(Math.abs(low - n / 2)).toBeLessThan(3 * Math.sqrt(n / 4));
    // No trace of the id order: ids 0..n/2 hold about half of the lowest n/2 keys.
    const order = keys.map((k, i) => [k, i]).sort((a, b) => a[0] - b[0]);
    const firstHalf = order.slice(0, n / 2).filter(([, i]) => i < n / 2).length;
    expect(Math.abs(firstHalf - n / 4)).toBeLessThan(4 * Math.sqrt(n / 8));
    expect(new Set(keys).size).toBe(n);
    const other = rankStarts(2, 'split');
    expect(keys.slice(0, 50)).not.toEqual(Array.from({ length: 50 }, (_, i) => rankKey(other, i, -1)));
  });

  it.each([
    ['12345', 12345, true],
    [' -1 ', -1, true],
    ['0042', 42, true],
    ['email', null, false],
    ['1.5', null, false],
    ['123456789012345678901', null, false],
  ])('idKey(%j)', (text, value, whole) => {
    expect(isWholeId(text)).toBe(whole);
    if (value !== null) expect(idKey(text)).toBe(value);
    else expect(Number.isInteger(idKey(text)) && idKey(text) >= 0 && idKey(text) < 2 ** 32).toBe(true);
  });
});
