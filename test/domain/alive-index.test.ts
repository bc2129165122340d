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
