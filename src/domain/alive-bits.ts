/**
 * A set of positions 0..size-1, some of which get removed, as a bitset with two summary levels:
 * nearest remaining position to the left or right, and how many remain in a range, in a few word
 * operations however many positions around are gone.
 *
 * Why bits: the matcher keeps one of these per region over every waiting ticket in skill order. At
 * a million tickets a region's set is 125 KiB and stays in cache, so stepping from one remaining
 * ticket to the next, removing one, or counting those in a range costs no memory access to the
 * tickets' own data; and counting is what lets a scan skip a run of candidates it would reject
 * while still knowing how many it passed over.
 *
 * Storage is handed in and reused (see {@link bitsetWords}) so that building one per region per
 * pass allocates nothing once the storage has grown.
 */
export class AliveBits {
  readonly size: number;
  // Bit p of the set: bit (p & 31) of words[p >>> 5]. A summary bit is set when its word is not zero:
  // bit w of summary[w >>> 5], and bit v of top[v >>> 5] for summary word v. `blockCount[v]` is how
  // many positions remain in the 1,024 of summary word v, so counting over a long, sparse range adds
  // block counts rather than visiting every word.
  readonly #words: Int32Array;
  readonly #summary: Int32Array;
  readonly #top: Int32Array;
  readonly #blockCount: Int32Array;

  /**
   * Over `storage` (at least {@link bitsetWords}(`size`) long), whose first `size` bits the caller
   * has already set as wanted (bits past `size` must be 0); the summaries are computed here.
   */
  constructor(size: number, storage: Int32Array) {
    this.size = size;
    const words = (size + 31) >>> 5;
    const blocks = (words + 31) >>> 5;
    const topWords = (blocks + 31) >>> 5;
    this.#words = storage.subarray(0, words);
    this.#summary = storage.subarray(words, words + blocks).fill(0);
    this.#blockCount = storage.subarray(words + blocks, words + 2 * blocks).fill(0);
    this.#top = storage.subarray(words + 2 * blocks, words + 2 * blocks + topWords).fill(0);
    for (let w = 0; w < words; w++) {
      const bits = this.#words[w]!;
      if (bits === 0) continue;
      this.#summary[w >>> 5]! |= 1 << (w & 31);
      this.#blockCount[w >>> 5]! += bitCount(bits);
    }
    for (let v = 0; v < blocks; v++) if (this.#summary[v] !== 0) this.#top[v >>> 5]! |= 1 << (v & 31);
  }

  /** Whether `position` remains. */
  has(position: number): boolean {
    return (this.#words[position >>> 5]! & (1 << (position & 31))) !== 0;
  }

  /** Removes `position` (removing one already gone is harmless). */
  remove(position: number): void {
    const w = position >>> 5;
    const old = this.#words[w]!;
    const bits = old & ~(1 << (position & 31));
    if (bits === old) return;
    this.#words[w] = bits;
    const v = w >>> 5;
    this.#blockCount[v]!--;
    if (bits !== 0) return;
    const summary = this.#summary[v]! & ~(1 << (w & 31));
    this.#summary[v] = summary;
    if (summary === 0) this.#top[v >>> 5]! &= ~(1 << (v & 31));
  }

  /** The first remaining position at or after `position`, or `size` when there is none. */
  atOrAfter(position: number): number {
    if (position >= this.size) return this.size;
    const from = Math.max(position, 0);
    const w = from >>> 5;
    const bits = this.#words[w]! & (-1 << (from & 31));
    if (bits !== 0) return (w << 5) + lowestBit(bits);
    const next = nextNonZero(this.#summary, this.#top, w + 1);
    return next === -1 ? this.size : (next << 5) + lowestBit(this.#words[next]!);
  }

  /** The last remaining position at or before `position`, or -1 when there is none. */
  atOrBefore(position: number): number {
    if (position < 0) return -1;
    const from = Math.min(position, this.size - 1);
    const w = from >>> 5;
    const bits = this.#words[w]! & (-1 >>> (31 - (from & 31)));
    if (bits !== 0) return (w << 5) + highestBit(bits);
    const previous = previousNonZero(this.#summary, this.#top, w - 1);
    return previous === -1 ? -1 : (previous << 5) + highestBit(this.#words[previous]!);
  }

  /** How many positions remain in `[from, to)`, counting no further than `cap`. */
  countBetween(from: number, to: number, cap: number): number {
    const start = Math.max(from, 0);
    const end = Math.min(to, this.size);
    if (start >= end) return 0;
    const firstWord = start >>> 5;
    const lastWord = (end - 1) >>> 5;
    let count = 0;
    let w = firstWord;
    while (w <= lastWord && count < cap) {
      // Whole blocks of 32 words at once, from a block boundary (not inside the first word) up to
      // the last word's block.
      if ((w & 31) === 0 && w + 32 <= lastWord && (w !== firstWord || (start & 31) === 0)) {
        count += this.#blockCount[w >>> 5]!;
        w += 32;
        continue;
      }
      let bits = this.#words[w]!;
      if (w === firstWord) bits &= -1 << (start & 31);
      if (w === lastWord) bits &= -1 >>> (31 - ((end - 1) & 31));
      count += bitCount(bits);
      w++;
    }
    return Math.min(count, cap);
  }
}

/** Int32 words of storage an {@link AliveBits} over `size` positions needs. */
export function bitsetWords(size: number): number {
  const words = (size + 31) >>> 5;
  const blocks = (words + 31) >>> 5;
  return words + 2 * blocks + ((blocks + 31) >>> 5);
}

/** The first word at or after `w` whose summary bit is set, or -1. */
function nextNonZero(summary: Int32Array, top: Int32Array, w: number): number {
  if (w >= summary.length << 5) return -1;
  const v = w >>> 5;
  const bits = summary[v]! & (-1 << (w & 31));
  if (bits !== 0) return (v << 5) + lowestBit(bits);
  for (let t = (v + 1) >>> 5, first = v + 1; t < top.length; t++, first = t << 5) {
    const topBits = top[t]! & (-1 << (first & 31));
    if (topBits === 0) continue;
    const u = (t << 5) + lowestBit(topBits);
    return (u << 5) + lowestBit(summary[u]!);
  }
  return -1;
}

/** The last word at or before `w` whose summary bit is set, or -1. */
function previousNonZero(summary: Int32Array, top: Int32Array, w: number): number {
  if (w < 0) return -1;
  const v = w >>> 5;
  const bits = summary[v]! & (-1 >>> (31 - (w & 31)));
  if (bits !== 0) return (v << 5) + highestBit(bits);
  for (let t = (v - 1) >> 5, last = v - 1; t >= 0; t--, last = (t << 5) + 31) {
    const topBits = top[t]! & (-1 >>> (31 - (last & 31)));
    if (topBits === 0) continue;
    const u = (t << 5) + highestBit(topBits);
    return (u << 5) + highestBit(summary[u]!);
  }
  return -1;
}

function lowestBit(bits: number): number {
  return 31 - Math.clz32(bits & -bits);
}

function highestBit(bits: number): number {
  return 31 - Math.clz32(bits);
}

function bitCount(bits: number): number {
  let x = bits - ((bits >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
