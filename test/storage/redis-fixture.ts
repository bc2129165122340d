import pino from "pino";
import { createClient } from "redis";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { Clock } from "../../src/application/ports/clock.ts";
import type { Logger } from "../../src/application/ports/logger.ts";
import type { Storage } from "../../src/storage/storage.ts";
import { createRedisStorage } from "../../src/storage/redis/redis-storage.ts";
import { ManualClock } from "../support/manual-clock.ts";
import { startRedisServer, type RedisServer } from "../support/redis-server.ts";

export interface OpenOptions {
  /** Key prefix; storages opened with the same one share state. Default: a fresh one per call. */
  readonly keyPrefix?: string;
  readonly instanceId?: string;
  readonly leaseTtlMs?: number;
  readonly retentionMs?: number;
  readonly clock?: Clock;
  readonly commandTimeoutMs?: number;
  /** Silent unless given. */
  readonly logger?: Logger;
}

let prefixes = 0;

/**
 * One throwaway redis-server per test file, storages opened on it (closed after each test), and a
 * plain client to look at the keys they write.
 */
export function useRedis() {
  let server: RedisServer | undefined;
  let inspector: ReturnType<typeof createClient> | undefined;
  const opened: Storage[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    inspector = createClient({ url: server.url });
    inspector.on("error", () => {});
    await inspector.connect();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((storage) => storage.close()));
  });
  afterAll(async () => {
    inspector?.destroy();
    await server?.stop();
  });

  return {
    get server(): RedisServer {
      if (server === undefined) throw new Error("redis-server not started");
      return server;
    },
    get inspector() {
      if (inspector === undefined) throw new Error("redis-server not started");
      return inspector;
    },
    /** A key prefix no other test uses. */
    freshPrefix(): string {
      return `test${++prefixes}`;
    },
    async open(options: OpenOptions = {}): Promise<Storage> {
      const storage = await createRedisStorage({
        url: this.server.url,
        clock: options.clock ?? new ManualClock(),
        retentionMs: options.retentionMs ?? 600_000,
        instanceId: options.instanceId ?? "instance-a",
        leaseTtlMs: options.leaseTtlMs ?? 10_000,
        logger: options.logger ?? pino({ level: "silent" }),
        keyPrefix: options.keyPrefix ?? this.freshPrefix(),
        ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
      });
      opened.push(storage);
      return storage;
    },
  };
}

/** Retries `attempt` until it returns something other than undefined, for at most `timeoutMs`. */
export async function eventually<T>(attempt: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt().catch(() => undefined);
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A promise for the next value `register` hands its callback. */
export function nextValue<T>(register: (callback: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve) => register(resolve));
}
