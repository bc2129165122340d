import { describe, expect, it } from "vitest";
import { AllocationBackoff, FIRST_PAUSE_MS, LONGEST_PAUSE_MS } from "../../src/application/allocation-backoff.ts";

describe("AllocationBackoff", () => {
  it("pauses a region from its first failure until the pause is over", () => {
    const backoff = new AllocationBackoff();
    expect(backoff.failed("duel", "eu-west", 9_500, 10_000)).toBe(FIRST_PAUSE_MS);
    expect(backoff.paused("duel", 10_000)).toEqual(["eu-west"]);
    expect(backoff.paused("duel", 10_000 + FIRST_PAUSE_MS - 1)).toEqual(["eu-west"]);
    expect(backoff.paused("duel", 10_000 + FIRST_PAUSE_MS)).toEqual([]);
  });

  it("does not lengthen a pause for matches formed before it began, however late their failures come", () => {
    const backoff = new AllocationBackoff();
    backoff.failed("duel", "eu-west", 0, 100);
    // The rest of the same pass's matches: one fails at once, one times out long after.
    expect(backoff.failed("duel", "eu-west", 0, 200)).toBeUndefined();
    expect(backoff.failed("duel", "eu-west", 0, 30_000)).toBeUndefined();
    expect(backoff.paused("duel", 100 + FIRST_PAUSE_MS)).toEqual([]);
  });

  it("doubles the pause for each failure in a row, up to the longest", () => {
    const backoff = new AllocationBackoff();
    const lengths: (number | undefined)[] = [];
    let now = 0;
    for (let failure = 0; failure < 7; failure++) {
      // Each match is formed by the first pass after the previous pause, and fails 100 ms later.
      const length = backoff.failed("duel", "eu-west", now, now + 100);
      lengths.push(length);
      now += 100 + (length ?? 0);
    }
    expect(lengths).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 16_000, 16_000]);
    expect(LONGEST_PAUSE_MS).toBe(16_000);
  });

  it("lets a pause run out when a match formed before it succeeds, and starts a new row after", () => {
    const backoff = new AllocationBackoff();
    backoff.failed("duel", "eu-west", 0, 0);
    backoff.succeeded("duel", "eu-west");
    expect(backoff.paused("duel", 500)).toEqual(["eu-west"]);
    expect(backoff.failed("duel", "eu-west", FIRST_PAUSE_MS, FIRST_PAUSE_MS + 100)).toBe(FIRST_PAUSE_MS);
  });

  it("starts a new row when the last pause ended long ago", () => {
    const backoff = new AllocationBackoff();
    backoff.failed("duel", "eu-west", 0, 0);
    expect(backoff.failed("duel", "eu-west", 1_000, 1_000)).toBe(2 * FIRST_PAUSE_MS);
    const later = 3_000 + LONGEST_PAUSE_MS + 1;
    expect(backoff.failed("duel", "eu-west", later, later)).toBe(FIRST_PAUSE_MS);
  });

  it("drops a pause when the clock steps back past its start", () => {
    const backoff = new AllocationBackoff();
    backoff.failed("duel", "eu-west", 3_600_000, 3_600_000);
    expect(backoff.paused("duel", 1_800_000)).toEqual([]);
    expect(backoff.failed("duel", "eu-west", 1_800_000, 1_800_000)).toBe(FIRST_PAUSE_MS);
  });

  it("keeps each queue's regions apart", () => {
    const backoff = new AllocationBackoff();
    backoff.failed("duel", "eu-west", 0, 0);
    backoff.failed("squads", "us-east", 0, 0);
    expect(backoff.paused("duel", 0)).toEqual(["eu-west"]);
    expect(backoff.paused("squads", 0)).toEqual(["us-east"]);
    expect(backoff.paused("ffa", 0)).toEqual([]);
  });
});
