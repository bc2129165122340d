import { createHash } from "node:crypto";

/**
 * Where everything lives in Redis. Every key and channel of one queue carries the queue name as a
 * hash tag (`mm:{<queue>}:...`), so each script touches a single hash slot, as Redis Cluster
 * requires: the layout is ready for it, the client not yet (see `RedisClusterNotSupportedError`). The
 * few per-ticket entries that are looked up by ticket id alone (which queue a ticket is in, its change
 * channel) and the redemption ledger have no tag, so that they would spread over a cluster.
 *
 * Per queue (`<p>` = `<prefix>:{<queue>}:`):
 * - `<p>t:<ticketId>`    hash: one ticket (`doc` JSON + state fields)
 * - `<p>queued`          sorted set: queued tickets by createdAt (ties by id = matching priority)
 * - `<p>expiry`          sorted set: queued tickets by expiresAt
 * - `<p>allocating`      sorted set: allocating tickets by claim time
 * - `<p>changes`         stream: every change to `queued`, in order (capped; see ticket-lib.lua)
 * - `<p>changes:head`    hash: the change log's epoch and last change number
 * - `<p>unannounced`     hash: tickets a pass's opening changed, each with the opening that last
 *                         handed it out, until its caller says it received that opening's answer
 * - `<p>player:<userId>` string: the player's live ticket id
 * - `<p>idem:<digest>`   hash: an idempotency key's fingerprint and ticket id
 * - `<p>lease`           string: the instance holding the matching lease (expires)
 * - `<p>fence`           counter: the latest matching-lease fencing token
 * - `<p>wait`            hash: the matched-wait moving average
 * - `<p>passes`          sharded channel: one message per matching pass
 *
 * Global:
 * - `<prefix>:ticket-queue:<ticketId>` string: the ticket's queue (GetTicket and Cancel know only the id)
 * - `<prefix>:ticket:<ticketId>`       sharded channel: the ticket's changes, as JSON
 * - `<prefix>:redeemed:<matchTicketId>` string: a redeemed match ticket
 * - `<prefix>:queue-stats`             hash: each queue's latest statistics snapshot
 */
export class RedisKeys {
  readonly #prefix: string;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /** The prefix of every key of `queue`; store scripts get it as KEYS[1] and derive the rest. */
  queue(queue: string): string {
    return `${this.#prefix}:{${queue}}:`;
  }

  ticket(queue: string, ticketId: string): string {
    return `${this.queue(queue)}t:${ticketId}`;
  }

  queued(queue: string): string {
    return `${this.queue(queue)}queued`;
  }

  /** The queue's change log: every addition to and removal from {@link queued}, in order. */
  changes(queue: string): string {
    return `${this.queue(queue)}changes`;
  }

  /** Where the change log stands: `epoch` (when its numbering began) and `seq` (its last change). */
  changesHead(queue: string): string {
    return `${this.queue(queue)}changes:head`;
  }

  lease(queue: string): string {
    return `${this.queue(queue)}lease`;
  }

  fence(queue: string): string {
    return `${this.queue(queue)}fence`;
  }

  wait(queue: string): string {
    return `${this.queue(queue)}wait`;
  }

  passes(queue: string): string {
    return `${this.queue(queue)}passes`;
  }

  ticketQueue(ticketId: string): string {
    return `${this.#prefix}:ticket-queue:${ticketId}`;
  }

  ticketChannel(ticketId: string): string {
    return `${this.#prefix}:ticket:${ticketId}`;
  }

  redeemed(matchTicketId: string): string {
    return `${this.#prefix}:redeemed:${matchTicketId}`;
  }

  /** Hash: each queue's latest statistics snapshot (JSON), by queue name. */
  queueStats(): string {
    return `${this.#prefix}:queue-stats`;
  }
}

/**
 * The key suffix for an idempotency key: a digest, so a long caller-chosen request id cannot make
 * keys long, and the separators inside the application's key never meet Redis key syntax.
 */
export function idempotencyDigest(key: string): string {
  return createHash("sha256").update(key).digest("base64url");
}
