import { AliveBits, bitsetWords } from "./alive-bits.ts";
import { ReusableArray } from "./reusable-array.ts";

/**
 * Every waiting ticket of a pass in skill order (its rank), with what a scan reads about each and
 * one {@link AliveBits} per region saying which ranks are still candidates there.
 *
 * Why one order for every region rather than one index per region: a formed match then leaves
 * every index by clearing one bit per region at ranks the scan already knows, with no lookup of
 * where its tickets sit in the other regions; a region's set stays in cache however large the
 * queue; and the tickets' data is written once, not once per region.
 */
export interface SkillIndex {
  /** Per rank k, as float64 at `floats[4 * k]` on: skill, skill window, creation time. */
  readonly floats: Float64Array;
  /** The same memory as `floats`: ticket index at `ints[8 * k + 6]`, party size at `ints[8 * k + 7]`. */
  readonly ints: Int32Array;
  /** Rank of each ticket index. */
  readonly rank: Int32Array;
  /** Per region (in configuration order), the ranks eligible there and not matched yet; then one over every ticket not matched yet. */
  readonly alive: readonly AliveBits[];
  /** How many party size classes `bySize` has: class c holds parties of size c, the last one those of that size or more. */
  readonly sizeClasses: number;
  /**
   * Region r's ranks of party size class c at `[r * sizeClasses + c]`, for scans that look for a
   * party small enough for the seats left: a subset of `alive[r]`, removed from together.
   */
  readonly bySize: readonly AliveBits[];
}

/**
 * Layout of one rank's entry in {@link SkillIndex}: 4 float64 (32 bytes), which the `ints` view
 * sees as 8 int32. Floats 0 to 2 hold skill, skill window and creation time; the fourth float's
 * 8 bytes are int32 slots 6 and 7, holding the ticket index and the party size. A scan thus reads
 * one 32-byte entry per candidate.
 */
export const ENTRY_FLOATS = 4;
export const ENTRY_SKILL = 0;
export const ENTRY_WINDOW = 1;
export const ENTRY_CREATED_AT = 2;
export const ENTRY_INTS = 8;
export const ENTRY_TICKET = 6;
export const ENTRY_PARTY_SIZE = 7;

/** Offsets in a ticket's record, as the matcher lays it out: skill, skill window, party size, creation time, then one latency per region (NaN where not eligible). */
export const RECORD_SKILL = 0;
export const RECORD_WINDOW = 1;
export const RECORD_PARTY_SIZE = 2;
export const RECORD_CREATED_AT = 3;
export const RECORD_LATENCY = 4;

/** Party sizes from this one up share the last size class. */
const LARGEST_SIZE_CLASS = 8;

// Kept for the next pass (passes are synchronous, never nested).
const scratchFloats = new ReusableArray((length) => new Float64Array(length));
const scratchRank = new ReusableArray((length) => new Int32Array(length));
const scratchBits: ReusableArray<Int32Array>[] = [];

/**
 * The index of one pass, from the tickets' records (laid out at `record[i * (RECORD_LATENCY +
 * regionCount)]`) and their indices in skill order.
 */
export function buildSkillIndex(regionCount: number, record: Float64Array, bySkill: Int32Array, largestParty: number): SkillIndex {
  const count = bySkill.length;
  const stride = RECORD_LATENCY + regionCount;
  const floats = scratchFloats.atLeast(ENTRY_FLOATS * count);
  const ints = new Int32Array(floats.buffer, floats.byteOffset, 2 * floats.length);
  const rank = scratchRank.atLeast(count);
  // Only parties can be turned down for their size: without any, no scan needs the classes.
  const sizeClasses = largestParty > 1 ? Math.min(largestParty, LARGEST_SIZE_CLASS) + 1 : 0;
  // Every region's set, the unmatched set, then every region's size classes.
  const sets = regionCount + 1 + regionCount * sizeClasses;
  while (scratchBits.length < sets) scratchBits.push(new ReusableArray((length) => new Int32Array(length)));
  const words: Int32Array[] = [];
  for (let b = 0; b < sets; b++) words.push(scratchBits[b]!.atLeast(bitsetWords(count)).fill(0, 0, (count + 31) >>> 5));
  const bySizeWords = regionCount + 1;
  for (let k = 0; k < count; k++) rank[bySkill[k]!] = k;
  // Tickets in input order, each written at its rank: the records are read in order and only the
  // writes land at random places, which the processor need not wait for as it must for reads.
  for (let i = 0; i < count; i++) {
    const k = rank[i]!;
    const base = i * stride;
    const partySize = record[base + RECORD_PARTY_SIZE]!;
    floats[ENTRY_FLOATS * k + ENTRY_SKILL] = record[base + RECORD_SKILL]!;
    floats[ENTRY_FLOATS * k + ENTRY_WINDOW] = record[base + RECORD_WINDOW]!;
    floats[ENTRY_FLOATS * k + ENTRY_CREATED_AT] = record[base + RECORD_CREATED_AT]!;
    ints[ENTRY_INTS * k + ENTRY_TICKET] = i;
    ints[ENTRY_INTS * k + ENTRY_PARTY_SIZE] = partySize;
    const bit = 1 << (k & 31);
    const sizeClass = Math.min(partySize, sizeClasses - 1);
    for (let r = 0; r < regionCount; r++) {
      if (Number.isNaN(record[base + RECORD_LATENCY + r]!)) continue;
      words[r]![k >>> 5]! |= bit;
      if (sizeClasses > 0) words[bySizeWords + r * sizeClasses + sizeClass]![k >>> 5]! |= bit;
    }
    words[regionCount]![k >>> 5]! |= bit;
  }
  const bitsets = words.map((storage) => new AliveBits(count, storage));
  return { floats, ints, rank, alive: bitsets.slice(0, bySizeWords), sizeClasses, bySize: bitsets.slice(bySizeWords) };
}

/**
 * The first rank in `[from, to)` whose skill minus `origin` is at least `threshold` (above it when
 * `strictly`), or `to`: a binary search, as skills rise with rank. Every test a scan makes of a skill
 * range or of a distance from a skill has this form (`skill - 0 >= floor`, `anchor - skill <= d` as
 * `skill - anchor >= -d`, which floating point gives exactly: a subtraction's rounding is the same
 * both ways round). A predicate function would cost a closure per search and a call per step.
 */
export function firstRankFrom(index: SkillIndex, from: number, to: number, origin: number, threshold: number, strictly: boolean): number {
  const { floats } = index;
  let low = from;
  let high = to;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const above = floats[ENTRY_FLOATS * middle + ENTRY_SKILL]! - origin;
    if (strictly ? above > threshold : above >= threshold) high = middle;
    else low = middle + 1;
  }
  return low;
}
