import { describe, expect, it } from "vitest";
import { AliveBits, bitsetWords } from "../../src/domain/alive-bits.ts";
import { seededRandom } from "../support/seeded-random.ts";

/** A set over `size` positions with exactly `kept` (sorted) remaining, over storage full of stale bits past the size. */
function bitsOver(size: number, kept: readonly number[]): AliveBits {
  const storage = new Int32Array(bitsetWords(size) + 8).fill(-1);
  storage.fill(0, 0, (size + 31) >>> 5);
  for (const position of kept) storage[position >>> 5]! |= 1 << (position & 31);
  return new AliveBits(size, storage);
}

describe("AliveBits", () => {
  it("finds the nearest remaining positions and counts them as they are removed", () => {
    const bits = bitsOver(6, [0, 1, 2, 3, 4, 5]);
    bits.remove(2);
    bits.remove(3);
    expect(bits.atOrAfter(2)).toBe(4);
    expect(bits.atOrBefore(3)).toBe(1);
    expect(bits.countBetween(0, 6, 100)).toBe(4);
    expect(bits.countBetween(0, 6, 3)).toBe(3);
    bits.remove(5);
    bits.remove(5);
    expect(bits.atOrAfter(5)).toBe(6);
    expect(bits.has(4)).toBe(true);
    expect(bits.has(5)).toBe(false);
    bits.remove(0);
    bits.remove(1);
    expect(bits.atOrBefore(3)).toBe(-1);
    expect(bits.countBetween(0, 6, 100)).toBe(1);
  });

  it("counts from inside the first word of a block without the positions before the start", () => {
    const size = 5_000;
    const bits = bitsOver(size, Array.from({ length: size }, (_, position) => position));
    // 1,024 starts a block of 32 words: positions 1,024 to 1,028 lie before the start.
    expect(bits.countBetween(1_029, 4_000, 10_000)).toBe(4_000 - 1_029);
    expect(bits.countBetween(1_024, 4_000, 10_000)).toBe(4_000 - 1_024);
  });

  it("agrees with a plain list over long sparse stretches (summary words and block counts)", () => {
    const random = seededRandom(7);
    const size = 100_000;
    const kept = Array.from({ length: size }, (_, position) => position).filter(() => random() < 0.3);
    const bits = bitsOver(size, kept);
    const alive = new Set(kept);
    // Remove most of them, leaving gaps far wider than a word, a block and a summary word.
    for (const position of kept) {
      if (random() < 0.995 || (position > 20_000 && position < 60_000)) {
        bits.remove(position);
        alive.delete(position);
      }
    }
    const remaining = [...alive].sort((a, b) => a - b);
    for (let probe = 0; probe < 2_000; probe++) {
      const position = Math.floor(random() * (size + 40)) - 20;
      const after = remaining.find((p) => p >= position) ?? size;
      const before = remaining.findLast((p) => p <= position) ?? -1;
      expect(bits.atOrAfter(position)).toBe(after);
      expect(bits.atOrBefore(position)).toBe(before);
      const to = position + Math.floor(random() * 80_000);
      const cap = 1 + Math.floor(random() * 400);
      const inRange = remaining.filter((p) => p >= position && p < to).length;
      expect(bits.countBetween(position, to, cap)).toBe(Math.min(inRange, cap));
    }
  });
});
