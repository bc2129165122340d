import { describe, expect, it } from "vitest";
import { AllocationBackoff, FIRST_PAUSE_MS, LONGEST_PAUSE_MS } from "../../src/application/allocation-backoff.ts";

describe("AllocationBackoff", () => {
  it("pauses a region from its first failure until the pause is over", () => {
    const backoff = new AllocationBackoff();
    expect(backoff.failed("duel", "eu-west", 10_000)).toBe(FIRST_PAUSE_MS);
    expect(backoff.paused("duel", 10_000)).toEqual(["eu-west"]);
    expect(backoff.paused("duel", 10_000 + FIRST_PAUSE_MS - 1)).toEqual(["eu-west"]);
    expect(backoff.paused("duel", 10_000 + FIRST_PAUSE_MS)).toEqual([]);
  });

  it("does not lengthen a pause for failures of matches formed before it began", () => {
    const backoff = new AllocationBackoff();
    backoff.failed("duel", "eu-west", 0);
    expect(backoff.failed("duel", "eu-west", 500)).toBeUndefined();
    expect(backoff.paused("duel", FIRST_PAUSE_MS)).toEqual([]);
  });

  it("doubles the pause for each failure in a row, up to the longest", () => {
    const backoff = new AllocationBackoff();
    const lengths: (number | undefined)[] = [];
    let now = 0;
    for (let failure = 0; failure < 7; failure++) {
      const length = backoff.failed("duel", "eu-west", now);
      lengths.push(length);
      now += length ?? 0;
    }
    expect(lengths).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 16_000, 16_000]);
    expect(LONGEST_PAUSE_MS).toBe(16_000);
  });

  it("starts over after a success", () => {
    const backoff = new AllocationBackoff();
    backoff.failed("duel", "eu-west", 0);
    backoff.failed("duel", "eu-west", 1_000);
    backoff.succeeded("duel", "eu-west");
    expect(backoff.paused("duel", 1_500)).toEqual([]);
    expect(backoff.failed("duel", "eu-west", 1_500)).toBe(FIRST_PAUSE_MS);
  });

  it("keeps each queue's regions apart", () => {
    const backoff = new AllocationBackoff();
    backoff.failed("duel", "eu-west", 0);
    backoff.failed("squads", "us-east", 0);
    expect(backoff.paused("duel", 0)).toEqual(["eu-west"]);
    expect(backoff.paused("squads", 0)).toEqual(["us-east"]);
    expect(backoff.paused("ffa", 0)).toEqual([]);
  });
});
