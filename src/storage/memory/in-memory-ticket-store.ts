import type { Assignment, Ticket, TicketState } from "../../domain/ticket.ts";
import { isLive } from "../../domain/ticket.ts";
import type { CancelTicketResult, CreateTicketResult, IdempotencyKey, MatchClaim, PassStart, TicketStore } from "../../application/ports/ticket-store.ts";
import { noWaitingColumns } from "../../domain/waiting-columns.ts";
import { WaitingTable } from "../waiting-table.ts";

/** Options of {@link InMemoryTicketStore}; retention is injected so tests can shorten it. */
export interface InMemoryTicketStoreOptions {
  /** How long matched, cancelled and expired tickets stay readable (GetTicket) before they are forgotten. */
  readonly retentionMs: number;
}

interface QueueIndex {
  /** Queued tickets, in the order they became queued, with the numbers a pass reads. */
  readonly queued: WaitingTable<Ticket>;
  /** Allocating tickets by id. */
  readonly allocating: Map<string, Ticket>;
  /**
   * The live ticket of every player holding one in this queue, by user id. One map per queue keyed
   * by the user id itself: a key made of queue and user id was a new string per player, hashed on
   * every Enqueue and retained with every ticket.
   */
  readonly livePlayers: Map<string, string>;
  /** Terminal tickets in the order they became terminal, to forget them after the retention period. */
  readonly retired: { ticketId: string; forgetAt: number }[];
}

interface IdempotencyRecord {
  readonly fingerprint: string;
  readonly ticketId: string;
}

/**
 * The embedded store for a single instance. Every method runs to completion without awaiting
 * anything, so on Node's single thread each is atomic by construction.
 */
export class InMemoryTicketStore implements TicketStore {
  readonly #options: InMemoryTicketStoreOptions;
  readonly #tickets = new Map<string, Ticket>();
  readonly #queues = new Map<string, QueueIndex>();
  readonly #idempotency = new Map<string, IdempotencyRecord>();
  /** Idempotency keys by the ticket they point to, forgotten with it. */
  readonly #keysOfTicket = new Map<string, string>();

  constructor(options: InMemoryTicketStoreOptions) {
    this.#options = options;
  }

  async create(ticket: Ticket, idempotency?: IdempotencyKey): Promise<CreateTicketResult> {
    if (idempotency !== undefined) {
      const record = this.#idempotency.get(idempotency.key);
      const previous = record === undefined ? undefined : this.#tickets.get(record.ticketId);
      if (record !== undefined && previous !== undefined) {
        return record.fingerprint === idempotency.fingerprint
          ? { outcome: "replayed", ticket: previous }
          : { outcome: "key-reused", ticketId: record.ticketId };
      }
    }
    const index = this.#queue(ticket.queue);
    for (const player of ticket.players) {
      const holder = index.livePlayers.get(player.userId);
      if (holder !== undefined) return { outcome: "player-busy", userId: player.userId, ticketId: holder };
    }
    this.#tickets.set(ticket.id, ticket);
    index.queued.add(ticket);
    for (const player of ticket.players) index.livePlayers.set(player.userId, ticket.id);
    if (idempotency !== undefined) {
      this.#idempotency.set(idempotency.key, { fingerprint: idempotency.fingerprint, ticketId: ticket.id });
      this.#keysOfTicket.set(ticket.id, idempotency.key);
    }
    return { outcome: "created", ticket };
  }

  async get(ticketId: string): Promise<Ticket | undefined> {
    return this.#tickets.get(ticketId);
  }

  async cancel(ticketId: string, now: number): Promise<CancelTicketResult> {
    const ticket = this.#tickets.get(ticketId);
    if (ticket === undefined) return { outcome: "not-found" };
    if (ticket.state === "cancelled") return { outcome: "cancelled", ticket };
    if (ticket.state !== "queued") return { outcome: "not-cancellable", ticket };
    return { outcome: "cancelled", ticket: this.#transition(ticket, "cancelled", now) };
  }

  /** `fence` is not checked: a single instance always holds the lease. */
  async claim(queue: string, matches: readonly MatchClaim[], now: number, _fence: number): Promise<(Ticket[] | undefined)[]> {
    const queued = this.#queues.get(queue)?.queued;
    return matches.map(({ matchId, ticketIds }) => {
      // A match naming a ticket twice would seat it against itself: refused, as no pass proposes one.
      if (queued === undefined || new Set(ticketIds).size !== ticketIds.length || !ticketIds.every((id) => (queued.get(id)?.expiresAt ?? now) > now)) return undefined;
      return ticketIds.map((id) => this.#transition(queued.get(id)!, "allocating", now, { matchId }));
    });
  }

  async assign(queue: string, matchId: string, assignments: ReadonlyMap<string, Assignment>, now: number): Promise<Ticket[]> {
    const matched: Ticket[] = [];
    for (const [ticketId, assignment] of assignments) {
      const ticket = this.#allocatingFor(queue, matchId, ticketId);
      if (ticket !== undefined) matched.push(this.#transition(ticket, "matched", now, { assignment }));
    }
    return matched;
  }

  async requeue(queue: string, matchId: string, ticketIds: readonly string[], now: number): Promise<Ticket[]> {
    const requeued: Ticket[] = [];
    for (const ticketId of ticketIds) {
      const ticket = this.#allocatingFor(queue, matchId, ticketId);
      if (ticket !== undefined) requeued.push(this.#transition(ticket, "queued", now, { matchId: undefined }));
    }
    return requeued;
  }

  async beginPass(queue: string, claimedBefore: number, now: number): Promise<PassStart> {
    const index = this.#queues.get(queue);
    if (index === undefined) return { reclaimed: [], expired: [], unannounced: [], queued: [], columns: noWaitingColumns() };
    const reclaimed = this.#reclaimStale(index, claimedBefore, now);
    const expired = this.#expire(index, now);
    this.#forgetRetired(index, now);
    const columns = index.queued.snapshot();
    return { reclaimed, expired, unannounced: [], queued: columns.tickets, columns };
  }

  /** Lets go of the queue's last snapshot; the numbers kept per ticket stay, as the tickets do. */
  passesEnded(queue: string): void {
    this.#queues.get(queue)?.queued.forgetSnapshot();
  }

  #reclaimStale(index: QueueIndex, claimedBefore: number, now: number): Ticket[] {
    const reclaimed: Ticket[] = [];
    for (const ticket of index.allocating.values()) {
      if (ticket.updatedAt < claimedBefore) {
        reclaimed.push(this.#transition(ticket, "queued", now, { matchId: undefined }));
      }
    }
    return reclaimed;
  }

  #expire(index: QueueIndex, now: number): Ticket[] {
    const expired: Ticket[] = [];
    for (const ticket of index.queued.expiringBy(now)) expired.push(this.#transition(ticket, "expired", now));
    return expired;
  }

  /**
   * One splice for all that are due: shift() per ticket copies the whole list each time once it is
   * long (every ticket ended within the retention period).
   */
  #forgetRetired(index: QueueIndex, now: number): void {
    const retired = index.retired;
    let due = 0;
    while (due < retired.length && retired[due]!.forgetAt <= now) this.#forget(retired[due++]!.ticketId);
    if (due > 0) retired.splice(0, due);
  }

  /**
   * The ticket if it is allocating for `matchId` in `queue`: the only tickets assign and requeue may
   * move; one that has moved on since (requeued, or claimed again for another match) is left alone.
   */
  #allocatingFor(queue: string, matchId: string, ticketId: string): Ticket | undefined {
    const ticket = this.#tickets.get(ticketId);
    return ticket?.queue === queue && ticket.state === "allocating" && ticket.matchId === matchId ? ticket : undefined;
  }

  /** Replaces a ticket with its next version in `state`, keeping every index in step. */
  #transition(ticket: Ticket, state: TicketState, now: number, changes: Partial<Ticket> = {}): Ticket {
    const next: Ticket = { ...ticket, ...changes, state, updatedAt: now, version: ticket.version + 1 };
    this.#tickets.set(next.id, next);
    const index = this.#queue(next.queue);
    if (state === "queued") index.queued.add(next);
    else index.queued.delete(next.id);
    if (state === "allocating") index.allocating.set(next.id, next);
    else index.allocating.delete(next.id);
    if (!isLive(state)) {
      for (const player of next.players) {
        if (index.livePlayers.get(player.userId) === next.id) index.livePlayers.delete(player.userId);
      }
      index.retired.push({ ticketId: next.id, forgetAt: now + this.#options.retentionMs });
    }
    return next;
  }

  #forget(ticketId: string): void {
    this.#tickets.delete(ticketId);
    const key = this.#keysOfTicket.get(ticketId);
    if (key !== undefined) {
      this.#idempotency.delete(key);
      this.#keysOfTicket.delete(ticketId);
    }
  }

  #queue(name: string): QueueIndex {
    let index = this.#queues.get(name);
    if (index === undefined) {
      index = { queued: new WaitingTable(), allocating: new Map(), livePlayers: new Map(), retired: [] };
      this.#queues.set(name, index);
    }
    return index;
  }
}
