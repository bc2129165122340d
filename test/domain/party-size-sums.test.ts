import { describe, expect, it } from "vitest";
import { fitsTwoTeams, MAX_SUMMED_SEATS, NO_PARTIES, withParty } from "../../src/domain/party-size-sums.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { canSeat } from "../support/team-balancer-arrays.ts";

/** Whether some subset of `sizes` fits the first team and the rest the second, by trying every subset. */
function fitsByEnumeration(sizes: readonly number[], freeFirst: number, freeSecond: number): boolean {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  for (let subset = 0; subset < 1 << sizes.length; subset++) {
    let first = 0;
    sizes.forEach((size, k) => (first += subset & (1 << k) ? size : 0));
    if (first <= freeFirst && total - first <= freeSecond) return true;
  }
  return false;
}

function sumsOf(sizes: readonly number[]): number {
  return sizes.reduce((sums, size) => withParty(sums, size), NO_PARTIES);
}

describe("party-size sums", () => {
  it("hold every total some of the parties take together", () => {
    const sums = sumsOf([2, 3]);
    expect([0, 1, 2, 3, 4, 5, 6].filter((total) => sums & (1 << total))).toEqual([0, 2, 3, 5]);
  });

  it("seat parties on two teams exactly when some split of them fits", () => {
    expect(fitsTwoTeams(sumsOf([3, 2, 4, 1]), 10, 5, 5)).toBe(true);
    expect(fitsTwoTeams(sumsOf([2, 2, 2]), 6, 3, 3)).toBe(false);
    expect(fitsTwoTeams(sumsOf([4, 4]), 8, 5, 5)).toBe(true);
    expect(fitsTwoTeams(sumsOf([4, 4, 1]), 9, 5, 3)).toBe(false);
    expect(fitsTwoTeams(NO_PARTIES, 0, 0, 0)).toBe(true);
  });

  it("agree with trying every split, and with the seating search, on random parties", () => {
    const random = seededRandom(8);
    for (let round = 0; round < 2_000; round++) {
      const sizes = Array.from({ length: 1 + Math.floor(random() * 9) }, () => Math.floor(random() * 6));
      const total = sizes.reduce((sum, size) => sum + size, 0);
      const freeFirst = Math.floor(random() * 16);
      const freeSecond = Math.floor(random() * 16);
      if (total > MAX_SUMMED_SEATS) continue;
      const expected = fitsByEnumeration(sizes, freeFirst, freeSecond);
      expect(fitsTwoTeams(sumsOf(sizes), total, freeFirst, freeSecond)).toBe(expected);
      expect(canSeat(sizes, [freeFirst, freeSecond])).toBe(expected);
    }
  });

  it("reach the largest total they can hold", () => {
    const sizes = [10, 10, 10];
    expect(fitsTwoTeams(sumsOf(sizes), MAX_SUMMED_SEATS, 20, 10)).toBe(true);
    expect(fitsTwoTeams(sumsOf(sizes), MAX_SUMMED_SEATS, 15, 15)).toBe(false);
  });
});
