/** How an allocation for a formed match ended, retries included. */
export type AllocationOutcome = "success" | "failure" | "timeout";

/**
 * Why claimed tickets went back to the queue: the fleet could not allocate; the match never reached
 * the fleet (no allocation slot came free in time, its region was paused meanwhile, or the instance
 * shut down); something failed after the allocation; or the instance placing them died.
 */
export type RequeueReason = "allocation_failed" | "allocation_not_started" | "assignment_failed" | "orphaned";

/**
 * What the use cases report for monitoring. Plain calls with bounded labels (queue and region names
 * come from configuration; never ticket or user ids), so an implementation can map each to a time
 * series; the application layer stays free of a metrics library.
 */
export interface MatchmakingMetrics {
  /** A ticket was created (an idempotent replay is not a new ticket). */
  ticketEnqueued(queue: string): void;
  /** A ticket left the queue by cancellation (cancelling it again is not counted). */
  ticketCancelled(queue: string): void;
  /** `count` tickets reached their time-to-live while queued, in one pass. */
  ticketsExpired(queue: string, count: number): void;
  /** `count` claimed tickets went back to the queue, keeping their priority, for `reason`. */
  ticketsRequeued(queue: string, reason: RequeueReason, count: number): void;
  /** Tickets left waiting after a pass, by region (every configured region, zeros included). */
  ticketsWaiting(queue: string, byRegion: ReadonlyMap<string, number>): void;
  /** How long one matching pass over `queue` took (wall time). */
  passCompleted(queue: string, durationMs: number): void;
  /** A match got its server; `waitsMs` has each of its tickets' time from enqueue to match. */
  matchFormed(queue: string, region: string, waitsMs: readonly number[]): void;
  /**
   * A pass formed `count` matches in `region` it did not claim, placement being full for the
   * region's fleet (allocations running and waiting at their limit); their tickets stay queued.
   */
  matchesDeferred(queue: string, region: string, count: number): void;
  /** A pass over `queue` did not match at all: placement was full in every region it may match in. */
  matchingSkipped(queue: string): void;
  /** A match's allocation ended (once per match that reached the fleet, its own retries included). */
  allocationAttempt(queue: string, region: string, outcome: AllocationOutcome): void;
  /** Matching leaves `region` of `queue` alone for `pauseMs`, its fleet having failed to allocate. */
  regionPaused(queue: string, region: string, pauseMs: number): void;
  /** A WatchTicket stream started (+1) or ended (-1). */
  watchStreams(delta: 1 | -1): void;
}
