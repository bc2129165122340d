import type { Ticket } from "../../domain/ticket.ts";
import type { TicketEvents, Unsubscribe } from "../../application/ports/ticket-events.ts";
import type { CatchUpReads } from "./catch-up-reads.ts";
import type { RedisCommands } from "./redis-commands.ts";
import type { RedisKeys } from "./redis-keys.ts";
import type { ShardedChannels } from "./sharded-channels.ts";

/**
 * Ticket changes carried between instances on one sharded Pub/Sub channel per ticket
 * (`<prefix>:ticket:<id>`), as the ticket's JSON.
 *
 * A channel per ticket rather than per queue because `subscribe` knows only the ticket id: the
 * watcher's instance subscribes to exactly the tickets it serves, without first looking up their
 * queue, and never receives (or parses) changes of tickets nobody there watches. Each watcher costs
 * one SSUBSCRIBE and one SUNSUBSCRIBE; each change one SPUBLISH, delivered only to the instances
 * watching that ticket. On a cluster the channels spread over the shards like keys do.
 *
 * Pub/Sub is fire-and-forget, so whenever a subscription (re)starts, the listener is also sent the
 * ticket as stored ({@link CatchUpReads}): that closes the window between `subscribe` returning and
 * Redis confirming the subscription, and any outage. Watchers drop versions they already have. A
 * ticket that is no longer stored at all (Redis came back without its data) is reported as gone.
 */
export class RedisTicketEvents implements TicketEvents {
  readonly #redis: RedisCommands;
  readonly #channels: ShardedChannels;
  readonly #keys: RedisKeys;
  readonly #catchUps: CatchUpReads;

  constructor(redis: RedisCommands, channels: ShardedChannels, keys: RedisKeys, catchUps: CatchUpReads) {
    this.#redis = redis;
    this.#channels = channels;
    this.#keys = keys;
    this.#catchUps = catchUps;
  }

  publish(tickets: readonly Ticket[]): Promise<void> {
    return this.#redis.run("publish ticket changes", async (redis) => {
      await Promise.all(tickets.map((ticket) => redis.sPublish(this.#keys.ticketChannel(ticket.id), JSON.stringify(ticket))));
    });
  }

  subscribe(ticketId: string, listener: (ticket: Ticket) => void, gone?: () => void): Unsubscribe {
    const catchUp = this.#catchUps.follow(ticketId, listener, gone);
    const stop = this.#channels.listen(this.#keys.ticketChannel(ticketId), {
      message: (payload) => listener(JSON.parse(payload) as Ticket),
      active: () => catchUp.request(),
    });
    return () => {
      catchUp.stop();
      stop();
    };
  }
}
