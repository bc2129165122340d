import type { QueueStatsBoard, QueueStatsSnapshot } from "../../application/ports/queue-stats-board.ts";
import type { RedisCommands } from "./redis-commands.ts";
import type { RedisKeys } from "./redis-keys.ts";

/**
 * The statistics board shared by every instance: one hash field per queue holding the snapshot the
 * lease holder published after its last pass, so any instance answers GetQueueStats. One small
 * field per configured queue, replaced each pass: it does not grow.
 */
export class RedisQueueStatsBoard implements QueueStatsBoard {
  readonly #redis: RedisCommands;
  readonly #keys: RedisKeys;

  constructor(redis: RedisCommands, keys: RedisKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async publish(snapshot: QueueStatsSnapshot): Promise<void> {
    await this.#redis.run("publish queue stats", (redis) =>
      redis.hSet(this.#keys.queueStats(), snapshot.queue, JSON.stringify(snapshot)),
    );
  }

  async read(): Promise<QueueStatsSnapshot[]> {
    const fields = await this.#redis.run("read queue stats", (redis) => redis.hGetAll(this.#keys.queueStats()));
    return Object.values(fields).map((json) => JSON.parse(json) as QueueStatsSnapshot);
  }
}
