import { describe, expect, it } from "vitest";
import { priorityOrder } from "../../src/domain/priority-order.ts";
import { seededRandom } from "../support/seeded-random.ts";

describe("priorityOrder", () => {
  it("orders oldest first, tickets created in the same millisecond in the order given", () => {
    const random = seededRandom(7);
    for (const [count, distinctTimes] of [
      [0, 1],
      [1, 1],
      [50, 40],
      [500, 60],
      [2_000, 3],
    ] as const) {
      const entries = Array.from({ length: count }, (_, listed) => ({ listed, createdAt: 1_000 + Math.floor(random() * distinctTimes) }));
      // Array.prototype.sort is stable: equal creation times keep the order given.
      const expected = [...entries].sort((a, b) => a.createdAt - b.createdAt);
      expect(Array.from(priorityOrder(entries), (index) => entries[index])).toEqual(expected);
    }
  });

  it("leaves a queue listed oldest first as it is", () => {
    expect([...priorityOrder([{ createdAt: 1 }, { createdAt: 1 }, { createdAt: 2 }])]).toEqual([0, 1, 2]);
  });
});
