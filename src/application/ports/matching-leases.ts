/**
 * Who runs each queue's matching loop. With several instances exactly one may match a queue at a
 * time; the fencing token it gets with the lease goes into every claim, so a holder that lost the
 * lease (paused, partitioned) cannot claim tickets even if it still believes it holds it.
 */
export interface MatchingLeases {
  /**
   * Takes the queue's lease, or extends it if this instance holds it. Returns the fencing token while
   * held (it only grows across holders), or undefined when another instance holds it.
   */
  hold(queue: string): Promise<number | undefined>;
  /** Gives the lease up (on shutdown), so another instance takes over without waiting for expiry. */
  release(queue: string): Promise<void>;
}
