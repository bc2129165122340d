import { describe, expect, it } from "vitest";
import { InMemoryQueueProgress } from "../../src/storage/memory/in-memory-queue-progress.ts";

describe("InMemoryQueueProgress", () => {
  it("orders a pass's waiting tickets itself: oldest first, same-millisecond tickets as the pass listed them", async () => {
    const progress = new InMemoryQueueProgress();
    await progress.recordPass("duel", [
      { id: "c", createdAt: 300 },
      { id: "b", createdAt: 100 },
      { id: "a", createdAt: 100 },
      { id: "e", createdAt: 50 },
    ]);
    expect(await progress.positionOf("duel", { id: "e", createdAt: 50 })).toBe(1);
    expect(await progress.positionOf("duel", { id: "b", createdAt: 100 })).toBe(2);
    expect(await progress.positionOf("duel", { id: "a", createdAt: 100 })).toBe(3);
    expect(await progress.positionOf("duel", { id: "c", createdAt: 300 })).toBe(4);
    // A ticket enqueued after the pass goes behind every ticket waiting then that is at least as old.
    expect(await progress.positionOf("duel", { id: "d", createdAt: 200 })).toBe(4);
    expect(await progress.positionOf("duel", { id: "f", createdAt: 100 })).toBe(4);
    expect(await progress.positionOf("duel", { id: "g", createdAt: 400 })).toBe(5);
  });
});
