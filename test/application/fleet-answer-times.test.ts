import { describe, expect, it } from "vitest";
import { FleetAnswerTimes } from "../../src/application/fleet-answer-times.ts";

describe("FleetAnswerTimes", () => {
  it("knows nothing until a first success, which sets the average", () => {
    const times = new FleetAnswerTimes();
    expect(times.expectedMs(0)).toBeUndefined();
    times.answered(times.asked(0), 900, false);
    expect(times.expectedMs(900)).toBeUndefined();
    times.answered(times.asked(1_000), 1_200, true);
    expect(times.expectedMs(1_200)).toBe(200);
  });

  it("moves the average an eighth of the way toward each success", () => {
    const times = new FleetAnswerTimes();
    times.answered(times.asked(0), 200, true);
    times.answered(times.asked(200), 1_000, true);
    expect(times.expectedMs(1_000)).toBe(275);
    times.answered(times.asked(1_000), 1_000, true);
    expect(times.expectedMs(1_000)).toBe(240.625);
  });

  it("lets a failure raise the average when it took longer, never lower it", () => {
    const times = new FleetAnswerTimes();
    times.answered(times.asked(0), 200, true);
    times.answered(times.asked(200), 201, false);
    expect(times.expectedMs(201)).toBe(200);
    times.answered(times.asked(201), 1_801, false);
    expect(times.expectedMs(1_801)).toBe(375);
  });

  it("expects as long as the fleet has been silent: calls open and none answered for longer than the average", () => {
    const times = new FleetAnswerTimes();
    times.answered(times.asked(0), 100, true);
    const oldest = times.asked(1_000);
    const newer = times.asked(2_000);
    expect(times.expectedMs(1_050)).toBe(100);
    // Open for 3 s, no answer since 100 ms: silent for 3 s.
    expect(times.expectedMs(4_000)).toBe(3_000);
    times.answered(oldest, 4_000, true);
    // An answer just came: the newer call's 2 s are not silence; the average took in the 3 s answer.
    expect(times.expectedMs(4_000)).toBe(462.5);
    expect(times.expectedMs(5_000)).toBe(1_000);
    times.answered(newer, 6_000, false);
    // A failure after 4 s, longer than the average: it counts.
    expect(times.expectedMs(6_000)).toBe(462.5 + (4_000 - 462.5) / 8);
  });

  it("is not held up by one hung call while the others are answered on time", () => {
    const times = new FleetAnswerTimes();
    times.answered(times.asked(0), 100, true);
    times.asked(100);
    for (let at = 100; at < 10_000; at += 100) times.answered(times.asked(at), at + 100, true);
    expect(times.expectedMs(10_000)).toBe(100);
    expect(times.expectedMs(10_500)).toBe(500);
  });

  it("counts a clock that went back as an answer at once", () => {
    const times = new FleetAnswerTimes();
    times.answered(times.asked(5_000), 4_000, true);
    expect(times.expectedMs(4_000)).toBe(0);
  });
});
