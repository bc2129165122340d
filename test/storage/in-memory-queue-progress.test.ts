import { describe, expect, it } from "vitest";
import { InMemoryQueueProgress } from "../../src/storage/memory/in-memory-queue-progress.ts";

describe("InMemoryQueueProgress", () => {
  it("orders a pass's waiting tickets itself: oldest first, ties by id", async () => {
    const progress = new InMemoryQueueProgress();
    await progress.recordPass("duel", [
      { id: "c", createdAt: 300 },
      { id: "b", createdAt: 100 },
      { id: "a", createdAt: 100 },
    ]);
    expect(await progress.positionOf("duel", { id: "a", createdAt: 100 })).toBe(1);
    expect(await progress.positionOf("duel", { id: "b", createdAt: 100 })).toBe(2);
    expect(await progress.positionOf("duel", { id: "c", createdAt: 300 })).toBe(3);
    // A ticket enqueued after the pass goes behind every older ticket that was waiting then.
    expect(await progress.positionOf("duel", { id: "d", createdAt: 200 })).toBe(3);
  });
});
