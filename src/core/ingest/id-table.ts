/**
 * Dense indices for ids, in order of first appearance.
 *
 * The Criteo log has 6.1 M users: a JS Map of that size costs several hundred
 * MB and is slow to grow, so whole numbers in 0..2^32-1 live in an
 * open-addressing table of (key, index + 1) pairs in one Int32Array (one cache
 * line per probe, 8 bytes a slot). Anything else (negative, fractional or huge
 * ids) goes to a Map, which stays small on real logs.
 */

/** 2^32 / golden ratio: Fibonacci hashing, whose top bits spread sequential and strided ids evenly. */
const GOLDEN = 0x9e3779b1;

/** Grow past this share of used slots; linear probing stays short below it. */
const MAX_LOAD = 0.75;

export class NumericIdTable {
  private slots: Int32Array;
  /** 32 - log2(capacity): the hash is the top bits of the product. */
  private shift: number;
  private mask: number;
  private inTable = 0;
  private readonly other = new Map<number, number>();
  /**
   * The last key asked for and its index: campaign and category ids often
   * repeat on consecutive rows, and then no probe is needed. NaN never matches.
   */
  private lastKey = NaN;
  private lastIndex = 0;
  /** Number of distinct keys seen. */
  size = 0;
  /** Whether the last `indexOf` call added its key. */
  added = false;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    let bits = 4;
    while (capacity < initialCapacity) {
      capacity *= 2;
      bits++;
    }
    this.slots = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
    this.shift = 32 - bits;
  }

  /** Dense index of `key`, adding it when new. */
  indexOf(key: number): number {
    if (key === this.lastKey) {
      this.added = false;
      return this.lastIndex;
    }
    const index = key >>> 0 === key ? this.inSlots(key | 0) : this.inMap(key);
    this.lastKey = key;
    this.lastIndex = index;
    return index;
  }

  /**
   * The key of each dense index, read back from the slots (so recording them
   * costs nothing while rows stream in): what the seeded sampling hashes.
   * A Uint32Array when every key is a whole number in 0..2^32-1 (the
   * Criteo log's 5.2 M user ids: 21 MB instead of 42), else a Float64Array.
   */
  keys(): Float64Array | Uint32Array {
    const keys = this.other.size === 0 ? new Uint32Array(this.size) : new Float64Array(this.size);
    const slots = this.slots;
    for (let i = 0; i < slots.length; i += 2) {
      const stored = slots[i + 1];
      if (stored !== 0) keys[stored - 1] = slots[i] >>> 0;
    }
    for (const [key, index] of this.other) keys[index] = key;
    return keys;
  }

  /** Bytes held by the hash slots (for memory accounting in benchmarks). */
  get byteLength(): number {
    return this.slots.byteLength;
  }

  /** `key` is the uint32 id's bits as an int32, so slots compare without conversion. */
  private inSlots(key: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let h = Math.imul(key, GOLDEN) >>> this.shift;
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

  private inMap(key: number): number {
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

  private grow(): void {
    const old = this.slots;
    const capacity = (this.mask + 1) * 2;
    const slots = new Int32Array(capacity * 2);
    const mask = capacity - 1;
    const shift = this.shift - 1;
    for (let i = 0; i < old.length; i += 2) {
      const stored = old[i + 1];
      if (stored === 0) continue;
      const key = old[i];
      let h = Math.imul(key, GOLDEN) >>> shift;
      while (slots[2 * h + 1] !== 0) h = (h + 1) & mask;
      slots[2 * h] = key;
      slots[2 * h + 1] = stored;
    }
    this.slots = slots;
    this.mask = mask;
    this.shift = shift;
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
