import type { Assignment, Ticket, WaitingTicket } from "../../domain/ticket.ts";
import type { WaitingColumns } from "../../domain/waiting-columns.ts";

/** An Enqueue retry key, scoped to the caller, and what the original request was. */
export interface IdempotencyKey {
  readonly key: string;
  /** Identifies the original request, so reusing a key for another request is caught. */
  readonly fingerprint: string;
}

/**
 * What {@link TicketStore.create} did. A result rather than an exception for the expected refusals,
 * because the store decides them atomically and the use case turns each into a different answer.
 */
export type CreateTicketResult =
  | { readonly outcome: "created"; readonly ticket: Ticket }
  /** The idempotency key was seen before with the same request: here is its ticket. */
  | { readonly outcome: "replayed"; readonly ticket: Ticket }
  /** One of the players already holds a live ticket in the queue. */
  | { readonly outcome: "player-busy"; readonly userId: string; readonly ticketId: string }
  /** The idempotency key was used before for a different request. */
  | { readonly outcome: "key-reused"; readonly ticketId: string };

/**
 * What {@link TicketStore.cancel} did. A ticket that left the queue is returned with the refusal so
 * the caller learns, in the same round trip, that it was matched rather than cancelled.
 */
export type CancelTicketResult =
  /** The ticket is cancelled now (or already was). */
  | { readonly outcome: "cancelled"; readonly ticket: Ticket }
  /** The ticket is allocating, matched or expired, and stays so. */
  | { readonly outcome: "not-cancellable"; readonly ticket: Ticket }
  | { readonly outcome: "not-found" };

/** What opening a pass changed, for the matcher to announce: watchers learn of it from nothing else. */
export interface PassChanges {
  /** Allocating tickets presumed orphaned, queued again. */
  readonly reclaimed: readonly Ticket[];
  /** Queued tickets past their time-to-live, expired. */
  readonly expired: readonly Ticket[];
  /**
   * Tickets an earlier opening reclaimed or expired whose announcement may never have gone out
   * (that call's answer was lost: a Redis command past its deadline), as they are now: to publish
   * again, not to count again. A store whose calls cannot lose their answer (in memory) has none.
   */
  readonly unannounced: readonly Ticket[];
}

/**
 * What {@link TicketStore.beginPass} changed and found. `queued` comes in an order of the store's
 * own, the same from pass to pass but for tickets back from a failed allocation (the in-memory
 * store lists them last): matching takes tickets created in the same millisecond in that order
 * (see `orderByCreation`). The other lists come in no particular order.
 */
export interface PassStart extends PassChanges {
  /**
   * Every ticket queued once the reclaimed ones are back and the expired ones gone: only the parts
   * that never change, which a store may keep between passes (see `RedisTicketStore`).
   */
  readonly queued: readonly WaitingTicket[];
  /**
   * The numbers of `queued`, in its order (see `WaitingColumns`), which a store keeps from when it
   * first sees a ticket so that no pass reads them from the ticket objects. They hold until the
   * store's next `beginPass` over the queue.
   */
  readonly columns: WaitingColumns<WaitingTicket>;
}

/** One proposed match to claim: its id and every ticket it takes. */
export interface MatchClaim {
  readonly matchId: string;
  readonly ticketIds: readonly string[];
}

/**
 * Where tickets live, shared by every instance that serves the same queues.
 *
 * Each method is one atomic step of a ticket's life: the invariants "no ticket matched twice" and
 * "no ticket lost" rest on `claim` being all-or-nothing and on `requeue` giving claimed tickets back.
 * Every change bumps the ticket's `version` and `updatedAt`.
 */
export interface TicketStore {
  /** Inserts a queued ticket unless a player is already queued or the idempotency key was used. */
  create(ticket: Ticket, idempotency?: IdempotencyKey): Promise<CreateTicketResult>;
  /** The ticket in any state, or undefined when it never existed or was forgotten after retention. */
  get(ticketId: string): Promise<Ticket | undefined>;
  /** Queued becomes cancelled; cancelling a cancelled ticket reports it as cancelled again. */
  cancel(ticketId: string, now: number): Promise<CancelTicketResult>;
  /**
   * Claims many matches in one step, each all or nothing: moves all of a match's tickets from
   * queued to allocating for its `matchId`, or none of them if any is no longer queued (cancelled,
   * expired, or claimed meanwhile, including by an earlier match of the same call) or is past its
   * time to live at `now`. A failed match
   * leaves the others claimed. Nothing is claimed if `fence` is not the queue's current
   * matching-lease token. Returns, per match in order, its claimed tickets or undefined.
   *
   * Many matches per call because a store shared over the network would otherwise spend a round
   * trip per match, and a busy pass would outlast its tick. The caller bounds the size of a call: a
   * store runs it as one atomic step (in Redis one script, which holds every other client up while
   * it runs), so it does not split it again.
   */
  claim(queue: string, matches: readonly MatchClaim[], now: number, fence: number): Promise<(Ticket[] | undefined)[]>;
  /** Allocating tickets of `matchId` become matched with their assignment. */
  assign(queue: string, matchId: string, assignments: ReadonlyMap<string, Assignment>, now: number): Promise<Ticket[]>;
  /** Allocating tickets of `matchId` go back to queued, keeping their creation time (their priority). */
  requeue(queue: string, matchId: string, ticketIds: readonly string[], now: number): Promise<Ticket[]>;
  /**
   * Opens a matching pass over a queue. In one atomic step, allocating tickets claimed before
   * `claimedBefore` go back to queued (their placement died with the instance running it), then
   * queued tickets whose time-to-live has passed at `now` become expired (a reclaimed ticket too);
   * then every ticket queued is listed. Terminal tickets past the store's retention period are
   * forgotten. A store may list right after that step rather than within it (a ticket enqueued or
   * cancelled in between is then listed or not, as it would be a moment later), and fill in the
   * listed tickets' unchanging parts afterwards, or from what it kept of an earlier pass; a listed
   * ticket that has left the queue meanwhile is refused by {@link claim}.
   *
   * One step for the changes rather than a call each because each call to a store shared over the
   * network is a round trip the lease holder's pass waits for, every tick.
   *
   * @throws PassListingError when the changes were made but the listing failed: it carries the
   * tickets changed, so that the pass still announces them.
   */
  beginPass(queue: string, claimedBefore: number, now: number): Promise<PassStart>;
  /**
   * This instance runs no more passes over `queue` for now: its matching lease went to another
   * instance, or it is stopping. A store that keeps something from one pass for the next lets it go
   * here, as the next pass on this instance may be far off or never come.
   */
  passesEnded(queue: string): void;
}
