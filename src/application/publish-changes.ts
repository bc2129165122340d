import type { Ticket } from "../domain/ticket.ts";
import type { Logger } from "./ports/logger.ts";
import type { TicketEvents } from "./ports/ticket-events.ts";

/**
 * Tells watchers about changes that are already committed. A failure here must not undo or stall
 * the change itself (the state is in the store; watchers re-read it when their subscription
 * recovers), so it is logged rather than thrown.
 */
export async function publishCommitted(events: TicketEvents, tickets: readonly Ticket[], log: Logger, change: string): Promise<void> {
  if (tickets.length === 0) return;
  try {
    await events.publish(tickets);
  } catch (error) {
    log.warn({ err: error, change, tickets: tickets.map((ticket) => ticket.id) }, "could not publish ticket changes");
  }
}
