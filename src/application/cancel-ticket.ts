import type { TicketState } from "../domain/ticket.ts";
import type { Caller } from "./caller.ts";
import { NotFoundError, TicketStateError } from "./errors.ts";
import { findAccessibleTicket } from "./get-ticket.ts";
import type { MatchmakingDeps } from "./matchmaking-deps.ts";
import { viewTicket, type TicketView } from "./ticket-view.ts";

/** Why a ticket in each non-cancellable state stays as it is. */
const NOT_CANCELLABLE: Partial<Record<TicketState, string>> = {
  allocating: "a match was found and a game server is being allocated; it will be matched or queued again shortly",
  matched: "it is already matched; its assignment is in the ticket",
  expired: "it has expired",
};

/**
 * Cancels a queued ticket. A ticket that already left the queue is not cancelled; the error carries
 * its current view, so a caller racing a match learns the assignment instead.
 */
export async function cancelTicket(deps: MatchmakingDeps, caller: Caller, ticketId: string): Promise<TicketView> {
  const before = await findAccessibleTicket(deps, caller, ticketId);
  const now = deps.clock.now();
  const result = await deps.store.cancel(ticketId, now);
  switch (result.outcome) {
    case "not-found":
      throw new NotFoundError(`ticket "${ticketId}" not found`);
    case "not-cancellable": {
      const view = await viewTicket(result.ticket, caller, deps.progress, now);
      throw new TicketStateError(`ticket "${ticketId}" cannot be cancelled: ${NOT_CANCELLABLE[result.ticket.state] ?? result.ticket.state}`, view);
    }
    case "cancelled":
      await deps.events.publish([result.ticket]);
      // Cancelling again reports success too; count only the call that took the ticket out of the queue.
      if (before.state !== "cancelled") deps.metrics.ticketCancelled(result.ticket.queue);
      return viewTicket(result.ticket, caller, deps.progress, now);
  }
}
