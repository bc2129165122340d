import type { Ticket } from "../../domain/ticket.ts";

/** Stops a subscription. */
export type Unsubscribe = () => void;

/**
 * Fans ticket changes out to the watchers of each ticket, wherever the change was made.
 *
 * Watchers are pushed changes rather than polling for them; with several instances the
 * implementation carries changes between them.
 */
export interface TicketEvents {
  publish(tickets: readonly Ticket[]): Promise<void>;
  subscribe(ticketId: string, listener: (ticket: Ticket) => void): Unsubscribe;
}
