/**
 * Positions 0..size-1 of a sorted array, some of which get removed, with "nearest remaining
 * position to the left/right" in amortised near-constant time (union-find with path halving).
 *
 * The matcher scans outward from a ticket through tickets sorted by skill; without this, every
 * already matched ticket would be stepped over again by every later scan.
 */
export class AliveIndex {
  readonly #right: Int32Array;
  readonly #left: Int32Array;

  /**
   * `right` and `left`, when given, are storage to reuse (at least `size + 2` long, contents
   * overwritten), so a caller building indices over and over need not allocate them each time.
   */
  constructor(size: number, right: Int32Array = new Int32Array(size + 2), left: Int32Array = new Int32Array(size + 2)) {
    // Slot i+1 stands for position i; slots 0 and size+1 are sentinels that are never removed.
    this.#right = right;
    this.#left = left;
    for (let i = 0; i < size + 2; i++) {
      this.#right[i] = i;
      this.#left[i] = i;
    }
  }

  /** Marks a position as gone. */
  remove(position: number): void {
    const slot = position + 1;
    this.#right[slot] = slot + 1;
    this.#left[slot] = slot - 1;
  }

  /** The first remaining position at or after `position`, or the size when there is none. */
  atOrAfter(position: number): number {
    return find(this.#right, position + 1) - 1;
  }

  /** The last remaining position at or before `position`, or -1 when there is none. */
  atOrBefore(position: number): number {
    return find(this.#left, position + 1) - 1;
  }
}

function find(parent: Int32Array, start: number): number {
  let slot = start;
  while (parent[slot] !== slot) {
    const next = parent[slot]!;
    parent[slot] = parent[next]!;
    slot = next;
  }
  return slot;
}
