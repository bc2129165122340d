import { ErrorReply } from "redis";
import { UnavailableError } from "../../application/errors.ts";
import type { RedisConnection } from "./redis-connection.ts";
import { errorMessage } from "../../shared/error-message.ts";

/** Error replies that mean "not now" (loading, failing over, busy script) rather than a bug. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS)\b/;

/**
 * The one way the adapters talk to Redis: each operation either answers within the deadline or
 * fails with the application's {@link UnavailableError} (offline, connection lost, no answer in
 * time, server loading or failing over), so a caller gets a fast, retryable failure and never a
 * hang. Other error replies are bugs (a script error, a wrong key type) and pass through unchanged.
 *
 * The deadline is enforced here because node-redis's own command timeout stops applying once a
 * command is on the wire (it cannot drop a written command without breaking reply order). A command
 * given up on may still run on the server, so every caller is told UNAVAILABLE for an outcome it
 * cannot know, and each operation's retry finds it: a late claim is reclaimed as stale, a late create
 * is found again by its idempotency key (or refused as the player's second live ticket, named), a
 * late redemption admits the retry that carries its redemption id, and placement asks about a late
 * assignment or requeue until the store answers.
 */
export class RedisCommands {
  readonly #client: RedisConnection;
  readonly #timeoutMs: number;

  constructor(client: RedisConnection, timeoutMs: number) {
    this.#client = client;
    this.#timeoutMs = timeoutMs;
  }

  async run<T>(operation: string, command: (client: RedisConnection) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let lastChance: NodeJS.Immediate | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Timers run before pending I/O is read: after the process was busy for longer than the
        // deadline, the answer may be waiting unread. One more turn of the event loop reads it, so a
        // slow process is not mistaken for an unavailable Redis.
        lastChance = setImmediate(() => reject(new UnavailableError(`redis did not answer within ${this.#timeoutMs} ms (${operation})`)));
      }, this.#timeoutMs);
    });
    try {
      return await Promise.race([command(this.#client), deadline]);
    } catch (error) {
      if (error instanceof UnavailableError) throw error;
      if (error instanceof ErrorReply && !TRANSIENT_REPLY.test(error.message)) throw error;
      throw new UnavailableError(`redis unavailable (${operation}): ${errorMessage(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
      clearImmediate(lastChance);
    }
  }
}
