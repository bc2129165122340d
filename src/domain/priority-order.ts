import { ReusableArray } from "./reusable-array.ts";
import { stableSortByKey } from "./stable-key-sort.ts";

// Scratch of `priorityOrder`, kept across calls (they are synchronous): a queue's worth of numbers
// per call would otherwise be new external memory every pass (see `ReusableArray`).
const scratchCreatedAt = new ReusableArray((length) => new Float64Array(length));
const scratchIdentity = new ReusableArray((length) => new Int32Array(length));

/** What ordering by matching priority reads of a waiting ticket. */
export interface PriorityEntry {
  readonly createdAt: number;
}

/**
 * Indices of `entries` in matching priority order: oldest first, and tickets created in the same
 * millisecond in the order they are listed (a store lists a queue in a fixed order: the in-memory
 * store in order of arrival, Redis's sorted set by id). `findMatches` takes anchors in this order.
 *
 * Why the listed order breaks ties rather than a rule of the domain's own (such as comparing ids):
 * either order is as fair, the store's costs nothing, and comparing ids did not. At a few enqueues
 * per millisecond most tickets of a large queue share their millisecond with others, and a million
 * tickets' string comparisons, each reading two strings from cold memory, took 32 ms of a matching
 * pass (BENCHMARKS.md, section 3).
 *
 * Why not `entries.sort` with a comparator: creation times are radix-sorted, and a queue listed
 * oldest first (Redis's is; the in-memory store's is too, but for tickets back from a failed
 * allocation) costs one sweep.
 *
 * Into `into` when given (see `stableSortByKey`), which a caller that orders a queue every pass
 * keeps from pass to pass.
 */
export function priorityOrder(entries: readonly PriorityEntry[], into?: Int32Array): Int32Array {
  const createdAt = scratchCreatedAt.take(entries.length);
  const identity = scratchIdentity.take(entries.length);
  for (let i = 0; i < entries.length; i++) {
    createdAt[i] = entries[i]!.createdAt;
    identity[i] = i;
  }
  return orderByCreation(identity, createdAt, into);
}

/**
 * {@link priorityOrder} of the tickets whose creation times are `createdAt` (by index), listed in
 * the order of `listed`; into `into` when given (see `stableSortByKey`). For a matching pass, which
 * gathers the creation times in its own sweep.
 */
export function orderByCreation(listed: Int32Array, createdAt: Float64Array, into?: Int32Array): Int32Array {
  return stableSortByKey(listed, createdAt, into);
}
