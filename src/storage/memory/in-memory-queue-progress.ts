import { orderByCreation } from "../../domain/priority-order.ts";
import { ReusableArray } from "../../domain/reusable-array.ts";
import type { QueueEntry, QueueProgress, WaitingAfterPass } from "../../application/ports/queue-progress.ts";
import type { Unsubscribe } from "../../application/ports/ticket-events.ts";
import { notifyInBatches } from "../../application/notify-in-batches.ts";
import { nextAverageWaitMs, remainingWaitMs } from "../../application/wait-estimate.ts";

interface QueueState {
  /** Creation times of the tickets left waiting after the last pass, ascending. */
  createdAt: Float64Array;
  /** Their ids, in the same order (tickets created in the same millisecond in the pass's order). */
  readonly ids: string[];
  /**
   * Where `createdAt` lives, the listing's positions of the tickets left, and their priority order:
   * all kept from pass to pass, as a queue's worth of fresh typed arrays every pass makes V8 collect
   * the whole heap (see `ReusableArray`). `ids` is reused in place for the same reason.
   */
  readonly createdAtStorage: ReusableArray<Float64Array>;
  readonly left: ReusableArray<Int32Array>;
  readonly order: ReusableArray<Int32Array>;
  averageWaitMs: number | undefined;
  readonly listeners: Set<() => void>;
}

/**
 * Queue progress for a single instance: the last pass's waiting order kept as sorted arrays, so a
 * position is a binary search (O(log n)) plus a scan of the tickets created in the same millisecond
 * rather than a scan of the queue, and the wait estimate as an
 * exponentially weighted moving average of recent matched waits.
 */
export class InMemoryQueueProgress implements QueueProgress {
  readonly #queues = new Map<string, QueueState>();

  async recordPass(queue: string, { listed, createdAt: listedCreatedAt, claimed }: WaitingAfterPass): Promise<void> {
    const state = this.#state(queue);
    const left = state.left.atLeast(listed.length);
    let count = 0;
    for (let i = 0; i < listed.length; i++) if (claimed === undefined || claimed[i] !== 1) left[count++] = i;
    const order = orderByCreation(left.subarray(0, count), listedCreatedAt, state.order.atLeast(count));
    const createdAt = state.createdAtStorage.take(count);
    const { ids } = state;
    ids.length = count;
    for (let k = 0; k < count; k++) {
      const at = order[k]!;
      createdAt[k] = listedCreatedAt[at]!;
      ids[k] = listed[at]!.id;
    }
    state.createdAt = createdAt;
    notifyInBatches(state.listeners);
  }

  async recordMatchedWaits(queue: string, waitsMs: readonly number[]): Promise<void> {
    const state = this.#state(queue);
    for (const waitedMs of waitsMs) state.averageWaitMs = nextAverageWaitMs(state.averageWaitMs, waitedMs);
  }

  /**
   * As of the last pass: a ticket enqueued since is placed behind every ticket waiting then that is
   * at least as old.
   */
  positionOf(queue: string, ticket: QueueEntry): number {
    const state = this.#queues.get(queue);
    if (state === undefined) return 1;
    const { createdAt, ids } = state;
    let low = 0;
    let high = createdAt.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (createdAt[middle]! < ticket.createdAt) low = middle + 1;
      else high = middle;
    }
    // Among the tickets created in the same millisecond (as many as were enqueued in it), the pass's order.
    while (low < createdAt.length && createdAt[low] === ticket.createdAt) {
      if (ids[low] === ticket.id) break;
      low++;
    }
    return low + 1;
  }

  /** The recent average wait minus what the ticket already waited, in whole seconds. */
  estimatedWaitMs(queue: string, waitedMs: number): number | undefined {
    const average = this.#queues.get(queue)?.averageWaitMs;
    return average === undefined ? undefined : remainingWaitMs(average, waitedMs);
  }

  onPass(queue: string, listener: () => void): Unsubscribe {
    const listeners = this.#state(queue).listeners;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  #state(queue: string): QueueState {
    let state = this.#queues.get(queue);
    if (state === undefined) {
      state = {
        createdAt: new Float64Array(0),
        ids: [],
        createdAtStorage: new ReusableArray((length) => new Float64Array(length)),
        left: new ReusableArray((length) => new Int32Array(length)),
        order: new ReusableArray((length) => new Int32Array(length)),
        averageWaitMs: undefined,
        listeners: new Set(),
      };
      this.#queues.set(queue, state);
    }
    return state;
  }
}
