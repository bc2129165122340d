import { EventEmitter } from "node:events";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RedisConnection } from "../../src/storage/redis/redis-connection.ts";
import { ShardedChannels } from "../../src/storage/redis/sharded-channels.ts";

/** A subscriber connection that stays up but fails its first SSUBSCRIBE (a slow answer). */
class FlakySubscriber extends EventEmitter {
  readonly isReady = true;
  attempts = 0;

  async sSubscribe(): Promise<void> {
    this.attempts++;
    if (this.attempts === 1) throw new Error("redis did not answer in time");
  }

  async sUnsubscribe(): Promise<void> {}
}

afterEach(() => {
  vi.useRealTimers();
});

describe("ShardedChannels", () => {
  it("retries a subscription that failed while the connection stayed up, then tells the listener", async () => {
    vi.useFakeTimers();
    const subscriber = new FlakySubscriber();
    const channels = new ShardedChannels(
      subscriber as unknown as RedisConnection,
      new EventEmitter() as unknown as RedisConnection,
      pino({ level: "silent" }),
    );
    let active = 0;
    channels.listen("mm:ticket:t1", { message: () => undefined, active: () => active++ });
    await vi.advanceTimersByTimeAsync(0);
    expect(subscriber.attempts).toBe(1);
    expect(active).toBe(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(subscriber.attempts).toBe(2);
    expect(active).toBe(1);
  });
});
