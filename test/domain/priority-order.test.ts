import { describe, expect, it } from "vitest";
import { orderByCreation } from "../../src/domain/priority-order.ts";
import { seededRandom } from "../support/seeded-random.ts";

describe("orderByCreation", () => {
  it("orders oldest first, tickets created in the same millisecond in the order listed", () => {
    const random = seededRandom(7);
    for (const [count, distinctTimes] of [
      [0, 1],
      [1, 1],
      [50, 40],
      [500, 60],
      [2_000, 3],
    ] as const) {
      const createdAt = Float64Array.from({ length: count }, () => 1_000 + Math.floor(random() * distinctTimes));
      // Listed in an order of the store's own, not the columns' order.
      const listed = Int32Array.from({ length: count }, (_, k) => (k * 7) % count);
      // Array.prototype.sort is stable: equal creation times keep the listed order.
      const expected = [...listed].sort((a, b) => createdAt[a]! - createdAt[b]!);
      expect([...orderByCreation(listed, createdAt)]).toEqual(expected);
    }
  });

  it("writes into the array it is given, and leaves a queue listed oldest first as it is", () => {
    const into = new Int32Array(5);
    const order = orderByCreation(Int32Array.of(1, 0, 2), Float64Array.of(1, 2, 1), into);
    expect([...order]).toEqual([0, 2, 1]);
    expect(order.buffer).toBe(into.buffer);
    expect([...orderByCreation(Int32Array.of(0, 1, 2), Float64Array.of(1, 1, 2))]).toEqual([0, 1, 2]);
  });
});
