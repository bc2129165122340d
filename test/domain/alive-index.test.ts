import { describe, expect, it } from "vitest";
import { AliveIndex } from "../../src/domain/alive-index.ts";

describe("AliveIndex", () => {
  it("skips removed positions in both directions", () => {
    const index = new AliveIndex(6);
    index.remove(2);
    index.remove(3);
    expect(index.atOrAfter(2)).toBe(4);
    expect(index.atOrBefore(3)).toBe(1);
    index.remove(5);
    expect(index.atOrAfter(5)).toBe(6);
    index.remove(0);
    index.remove(1);
    expect(index.atOrBefore(3)).toBe(-1);
  });
});

describe("AliveIndex over reused storage", () => {
  it("ignores what the storage held before", () => {
    const index = new AliveIndex(4, new Int32Array(16).fill(3));
    index.remove(1);
    expect(index.atOrAfter(1)).toBe(2);
    expect(index.atOrBefore(1)).toBe(0);
    expect(index.atOrAfter(4)).toBe(4);
  });
});
