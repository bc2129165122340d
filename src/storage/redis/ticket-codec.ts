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

/**
 * A waiting ticket from its document (see {@link ticketFields}), checked for what matching reads of
 * it: a document that is not JSON, or lacks a field or has one of the wrong type, is a
 * {@link CorruptTicketError} naming what is wrong, rather than a ticket that fails somewhere later.
 */
export function decodeWaitingTicket(doc: unknown): WaitingTicket {
  if (typeof doc !== "string") throw new CorruptTicketError("a ticket document must be a string");
  let parsed: unknown;
  try {
    parsed = JSON.parse(doc);
  } catch (error) {
    throw new CorruptTicketError("a ticket document is not JSON", { cause: error });
  }
  const ticket = parsed as Partial<Record<keyof WaitingTicket, unknown>> | null;
  const id = typeof ticket?.id === "string" ? ticket.id : undefined;
  const wrong = (field: string): CorruptTicketError => new CorruptTicketError(`ticket document ${id === undefined ? "without an id" : JSON.stringify(id)}: ${field}`);
  if (ticket === null || typeof ticket !== "object" || id === undefined) throw wrong("id must be a string");
  if (typeof ticket.queue !== "string") throw wrong("queue must be a string");
  if (typeof ticket.partyId !== "string") throw wrong("partyId must be a string");
  if (!Number.isFinite(ticket.createdAt) || !Number.isFinite(ticket.expiresAt)) throw wrong("createdAt and expiresAt must be numbers");
  const { players, latencyMs } = ticket;
  if (!Array.isArray(players) || players.length === 0) throw wrong("players must be a non-empty list");
  for (const player of players as unknown[]) {
    const { userId, skill } = (player ?? {}) as { userId?: unknown; skill?: unknown };
    if (typeof userId !== "string" || !Number.isFinite(skill)) throw wrong("every player needs a userId and a numeric skill");
  }
  if (latencyMs === null || typeof latencyMs !== "object" || Array.isArray(latencyMs)) throw wrong("latencyMs must be an object");
  for (const value of Object.values(latencyMs)) if (!Number.isFinite(value)) throw wrong("every latency must be a number");
  return parsed as WaitingTicket;
}

/** A list of tickets as the scripts return it. */
export function decodeTickets(reply: unknown): Ticket[] {
  return ticketReplies(reply).map(decodeListedTicket);
}

/** The entries of a list of tickets as the scripts return it, each to decode with {@link decodeListedTicket}. */
export function ticketReplies(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) throw new CorruptTicketError("expected a list of tickets");
  return reply as unknown[];
}

/** One ticket of a list the scripts return: one that has no state is as corrupt as a bad document. */
export function decodeListedTicket(item: unknown): Ticket {
  const ticket = decodeTicket(item);
  if (ticket === undefined) throw new CorruptTicketError("a listed ticket has no state");
  return ticket;
}
