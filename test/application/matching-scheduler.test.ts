import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MatchingScheduler, type ScheduledMatcher } from "../../src/application/matching-scheduler.ts";
import type { MatchingLeases } from "../../src/application/ports/matching-leases.ts";
import type { PassSummary } from "../../src/application/queue-matcher.ts";
import { queueConfig } from "../support/queue-fixtures.ts";

const summary: PassSummary = { expired: 0, reclaimed: 0, skipped: false, matches: 0, deferred: 0, waiting: 0 };

/** A matcher whose passes the test finishes by hand, recording the fences it was given and when its passes ended. */
function controlledMatcher(tickIntervalMs = 100) {
  const fences: number[] = [];
  const ended: number[] = [];
  const pending: (() => void)[] = [];
  let failNext = false;
  const matcher: ScheduledMatcher = {
    queue: queueConfig({ tickIntervalMs }),
    runPass: (fence) => {
      fences.push(fence);
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error("store unreachable"));
      }
      return new Promise<PassSummary>((resolve) => pending.push(() => resolve(summary)));
    },
    passesEnded: () => ended.push(fences.length),
  };
  return {
    matcher,
    fences,
    /** For each time the matcher was told its passes ended, how many passes it had run by then. */
    ended,
    /** Passes started and not finished yet. */
    get running() {
      return pending.length;
    },
    finishPass: () => pending.shift()?.(),
    failNextPass: () => (failNext = true),
  };
}

/** Leases that the test hands out or withholds. */
function leases(): MatchingLeases & { held: boolean; released: string[] } {
  let token = 0;
  return {
    held: true,
    released: [],
    async hold() {
      return this.held ? ++token : undefined;
    },
    async release(queue) {
      this.released.push(queue);
    },
  };
}

const logger = pino({ level: "silent" });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("MatchingScheduler", () => {
  it("runs a pass every tick interval under a fresh lease token", async () => {
    const queue = controlledMatcher(100);
    const scheduler = new MatchingScheduler([queue.matcher], leases(), logger);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(99);
    expect(queue.fences).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(queue.fences).toEqual([1]);
    queue.finishPass();
    await vi.advanceTimersByTimeAsync(100);
    expect(queue.fences).toEqual([1, 2]);
    queue.finishPass();
    await scheduler.stop();
  });

  it("never overlaps passes of one queue: a slow pass delays the next", async () => {
    const queue = controlledMatcher(100);
    const scheduler = new MatchingScheduler([queue.matcher], leases(), logger);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(queue.running).toBe(1);
    expect(queue.fences).toHaveLength(1);
    queue.finishPass();
    await vi.advanceTimersByTimeAsync(100);
    expect(queue.fences).toHaveLength(2);
    queue.finishPass();
    await scheduler.stop();
  });

  it("runs no pass while another instance holds the lease", async () => {
    const queue = controlledMatcher(100);
    const lease = leases();
    lease.held = false;
    const scheduler = new MatchingScheduler([queue.matcher], lease, logger);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(500);
    expect(queue.fences).toEqual([]);
    lease.held = true;
    await vi.advanceTimersByTimeAsync(100);
    expect(queue.fences).toHaveLength(1);
    queue.finishPass();
    await scheduler.stop();
  });

  it("tells a matcher its passes ended once, when its lease goes to another instance, and again on stop if it got the lease back", async () => {
    const queue = controlledMatcher(100);
    const lease = leases();
    lease.held = false;
    const scheduler = new MatchingScheduler([queue.matcher], lease, logger);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(200);
    // Never held: nothing to end.
    expect(queue.ended).toEqual([]);
    lease.held = true;
    await vi.advanceTimersByTimeAsync(100);
    queue.finishPass();
    lease.held = false;
    await vi.advanceTimersByTimeAsync(300);
    expect(queue.ended).toEqual([1]);
    lease.held = true;
    await vi.advanceTimersByTimeAsync(100);
    queue.finishPass();
    await scheduler.stop();
    expect(queue.ended).toEqual([1, 2]);
  });

  it("logs a failing pass and keeps going", async () => {
    const queue = controlledMatcher(100);
    const errors: unknown[] = [];
    const recording = pino({ level: "error" }, { write: (line: string) => errors.push(JSON.parse(line)) });
    const scheduler = new MatchingScheduler([queue.matcher], leases(), recording);
    queue.failNextPass();
    scheduler.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(errors).toMatchObject([{ msg: "matching pass failed", queue: "duel" }]);
    await vi.advanceTimersByTimeAsync(100);
    expect(queue.fences).toHaveLength(2);
    queue.finishPass();
    await scheduler.stop();
  });

  it("on stop, also waits for a pass run by hand before releasing the leases", async () => {
    const queue = controlledMatcher(100);
    const lease = leases();
    const scheduler = new MatchingScheduler([queue.matcher], lease, logger);
    const byHand = scheduler.runOnce();
    await vi.advanceTimersByTimeAsync(0);
    expect(queue.running).toBe(1);
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    expect(lease.released).toEqual([]);
    queue.finishPass();
    await Promise.all([byHand, stopping]);
    expect(lease.released).toEqual(["duel"]);
  });

  it("on stop, waits for the pass under way, schedules no more, and releases the leases", async () => {
    const queue = controlledMatcher(100);
    const lease = leases();
    const scheduler = new MatchingScheduler([queue.matcher], lease, logger);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    queue.finishPass();
    await stopping;
    expect(lease.released).toEqual(["duel"]);
    expect(queue.ended).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(queue.fences).toHaveLength(1);
  });
});
