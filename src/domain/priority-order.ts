import { stableSortByKey } from "./stable-key-sort.ts";

/**
 * The tickets at `listed` (indices into the columns `createdAt` belongs to) in matching priority
 * order: oldest first, and tickets created in the same millisecond in the order `listed` has them
 * (a store lists a queue in a fixed order: the in-memory store in order of arrival, Redis's sorted
 * set by id). `findMatches` takes anchors in this order, and queue positions count in it. Into
 * `into` when given (see `stableSortByKey`), which a caller that orders a queue every pass keeps
 * from pass to pass.
 *
 * Why the listed order breaks ties rather than a rule of the domain's own (such as comparing ids):
 * either order is as fair, the store's costs nothing, and comparing ids did not. At a few enqueues
 * per millisecond most tickets of a large queue share their millisecond with others, and a million
 * tickets' string comparisons, each reading two strings from cold memory, took 32 ms of a matching
 * pass (BENCHMARKS.md, section 3).
 *
 * Why creation times from a column rather than from ticket objects, and a radix sort rather than
 * `sort` with a comparator: a queue listed oldest first (Redis's is; the in-memory store's is too,
 * but for tickets back from a failed allocation) then costs one sweep over an array.
 */
export function orderByCreation(listed: Int32Array, createdAt: Float64Array, into?: Int32Array): Int32Array {
  return stableSortByKey(listed, createdAt, into);
}
