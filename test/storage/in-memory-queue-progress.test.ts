import { describe, expect, it } from "vitest";
import { InMemoryQueueProgress } from "../../src/storage/memory/in-memory-queue-progress.ts";
import { allWaiting } from "../support/waiting-after-pass.ts";

describe("InMemoryQueueProgress", () => {
  it("orders a pass's waiting tickets itself: oldest first, same-millisecond tickets as the pass listed them", async () => {
    const progress = new InMemoryQueueProgress();
    await progress.recordPass(
      "duel",
      allWaiting([
        { id: "c", createdAt: 300 },
        { id: "b", createdAt: 100 },
        { id: "a", createdAt: 100 },
        { id: "e", createdAt: 50 },
      ]),
    );
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
    await progress.recordPass("duel", allWaiting(long));
    expect(progress.positionOf("duel", { id: "t49", createdAt: 1_049 })).toBe(50);
    // A shorter pass after a longer one: nothing of the longer one is left behind.
    await progress.recordPass(
      "duel",
      allWaiting([
        { id: "t40", createdAt: 1_040 },
        { id: "t7", createdAt: 1_007 },
      ]),
    );
    expect(progress.positionOf("duel", { id: "t7", createdAt: 1_007 })).toBe(1);
    expect(progress.positionOf("duel", { id: "t40", createdAt: 1_040 })).toBe(2);
    expect(progress.positionOf("duel", { id: "t49", createdAt: 1_049 })).toBe(3);
    // Another queue's pass leaves this one's answers alone.
    await progress.recordPass("squads", allWaiting(long.slice(0, 10)));
    expect(progress.positionOf("duel", { id: "t49", createdAt: 1_049 })).toBe(3);
    await progress.recordPass("duel", allWaiting([]));
    expect(progress.positionOf("duel", { id: "t7", createdAt: 1_007 })).toBe(1);
  });

  it("leaves out the tickets the pass claimed, counting the others in the listed order", async () => {
    const progress = new InMemoryQueueProgress();
    const listed = [
      { id: "d", createdAt: 40 },
      { id: "a", createdAt: 10 },
      { id: "f", createdAt: 30 },
      { id: "c", createdAt: 30 },
      { id: "b", createdAt: 10 },
      { id: "e", createdAt: 20 },
    ];
    await progress.recordPass("duel", { ...allWaiting(listed), claimed: Uint8Array.of(0, 1, 0, 0, 0, 1) });
    expect(progress.positionOf("duel", { id: "b", createdAt: 10 })).toBe(1);
    // Created in the same millisecond: "f" was listed before "c".
    expect(progress.positionOf("duel", { id: "f", createdAt: 30 })).toBe(2);
    expect(progress.positionOf("duel", { id: "c", createdAt: 30 })).toBe(3);
    expect(progress.positionOf("duel", { id: "d", createdAt: 40 })).toBe(4);
    // Claimed tickets are no longer counted: a ticket as old as the claimed "a" comes after "b".
    expect(progress.positionOf("duel", { id: "a", createdAt: 10 })).toBe(2);
  });
});
