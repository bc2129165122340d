import type { QueueEntry, QueueProgress, WaitingAfterPass } from "../../application/ports/queue-progress.ts";
import type { Unsubscribe } from "../../application/ports/ticket-events.ts";
import { remainingWaitMs, WAIT_SMOOTHING } from "../../application/wait-estimate.ts";
import { notifyInBatches } from "../../application/notify-in-batches.ts";
import type { RedisCommands } from "./redis-commands.ts";
import type { RedisKeys } from "./redis-keys.ts";
import type { ShardedChannels } from "./sharded-channels.ts";

/**
 * Queue progress shared through Redis, whichever instance runs the passes.
 *
 * Positions come straight from the queue's sorted set of queued tickets, which the store's scripts
 * keep up to date (score createdAt, member id: Redis orders equal scores by member, which is the
 * matching priority), so a position is one ZRANK and needs nothing from the passes. The wait
 * estimate is one moving average per queue, updated atomically by a script. Each pass is announced
 * on the queue's sharded channel so `onPass` listeners on every instance re-check their tickets.
 */
export class RedisQueueProgress implements QueueProgress {
  readonly #redis: RedisCommands;
  readonly #channels: ShardedChannels;
  readonly #keys: RedisKeys;
  /** This instance's pass listeners per queue, behind one channel subscription each. */
  readonly #listeners = new Map<string, { readonly members: Set<() => void>; readonly stop: Unsubscribe }>();

  constructor(redis: RedisCommands, channels: ShardedChannels, keys: RedisKeys) {
    this.#redis = redis;
    this.#channels = channels;
    this.#keys = keys;
  }

  /** Only signals the pass: the waiting order already lives in the queued set. */
  recordPass(queue: string, _waiting: WaitingAfterPass): Promise<void> {
    return this.#redis.run("announce matching pass", async (redis) => {
      await redis.sPublish(this.#keys.passes(queue), "");
    });
  }

  recordMatchedWaits(queue: string, waitsMs: readonly number[]): Promise<void> {
    if (waitsMs.length === 0) return Promise.resolve();
    return this.#redis.run("record matched waits", async (redis) => {
      await redis.recordWaits([this.#keys.wait(queue)], [WAIT_SMOOTHING, ...waitsMs]);
    });
  }

  positionOf(queue: string, ticket: QueueEntry): Promise<number> {
    return this.#redis.run("read queue position", async (redis) =>
      Number(await redis.queuePosition([this.#keys.queued(queue)], [ticket.id, ticket.createdAt])),
    );
  }

  /** The recent average wait minus what the ticket already waited, in whole seconds. */
  estimatedWaitMs(queue: string, waitedMs: number): Promise<number | undefined> {
    return this.#redis.run("read wait estimate", async (redis) => {
      const average = await redis.hGet(this.#keys.wait(queue), "average");
      return average === null ? undefined : remainingWaitMs(Number(average), waitedMs);
    });
  }

  /** Also fires when the subscription (re)starts: passes announced meanwhile may have been missed. */
  onPass(queue: string, listener: () => void): Unsubscribe {
    let listeners = this.#listeners.get(queue);
    if (listeners === undefined) {
      const members = new Set<() => void>();
      const fanOut = (): void => notifyInBatches(members);
      // One channel subscription per queue, fanned out here in batches.
      listeners = { members, stop: this.#channels.listen(this.#keys.passes(queue), { message: fanOut, active: fanOut }) };
      this.#listeners.set(queue, listeners);
    }
    const own = listeners;
    own.members.add(listener);
    return () => {
      own.members.delete(listener);
      if (own.members.size === 0 && this.#listeners.get(queue) === own) {
        this.#listeners.delete(queue);
        own.stop();
      }
    };
  }
}
