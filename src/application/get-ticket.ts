import type { Ticket } from "../domain/ticket.ts";
import type { Caller } from "./caller.ts";
import { NotFoundError } from "./errors.ts";
import type { MatchmakingDeps } from "./matchmaking-deps.ts";
import { canAccess, viewTicket, type TicketView } from "./ticket-view.ts";

/** Returns the caller's view of a ticket. */
export async function getTicket(deps: MatchmakingDeps, caller: Caller, ticketId: string): Promise<TicketView> {
  const ticket = await findAccessibleTicket(deps, caller, ticketId);
  return viewTicket(ticket, caller, deps.progress, deps.clock.now());
}

/**
 * Loads a ticket the caller may access. A ticket of someone else is reported exactly like a missing
 * one, so ticket ids cannot be probed.
 */
export async function findAccessibleTicket(deps: MatchmakingDeps, caller: Caller, ticketId: string): Promise<Ticket> {
  const ticket = await deps.store.get(ticketId);
  if (ticket === undefined || !canAccess(caller, ticket)) throw new NotFoundError(`ticket "${ticketId}" not found`);
  return ticket;
}
