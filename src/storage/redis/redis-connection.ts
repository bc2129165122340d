import { createClient } from "redis";
import { UnavailableError } from "../../application/errors.ts";
import type { Logger } from "../../application/ports/logger.ts";
import { SCRIPTS } from "./redis-scripts.ts";
import { errorMessage } from "../../shared/error-message.ts";

/**
 * Options of one Redis connection. Command deadlines are not among them: `RedisCommands`
 * enforces one per operation (node-redis's own per-command timeout costs an AbortSignal and a timer
 * per command, nearly doubling the client's CPU time per command, and stops applying once a command
 * is written anyway).
 */
export interface RedisConnectionOptions {
  readonly url: string;
  /** Names the connection in `CLIENT LIST` and in logs. */
  readonly name: string;
  readonly logger: Logger;
  /**
   * Whether to load the matchmaker's scripts into Redis each time the connection becomes ready:
   * for the connection that runs them (a Pub/Sub connection cannot).
   */
  readonly preloadScripts?: boolean;
}

/** How long to wait for a TCP connection to Redis. */
const CONNECT_TIMEOUT_MS = 1_000;
/** Reconnect backoff: doubling from the first delay up to the cap, with jitter. */
const FIRST_RECONNECT_DELAY_MS = 50;
const MAX_RECONNECT_DELAY_MS = 2_000;
/**
 * How much the socket buffers before asking the client to wait for 'drain'. On a reconnect
 * node-redis writes one SSUBSCRIBE per channel this instance follows (one per watched ticket) before
 * the connection counts as ready, but it only resumes writing after a 'drain' once ready: past the
 * default 16 KiB (about 1,600 watched tickets) the reconnect waited forever and every watcher on
 * the instance went deaf. 16 MiB holds the subscriptions of some 250,000 watchers.
 */
const WRITE_BUFFER: { readonly writableHighWaterMark: number } = { writableHighWaterMark: 16 * 1024 * 1024 };
/** Connection attempts at startup before giving up, so a wrong URL fails the start instead of hanging it. */
const STARTUP_ATTEMPTS = 3;

/**
 * Opens one connection with the behaviour the matchmaker needs when Redis goes away: commands
 * issued while disconnected fail at once (no offline queue), and the connection keeps coming back
 * with capped exponential backoff for as long as the process runs. Connection errors are logged
 * once per outage rather than crashing the process as an unhandled 'error' event would.
 *
 * Rejects with {@link UnavailableError} when Redis cannot be reached at startup.
 */
export async function openRedisConnection(options: RedisConnectionOptions) {
  const log = options.logger.child({ redis: options.name });
  let connectedOnce = false;
  let healthy = false;
  const client = createClient({
    url: options.url,
    name: options.name,
    scripts: SCRIPTS,
    disableOfflineQueue: true,
    // No per-command timeout: node-redis 6 gives every command one by default (5 s), an
    // AbortSignal.timeout each, whose timer fires even after the reply and builds an error then:
    // 40-50 µs of CPU per command in all, against 11-16 µs without (20k GETs, BENCHMARKS.md
    // section 5). RedisCommands keeps the deadlines.
    commandOptions: { timeout: 0 },
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      // A net.Socket (stream) option that node-redis's types leave out but hands to net.createConnection.
      ...WRITE_BUFFER,
      reconnectStrategy: (retries: number, cause: Error) => {
        if (!connectedOnce && retries >= STARTUP_ATTEMPTS) return cause;
        const backoff = Math.min(FIRST_RECONNECT_DELAY_MS * 2 ** retries, MAX_RECONNECT_DELAY_MS);
        return Math.round(backoff / 2 + (Math.random() * backoff) / 2);
      },
    },
  });
  client.on("error", (error: Error) => {
    if (healthy) log.warn({ err: error }, "redis connection lost; reconnecting");
    else log.debug({ err: error }, "redis still unreachable");
    healthy = false;
  });
  client.on("ready", () => {
    if (connectedOnce && !healthy) log.info({}, "redis connection restored");
    connectedOnce = true;
    healthy = true;
    if (options.preloadScripts === true) loadScripts(client, log);
  });
  try {
    await client.connect();
  } catch (error) {
    throw new UnavailableError(`cannot connect to redis: ${errorMessage(error)}`, { cause: error });
  }
  return client;
}

/**
 * Sends SCRIPT LOAD for every script, ahead of anything else on a connection that has just become
 * ready. Why: a Redis that has just started, or a replica just promoted, knows none of them, and
 * every EVALSHA then fails with NOSCRIPT and is sent again with the script's text (node-redis's
 * fallback): thousands of times over in the first moments after a start or failover, with matching
 * and enqueues in full flow (2,470 times in one benchmark run). Commands on one connection run in
 * order, so the calls written after these find their scripts loaded. A load that fails (the
 * connection went again) leaves that fallback to do the work.
 */
function loadScripts(client: { scriptLoad(script: string): Promise<unknown> }, log: Logger): void {
  for (const [name, script] of Object.entries(SCRIPTS)) {
    client.scriptLoad(script.SCRIPT).catch((error: unknown) => log.debug({ err: error, script: name }, "redis script not preloaded"));
  }
}

/** A connection opened by {@link openRedisConnection}, with the matchmaker's scripts. */
export type RedisConnection = Awaited<ReturnType<typeof openRedisConnection>>;
