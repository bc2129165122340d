import type { Unsubscribe } from "./ticket-events.ts";

/** The ordering key of a waiting ticket. */
export interface QueueEntry {
  readonly id: string;
  readonly createdAt: number;
}

/**
 * What matching passes learn about a queue, for everyone who asks about a waiting ticket:
 * its position, the expected wait, and a signal after each pass (so watchers re-check their
 * position when it may have changed, instead of polling).
 *
 * With several instances, passes run on one of them and the implementation shares the results.
 */
export interface QueueProgress {
  /**
   * Records the tickets left waiting after a pass, in the order the store listed them (an
   * implementation that keeps its own index orders them by creation time, ties in that order, as
   * matching does), and signals the pass.
   */
  recordPass(queue: string, waiting: readonly QueueEntry[]): Promise<void>;
  /**
   * Feeds the waits of the tickets of a match just made into the queue's estimate, in order. A
   * match's waits at once so a shared store spends one round trip per match, not one per ticket.
   */
  recordMatchedWaits(queue: string, waitsMs: readonly number[]): Promise<void>;
  /**
   * 1-based position among the queue's waiting tickets (older first).
   *
   * This and {@link estimatedWaitMs} answer directly when the answer is at hand (in memory) and with
   * a promise only when it must be fetched: every watcher of a queue asks both once per progress
   * update, tens of thousands of times per pass, and a promise per answer was most of the garbage
   * of a WatchTicket message (BENCHMARKS.md, benchmark 4).
   */
  positionOf(queue: string, ticket: QueueEntry): number | Promise<number>;
  /** Expected remaining wait in whole seconds' worth of ms, or undefined when nothing recent to go by. */
  estimatedWaitMs(queue: string, waitedMs: number): number | undefined | Promise<number | undefined>;
  /** Calls `listener` after every pass over `queue`, wherever it ran. */
  onPass(queue: string, listener: () => void): Unsubscribe;
}
