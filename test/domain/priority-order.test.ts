import { describe, expect, it } from "vitest";
import { priorityOrder } from "../../src/domain/priority-order.ts";
import { comparePriority } from "../../src/domain/ticket.ts";
import { seededRandom } from "../support/seeded-random.ts";

describe("priorityOrder", () => {
  it("orders oldest first, ties by id, as comparePriority does", () => {
    const random = seededRandom(7);
    // Few distinct creation times: runs of ties both shorter and longer than the insertion-sort limit.
    for (const [count, distinctTimes] of [
      [0, 1],
      [1, 1],
      [50, 40],
      [500, 60],
      [2_000, 3],
    ] as const) {
      const entries = Array.from({ length: count }, () => ({
        id: `t${Math.floor(random() * 1e9).toString(36)}`,
        createdAt: 1_000 + Math.floor(random() * distinctTimes),
      }));
      const expected = [...entries].sort(comparePriority);
      expect(Array.from(priorityOrder(entries), (index) => entries[index])).toEqual(expected);
    }
  });

  it("leaves an already ordered queue as it is", () => {
    const entries = [
      { id: "a", createdAt: 1 },
      { id: "b", createdAt: 1 },
      { id: "a", createdAt: 2 },
    ];
    expect([...priorityOrder(entries)]).toEqual([0, 1, 2]);
  });
});
