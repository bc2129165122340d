import { stableSortByKey } from "./stable-key-sort.ts";
import { comparePriority } from "./ticket.ts";

/** What ordering by matching priority reads of a waiting ticket. */
export interface PriorityEntry {
  readonly id: string;
  readonly createdAt: number;
}

/**
 * Indices of `entries` in matching priority order ({@link comparePriority}: oldest first, ties by id).
 *
 * Why not `entries.sort(comparePriority)`: a queue is reordered after every pass, and a comparator
 * sort over tens of thousands of tickets took several milliseconds of the pass while its matches'
 * assignments waited to go out. Creation times are radix-sorted and only tickets created in the same
 * millisecond are compared by id.
 */
export function priorityOrder(entries: readonly PriorityEntry[]): Int32Array {
  const createdAt = new Float64Array(entries.length);
  const identity = new Int32Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    createdAt[i] = entries[i]!.createdAt;
    identity[i] = i;
  }
  return orderCreationTiesById(entries, stableSortByKey(identity, createdAt), createdAt);
}

/**
 * Completes an order by creation time into priority order, in place: each run of equal creation
 * times in `order` (indices of `entries`, ordered by `createdAt[i]`) is put in id order.
 */
export function orderCreationTiesById(entries: readonly PriorityEntry[], order: Int32Array, createdAt: Float64Array): Int32Array {
  let runStart = 0;
  for (let k = 1; k <= order.length; k++) {
    if (k < order.length && createdAt[order[k]!] === createdAt[order[runStart]!]) continue;
    if (k - runStart > 1) sortRunById(entries, order, runStart, k);
    runStart = k;
  }
  return order;
}

/** Runs this short are insertion-sorted in place; longer ones go through a comparator sort. */
const SHORT_RUN = 16;

/** Sorts `order[from..to)`, entries created at the same time, by id. */
function sortRunById(entries: readonly PriorityEntry[], order: Int32Array, from: number, to: number): void {
  if (to - from > SHORT_RUN) {
    order.subarray(from, to).sort((a, b) => comparePriority(entries[a]!, entries[b]!));
    return;
  }
  for (let k = from + 1; k < to; k++) {
    const index = order[k]!;
    const id = entries[index]!.id;
    let j = k;
    while (j > from && entries[order[j - 1]!]!.id > id) {
      order[j] = order[j - 1]!;
      j--;
    }
    order[j] = index;
  }
}
