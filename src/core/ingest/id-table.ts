/**
 * Dense indices for ids, in order of first appearance.
 *
 * The Criteo log has 6.1 M users: a JS Map of that size costs several hundred
 * MB and is slow to grow, so whole numbers in 0..2^32-1 live in an
 * open-addressing table of (key, index + 1) pairs in one Uint32Array (one cache
 * line per probe, 8 bytes a slot). Anything else (negative, fractional or huge
 * ids) goes to a Map, which stays small on real logs.
 */

/** Final mixer of MurmurHash3: spreads sequential ids over the table. */
function mix(key: number): number {
  let h = key;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Grow past this share of used slots; linear probing stays short below it. */
const MAX_LOAD = 0.75;

export class NumericIdTable {
  private slots: Uint32Array;
  private mask: number;
  private inTable = 0;
  private readonly other = new Map<number, number>();
  /** Number of distinct keys seen. */
  size = 0;
  /** Whether the last `indexOf` call added its key. */
  added = false;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.slots = new Uint32Array(capacity * 2);
    this.mask = capacity - 1;
  }

  /** Dense index of `key`, adding it when new. */
  indexOf(key: number): number {
    if (key >>> 0 === key) {
      const slots = this.slots;
      const mask = this.mask;
      let h = mix(key) & mask;
      for (;;) {
        const stored = slots[2 * h + 1];
        if (stored === 0) break;
        if (slots[2 * h] === key) {
          this.added = false;
          return stored - 1;
        }
        h = (h + 1) & mask;
      }
      const index = this.size++;
      slots[2 * h] = key;
      slots[2 * h + 1] = index + 1;
      this.added = true;
      if (++this.inTable > MAX_LOAD * (mask + 1)) this.grow();
      return index;
    }
    const found = this.other.get(key);
    if (found !== undefined) {
      this.added = false;
      return found;
    }
    const index = this.size++;
    this.other.set(key, index);
    this.added = true;
    return index;
  }

  /** Bytes held by the hash slots (for memory accounting in benchmarks). */
  get byteLength(): number {
    return this.slots.byteLength;
  }

  private grow(): void {
    const old = this.slots;
    const capacity = (this.mask + 1) * 2;
    const slots = new Uint32Array(capacity * 2);
    const mask = capacity - 1;
    for (let i = 0; i < old.length; i += 2) {
      const stored = old[i + 1];
      if (stored === 0) continue;
      const key = old[i];
      let h = mix(key) & mask;
      while (slots[2 * h + 1] !== 0) h = (h + 1) & mask;
      slots[2 * h] = key;
      slots[2 * h + 1] = stored;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** String ids (users, channels, order ids of other logs) to dense indices. */
export class StringDictionary {
  private readonly map = new Map<string, number>();
  readonly texts: string[] = [];

  indexOf(text: string): number {
    let index = this.map.get(text);
    if (index === undefined) {
      index = this.texts.length;
      this.map.set(text, index);
      this.texts.push(text);
    }
    return index;
  }

  get size(): number {
    return this.texts.length;
  }
}
