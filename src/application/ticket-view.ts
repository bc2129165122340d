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
  readonly userIds: readonly string[];
  readonly partyId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** 1-based while queued; 0 otherwise. */
  readonly position: number;
  readonly estimatedWaitMs: number | undefined;
  readonly assignment: AssignmentView | undefined;
}

/** The public part of an assignment, addressed to one caller. */
export interface AssignmentView {
  readonly matchId: string;
  readonly region: string;
  readonly serverAddress: string;
  /** The caller's own credential (a player), or the ticket's first player's (a service). */
  readonly matchTicket: string;
  readonly matchTicketExpiresAt: number;
  readonly teams: readonly (readonly string[])[];
  /** Every player's credential; services only. */
  readonly partyMatchTickets: readonly { readonly userId: string; readonly matchTicket: string }[];
}

/** Whether `caller` may see or act on `ticket`: services always, players only on their own tickets. */
export function canAccess(caller: Caller, ticket: Pick<Ticket, "players">): boolean {
  return caller.kind === "service" || ticket.players.some((player) => player.userId === caller.userId);
}

/** Builds the caller's view of a ticket at time `now`. */
export async function viewTicket(ticket: Ticket, caller: Caller, progress: QueueProgress, now: number): Promise<TicketView> {
  const queued = ticket.state === "queued";
  // Independent reads: with Redis, two round trips at once rather than one after the other.
  const [position, estimatedWaitMs] = queued
    ? await Promise.all([progress.positionOf(ticket.queue, ticket), progress.estimatedWaitMs(ticket.queue, now - ticket.createdAt)])
    : [0, undefined];
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

/**
 * The part of a view a watcher compares with what it was last sent. Kept instead of the whole view,
 * which every idle watcher would otherwise hold (with its player list) for its whole life.
 */
export interface ViewSummary {
  readonly state: TicketState;
  readonly position: number;
  readonly estimatedWaitMs: number | undefined;
  readonly matchId: string | undefined;
}

/** What a watcher keeps of a view it was sent. */
export function summarizeView(view: TicketView): ViewSummary {
  return { state: view.state, position: view.position, estimatedWaitMs: view.estimatedWaitMs, matchId: view.assignment?.matchId };
}

/** Whether `view` would tell a watcher who was last sent `sent` nothing different. */
export function sameView(view: TicketView, sent: ViewSummary): boolean {
  return (
    view.state === sent.state &&
    view.position === sent.position &&
    view.estimatedWaitMs === sent.estimatedWaitMs &&
    view.assignment?.matchId === sent.matchId
  );
}
