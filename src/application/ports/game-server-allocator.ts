/** What the matching loop asks a fleet for when a match has been formed. */
export interface AllocationRequest {
  readonly matchId: string;
  readonly queue: string;
  readonly region: string;
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
  allocate(request: AllocationRequest, signal?: AbortSignal): Promise<AllocatedServer>;
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
