import { findPartyViolation } from "../domain/party-rules.ts";
import type { Player, Ticket } from "../domain/ticket.ts";
import { callerKey, type Caller } from "./caller.ts";
import { InvalidArgumentError, PermissionDeniedError, PlayerAlreadyQueuedError } from "./errors.ts";
import type { MatchmakingDeps } from "./matchmaking-deps.ts";
import type { CreateTicketResult, IdempotencyKey } from "./ports/ticket-store.ts";
import { viewTicket, type TicketView } from "./ticket-view.ts";

/** A well-formed Enqueue request (shape already checked by the transport). */
export interface EnqueueCommand {
  readonly queue: string;
  readonly players: readonly Player[];
  readonly partyId: string;
  readonly latencyMs: Readonly<Record<string, number>>;
  /** Empty when the caller sent no idempotency key. */
  readonly requestId: string;
}

/**
 * Puts a party in a queue. Checks the queue's rules up front so that every ticket that enters a
 * queue can be matched, and lets the store decide atomically whether a player is already queued.
 */
export async function enqueueTicket(deps: MatchmakingDeps, caller: Caller, command: EnqueueCommand): Promise<TicketView> {
  const queue = deps.catalog.get(command.queue);
  const violation = findPartyViolation(queue, command.players, command.latencyMs);
  if (violation !== undefined) throw new InvalidArgumentError(violation.field, violation.reason);
  // A player's token speaks for that player alone: naming others would put them in a match, and
  // hold their place in the queue, without their consent. Parties come from a service (the game
  // backend, which knows who is in a party).
  if (caller.kind === "player" && !(command.players.length === 1 && command.players[0]!.userId === caller.userId)) {
    throw new PermissionDeniedError("a player may only enqueue themself alone; parties are enqueued with a service token");
  }
  const now = deps.clock.now();
  const limited = caller.kind === "player" ? caller.userId : undefined;
  if (limited !== undefined) deps.playerEnqueues?.take(limited, now);
  const ticket: Ticket = {
    id: deps.ids.ticketId(),
    queue: queue.name,
    state: "queued",
    players: command.players,
    partyId: command.partyId,
    latencyMs: command.latencyMs,
    createdAt: now,
    expiresAt: now + queue.ticketTtlMs,
    updatedAt: now,
    version: 1,
  };
  let result: CreateTicketResult;
  try {
    result = await deps.store.create(ticket, idempotencyKey(caller, command));
  } catch (error) {
    // A call the store could not answer is retried; the retry should not find the allowance spent.
    if (limited !== undefined) deps.playerEnqueues?.giveBack(limited);
    throw error;
  }
  // Only a new ticket counts: a replay, or a refusal, leaves the instance nothing more to keep.
  if (limited !== undefined && result.outcome !== "created") deps.playerEnqueues?.giveBack(limited);
  switch (result.outcome) {
    case "created":
      deps.metrics.ticketEnqueued(queue.name);
      return viewTicket(result.ticket, caller, deps.progress, now);
    case "replayed":
      return viewTicket(result.ticket, caller, deps.progress, now);
    case "player-busy":
      throw new PlayerAlreadyQueuedError(result.userId, result.ticketId, queue.name);
    case "key-reused":
      throw new InvalidArgumentError("request_id", `was already used for a different request (ticket "${result.ticketId}")`);
  }
}

function idempotencyKey(caller: Caller, command: EnqueueCommand): IdempotencyKey | undefined {
  if (command.requestId === "") return undefined;
  const userIds = command.players.map((player) => player.userId).sort();
  return {
    // Scoped to the caller and the queue: a shared store keeps a queue's keys together.
    key: `${callerKey(caller)}\u0000${command.queue}\u0000${command.requestId}`,
    fingerprint: JSON.stringify([command.queue, command.partyId, userIds]),
  };
}
