import { describe, expect, it } from "vitest";
import { canSeat, splitIntoTeams } from "../support/team-balancer-arrays.ts";

describe("canSeat", () => {
  it("seats parties that fit whole", () => {
    expect(canSeat([3, 2, 4, 1], [5, 5])).toBe(true);
  });
  it("refuses when a party would have to be split", () => {
    expect(canSeat([2, 2, 2], [3, 3])).toBe(false);
    expect(canSeat([6], [5, 5])).toBe(false);
  });
});

describe("splitIntoTeams", () => {
  it("returns undefined unless the parties fill every seat", () => {
    expect(splitIntoTeams([{ size: 1, skillSum: 1 }], 2, 1)).toBeUndefined();
  });
  it("evens out team skill with swaps", () => {
    const parties = [100, 90, 80, 70, 60, 50].map((skillSum) => ({ size: 1, skillSum }));
    const split = splitIntoTeams(parties, 2, 3)!;
    const sums = [0, 0];
    split.teamOfParty.forEach((team, index) => (sums[team]! += parties[index]!.skillSum));
    expect(Math.abs(sums[0]! - sums[1]!)).toBeLessThanOrEqual(10);
    expect(split.imbalance).toBeCloseTo(Math.abs(sums[0]! - sums[1]!) / 3);
  });
  it("puts a full-team party alone on its team", () => {
    const split = splitIntoTeams([{ size: 1, skillSum: 10 }, { size: 3, skillSum: 30 }, { size: 2, skillSum: 20 }], 2, 3)!;
    expect(split.teamOfParty[0]).toBe(split.teamOfParty[2]);
    expect(split.teamOfParty[1]).not.toBe(split.teamOfParty[0]);
  });
  it("fills both teams with parties of mixed sizes, each party whole", () => {
    const parties = [
      { size: 3, skillSum: 3_000 },
      { size: 2, skillSum: 2_600 },
      { size: 2, skillSum: 2_000 },
      { size: 2, skillSum: 1_900 },
      { size: 1, skillSum: 1_500 },
    ];
    const split = splitIntoTeams(parties, 2, 5)!;
    const seats = [0, 0];
    const sums = [0, 0];
    split.teamOfParty.forEach((team, index) => {
      seats[team]! += parties[index]!.size;
      sums[team]! += parties[index]!.skillSum;
    });
    expect(seats).toEqual([5, 5]);
    expect(split.imbalance).toBeCloseTo(Math.abs(sums[0]! - sums[1]!) / 5);
  });
  it("finds no split when the parties cannot fill two teams whole", () => {
    expect(splitIntoTeams([2, 2, 2].map((size) => ({ size, skillSum: 100 * size })), 2, 3)).toBeUndefined();
  });
});
