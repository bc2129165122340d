import { describe, expect, it } from "vitest";
import { RecentMatches } from "../../src/application/recent-matches.ts";

const START = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

describe("RecentMatches", () => {
  it("reports nothing for a region without matches", () => {
    const recent = new RecentMatches({ windowMs: 5 * MINUTE, startedAt: START });
    expect(recent.figures("duel", "eu-west", START + MINUTE)).toEqual({
      waitP50Ms: undefined,
      waitP90Ms: undefined,
      waitP99Ms: undefined,
      matchesPerMinute: 0,
    });
  });

  it("takes nearest-rank percentiles of ticket waits, per queue and region", () => {
    const recent = new RecentMatches({ windowMs: 5 * MINUTE, startedAt: START });
    // 100 tickets waiting 1..100 s, in 50 matches of two.
    for (let i = 1; i <= 100; i += 2) recent.record("duel", "eu-west", [(i + 1) * 1000, i * 1000], START + i);
    recent.record("duel", "us-east", [999_000, 999_000], START);
    const figures = recent.figures("duel", "eu-west", START + MINUTE);
    expect(figures.waitP50Ms).toBe(50_000);
    expect(figures.waitP90Ms).toBe(90_000);
    expect(figures.waitP99Ms).toBe(99_000);
    expect(figures.matchesPerMinute).toBe(50);
  });

  it("averages the rate over the window, or over the time since start counted as at least a minute", () => {
    const recent = new RecentMatches({ windowMs: 5 * MINUTE, startedAt: START });
    for (let i = 0; i < 6; i++) recent.record("duel", "eu-west", [1000, 1000], START + i * 1000);
    expect(recent.figures("duel", "eu-west", START + 10_000).matchesPerMinute).toBe(6);
    expect(recent.figures("duel", "eu-west", START + 2 * MINUTE).matchesPerMinute).toBe(3);
    expect(recent.figures("duel", "eu-west", START + 5 * MINUTE).matchesPerMinute).toBeCloseTo(6 / 5);
  });

  it("forgets matches older than the window", () => {
    const recent = new RecentMatches({ windowMs: 5 * MINUTE, startedAt: START });
    recent.record("duel", "eu-west", [60_000, 60_000], START);
    recent.record("duel", "eu-west", [2000, 4000], START + 4 * MINUTE);
    const figures = recent.figures("duel", "eu-west", START + 5 * MINUTE + 1);
    expect(figures).toEqual({ waitP50Ms: 2000, waitP90Ms: 4000, waitP99Ms: 4000, matchesPerMinute: 1 / 5 });
  });

  it("keeps only the most recent waits when a region is busier than the sample bound", () => {
    const recent = new RecentMatches({ windowMs: 5 * MINUTE, startedAt: START, maxWaitSamples: 4 });
    for (let i = 1; i <= 5000; i++) recent.record("duel", "eu-west", [i], START + i);
    const figures = recent.figures("duel", "eu-west", START + 6000);
    expect(figures.waitP50Ms).toBe(4998);
    expect(figures.waitP99Ms).toBe(5000);
    expect(figures.matchesPerMinute).toBe(5000);
  });
});
