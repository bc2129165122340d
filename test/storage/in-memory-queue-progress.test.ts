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

  it("answers from the latest pass only, as its arrays are reused from pass to pass", async () => {
    const progress = new InMemoryQueueProgress();
    const long = Array.from({ length: 50 }, (_, k) => ({ id: `t${k}`, createdAt: 1_000 + k }));
    await progress.recordPass("duel", long);
    expect(progress.positionOf("duel", { id: "t49", createdAt: 1_049 })).toBe(50);
    // A shorter pass after a longer one: nothing of the longer one is left behind.
    await progress.recordPass("duel", [
      { id: "t40", createdAt: 1_040 },
      { id: "t7", createdAt: 1_007 },
    ]);
    expect(progress.positionOf("duel", { id: "t7", createdAt: 1_007 })).toBe(1);
    expect(progress.positionOf("duel", { id: "t40", createdAt: 1_040 })).toBe(2);
    expect(progress.positionOf("duel", { id: "t49", createdAt: 1_049 })).toBe(3);
    // Another queue's pass leaves this one's answers alone.
    await progress.recordPass("squads", long.slice(0, 10));
    expect(progress.positionOf("duel", { id: "t49", createdAt: 1_049 })).toBe(3);
    await progress.recordPass("duel", []);
    expect(progress.positionOf("duel", { id: "t7", createdAt: 1_007 })).toBe(1);
  });
});
