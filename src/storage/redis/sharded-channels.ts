import type { Logger } from "../../application/ports/logger.ts";
import type { Unsubscribe } from "../../application/ports/ticket-events.ts";
import type { RedisConnection } from "./redis-connection.ts";

/** Pause before retrying a subscription that failed while the connection stayed up. */
const SUBSCRIBE_RETRY_MS = 100;

/** One local consumer of a channel. */
export interface ChannelListener {
  /** A message published on the channel. */
  message(payload: string): void;
  /**
   * The subscription is in place, for the first time or again after Redis came back. Anything
   * published before this moment may have been missed, so consumers re-read what they follow.
   */
  active(): void;
}

/**
 * Sharded Pub/Sub channels (SSUBSCRIBE, Redis 7+) on one subscriber connection, fanned out to local
 * listeners: each channel is subscribed while it has at least one listener here and unsubscribed
 * when the last one leaves. Sharded channels live on the shard owning their hash slot, so on a
 * cluster a message goes to that shard's subscribers only instead of being broadcast to every node.
 *
 * Subscriptions survive outages: node-redis re-subscribes the confirmed ones when it reconnects,
 * this class retries the ones that failed meanwhile (and, after a short pause, ones that failed on a
 * live connection), and every listener is told `active` again so
 * it can catch up on what was published while the connection was down. Listeners catch up by
 * reading through another connection (`reader`), which may come back later than the subscriber;
 * they are told `active` once more when it does, so the last catch-up happens with both up.
 */
export class ShardedChannels {
  readonly #subscriber: RedisConnection;
  readonly #logger: Logger;
  readonly #channels = new Map<string, Set<ChannelListener>>();
  /** Channels whose SUNSUBSCRIBE failed (Redis unreachable); retried once it is back. */
  readonly #abandoned = new Set<string>();

  constructor(subscriber: RedisConnection, reader: RedisConnection, logger: Logger) {
    this.#subscriber = subscriber;
    this.#logger = logger;
    subscriber.on("ready", () => this.#restore());
    reader.on("ready", () => this.#remind());
  }

  /** Calls `listener` for each message on `channel` until the returned function is called. */
  listen(channel: string, listener: ChannelListener): Unsubscribe {
    let listeners = this.#channels.get(channel);
    if (listeners === undefined) {
      listeners = new Set([listener]);
      this.#channels.set(channel, listeners);
      this.#abandoned.delete(channel);
      void this.#subscribe(channel);
    } else {
      listeners.add(listener);
    }
    const current = listeners;
    return () => {
      current.delete(listener);
      if (current.size === 0 && this.#channels.get(channel) === current) {
        this.#channels.delete(channel);
        void this.#unsubscribe(channel);
      }
    };
  }

  /** Channels with at least one local listener. */
  get size(): number {
    return this.#channels.size;
  }

  readonly #dispatch = (payload: string, channel: string): void => {
    for (const listener of this.#channels.get(channel) ?? []) {
      this.#call(channel, () => listener.message(payload));
    }
  };

  async #subscribe(channel: string): Promise<void> {
    try {
      await this.#subscriber.sSubscribe(channel, this.#dispatch);
    } catch (error) {
      // A lost connection retries in #restore when it is ready again; a failure on a live connection
      // (a slow answer) would get no such event, so it is retried here.
      this.#logger.debug({ err: error, channel }, "subscription failed; retrying");
      if (this.#subscriber.isReady) {
        setTimeout(() => {
          if (this.#channels.has(channel)) void this.#subscribe(channel);
        }, SUBSCRIBE_RETRY_MS).unref();
      }
      return;
    }
    for (const listener of this.#channels.get(channel) ?? []) this.#call(channel, () => listener.active());
  }

  async #unsubscribe(channel: string): Promise<void> {
    try {
      await this.#subscriber.sUnsubscribe(channel, this.#dispatch);
    } catch (error) {
      this.#logger.debug({ err: error, channel }, "unsubscription deferred until redis is back");
      this.#abandoned.add(channel);
    }
  }

  /**
   * After a reconnect: node-redis has re-subscribed every confirmed channel before 'ready', so
   * subscribing all wanted channels again confirms them (a no-op for those already in place, a
   * retry for those that failed) and tells their listeners to catch up.
   */
  #restore(): void {
    for (const channel of this.#channels.keys()) void this.#subscribe(channel);
    for (const channel of this.#abandoned) {
      this.#abandoned.delete(channel);
      void this.#unsubscribe(channel);
    }
  }

  #remind(): void {
    for (const [channel, listeners] of this.#channels) {
      for (const listener of listeners) this.#call(channel, () => listener.active());
    }
  }

  #call(channel: string, notify: () => void): void {
    try {
      notify();
    } catch (error) {
      this.#logger.error({ err: error, channel }, "channel listener failed");
    }
  }
}
