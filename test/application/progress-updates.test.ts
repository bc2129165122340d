import { describe, expect, it } from "vitest";
import { nextProgressUpdateAt, PROGRESS_UPDATE_INTERVAL_MS } from "../../src/application/progress-updates.ts";

describe("nextProgressUpdateAt", () => {
  it("is the next multiple of the interval counted from the ticket's creation", () => {
    const createdAt = 1_000_000;
    expect(nextProgressUpdateAt(createdAt, createdAt)).toBe(createdAt + PROGRESS_UPDATE_INTERVAL_MS);
    expect(nextProgressUpdateAt(createdAt, createdAt + PROGRESS_UPDATE_INTERVAL_MS - 1)).toBe(createdAt + PROGRESS_UPDATE_INTERVAL_MS);
    expect(nextProgressUpdateAt(createdAt, createdAt + PROGRESS_UPDATE_INTERVAL_MS)).toBe(createdAt + 2 * PROGRESS_UPDATE_INTERVAL_MS);
  });

  it("staggers watchers of tickets created at different times", () => {
    const now = 5_000_000;
    expect(nextProgressUpdateAt(now - 1_000, now)).not.toBe(nextProgressUpdateAt(now - 2_000, now));
  });

  it("treats a creation time ahead of the clock as now", () => {
    expect(nextProgressUpdateAt(2_000, 1_000)).toBe(2_000 + PROGRESS_UPDATE_INTERVAL_MS);
  });
});
