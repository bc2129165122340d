import type { Logger } from "./ports/logger.ts";
import type { MatchingLeases } from "./ports/matching-leases.ts";
import type { QueueMatcher } from "./queue-matcher.ts";

/** What the scheduler needs of a queue's matcher. */
export type ScheduledMatcher = Pick<QueueMatcher, "queue" | "runPass" | "passesEnded">;

/**
 * Runs each queue's matching pass every `tickIntervalMs` of that queue, one pass at a time per
 * queue (a slow pass delays the next instead of overlapping it), and only while this instance holds
 * the queue's matching lease; every tick renews it. A failing pass is logged and the loop carries on.
 * A matcher whose lease went to another instance, or whose scheduler stopped, is told its passes
 * ended, so that nothing kept for its next pass outlives the lease.
 */
export class MatchingScheduler {
  readonly #matchers: readonly ScheduledMatcher[];
  readonly #leases: MatchingLeases;
  readonly #logger: Logger;
  readonly #timers = new Map<ScheduledMatcher, ReturnType<typeof setTimeout>>();
  readonly #running = new Set<Promise<void>>();
  /** Matchers whose lease this instance held at their last tick. */
  readonly #leading = new Set<ScheduledMatcher>();
  #stopped = true;

  constructor(matchers: readonly ScheduledMatcher[], leases: MatchingLeases, logger: Logger) {
    this.#matchers = matchers;
    this.#leases = leases;
    this.#logger = logger;
  }

  /**
   * Begins scheduling passes; calling it again while running does nothing. Separate from the
   * constructor so the servers are listening before matching begins, and so tests can leave the
   * timers off and run passes by hand.
   */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    for (const matcher of this.#matchers) this.#schedule(matcher);
  }

  /** Stops scheduling passes, waits for the ones under way, and releases the leases. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await Promise.allSettled([...this.#running]);
    await Promise.allSettled(this.#matchers.map((matcher) => this.#leases.release(matcher.queue.name)));
    for (const matcher of this.#leading) matcher.passesEnded();
    this.#leading.clear();
  }

  #schedule(matcher: ScheduledMatcher): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      const pass = this.#run(matcher).finally(() => {
        this.#running.delete(pass);
        this.#schedule(matcher);
      });
      this.#running.add(pass);
    }, matcher.queue.tickIntervalMs);
    timer.unref();
    this.#timers.set(matcher, timer);
  }

  /**
   * Runs one pass over every queue whose lease this instance holds, now (tests, tools). `stop`
   * waits for these passes too.
   */
  async runOnce(): Promise<void> {
    for (const matcher of this.#matchers) {
      const pass = this.#passUnderLease(matcher);
      this.#running.add(pass);
      try {
        await pass;
      } finally {
        this.#running.delete(pass);
      }
    }
  }

  async #passUnderLease(matcher: ScheduledMatcher): Promise<void> {
    const fence = await this.#leases.hold(matcher.queue.name);
    if (fence === undefined) {
      if (this.#leading.delete(matcher)) matcher.passesEnded();
      return;
    }
    this.#leading.add(matcher);
    await matcher.runPass(fence);
  }

  async #run(matcher: ScheduledMatcher): Promise<void> {
    try {
      await this.#passUnderLease(matcher);
    } catch (error) {
      this.#logger.error({ err: error, queue: matcher.queue.name }, "matching pass failed");
    }
  }
}
