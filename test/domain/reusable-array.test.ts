import { describe, expect, it } from "vitest";
import { ReusableArray } from "../../src/domain/reusable-array.ts";

describe("ReusableArray", () => {
  it("hands out views of the length asked, sharing storage while it is long enough", () => {
    const reusable = new ReusableArray((length) => new Int32Array(length));
    const first = reusable.take(4);
    expect(first.length).toBe(4);
    first[1] = 7;
    const second = reusable.take(2);
    expect(second.length).toBe(2);
    expect(second[1]).toBe(7);
    expect(second.buffer).toBe(first.buffer);
  });

  it("grows when asked for more than it holds", () => {
    const reusable = new ReusableArray((length) => new Float64Array(length));
    const small = reusable.take(2);
    const large = reusable.take(10);
    expect(large.length).toBe(10);
    expect(large.buffer).not.toBe(small.buffer);
    expect(reusable.take(3).buffer).toBe(large.buffer);
  });
});
