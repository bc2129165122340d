import type { Ticket, TicketState } from "../domain/ticket.ts";
import type { Caller } from "./caller.ts";
import type { QueueProgress } from "./ports/queue-progress.ts";

/**
 * A ticket as one caller may see it: queue progress while waiting, and once matched only what a
 * player needs to join (address, match id, their credential, teams).
 */
export interface TicketView {
  readonly id: string;
  readonly queue: string;
  readonly state: TicketState;
  /** A fresh array in every view, which an adapter may hand on as it is. */
  readonly userIds: string[];
  /** The caller's party id from Enqueue; empty when none was given. */
  readonly partyId: string;
  /** Enqueue time, epoch ms; kept when the ticket goes back to the queue. */
  readonly createdAt: number;
  /** When the ticket expires if still queued, epoch ms. */
  readonly expiresAt: number;
  /** 1-based while queued; 0 otherwise. */
  readonly position: number;
  /**
   * While queued, the expected remaining wait in ms, rounded to whole seconds; undefined while no
   * matched wait has been recorded for the queue to estimate from, and in every other state.
   */
  readonly estimatedWaitMs: number | undefined;
  /** Set only when the ticket is matched. */
  readonly assignment: AssignmentView | undefined;
}

/** The public part of an assignment, addressed to one caller. */
export interface AssignmentView {
  /** Shared by every ticket of the match; game servers see it in each match ticket too. */
  readonly matchId: string;
  /** The region the match is played in. */
  readonly region: string;
  /** `host:port` of the game server; never the fleet's internal server id. */
  readonly serverAddress: string;
  /** The caller's own credential (a player), or the ticket's first player's (a service). */
  readonly matchTicket: string;
  /** When the earliest of this ticket's match tickets expires, epoch ms: join before then. */
  readonly matchTicketExpiresAt: number;
  /** Every player of the match by team (user ids), in team order. */
  readonly teams: readonly (readonly string[])[];
  /** Every player's credential; services only. */
  readonly partyMatchTickets: readonly { readonly userId: string; readonly matchTicket: string }[];
}

/** Whether `caller` may see or act on `ticket`: services always, players only on their own tickets. */
export function canAccess(caller: Caller, ticket: Pick<Ticket, "players">): boolean {
  return caller.kind === "service" || ticket.players.some((player) => player.userId === caller.userId);
}

/**
 * Builds the caller's view of a ticket at time `now`: at once when the queue progress answers at
 * once (in memory), else when its answers arrive. A watcher builds a view per update it sends, tens
 * of thousands per pass, so the common case makes no promise (BENCHMARKS.md, benchmark 4).
 */
export function viewTicket(ticket: Ticket, caller: Caller, progress: QueueProgress, now: number): TicketView | Promise<TicketView> {
  if (ticket.state !== "queued") return buildView(ticket, caller, 0, undefined);
  const position = progress.positionOf(ticket.queue, ticket);
  const estimatedWaitMs = progress.estimatedWaitMs(ticket.queue, now - ticket.createdAt);
  if (typeof position === "number" && !(estimatedWaitMs instanceof Promise)) return buildView(ticket, caller, position, estimatedWaitMs);
  // Independent reads: with Redis, two round trips at once rather than one after the other.
  return Promise.all([position, estimatedWaitMs]).then(([position, estimatedWaitMs]) => buildView(ticket, caller, position, estimatedWaitMs));
}

function buildView(ticket: Ticket, caller: Caller, position: number, estimatedWaitMs: number | undefined): TicketView {
  return {
    id: ticket.id,
    queue: ticket.queue,
    state: ticket.state,
    userIds: ticket.players.map((player) => player.userId),
    partyId: ticket.partyId,
    createdAt: ticket.createdAt,
    expiresAt: ticket.expiresAt,
    position,
    estimatedWaitMs,
    assignment: ticket.state === "matched" ? viewAssignment(ticket, caller) : undefined,
  };
}

function viewAssignment(ticket: Ticket, caller: Caller): AssignmentView | undefined {
  const assignment = ticket.assignment;
  if (assignment === undefined) return undefined;
  const owner = caller.kind === "player" ? caller.userId : ticket.players[0]?.userId;
  return {
    matchId: assignment.matchId,
    region: assignment.region,
    serverAddress: assignment.serverAddress,
    matchTicket: owner === undefined ? "" : (assignment.matchTickets[owner] ?? ""),
    matchTicketExpiresAt: assignment.matchTicketsExpireAt,
    teams: assignment.teams,
    partyMatchTickets:
      caller.kind === "service"
        ? ticket.players.map((player) => ({ userId: player.userId, matchTicket: assignment.matchTickets[player.userId] ?? "" }))
        : [],
  };
}
