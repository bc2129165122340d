import { describe, expect, it } from "vitest";
import { nextAverageWaitMs, remainingWaitMs } from "../../src/application/wait-estimate.ts";

describe("wait estimate", () => {
  it("starts the average at the first wait and moves it a tenth of the way towards each next one", () => {
    expect(nextAverageWaitMs(undefined, 12_000)).toBe(12_000);
    expect(nextAverageWaitMs(10_000, 20_000)).toBe(11_000);
    expect(nextAverageWaitMs(10_000, 0)).toBe(9_000);
  });

  it("tells the remaining wait in whole seconds, never below zero", () => {
    expect(remainingWaitMs(30_000, 12_400)).toBe(18_000);
    expect(remainingWaitMs(30_000, 11_500)).toBe(19_000);
    expect(remainingWaitMs(10_000, 25_000)).toBe(0);
  });
});
