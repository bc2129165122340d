import { describe, expect, it } from "vitest";
import { stableSortByKey } from "../../src/domain/stable-key-sort.ts";

/** The order a stable comparator sort gives: by key, ties in input order. */
function expected(order: Int32Array, keys: Float64Array): number[] {
  return [...order].map((index, rank) => ({ index, rank })).sort((a, b) => keys[a.index]! - keys[b.index]! || a.rank - b.rank).map((entry) => entry.index);
}

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe("stableSortByKey", () => {
  it("orders by key across signs, magnitudes and fractions", () => {
    const keys = Float64Array.from([3.5, -2, 0, 1e300, -1e-300, 1_767_225_600_000, -Infinity, Infinity, 42, -42.25]);
    const order = Int32Array.from(keys.keys());
    expect([...stableSortByKey(order, keys)]).toEqual(expected(order, keys));
  });

  it("keeps equal keys in the order given, treating -0 as 0", () => {
    const keys = Float64Array.from([1, 0, -0, 1, 0, -0, 1]);
    const order = Int32Array.from([6, 5, 4, 3, 2, 1, 0]);
    expect([...stableSortByKey(order, keys)]).toEqual([5, 4, 2, 1, 6, 3, 0]);
  });

  it("sorts a subset of indices, leaving the input untouched", () => {
    const keys = Float64Array.from([5, 4, 3, 2, 1]);
    const order = Int32Array.from([4, 0, 2]);
    expect([...stableSortByKey(order, keys)]).toEqual([4, 2, 0]);
    expect([...order]).toEqual([4, 0, 2]);
  });

  it("agrees with a stable comparator sort on many duplicates", () => {
    const next = random(7);
    const keys = Float64Array.from({ length: 5_000 }, () => Math.floor(next() * 50) * (next() < 0.5 ? -1.5 : 1000.25));
    const order = Int32Array.from(keys.keys()).reverse();
    expect([...stableSortByKey(order, keys)]).toEqual(expected(order, keys));
  });

  it("agrees with a stable comparator sort on keys that differ only in their low 32 bits, in short runs", () => {
    // Within a millionth of each other: same sign, exponent and top fraction bits, so the high
    // halves tie in runs and the low halves decide (ties kept in input order too).
    const next = random(11);
    const keys = Float64Array.from({ length: 4_000 }, (_, i) => 1500 + Math.floor(i / 8) * 0.37 + Math.floor(next() * 6) * 1e-12);
    const order = Int32Array.from(keys.keys());
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    expect([...stableSortByKey(order, keys)]).toEqual(expected(order, keys));
  });

  it("agrees with a stable comparator sort on timestamps minutes apart (long runs of equal high halves)", () => {
    const next = random(13);
    const keys = Float64Array.from({ length: 4_000 }, () => 1_767_225_600_000 + Math.floor(next() * 300_000));
    const order = Int32Array.from(keys.keys());
    expect([...stableSortByKey(order, keys)]).toEqual(expected(order, keys));
  });

  it("handles empty and single-element input", () => {
    expect([...stableSortByKey(new Int32Array(0), new Float64Array(0))]).toEqual([]);
    expect([...stableSortByKey(Int32Array.from([0]), Float64Array.from([9]))]).toEqual([0]);
  });
});
