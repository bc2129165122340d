/** What the matching loop asks a fleet for when a match has been formed. */
export interface AllocationRequest {
  /**
   * Unique per match, so a fleet can make allocation idempotent by it: a retry after a lost answer
   * gets the server already reserved (the reference registry does this).
   */
  readonly matchId: string;
  /** The queue (game mode) the match was formed in, for fleets that host modes differently. */
  readonly queue: string;
  /** The region every player of the match accepted; the server must be there. */
  readonly region: string;
  /** Players in the match, for fleets that size or annotate the server by it. */
  readonly playerCount: number;
  /** Extra selectors for fleets that support them; empty by default. */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * A game server reserved for one match.
 *
 * `address` is the only part players ever see; `serverId` and `details` are the fleet's internal
 * identifiers, kept for logs, release and ticket binding, and never put in a player-facing message.
 */
export interface AllocatedServer {
  /** `host:port` the players connect to. */
  readonly address: string;
  /** The fleet's stable id for the server (name, pod, ...). Internal. */
  readonly serverId: string;
  /** Which fleet allocated it, so release goes back to the same fleet. */
  readonly fleet: string;
  /** Fleet-specific internal metadata (node name, cluster, labels) for logs only. */
  readonly details: Readonly<Record<string, string>>;
}

/**
 * Finds a game server for a match.
 *
 * Implementations retry transient failures themselves and throw {@link AllocationError} once they
 * give up; the matching loop then returns the match's tickets to the queue.
 */
export interface GameServerAllocator {
  /**
   * Reserves a server for the match. `signal` is the deadline of the whole allocation, retries
   * included (`MatchmakerOptions.allocationTimeoutMs`): when it aborts, stop retrying and reject,
   * and the matchmaker requeues the match's tickets. An implementation that ignores it keeps them
   * waiting in `allocating` until it settles.
   *
   * @throws AllocationError once it gives up (no server, or the fleet refused the request).
   */
  allocate(request: AllocationRequest, signal?: AbortSignal): Promise<AllocatedServer>;
  /**
   * The name of the fleet that would allocate a match of `queue` in `region`: the matchmaker limits
   * the allocations running at once per fleet (`MATCHMAKER_MAX_CONCURRENT_ALLOCATIONS`), since
   * each fleet has an allocator of its own to protect, whether it serves one region or all of them.
   */
  fleetFor(match: Pick<AllocationRequest, "queue" | "region">): string;
  /** Gives back a server whose match never started (for example when assignment failed). */
  release(server: AllocatedServer): Promise<void>;
}

/** Allocation failed for good (after any retries): no server, or the fleet rejected the request. */
export class AllocationError extends Error {
  override readonly name = "AllocationError";
  /** True when trying again later may succeed (no capacity now, contention, fleet unreachable). */
  readonly retryable: boolean;

  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable;
  }
}
