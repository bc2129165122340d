import type { QueueConfig } from "../domain/queue-config.ts";
import type { Caller } from "./caller.ts";
import { cancelTicket } from "./cancel-ticket.ts";
import { enqueueTicket, type EnqueueCommand } from "./enqueue-ticket.ts";
import { getTicket } from "./get-ticket.ts";
import type { MatchmakingDeps } from "./matchmaking-deps.ts";
import type { TicketView } from "./ticket-view.ts";
import { watchTicket, type TicketWatch } from "./watch-ticket.ts";

/**
 * The use cases a transport serves, bound to their dependencies. Besides the errors listed, any
 * method that reaches the store may fail with UnavailableError when the store cannot be reached.
 */
export interface Matchmaker {
  /** The configured queues; public, so it takes no caller. */
  listQueues(): QueueConfig[];
  /**
   * Puts a party in a queue, or replays the ticket an earlier call with the same request id made.
   *
   * @throws NotFoundError for an unknown queue; InvalidArgumentError when the party breaks the
   *   queue's rules or the request id was used for another request; PermissionDeniedError when a
   *   player enqueues anyone but themself alone; PlayerAlreadyQueuedError when a player already
   *   holds a live ticket in the queue.
   */
  enqueue(caller: Caller, command: EnqueueCommand): Promise<TicketView>;
  /**
   * The ticket as the caller may see it.
   *
   * @throws NotFoundError when it does not exist or belongs to another player (the same answer).
   */
  getTicket(caller: Caller, ticketId: string): Promise<TicketView>;
  /**
   * Cancels a queued ticket; cancelling a cancelled one succeeds again.
   *
   * @throws NotFoundError as {@link Matchmaker.getTicket}; TicketStateError, carrying the ticket's
   *   current view, when it is allocating, matched or expired.
   */
  cancelTicket(caller: Caller, ticketId: string): Promise<TicketView>;
  /**
   * The ticket's current view, then every change until a terminal state or until `signal` aborts
   * (the client went away). Nothing is read before the first `next()`, which rejects with
   * NotFoundError as {@link Matchmaker.getTicket} would.
   */
  watchTicket(caller: Caller, ticketId: string, signal: AbortSignal): TicketWatch;
}

/**
 * Binds the use cases to one set of dependencies, so transports (gRPC, Connect, the console) call
 * `matchmaker.enqueue(caller, command)` without knowing what a use case needs.
 */
export function createMatchmaker(deps: MatchmakingDeps): Matchmaker {
  return {
    listQueues: () => deps.catalog.list(),
    enqueue: (caller, command) => enqueueTicket(deps, caller, command),
    getTicket: (caller, ticketId) => getTicket(deps, caller, ticketId),
    cancelTicket: (caller, ticketId) => cancelTicket(deps, caller, ticketId),
    watchTicket: (caller, ticketId, signal) => watchTicket(deps, caller, ticketId, signal),
  };
}
