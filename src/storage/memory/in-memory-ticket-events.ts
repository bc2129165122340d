import type { Ticket } from "../../domain/ticket.ts";
import type { TicketEvents, Unsubscribe } from "../../application/ports/ticket-events.ts";

/** Ticket change fan-out within one process: a listener set per watched ticket, nothing for others. */
export class InMemoryTicketEvents implements TicketEvents {
  readonly #listeners = new Map<string, Set<(ticket: Ticket) => void>>();

  async publish(tickets: readonly Ticket[]): Promise<void> {
    for (const ticket of tickets) {
      const listeners = this.#listeners.get(ticket.id);
      if (listeners === undefined) continue;
      for (const listener of listeners) listener(ticket);
    }
  }

  subscribe(ticketId: string, listener: (ticket: Ticket) => void): Unsubscribe {
    let listeners = this.#listeners.get(ticketId);
    if (listeners === undefined) {
      listeners = new Set();
      this.#listeners.set(ticketId, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.#listeners.get(ticketId) === listeners) this.#listeners.delete(ticketId);
    };
  }

  /** Tickets with at least one watcher in this process. */
  get watchedTickets(): number {
    return this.#listeners.size;
  }
}
