import { describe, expect, it } from "vitest";
import { stableSortByKey } from "../../src/domain/stable-key-sort.ts";

describe("stableSortByKey on indices already in key order", () => {
  it("keeps them as they are, ties included", () => {
    const keys = Float64Array.from([5, 1, 1, -0, 0, 9]);
    const order = Int32Array.from([3, 4, 1, 2, 0, 5]);
    expect([...stableSortByKey(order, keys)]).toEqual([3, 4, 1, 2, 0, 5]);
  });

  it("still sorts when only the last pair is out of order", () => {
    const keys = Float64Array.from([1, 2, 3, 4, 0]);
    expect([...stableSortByKey(Int32Array.from([0, 1, 2, 3, 4]), keys)]).toEqual([4, 0, 1, 2, 3]);
  });
});
