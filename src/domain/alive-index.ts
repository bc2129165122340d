/**
 * Positions 0..size-1 of a sorted array, some of which get removed, with "nearest remaining
 * position to the left/right" in amortised near-constant time (union-find with path halving).
 *
 * The matcher scans outward from a ticket through tickets sorted by skill; without this, every
 * already matched ticket would be stepped over again by every later scan.
 */
export class AliveIndex {
  // Both directions' parent links interleaved (right at even, left at odd indices): a scan starting
  // at a random position then touches one cache line for both, not one in each of two arrays.
  readonly #links: Int32Array;

  /**
   * `storage`, when given, is reused (at least `2 * (size + 2)` long, contents overwritten), so a
   * caller building indices over and over need not allocate them each time.
   */
  constructor(size: number, storage: Int32Array = new Int32Array(2 * (size + 2))) {
    // Slot i+1 stands for position i; slots 0 and size+1 are sentinels that are never removed.
    this.#links = storage;
    for (let i = 0; i < size + 2; i++) {
      storage[2 * i] = i;
      storage[2 * i + 1] = i;
    }
  }

  /** Marks a position as gone. */
  remove(position: number): void {
    const slot = position + 1;
    this.#links[2 * slot] = slot + 1;
    this.#links[2 * slot + 1] = slot - 1;
  }

  /** The first remaining position at or after `position`, or the size when there is none. */
  atOrAfter(position: number): number {
    return find(this.#links, 0, position + 1) - 1;
  }

  /** The last remaining position at or before `position`, or -1 when there is none. */
  atOrBefore(position: number): number {
    return find(this.#links, 1, position + 1) - 1;
  }
}

/** The root of `start` among the links of one direction (`side` 0: right, 1: left). */
function find(links: Int32Array, side: number, start: number): number {
  let slot = start;
  while (links[2 * slot + side] !== slot) {
    const next = links[2 * slot + side]!;
    links[2 * slot + side] = links[2 * next + side]!;
    slot = next;
  }
  return slot;
}
