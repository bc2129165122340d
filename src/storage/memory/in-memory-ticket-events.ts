import type { Ticket } from "../../domain/ticket.ts";
import type { TicketEvents, Unsubscribe } from "../../application/ports/ticket-events.ts";

type Listener = (ticket: Ticket) => void;

/**
 * Ticket change fan-out within one process: the listeners of each watched ticket, nothing for
 * others. A ticket with one watcher (the usual case) holds that listener itself rather than a set of
 * one: with 20,000 idle watchers the sets were a measurable part of each stream's memory
 * (BENCHMARKS.md, benchmark 4).
 */
export class InMemoryTicketEvents implements TicketEvents {
  readonly #listeners = new Map<string, Listener | Set<Listener>>();

  async publish(tickets: readonly Ticket[]): Promise<void> {
    for (const ticket of tickets) {
      const listeners = this.#listeners.get(ticket.id);
      if (listeners === undefined) continue;
      if (typeof listeners === "function") listeners(ticket);
      else for (const listener of listeners) listener(ticket);
    }
  }

  subscribe(ticketId: string, listener: Listener): Unsubscribe {
    const current = this.#listeners.get(ticketId);
    if (current === undefined) this.#listeners.set(ticketId, listener);
    else if (typeof current === "function") this.#listeners.set(ticketId, new Set([current, listener]));
    else current.add(listener);
    return () => this.#unsubscribe(ticketId, listener);
  }

  /** Tickets with at least one watcher in this process. */
  get watchedTickets(): number {
    return this.#listeners.size;
  }

  #unsubscribe(ticketId: string, listener: Listener): void {
    const current = this.#listeners.get(ticketId);
    if (current === listener) {
      this.#listeners.delete(ticketId);
    } else if (typeof current === "object") {
      current.delete(listener);
      if (current.size === 0) this.#listeners.delete(ticketId);
    }
  }
}
