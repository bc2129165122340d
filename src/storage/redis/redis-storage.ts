import { ErrorReply } from "redis";
import type { Logger } from "../../application/ports/logger.ts";
import type { Storage, StorageOptions } from "../storage.ts";
import { CatchUpReads } from "./catch-up-reads.ts";
import { RedisCommands } from "./redis-commands.ts";
import { openRedisConnection, type RedisConnection } from "./redis-connection.ts";
import { RedisKeys } from "./redis-keys.ts";
import { RedisMatchingLeases } from "./redis-matching-leases.ts";
import { RedisQueueProgress } from "./redis-queue-progress.ts";
import { RedisQueueStatsBoard } from "./redis-queue-stats-board.ts";
import { RedisRedemptionLedger } from "./redis-redemption-ledger.ts";
import { RedisTicketEvents } from "./redis-ticket-events.ts";
import { RedisTicketStore } from "./redis-ticket-store.ts";
import { ShardedChannels } from "./sharded-channels.ts";

/** What sharing state through Redis needs on top of the in-memory options: where, and who this instance is. */
export interface RedisStorageOptions extends StorageOptions {
  /** `redis[s]://[[user][:password]@]host[:port][/db]`. */
  readonly url: string;
  /** This instance's unique id (lease holder, connection names). */
  readonly instanceId: string;
  /** How long a matching lease lasts without renewal; see {@link RedisMatchingLeases}. */
  readonly leaseTtlMs: number;
  readonly logger: Logger;
  /** First segment of every key and channel, so several deployments can share one Redis. Default `mm`. */
  readonly keyPrefix?: string;
  /** Upper bound on one command's round trip before it fails with UnavailableError. Default 1000 ms. */
  readonly commandTimeoutMs?: number;
}

const DEFAULT_KEY_PREFIX = "mm";
const DEFAULT_COMMAND_TIMEOUT_MS = 1_000;
/**
 * Watchers' catch-up reads in flight at once after a reconnect: each is two round trips, so 128 keep
 * a pipeline full without queueing thousands of commands behind each other.
 */
const CATCH_UP_CONCURRENCY = 128;
/** Pause before a catch-up read that failed on a live connection is tried again. */
const CATCH_UP_RETRY_MS = 250;

/**
 * The Redis at the storage's URL is a node of a Redis Cluster, which the matchmaker does not
 * support: its client talks to one server, so every call on a key another node owns would fail
 * with MOVED, long after a start that looked fine. Refused at start instead.
 */
export class RedisClusterNotSupportedError extends Error {
  override readonly name = "RedisClusterNotSupportedError";

  constructor() {
    super("the Redis server is a Redis Cluster node, and Redis Cluster is not supported: use a standalone Redis primary (for failover, an address that follows the primary, such as a managed service's primary endpoint)");
  }
}

/**
 * Every piece of shared state in one Redis, so any number of instances can serve the same queues:
 * each ticket is claimed by exactly one match through the store's atomic scripts and the matching
 * lease's fencing token. (The keys of a queue share one hash slot, as Redis Cluster would need, but
 * the client talks to a single server: see {@link RedisClusterNotSupportedError}.)
 *
 * Opens two connections: one for commands and scripts, one for Pub/Sub. While Redis is unreachable
 * every call fails fast with UnavailableError, and everything (subscriptions included) resumes by
 * itself once it is back. Rejects with UnavailableError when Redis cannot be reached at startup,
 * and with {@link RedisClusterNotSupportedError} when it is a Redis Cluster node.
 */
export async function createRedisStorage(options: RedisStorageOptions): Promise<Storage> {
  const logger = options.logger.child({ component: "redis-storage" });
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const connection = (role: string, preloadScripts: boolean) =>
    openRedisConnection({ url: options.url, name: `matchmaker-${role}-${options.instanceId}`, logger, preloadScripts });
  const client = await connection("commands", true);
  const redis = new RedisCommands(client, commandTimeoutMs);
  let subscriber: RedisConnection;
  try {
    await refuseClusterNode(redis);
    subscriber = await connection("events", false);
  } catch (error) {
    client.destroy();
    throw error;
  }
  const keys = new RedisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
  const channels = new ShardedChannels(subscriber, client, logger);
  const store = new RedisTicketStore(redis, keys, { retentionMs: options.retentionMs, logger });
  const catchUps = new CatchUpReads({
    read: (ticketId) => store.get(ticketId),
    isLive: () => client.isReady,
    concurrency: CATCH_UP_CONCURRENCY,
    retryMs: CATCH_UP_RETRY_MS,
    logger,
  });
  return {
    store,
    events: new RedisTicketEvents(redis, channels, keys, catchUps),
    progress: new RedisQueueProgress(redis, channels, keys),
    leases: new RedisMatchingLeases(redis, keys, { instanceId: options.instanceId, leaseTtlMs: options.leaseTtlMs }),
    redemptions: new RedisRedemptionLedger(redis, keys, options.clock),
    queueStats: new RedisQueueStatsBoard(redis, keys),
    async ping() {
      try {
        return (await redis.run("ping", (connection) => connection.ping())) === "PONG";
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.allSettled([client.close(), subscriber.close()]);
    },
  };
}

/**
 * Rejects with {@link RedisClusterNotSupportedError} when `redis` is connected to a Redis Cluster
 * node. Asks with `CLUSTER INFO`, which a standalone server refuses ("cluster support disabled"):
 * not `INFO`, which least-privilege users often may not run (ACL category @dangerous). An error
 * reply of any kind means it is no cluster node, or that this user cannot tell: either way, start.
 */
async function refuseClusterNode(redis: RedisCommands): Promise<void> {
  const answer: unknown = await redis.run("check for cluster mode", (client) =>
    client.sendCommand(["CLUSTER", "INFO"]).catch((error: unknown) => {
      if (error instanceof ErrorReply) return error;
      throw error;
    }),
  );
  if (typeof answer === "string" && answer.startsWith("cluster_")) throw new RedisClusterNotSupportedError();
}
