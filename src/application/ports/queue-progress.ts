import type { Unsubscribe } from "./ticket-events.ts";

/** The ordering key of a waiting ticket. */
export interface QueueEntry {
  readonly id: string;
  readonly createdAt: number;
}

/**
 * The tickets a pass leaves waiting, as the pass holds them: what the store listed for it minus
 * what it claimed. Handed over as they are, valid during {@link QueueProgress.recordPass} only.
 *
 * Why not a list of the tickets left: building one (a `filter` over the listing) took 25 ms a pass
 * over a million waiting tickets, and an 8 MB array every pass for the collector; and ordering
 * them read each ticket object's creation time where the pass already has them in a column.
 */
export interface WaitingAfterPass {
  /** The tickets listed for the pass, in the store's order. */
  readonly listed: readonly QueueEntry[];
  /** `listed[i].createdAt` at `[i]` (the pass's column, see `WaitingColumns`). */
  readonly createdAt: Float64Array;
  /** 1 at `[i]` where the pass claimed `listed[i]`; undefined when it claimed none. */
  readonly claimed: Uint8Array | undefined;
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
   * Records the tickets left waiting after a pass (an implementation that keeps its own index
   * orders them by creation time, ties in the order the store listed them, as matching does), and
   * signals the pass.
   */
  recordPass(queue: string, waiting: WaitingAfterPass): Promise<void>;
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
