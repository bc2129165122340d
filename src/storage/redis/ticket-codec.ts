import type { Assignment, Ticket, TicketState, WaitingTicket } from "../../domain/ticket.ts";

const STATES: ReadonlySet<string> = new Set<TicketState>(["queued", "allocating", "matched", "cancelled", "expired"]);

/** A script reply or stored value that is not what this codec wrote: data written by something else. */
export class CorruptTicketError extends Error {
  override readonly name = "CorruptTicketError";
}

/** The hash fields that make up a ticket, in the order the scripts return them (see ticket-lib.lua). */
export const TICKET_REPLY_FIELDS = ["doc", "state", "version", "updatedAt", "matchId", "assignment"];

/**
 * The ticket's hash fields as field/value pairs, for HSET. The parts that never change are one
 * JSON `doc` written by this process and never re-encoded by a script (Lua's cjson would round
 * numbers to 14 digits and turn empty arrays into objects); the parts scripts change are plain
 * fields. The document is a {@link WaitingTicket}: exactly what a matching pass needs of a waiting
 * ticket.
 */
export function ticketFields(ticket: Ticket): string[] {
  const doc: WaitingTicket = {
    id: ticket.id,
    queue: ticket.queue,
    players: ticket.players,
    partyId: ticket.partyId,
    latencyMs: ticket.latencyMs,
    createdAt: ticket.createdAt,
    expiresAt: ticket.expiresAt,
  };
  const fields = ["doc", JSON.stringify(doc), "state", ticket.state, "version", String(ticket.version), "updatedAt", String(ticket.updatedAt)];
  if (ticket.matchId !== undefined) fields.push("matchId", ticket.matchId);
  if (ticket.assignment !== undefined) fields.push("assignment", JSON.stringify(ticket.assignment));
  return fields;
}

/**
 * A ticket as the scripts return it, {@link TICKET_REPLY_FIELDS} in order, or undefined when the ticket does not exist (no state).
 */
export function decodeTicket(reply: unknown): Ticket | undefined {
  if (!Array.isArray(reply) || reply.length !== 6) throw new CorruptTicketError("a ticket reply must have 6 fields");
  const [doc, state, version, updatedAt, matchId, assignment] = reply as unknown[];
  if (state === null || state === undefined) return undefined;
  if (typeof doc !== "string" || typeof state !== "string" || !STATES.has(state)) {
    throw new CorruptTicketError(`ticket has no document or an unknown state ${JSON.stringify(state)}`);
  }
  const document = decodeWaitingTicket(doc);
  return {
    ...document,
    state: state as TicketState,
    version: Number(version),
    updatedAt: Number(updatedAt),
    ...(typeof matchId === "string" ? { matchId } : {}),
    ...(typeof assignment === "string" ? { assignment: JSON.parse(assignment) as Assignment } : {}),
  };
}

/** A waiting ticket from its document (see {@link ticketFields}). */
export function decodeWaitingTicket(doc: unknown): WaitingTicket {
  if (typeof doc !== "string") throw new CorruptTicketError("a ticket document must be a string");
  return JSON.parse(doc) as WaitingTicket;
}

/** A list of tickets as the scripts return it. */
export function decodeTickets(reply: unknown): Ticket[] {
  if (!Array.isArray(reply)) throw new CorruptTicketError("expected a list of tickets");
  return reply.map((item: unknown) => {
    const ticket = decodeTicket(item);
    if (ticket === undefined) throw new CorruptTicketError("a listed ticket has no state");
    return ticket;
  });
}
