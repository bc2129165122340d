import type { Assignment, Ticket, WaitingTicket } from "../../domain/ticket.ts";
import type { CancelTicketResult, CreateTicketResult, IdempotencyKey, MatchClaim, PassChanges, PassStart, TicketStore } from "../../application/ports/ticket-store.ts";
import { PassListingError, UnavailableError } from "../../application/errors.ts";
import type { WaitingColumns } from "../../domain/waiting-columns.ts";
import { WaitingTable } from "../waiting-table.ts";
import type { RedisCommands } from "./redis-commands.ts";
import { idempotencyDigest, type RedisKeys } from "./redis-keys.ts";
import { changeLogEntries, changeLogHead, queuedIds, UnreadableListingError } from "./queue-listing-replies.ts";
import { QueueListing } from "./queue-listing.ts";
import type { Logger } from "../../application/ports/logger.ts";
import { CorruptTicketError, decodeListedTicket, decodeTicket, decodeTickets, decodeWaitingTicket, TICKET_REPLY_FIELDS, ticketFields, ticketReplies } from "./ticket-codec.ts";

/** Options of {@link RedisTicketStore}; retention becomes key expiry, so Redis forgets tickets by itself. */
export interface RedisTicketStoreOptions {
  /** How long matched, cancelled and expired tickets stay readable before their keys expire. */
  readonly retentionMs: number;
  /** Where a queued ticket whose stored document cannot be read is reported. */
  readonly logger: Logger;
}

/**
 * Unreadable tickets remembered per queue, so that each is reported once rather than every pass;
 * past this many the memory is cleared (and reporting starts over) rather than grown.
 */
const UNREADABLE_REMEMBERED = 10_000;

/**
 * How long past its own expiry (plus retention) a live ticket's keys survive when nothing expires
 * it, for example because no instance matches its queue any more. Long enough that a ticket which
 * ends normally (expired by the next pass, or matched after an allocation) always ends before its
 * keys would vanish; short enough that abandoned tickets do not pile up.
 */
const LIVE_GRACE_MS = 5 * 60_000;

/**
 * Tickets whose documents one script call reads while a pass opens: a queue seen for the first time
 * (a new lease holder over a long queue) is read in calls short enough not to hold other clients up.
 */
const WAITING_READ_CHUNK = 2_048;

/**
 * How long a queue's listing is kept up to date from its change log before the queue is listed
 * whole again. Following the log relies on every change being logged; a change that was not (made
 * by an instance of an older version during a rolling upgrade, or lost with a failover) is caught
 * by the size check in most cases and, in any case, by this.
 */
const WHOLE_LISTING_EVERY_MS = 60_000;

/**
 * How many log entries one pass reads at most: one for every {@link TICKETS_PER_ENTRY_READ}
 * tickets in the queue, and at least {@link ENTRIES_READ_AT_LEAST}. An entry holds the changes of
 * one store script call: an Enqueue's one, a claim call's every claimed ticket. Past that, listing
 * the queue whole costs less (measured: 2,000 entries over a 10k queue cost the client about 15 ms
 * more than the whole listing; BENCHMARKS.md, section 6).
 */
const TICKETS_PER_ENTRY_READ = 8;
const ENTRIES_READ_AT_LEAST = 256;

/**
 * The most tickets one pass opening hands out (reclaimed, expired and announced again together),
 * and the least it is cut down to after answers that did not arrive in time: a backlog is worked
 * off over several passes in answers small enough to arrive (see begin-pass.lua).
 */
const LARGEST_OPENING = 10_000;
const SMALLEST_OPENING = 100;

/**
 * The {@link TicketStore} shared by every instance through Redis. Each multi-key step is one Lua
 * script (see `scripts/`), so it is atomic across instances; all the keys a script touches carry
 * the queue's hash tag. Terminal tickets are forgotten by key TTLs rather than by a sweep.
 *
 * GetTicket and Cancel know only a ticket id, so `create` also writes a small id -> queue lookup
 * key (with the same TTL as the live ticket) before the ticket itself: the lookup can never be
 * missing for a ticket that exists. Encoding the queue in the id was not an option, since ids are
 * made by the application; writing the lookup from the create script was not either, since it
 * lives in another hash slot (see `RedisKeys`).
 *
 * A matching pass reads what it needs of each waiting ticket (its document, which never changes)
 * once, and keeps it for the passes after (see {@link beginPass}).
 */
export class RedisTicketStore implements TicketStore {
  readonly #redis: RedisCommands;
  readonly #keys: RedisKeys;
  readonly #retentionMs: number;
  readonly #logger: Logger;
  /** By queue, the queued tickets whose document could not be read, already reported. */
  readonly #unreadable = new Map<string, Set<string>>();
  /** By queue, the documents of the waiting tickets its last pass listed, with their numbers. */
  readonly #waiting = new Map<string, WaitingTable<WaitingTicket>>();
  /** By queue, its queued ids as its last pass listed them, kept up to date from its change log. */
  readonly #listings = new Map<string, QueueListing>();
  /**
   * By queue, how many times {@link passesEnded} was called: a pass that was under way then does not
   * keep what it read afterwards.
   */
  readonly #endings = new Map<string, number>();
  /** By queue, the number of the last pass opening whose answer arrived, acknowledged by the next one (see begin-pass.lua). */
  readonly #received = new Map<string, string>();
  /** By queue, how many tickets its next pass opening may hand out (see begin-pass.lua). */
  readonly #openingBudgets = new Map<string, number>();

  constructor(redis: RedisCommands, keys: RedisKeys, options: RedisTicketStoreOptions) {
    this.#redis = redis;
    this.#keys = keys;
    this.#retentionMs = options.retentionMs;
    this.#logger = options.logger;
  }

  /**
   * The lookup `SET` and the create script are sent together, one round trip instead of two: one
   * connection runs its commands in the order they were sent, so the lookup is still written first.
   * Whatever makes Redis refuse the `SET` (out of memory, a read-only replica, loading) also refuses
   * the script's first write, so a ticket is never created without its lookup. The idempotency check
   * is inside the script, atomic with the insert. A refused ticket's lookup is deleted afterwards.
   */
  create(ticket: Ticket, idempotency?: IdempotencyKey): Promise<CreateTicketResult> {
    return this.#redis.run("create ticket", async (redis) => {
      const liveTtlMs = Math.max(0, ticket.expiresAt - ticket.updatedAt) + this.#retentionMs + LIVE_GRACE_MS;
      const lookup = this.#keys.ticketQueue(ticket.id);
      const userIds = ticket.players.map((player) => player.userId);
      const [, reply] = await Promise.all([
        redis.set(lookup, ticket.queue, { expiration: { type: "PX", value: liveTtlMs } }),
        redis.createTicket(
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
        ),
      ]);
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

  /**
   * One script call for all of `matches`, however many: the matching pass already sizes its calls
   * (a second limit here would only split them into round trips the pass never asked for).
   */
  async claim(queue: string, matches: readonly MatchClaim[], now: number, fence: number): Promise<(Ticket[] | undefined)[]> {
    if (matches.length === 0) return [];
    const args = [fence, now, ...matches.flatMap(({ matchId, ticketIds }) => [matchId, ticketIds.length, ...ticketIds])];
    const results = await this.#redis.run("claim matches", async (redis) => claimResults(await redis.claimMatches([this.#keys.queue(queue)], args), matches.length));
    // A failed claim may be a listed ticket whose hash is gone: the next pass reads its tickets
    // again, and read-waiting.lua drops the ones that are not queued.
    const kept = this.#waiting.get(queue);
    results.forEach((claimed, index) => {
      if (claimed === undefined) for (const id of matches[index]!.ticketIds) kept?.delete(id);
    });
    return results;
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

  /**
   * One script reclaims and expires, then the queued tickets' ids are listed with plain commands:
   * the listing kept from the previous pass brought up to date from the queue's change log, or the
   * whole set (see {@link #listQueued}; tickets queued or cancelled in between are listed or not,
   * as they would be a moment later; a claim refuses any that is no longer queued); then only the
   * documents of the tickets the previous pass did not list are read (2,048 per call, each call
   * with its own deadline, so a new lease holder's first pass over a long queue takes several). A
   * ticket's document never changes, so the ones kept from that pass are still right, whatever
   * happened to the ticket in between (claimed and requeued, or claimed by another instance while
   * this one did not hold the lease): the list of ids says which tickets are queued now. Reading every document
   * on every pass cost Redis about half a second of script time per pass at 100k waiting tickets,
   * during which it served no one else.
   *
   * The listing and the documents are kept per queue while this instance runs passes over it (see
   * {@link passesEnded}): the documents of the tickets the last pass listed.
   *
   * The tickets the script reclaims or expires are also kept in Redis until a later call says it
   * received that opening's answer: an answer lost on the way (past its deadline, the changes made)
   * would otherwise leave them unannounced for good, their watchers showing "queued" or
   * "allocating". Every call after such a loss, by this instance or the next lease holder, returns
   * them in `unannounced` until one's answer arrives. One call hands out 10,000 tickets at most
   * (all three lists), fewer after a call whose answer did not arrive in time.
   *
   * @throws PassListingError when the listing fails after the script's changes are made.
   */
  async beginPass(queue: string, claimedBefore: number, now: number): Promise<PassStart> {
    const queueKey = [this.#keys.queue(queue)];
    const endings = this.#endings.get(queue);
    // The script also trims what the kept listing has read of the change log.
    const kept = this.#listings.get(queue);
    // The last opening whose answer arrived: acknowledged, so the script stops handing out its tickets.
    const budget = this.#openingBudgets.get(queue) ?? LARGEST_OPENING;
    const args = [claimedBefore, now, this.#retentionMs, kept?.epoch ?? "", kept?.seq ?? 0, this.#received.get(queue) ?? "", budget];
    let reply: unknown[];
    try {
      reply = await this.#redis.run("begin matching pass", async (redis) => replyList(await redis.beginPass(queueKey, args)));
    } catch (error) {
      // An answer that did not arrive in time may have been too long: the next opening hands out less.
      if (error instanceof UnavailableError) this.#openingBudgets.set(queue, Math.max(SMALLEST_OPENING, Math.floor(budget / 2)));
      throw error;
    }
    this.#openingBudgets.set(queue, Math.min(LARGEST_OPENING, 2 * budget));
    const opening = reply[6];
    if (reply.length !== 7 || typeof opening !== "string") throw new CorruptTicketError(`expected 6 lists and a number opening a pass, got ${JSON.stringify(reply).slice(0, 200)}`);
    const [reclaimedIds, expiredIds, earlierIds] = [reply[3], reply[4], reply[5]].map(idList);
    const changed: PassChanges = {
      reclaimed: this.#changedTickets(queue, reply[0], reclaimedIds!, "reclaimed"),
      expired: this.#changedTickets(queue, reply[1], expiredIds!, "expired"),
      unannounced: this.#changedTickets(queue, reply[2], earlierIds!, "announced again"),
    };
    if (this.#endings.get(queue) === endings) this.#received.set(queue, opening);
    try {
      const columns = await this.#listWaiting(queue, now, endings);
      return { ...changed, queued: columns.tickets, columns };
    } catch (error) {
      // The script's changes are made: they still have to be announced.
      throw new PassListingError(changed, error);
    }
  }

  /**
   * The queue's waiting tickets in the sorted set's order, with their numbers, reading only the
   * documents not kept. What it read is kept for the next pass unless {@link passesEnded} was called
   * since the pass began (`endings` is the count then).
   */
  async #listWaiting(queue: string, now: number, endings: number | undefined): Promise<WaitingColumns<WaitingTicket>> {
    const queueKey = [this.#keys.queue(queue)];
    const listing = await this.#listQueued(queue, now);
    const ids = listing.ids;
    const known = this.#waiting.get(queue) ?? new WaitingTable<WaitingTicket>();
    const unseen = known.missingFrom(ids);
    const read = (start: number): Promise<unknown[]> => {
      const chunk = unseen.slice(start, start + WAITING_READ_CHUNK);
      const docs = this.#redis.run("read waiting tickets", async (redis) => replyList(await redis.readWaiting(queueKey, chunk)));
      // Awaited in turn below, or dropped when an earlier chunk fails first.
      docs.catch(() => undefined);
      return docs;
    };
    // The next chunk is asked for before this one is decoded, so Redis reads while this process
    // decodes (a new lease holder over a long queue: BENCHMARKS.md, section 6). node-redis sends
    // what it is given on the event loop's next turn, so the decoding waits for that turn. Chunks
    // are added in order, as the table keeps its tickets in the order first read.
    let next = unseen.length > 0 ? read(0) : undefined;
    for (let start = 0; next !== undefined; start += WAITING_READ_CHUNK) {
      const docs = await next;
      next = start + WAITING_READ_CHUNK < unseen.length ? read(start + WAITING_READ_CHUNK) : undefined;
      if (next !== undefined) await new Promise<void>((resolve) => setImmediate(resolve));
      const expected = Math.min(WAITING_READ_CHUNK, unseen.length - start);
      if (docs.length !== expected) throw new CorruptTicketError(`expected ${expected} ticket documents, got ${docs.length}`);
      for (let i = 0; i < docs.length; i++) {
        const doc = docs[i];
        // No document (Lua's false arrives as null): cancelled or expired since the list was made, or gone.
        if (doc === null) continue;
        try {
          known.add(decodeWaitingTicket(doc));
        } catch (error) {
          if (!(error instanceof CorruptTicketError)) throw error;
          this.#leaveOut(queue, unseen[start + i]!, error);
        }
      }
    }
    // The documents of tickets no longer listed go (a ticket back from a failed allocation is read
    // again). The table keeps the others in the order first read, which later listings mostly
    // repeat (new tickets are the youngest), so it finds them by walking alongside the list.
    const columns = known.narrowTo(ids);
    listing.learnCreatedAt(columns.tickets, columns.createdAt);
    if (this.#endings.get(queue) === endings) {
      this.#waiting.set(queue, known);
      this.#listings.set(queue, listing);
    }
    return columns;
  }

  /**
   * The tickets a pass's script reclaimed or expired, to announce. One whose stored data cannot be
   * read is reported and left out: it cannot be announced, and failing the pass for it would leave
   * every other ticket of the list unannounced (the script's changes are made), their watchers
   * never told.
   */
  #changedTickets(queue: string, reply: unknown, ids: readonly string[], change: string): Ticket[] {
    const items = ticketReplies(reply);
    if (items.length !== ids.length) throw new CorruptTicketError(`expected ${ids.length} ${change} tickets, got ${items.length}`);
    const tickets: Ticket[] = [];
    for (let i = 0; i < items.length; i++) {
      try {
        tickets.push(decodeListedTicket(items[i]));
      } catch (error) {
        if (!(error instanceof CorruptTicketError)) throw error;
        this.#logger.error({ err: error, queue, change, ticketId: ids[i] }, "a ticket the pass changed has stored data that cannot be read: its watchers are not told");
      }
    }
    return tickets;
  }

  /**
   * Leaves a queued ticket whose document cannot be read out of the pass, as if it were gone, and
   * reports it (once): one bad document (written by something else, or damaged) must not stop
   * matching for the whole queue. The ticket stays stored as it is, for an operator to repair or
   * remove; it expires as any other, and is read again each pass until then.
   */
  #leaveOut(queue: string, ticketId: string, error: CorruptTicketError): void {
    let reported = this.#unreadable.get(queue);
    if (reported === undefined) this.#unreadable.set(queue, (reported = new Set()));
    if (reported.has(ticketId)) return;
    if (reported.size >= UNREADABLE_REMEMBERED) reported.clear();
    reported.add(ticketId);
    this.#logger.error({ err: error, queue, ticketId }, "a queued ticket's stored document cannot be read: it is left out of matching");
  }

  /**
   * The queue's queued ids in the sorted set's order: the listing kept from the last pass, brought
   * up to date with the changes logged since (one transaction: the log's head, the changes, the
   * set's size), or, when it cannot be or is due for it, the whole set (one transaction with the
   * log's head and last entry, so that later changes follow on from it). Both are plain commands
   * after the pass's script: listed from inside it, the ids held Redis up about three times as long
   * (BENCHMARKS.md, section 6).
   */
  async #listQueued(queue: string, now: number): Promise<QueueListing> {
    const kept = this.#listings.get(queue);
    // Due also when the clock has gone back since.
    if (kept !== undefined && now >= kept.listedWholeAt && now - kept.listedWholeAt < WHOLE_LISTING_EVERY_MS) {
      // One more than the entries to read: the read starts at the one the listing has seen.
      const count = Math.max(ENTRIES_READ_AT_LEAST, Math.ceil(kept.ids.length / TICKETS_PER_ENTRY_READ)) + 1;
      const [head, entries, queued] = await this.#redis.run("read queue changes", (redis) =>
        redis
          .multi()
          .hmGet(this.#keys.changesHead(queue), ["epoch", "seq"])
          .xRange(this.#keys.changes(queue), kept.readFrom, "+", { COUNT: count })
          .zCard(this.#keys.queued(queue))
          .exec(),
      );
      // An unreadable log is no reason not to match: the whole listing below does without it.
      if (readableOr(() => kept.follow(changeLogHead(head), changeLogEntries(entries), Number(queued)), false)) return kept;
    }
    const [ids, head, last] = await this.#redis.run("list queued tickets", (redis) =>
      redis
        .multi()
        .zRange(this.#keys.queued(queue), 0, -1)
        .hmGet(this.#keys.changesHead(queue), ["epoch", "seq"])
        .xRevRange(this.#keys.changes(queue), "+", "-", { COUNT: 1 })
        .exec(),
    );
    return QueueListing.whole(readableOr(() => changeLogHead(head), NO_CHANGE_LOG), readableOr(() => changeLogEntries(last)[0], undefined), queuedIds(ids), now);
  }

  /**
   * Drops what is kept for the queue's next pass: its listing and documents, about the size of its
   * documents in Redis.
   */
  passesEnded(queue: string): void {
    this.#waiting.delete(queue);
    this.#listings.delete(queue);
    this.#received.delete(queue);
    this.#endings.set(queue, (this.#endings.get(queue) ?? 0) + 1);
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

/** A log that cannot be followed: a listing made with it follows no log, and is made whole again. */
const NO_CHANGE_LOG = { epoch: undefined, seq: 0 } as const;

/** What `read` reads, or `otherwise` when its reply is unreadable (for what can be done without). */
function readableOr<T>(read: () => T, otherwise: T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof UnreadableListingError) return otherwise;
    throw error;
  }
}

/** A list of ticket ids, as the scripts return them. */
function idList(reply: unknown): string[] {
  if (!Array.isArray(reply) || !reply.every((id: unknown) => typeof id === "string")) throw new CorruptTicketError("expected a list of ticket ids");
  return reply as string[];
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
