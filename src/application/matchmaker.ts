import type { QueueConfig } from "../domain/queue-config.ts";
import type { Caller } from "./caller.ts";
import { cancelTicket } from "./cancel-ticket.ts";
import { enqueueTicket, type EnqueueCommand } from "./enqueue-ticket.ts";
import { getTicket } from "./get-ticket.ts";
import type { MatchmakingDeps } from "./matchmaking-deps.ts";
import type { TicketView } from "./ticket-view.ts";
import { watchTicket, type TicketWatch } from "./watch-ticket.ts";

/** The use cases a transport serves, bound to their dependencies. */
export interface Matchmaker {
  listQueues(): QueueConfig[];
  enqueue(caller: Caller, command: EnqueueCommand): Promise<TicketView>;
  getTicket(caller: Caller, ticketId: string): Promise<TicketView>;
  cancelTicket(caller: Caller, ticketId: string): Promise<TicketView>;
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
