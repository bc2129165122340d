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
  /**
   * Announces the new state of tickets just committed to the store. Called after the store write,
   * never before, so a watcher that re-reads on an event sees the change.
   */
  publish(tickets: readonly Ticket[]): Promise<void>;
  /**
   * Calls `listener` with every later published state of one ticket. Delivery is best effort
   * (a change may be missed while instances reconnect), so watchers also re-read the store.
   *
   * `gone` is called if a re-read finds that the store no longer has the ticket while it is
   * watched: a shared store that lost its data (a Redis restarted without persistence). No change
   * of it will ever come, and its watcher would otherwise wait for one forever.
   */
  subscribe(ticketId: string, listener: (ticket: Ticket) => void, gone?: () => void): Unsubscribe;
}
