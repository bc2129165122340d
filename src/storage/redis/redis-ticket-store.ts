import type { Assignment, Ticket } from "../../domain/ticket.ts";
import type { CancelTicketResult, CreateTicketResult, IdempotencyKey, MatchClaim, TicketStore } from "../../application/ports/ticket-store.ts";
import type { RedisCommands } from "./redis-commands.ts";
import { idempotencyDigest, type RedisKeys } from "./redis-keys.ts";
import { CorruptTicketError, decodeTicket, decodeTickets, TICKET_REPLY_FIELDS, ticketFields } from "./ticket-codec.ts";

/** Options of {@link RedisTicketStore}; retention becomes key expiry, so Redis forgets tickets by itself. */
export interface RedisTicketStoreOptions {
  /** How long matched, cancelled and expired tickets stay readable before their keys expire. */
  readonly retentionMs: number;
}

/**
 * How long past its own expiry (plus retention) a live ticket's keys survive when nothing expires
 * it, for example because no instance matches its queue any more. Long enough that a ticket which
 * ends normally (expired by the next pass, or matched after an allocation) always ends before its
 * keys would vanish; short enough that abandoned tickets do not pile up.
 */
const LIVE_GRACE_MS = 5 * 60_000;

/**
 * Matches per claim script call. The script blocks Redis while it runs (some tens of µs per match), so
 * a pass with thousands of matches is split into calls that other clients' commands can run between.
 */
const CLAIM_BATCH = 200;

/**
 * The {@link TicketStore} shared by every instance through Redis. Each multi-key step is one Lua
 * script (see `scripts/`), so it is atomic across instances; all the keys a script touches carry
 * the queue's hash tag. Terminal tickets are forgotten by key TTLs rather than by a sweep.
 *
 * GetTicket and Cancel know only a ticket id, so `create` also writes a small id -> queue lookup
 * key (with the same TTL as the live ticket) before the ticket itself: the lookup can never be
 * missing for a ticket that exists. Encoding the queue in the id was not an option, since ids are
 * made by the application.
 */
export class RedisTicketStore implements TicketStore {
  readonly #redis: RedisCommands;
  readonly #keys: RedisKeys;
  readonly #retentionMs: number;

  constructor(redis: RedisCommands, keys: RedisKeys, options: RedisTicketStoreOptions) {
    this.#redis = redis;
    this.#keys = keys;
    this.#retentionMs = options.retentionMs;
  }

  create(ticket: Ticket, idempotency?: IdempotencyKey): Promise<CreateTicketResult> {
    return this.#redis.run("create ticket", async (redis) => {
      const liveTtlMs = Math.max(0, ticket.expiresAt - ticket.updatedAt) + this.#retentionMs + LIVE_GRACE_MS;
      const lookup = this.#keys.ticketQueue(ticket.id);
      await redis.set(lookup, ticket.queue, { expiration: { type: "PX", value: liveTtlMs } });
      const userIds = ticket.players.map((player) => player.userId);
      const reply = await redis.createTicket(
        [this.#keys.queue(ticket.queue)],
        [
          ticket.id,
          ticket.createdAt,
          ticket.expiresAt,
          liveTtlMs,
          idempotency === undefined ? "" : idempotencyDigest(idempotency.key),
          idempotency?.fingerprint ?? "",
          userIds.length,
          ...userIds,
          ...ticketFields(ticket),
        ],
      );
      const result = createResult(reply, ticket);
      if (result.outcome !== "created") await redis.del(lookup);
      return result;
    });
  }

  get(ticketId: string): Promise<Ticket | undefined> {
    return this.#redis.run("get ticket", async (redis) => {
      const queue = await redis.get(this.#keys.ticketQueue(ticketId));
      if (queue === null) return undefined;
      return decodeTicket(await redis.hmGet(this.#keys.ticket(queue, ticketId), TICKET_REPLY_FIELDS));
    });
  }

  cancel(ticketId: string, now: number): Promise<CancelTicketResult> {
    return this.#redis.run("cancel ticket", async (redis) => {
      const queue = await redis.get(this.#keys.ticketQueue(ticketId));
      if (queue === null) return { outcome: "not-found" };
      const reply = await redis.cancelTicket([this.#keys.queue(queue)], [ticketId, now, this.#retentionMs]);
      return cancelResult(reply);
    });
  }

  queued(queue: string): Promise<Ticket[]> {
    return this.#redis.run("list queued tickets", async (redis) => decodeTickets(await redis.queuedTickets([this.#keys.queue(queue)], [])));
  }

  /**
   * One script call per {@link CLAIM_BATCH} matches, all sent at once (one round trip): each call is
   * atomic, each match in it all or nothing, and every call checks the fence.
   */
  claim(queue: string, matches: readonly MatchClaim[], now: number, fence: number): Promise<(Ticket[] | undefined)[]> {
    if (matches.length === 0) return Promise.resolve([]);
    return this.#redis.run("claim matches", async (redis) => {
      const batches: MatchClaim[][] = [];
      for (let start = 0; start < matches.length; start += CLAIM_BATCH) batches.push(matches.slice(start, start + CLAIM_BATCH));
      const replies = await Promise.all(
        batches.map((batch) =>
          redis.claimMatches(
            [this.#keys.queue(queue)],
            [fence, now, ...batch.flatMap(({ matchId, ticketIds }) => [matchId, ticketIds.length, ...ticketIds])],
          ),
        ),
      );
      return replies.flatMap((reply, index) => claimResults(reply, batches[index]!.length));
    });
  }

  assign(queue: string, matchId: string, assignments: ReadonlyMap<string, Assignment>, now: number): Promise<Ticket[]> {
    const pairs = [...assignments].flatMap(([ticketId, assignment]) => [ticketId, JSON.stringify(assignment)]);
    return this.#redis.run("assign tickets", async (redis) =>
      decodeTickets(await redis.assignTickets([this.#keys.queue(queue)], [matchId, now, this.#retentionMs, ...pairs])),
    );
  }

  requeue(queue: string, matchId: string, ticketIds: readonly string[], now: number): Promise<Ticket[]> {
    return this.#redis.run("requeue tickets", async (redis) =>
      decodeTickets(await redis.requeueTickets([this.#keys.queue(queue)], [matchId, now, ...ticketIds])),
    );
  }

  reclaimStale(queue: string, claimedBefore: number, now: number): Promise<Ticket[]> {
    return this.#redis.run("reclaim stale tickets", async (redis) =>
      decodeTickets(await redis.reclaimStaleTickets([this.#keys.queue(queue)], [claimedBefore, now])),
    );
  }

  expire(queue: string, now: number): Promise<Ticket[]> {
    return this.#redis.run("expire tickets", async (redis) =>
      decodeTickets(await redis.expireTickets([this.#keys.queue(queue)], [now, this.#retentionMs])),
    );
  }
}

function createResult(reply: unknown, ticket: Ticket): CreateTicketResult {
  const [outcome, first, second] = replyList(reply);
  switch (outcome) {
    case "created":
      return { outcome, ticket };
    case "replayed":
      return { outcome, ticket: existingTicket(first) };
    case "key-reused":
      return { outcome, ticketId: String(first) };
    case "player-busy":
      return { outcome, userId: String(first), ticketId: String(second) };
    default:
      throw new CorruptTicketError(`unexpected create outcome ${JSON.stringify(outcome)}`);
  }
}

function cancelResult(reply: unknown): CancelTicketResult {
  const [outcome, ticket] = replyList(reply);
  switch (outcome) {
    case "cancelled":
    case "not-cancellable":
      return { outcome, ticket: existingTicket(ticket) };
    case "not-found":
      return { outcome };
    default:
      throw new CorruptTicketError(`unexpected cancel outcome ${JSON.stringify(outcome)}`);
  }
}

/** One claim script reply: nil (stale fence: nothing claimed), else per match its tickets or nil. */
function claimResults(reply: unknown, matches: number): (Ticket[] | undefined)[] {
  if (reply === null) return new Array<undefined>(matches).fill(undefined);
  const results = replyList(reply);
  if (results.length !== matches) throw new CorruptTicketError(`expected ${matches} claim results, got ${results.length}`);
  return results.map((result) => (result === null ? undefined : decodeTickets(result)));
}

function replyList(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) throw new CorruptTicketError("expected a list reply");
  return reply;
}

function existingTicket(reply: unknown): Ticket {
  const ticket = decodeTicket(reply);
  if (ticket === undefined) throw new CorruptTicketError("the script returned a missing ticket");
  return ticket;
}
