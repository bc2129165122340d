/** What {@link ReusableArray} needs of a typed array: its length and a view of its start. */
interface Viewable<A> {
  readonly length: number;
  subarray(begin: number, end: number): A;
}

/**
 * One typed array kept across calls and grown on demand, handed out as a view of the length asked.
 *
 * Why: a matching pass over a million tickets needs a few hundred megabytes of scratch arrays.
 * Allocating them afresh every pass counts as new external memory each time, which makes V8 start
 * full (mark-compact) collections of the whole heap, tickets included; reusing them does not.
 * The price is that the largest size asked for stays allocated.
 *
 * A view's contents are whatever the previous user left: callers initialise what they read.
 */
export class ReusableArray<A extends Viewable<A>> {
  readonly #create: (length: number) => A;
  #array: A;

  constructor(create: (length: number) => A) {
    this.#create = create;
    this.#array = create(0);
  }

  /** A view of the first `length` elements, reallocating (contents dropped) when it is too short. */
  take(length: number): A {
    return this.atLeast(length).subarray(0, length);
  }

  /**
   * The whole array, at least `length` long, for hot paths that carry their own count: creating a
   * view costs an allocation, which adds up when a caller runs hundreds of thousands of times a pass.
   */
  atLeast(length: number): A {
    if (this.#array.length < length) this.#array = this.#create(length);
    return this.#array;
  }
}
