import type { PassChanges } from "./ports/ticket-store.ts";
import { errorMessage } from "../shared/error-message.ts";
import type { TicketView } from "./ticket-view.ts";

/**
 * Failures a caller can act on. Each maps to one gRPC/Connect code in the transport layer, so use
 * cases say what went wrong without knowing how it is reported.
 */

/** A request field is malformed or breaks a queue rule. */
export class InvalidArgumentError extends Error {
  override readonly name = "InvalidArgumentError";
  /** The request field to blame, in the proto's naming (`players[1].skill`). */
  readonly field: string;

  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.field = field;
  }
}

/** The queue or ticket does not exist, or the caller may not see it (indistinguishable on purpose). */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}

/**
 * A player already holds a live ticket in the queue, named so that the caller can carry on with it
 * (a retry whose first answer was lost finds its ticket this way). Only callers who may see it get
 * here: a service, or the player themself (a player enqueues no one else).
 */
export class PlayerAlreadyQueuedError extends Error {
  override readonly name = "PlayerAlreadyQueuedError";
  readonly userId: string;
  readonly ticketId: string;

  constructor(userId: string, ticketId: string, queue: string) {
    super(`player "${userId}" already has live ticket "${ticketId}" in queue "${queue}"`);
    this.userId = userId;
    this.ticketId = ticketId;
  }
}

/** A player enqueues faster than their allowance (see `PlayerEnqueueLimit`); retry after `retryAfterMs`. */
export class EnqueueRateLimitedError extends Error {
  override readonly name = "EnqueueRateLimitedError";
  readonly retryAfterMs: number;

  constructor(userId: string, perMinute: number, retryAfterMs: number) {
    super(`player "${userId}" may enqueue at most ${perMinute} times a minute; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The ticket's state does not allow the operation; `ticket` is its current public view. */
export class TicketStateError extends Error {
  override readonly name = "TicketStateError";
  readonly ticket: TicketView;

  constructor(message: string, ticket: TicketView) {
    super(message);
    this.ticket = ticket;
  }
}

/** The caller is authenticated but may not do this. */
export class PermissionDeniedError extends Error {
  override readonly name = "PermissionDeniedError";
}

/** The service cannot serve the call right now (draining, store unreachable); retrying elsewhere may work. */
export class UnavailableError extends Error {
  override readonly name = "UnavailableError";
}

/**
 * A matching pass was opened (orphaned claims went back to the queue, tickets past their time to
 * live expired) but the queue could not be listed after that. The changed tickets come with the
 * error so that they are still announced: watchers learn of a ticket's changes only from those
 * announcements.
 */
export class PassListingError extends Error {
  override readonly name = "PassListingError";
  readonly changes: PassChanges;

  constructor(changes: PassChanges, cause: unknown) {
    super(`the pass was opened but the queue could not be listed: ${errorMessage(cause)}`, { cause });
    this.changes = changes;
  }
}
