import { ReusableArray } from "./reusable-array.ts";

// Scratch shared by every call (sorts are synchronous), so repeated large sorts allocate nothing.
const scratchKeys = new ReusableArray((length) => new Float64Array(length));
const scratchSpareKeys = new ReusableArray((length) => new Float64Array(length));
const scratchSpareIndices = new ReusableArray((length) => new Int32Array(length));
const buckets = new Int32Array(1 << 11);

/**
 * The digits of each 32-bit half of a key, low to high, as [shift, width]: 11 bits at most, so the
 * bucket counts stay in the fastest cache and each pass scatters into 2,048 places rather than
 * 65,536 (about a quarter faster at 1M keys than 16-bit digits, for two more passes).
 */
const DIGITS = [
  [0, 11],
  [11, 11],
  [22, 10],
] as const;

/**
 * Runs of keys that share their high 32 bits up to this long are put in order by their low 32 bits
 * with an insertion sort, instead of by three more radix passes over every key. The high half holds
 * a double's sign, exponent and 20 bits of fraction: skills share it only when within about a
 * millionth of each other, so their runs are short; timestamps a few minutes apart share it, and
 * take the passes.
 */
const LONGEST_RUN_SORTED_BY_INSERTION = 32;

/**
 * Orders indices by a numeric key, stably: indices with equal keys keep the order they had in
 * `order`. A radix sort over the key's high 32 bits (see {@link DIGITS}), then either an insertion
 * sort of each run of equal high halves by the low half or, when a run is long, an LSD radix sort
 * over all 64 bits; passes where every key has the same digit are skipped (the high bits of
 * timestamps and ratings usually agree). Indices already in key order, as the tickets a store lists
 * oldest first are by creation time, cost one sweep.
 *
 * Why not `Int32Array.prototype.sort` with a comparator: at a million tickets the comparator calls
 * alone cost several times a matching pass's budget, while a radix pass is two linear sweeps.
 * Sorting by a secondary key first and then stably by the primary one gives a two-key order without
 * a comparator.
 *
 * `-0` sorts equal to `0`; NaN keys are not supported (callers validate their numbers).
 *
 * The result goes into `into` when given (at least as long as `order`, not `order` itself), else
 * into a new array; `order` is left untouched.
 */
export function stableSortByKey(order: Int32Array, keyOf: Float64Array, into?: Int32Array): Int32Array {
  const count = order.length;
  const result: Int32Array = into === undefined ? new Int32Array(count) : into.subarray(0, count);
  result.set(order);
  if (count < 2 || inKeyOrder(order, keyOf)) return result;
  let indices: Int32Array = result;
  const floats = scratchKeys.take(count);
  for (let i = 0; i < count; i++) floats[i] = keyOf[indices[i]!]! + 0;
  // Viewed as unsigned 32-bit halves (little endian: low word first), turned into unsigned
  // integers that order the same way as the floats.
  let words = new Uint32Array(floats.buffer, floats.byteOffset, 2 * count);
  for (let i = 0; i < count; i++) {
    const high = words[2 * i + 1]!;
    if (high >>> 31 === 1) {
      words[2 * i] = ~words[2 * i]! >>> 0;
      words[2 * i + 1] = ~high >>> 0;
    } else {
      words[2 * i + 1] = (high | 0x80000000) >>> 0;
    }
  }
  let spareIndices: Int32Array = scratchSpareIndices.take(count);
  const spareKeys = scratchSpareKeys.take(count);
  let spareWords = new Uint32Array(spareKeys.buffer, spareKeys.byteOffset, 2 * count);

  /** Runs the passes of half `word` (0: low, 1: high), swapping the arrays after each that moved keys. */
  const passes = (word: number): void => {
    for (const [shift, width] of DIGITS) {
      if (!radixPass(word, shift, width, count, words, indices, spareWords, spareIndices)) continue;
      [words, spareWords] = [spareWords, words];
      [indices, spareIndices] = [spareIndices, indices];
    }
  };
  passes(1);
  if (!sortRunsByLowHalf(words, indices, count, LONGEST_RUN_SORTED_BY_INSERTION)) {
    // Stable from here on: by the low half, then by the high half again, gives the full order, and
    // keys equal in all 64 bits are still in the order the input had them.
    passes(0);
    passes(1);
  }
  if (indices !== result) result.set(indices);
  return result;
}

/**
 * One stable pass by the digit of half `word` at `shift`, `width` bits wide, from `words` and
 * `indices` into the spare arrays; false, moving nothing, when every key has the same digit.
 */
function radixPass(
  word: number,
  shift: number,
  width: number,
  count: number,
  words: Uint32Array,
  indices: Int32Array,
  spareWords: Uint32Array,
  spareIndices: Int32Array,
): boolean {
  const mask = (1 << width) - 1;
  buckets.fill(0);
  for (let i = 0; i < count; i++) buckets[(words[2 * i + word]! >>> shift) & mask]!++;
  if (buckets[(words[word]! >>> shift) & mask] === count) return false;
  let total = 0;
  for (let digit = 0; digit <= mask; digit++) {
    const size = buckets[digit]!;
    buckets[digit] = total;
    total += size;
  }
  for (let i = 0; i < count; i++) {
    const low = words[2 * i]!;
    const high = words[2 * i + 1]!;
    const target = buckets[((word === 0 ? low : high) >>> shift) & mask]!++;
    spareWords[2 * target] = low;
    spareWords[2 * target + 1] = high;
    spareIndices[target] = indices[i]!;
  }
  return true;
}

/**
 * Orders each run of keys with the same high half (keys in high-half order) by the low half, by
 * insertion (stable), moving their indices with them. Stops at the first run longer than
 * `longest`, returning false: the runs before it are in order, the rest as they were.
 */
function sortRunsByLowHalf(words: Uint32Array, indices: Int32Array, count: number, longest: number): boolean {
  for (let start = 0; start < count; ) {
    let end = start + 1;
    while (end < count && words[2 * end + 1] === words[2 * start + 1]) end++;
    if (end - start > longest) return false;
    for (let i = start + 1; i < end; i++) {
      const low = words[2 * i]!;
      const index = indices[i]!;
      let k = i;
      while (k > start && words[2 * (k - 1)]! > low) {
        words[2 * k] = words[2 * (k - 1)]!;
        indices[k] = indices[k - 1]!;
        k--;
      }
      words[2 * k] = low;
      indices[k] = index;
    }
    start = end;
  }
  return true;
}

/** Whether the keys of `order` never decrease along it. */
function inKeyOrder(order: Int32Array, keyOf: Float64Array): boolean {
  for (let i = 1; i < order.length; i++) if (keyOf[order[i]!]! < keyOf[order[i - 1]!]!) return false;
  return true;
}
