/** A caller waiting for a slot: handed one, or turned away. */
interface Waiter {
  grant(): void;
  refuse(): void;
}

/**
 * A fixed number of allocations allowed to run at once (MatchPlacement keeps one set per fleet),
 * handed out first come, first served.
 *
 * Why a limit: one pass over a long queue can form thousands of matches at once, and a fleet's
 * allocator answers a flood of concurrent requests with contention errors (Agones: ABORTED, "too
 * many concurrent requests have overwhelmed the system") or answers them all late, so that every
 * match of the pass times out and goes back to the queue together. Matches past the limit wait
 * their turn here, in claim order, so the oldest tickets get their servers first.
 */
export class AllocationSlots {
  #free: number;
  /** In arrival order (a Set keeps insertion order): leaving it at a deadline costs O(1) however long it is. */
  readonly #line = new Set<Waiter>();
  #closed = false;

  /** @throws RangeError when `capacity` is not a positive integer. */
  constructor(capacity: number) {
    AllocationSlots.checkCapacity(capacity);
    this.#free = capacity;
  }

  /**
   * @throws RangeError when `capacity` is not a positive integer: for owners that make their slots
   * later, to refuse a bad setting when they are built rather than at the first allocation.
   */
  static checkCapacity(capacity: number): void {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`allocation slots: capacity must be a positive integer (got ${capacity})`);
  }

  /**
   * Takes a slot if one is free (then nobody is in line), to be given back with {@link release}:
   * false when the caller would have to wait, or the slots are closed. Lets a caller that need not
   * wait skip setting a deadline for the wait, a timer per allocation.
   */
  tryAcquire(): boolean {
    if (this.#closed || this.#free === 0) return false;
    this.#free--;
    return true;
  }

  /**
   * Resolves true once the caller holds a slot, to be given back with {@link release}; or false,
   * holding none, if `signal` aborts first (the caller's deadline passed while it waited) or the
   * slots are closed.
   */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted || this.#closed) return Promise.resolve(false);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener("abort", giveUp);
          resolve(true);
        },
        refuse: () => {
          signal.removeEventListener("abort", giveUp);
          resolve(false);
        },
      };
      // Runs at most once, and only while the waiter is in line: leaving it removes this listener.
      const giveUp = (): void => {
        this.#line.delete(waiter);
        resolve(false);
      };
      signal.addEventListener("abort", giveUp, { once: true });
      this.#line.add(waiter);
    });
  }

  /** Gives a slot back: to the first caller in line, if any. */
  release(): void {
    const next = this.#line.values().next();
    if (next.done === true) {
      this.#free++;
      return;
    }
    this.#line.delete(next.value);
    next.value.grant();
  }

  /**
   * For shutdown: every caller in line, and every later one, is turned away (false). Slots already
   * held are still given back with {@link release}.
   */
  close(): void {
    this.#closed = true;
    const line = [...this.#line];
    this.#line.clear();
    for (const waiter of line) waiter.refuse();
  }
}
