import type { Unsubscribe } from "./ports/ticket-events.ts";

/** How much one new observed wait moves the estimate (exponentially weighted moving average). */
const WAIT_SMOOTHING = 0.1;

interface QueueState {
  /** Creation times of the tickets left waiting after the last pass, ascending. */
  createdAt: Float64Array;
  /** Their ids, in the same order (ties on creation time are ordered by id). */
  ids: readonly string[];
  averageWaitMs: number | undefined;
  readonly listeners: Set<() => void>;
}

/**
 * What each matching pass learns about its queue: who waits in what order, and how long matches
 * have recently taken. Queue positions and wait estimates are read from here (O(log n) per read)
 * instead of being recomputed per request, and watchers are told once per pass instead of polling.
 */
export class QueueInsights {
  readonly #queues = new Map<string, QueueState>();

  /**
   * Records the tickets still waiting after a pass, sorted by priority (creation time, then id),
   * and tells the queue's listeners.
   */
  recordPass(queue: string, waiting: readonly { readonly id: string; readonly createdAt: number }[]): void {
    const state = this.#state(queue);
    state.createdAt = Float64Array.from(waiting, (ticket) => ticket.createdAt);
    state.ids = waiting.map((ticket) => ticket.id);
    for (const listener of state.listeners) listener();
  }

  /** Feeds the wait of a ticket that was just matched into the queue's estimate. */
  recordMatchedWait(queue: string, waitedMs: number): void {
    const state = this.#state(queue);
    state.averageWaitMs =
      state.averageWaitMs === undefined ? waitedMs : state.averageWaitMs + WAIT_SMOOTHING * (waitedMs - state.averageWaitMs);
  }

  /**
   * 1-based position among the queue's waiting tickets as of the last pass. A ticket enqueued after
   * it is placed behind every older ticket that was waiting then.
   */
  positionOf(queue: string, ticket: { readonly id: string; readonly createdAt: number }): number {
    const state = this.#queues.get(queue);
    if (state === undefined) return 1;
    let low = 0;
    let high = state.createdAt.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const created = state.createdAt[middle]!;
      const before = created < ticket.createdAt || (created === ticket.createdAt && state.ids[middle]! < ticket.id);
      if (before) low = middle + 1;
      else high = middle;
    }
    return low + 1;
  }

  /**
   * Expected remaining wait: the recent average wait minus what the ticket already waited, or
   * undefined while the queue has no recent matches (no honest estimate exists then).
   */
  estimatedWaitMs(queue: string, waitedMs: number): number | undefined {
    const average = this.#queues.get(queue)?.averageWaitMs;
    if (average === undefined) return undefined;
    // Whole seconds: finer figures would only make watchers churn.
    return Math.max(0, Math.round((average - waitedMs) / 1000) * 1000);
  }

  /** Calls `listener` after every pass over `queue`. */
  onPass(queue: string, listener: () => void): Unsubscribe {
    const listeners = this.#state(queue).listeners;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  #state(queue: string): QueueState {
    let state = this.#queues.get(queue);
    if (state === undefined) {
      state = { createdAt: new Float64Array(0), ids: [], averageWaitMs: undefined, listeners: new Set() };
      this.#queues.set(queue, state);
    }
    return state;
  }
}
