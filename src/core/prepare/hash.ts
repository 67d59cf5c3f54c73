/**
 * The seeded hash that picks campaigns, unconverted journeys and the split, so
 * that the app, the CLI and the SQL a warehouse runs (`./sql.ts`) pick the same
 * ones for the same seed.
 *
 * It is defined on whole-number ids with nothing but +, *, integer division
 * by a power of two and MOD, on values below 2^63, so every SQL engine
 * computes it exactly the same way (no bitwise operators: their names and
 * their shifts of negatives differ between DuckDB, BigQuery and Spark, and
 * SQL parsers miss them):
 *
 *   spread(x) = (x + floor(x / 2^16)) mod 2^32
 *   mix(x)    = spread((spread((spread(x) * M) mod 2^32) * M) mod 2^32),  M = 0x45d9f3b
 *
 * for x in 0..2^32-1: the murmur-style finaliser with its xor-shifts written as
 * add-shifts. M is odd and below 2^31, so every product stays below 2^63; in
 * JS `Math.imul(x, M) >>> 0` gives the same low 32 bits. An id is folded in
 * as two 32-bit words (its value mod 2^32 and floor(value / 2^32) mod 2^32,
 * so -1 is 0xffffffff twice): h = mix((h + word) mod 2^32). The start value
 * mixes the seed with a salt per purpose, so the campaigns drawn never
 * correlate with the journeys drawn.
 *
 * Items are ranked by `rankKey`: two such hashes with different starts joined
 * into one 53-bit number, exact in a double and in a BIGINT. Equal rank keys
 * (a one-in-18,000 chance of a single pair among a million journeys) fall
 * back to the ids, in the app and in the SQL alike.
 */

const MULTIPLIER = 0x45d9f3b;
const TWO_32 = 4294967296;
const TWO_21 = 2097152;

/** The purposes each get their own stream. Second halves of the rank key use `salt + 1`. */
export const HASH_SALT = {
  campaigns: 0x63616d70, // 'camp'
  balance: 0x62616c61, // 'bala'
  split: 0x73706c69, // 'spli'
} as const;

export type HashPurpose = keyof typeof HASH_SALT;

/** (x + floor(x / 2^16)) mod 2^32, for x in 0..2^32-1. */
function spread(x: number): number {
  return (x + (x >>> 16)) >>> 0;
}

/** The integer mixing function above, on 0..2^32-1. */
export function mix32(x: number): number {
  x = Math.imul(spread(x), MULTIPLIER) >>> 0;
  x = Math.imul(spread(x), MULTIPLIER) >>> 0;
  return spread(x);
}

/** id mod 2^32, in 0..2^32-1: the low 32 bits in two's complement. */
export function lowWord(id: number): number {
  return ((id % TWO_32) + TWO_32) % TWO_32;
}

/** floor(id / 2^32) mod 2^32: bits 32..63 in two's complement (-1 gives 0xffffffff). */
export function highWord(id: number): number {
  return Math.floor(id / TWO_32) >>> 0;
}

/** The seed as the 32-bit word the hash starts from (fractions and signs folded, as `createRng` does). */
export function seedWord(seed: number): number {
  return (Number.isFinite(seed) ? seed : 0) >>> 0;
}

/** Start value of one hash: the seed mixed with a salt. The SQL inlines it as a constant. */
export function hashStart(seed: number, salt: number): number {
  return mix32((seedWord(seed) + salt) >>> 0);
}

/** Folds whole-number ids into a started hash. */
export function hashIds(start: number, ...ids: number[]): number {
  let h = start;
  for (const id of ids) {
    h = mix32((h + lowWord(id)) >>> 0);
    h = mix32((h + highWord(id)) >>> 0);
  }
  return h;
}

/** The two starts of a purpose's rank key. */
export function rankStarts(seed: number, purpose: HashPurpose): [number, number] {
  const salt = HASH_SALT[purpose];
  return [hashStart(seed, salt), hashStart(seed, (salt + 1) >>> 0)];
}

/** 53-bit rank key of an item given by its ids: hash1 * 2^21 + (hash2 >> 11). */
export function rankKey(starts: [number, number], ...ids: number[]): number {
  return hashIds(starts[0], ...ids) * TWO_21 + (hashIds(starts[1], ...ids) >>> 11);
}

/** 32-bit FNV-1a of a text: the key of an id that is not a whole number (such ids cannot go through the SQL). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const WHOLE = /^-?\d+$/;

/** The number an id hashes as: its value when it is a whole number that a double holds exactly, else a hash of its text. */
export function idKey(text: string): number {
  const t = text.trim();
  if (WHOLE.test(t)) {
    const n = Number(t);
    if (Number.isSafeInteger(n)) return n;
  }
  return fnv1a(t);
}

/** Whether every id text is a whole number the SQL reads the same way. */
export function isWholeId(text: string): boolean {
  const t = text.trim();
  return WHOLE.test(t) && Number.isSafeInteger(Number(t));
}
