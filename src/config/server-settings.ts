import { ConfigError } from "./config-error.ts";
import { type Environment, flag, integer, oneOf, optionalInteger, optionalText, optionalUrl, text } from "./env.ts";

/** The process-level settings, all from environment variables (see the README's table). */
export interface ServerSettings {
  /** Interface the gRPC and HTTP ports listen on (`MATCHMAKER_HOST`, default `0.0.0.0`). */
  readonly host: string;
  /** Cleartext HTTP/2 port for gRPC (`MATCHMAKER_GRPC_PORT`, default 50051). */
  readonly grpcPort: number;
  /** HTTP/1.1 port for browsers (`MATCHMAKER_HTTP_PORT`, default 8080). */
  readonly httpPort: number;
  /**
   * Port of the operator listener (`/metrics`, `/healthz`, `/readyz`); when set, `/metrics` leaves
   * the public HTTP port. Unset: no such listener.
   */
  readonly adminPort: number | undefined;
  /** Interface of the operator listener, so it can bind to a private network only. */
  readonly adminHost: string;
  /** The configuration file (queues, fleets); relative to the working directory unless absolute. */
  readonly queuesFile: string;
  /** A pino level name, `info` unless set: per-RPC lines only show at `debug`. */
  readonly logLevel: string;
  /** How long matched, cancelled and expired tickets stay readable (default 10 minutes). */
  readonly ticketRetentionMs: number;
  /**
   * Bound on placing one match, from its claim (waiting for an allocation slot, then the allocation
   * with its retries), before its tickets are requeued (default 30 s).
   */
  readonly allocationTimeoutMs: number;
  /** Allocations this instance runs at once per fleet, every queue together (default 256). */
  readonly maxConcurrentAllocations: number;
  /** Enqueues each player (player token) may make per minute through this instance; 0: no limit (default 10). */
  readonly playerEnqueuesPerMinute: number;
  /** How long a SIGTERM drain may take before the process exits anyway (with code 1). */
  readonly shutdownGraceMs: number;
  /** Serve gRPC server reflection, so generic tools can call the API without its protos. */
  readonly reflection: boolean;
  /** How far back GetQueueStats' wait percentiles and match rates look. */
  readonly queueStatsWindowMs: number;
  /** Development mode: local dev secret for tokens and an in-process fleet of game servers. */
  readonly development: boolean;
  /** Shared state in Redis (`redis://...`); absent: the embedded in-memory store. */
  readonly redisUrl: string | undefined;
  /** How long a queue's matching lease lasts without renewal: the takeover time when its holder dies. */
  readonly leaseTtlMs: number;
  /** How long one Redis command may take before the call fails with UNAVAILABLE. */
  readonly redisCommandTimeoutMs: number;
  /** Exact origins whose pages may call the RPCs from a browser (CORS); none by default. */
  readonly corsOrigins: readonly string[];
  /** Idle time before a WatchTicket stream gets a keep-alive message; 0 sends none. */
  readonly watchKeepAliveMs: number;
  /** Whether the HTTP port serves the web console at `/console/` (when it has been built). */
  readonly console: boolean;
}

/** Defaults shared with `startMatchmaker`, so tests and benchmarks run with what production gets. */
export const SETTING_DEFAULTS = {
  allocationTimeoutSeconds: 30,
  maxConcurrentAllocations: 256,
  playerEnqueuesPerMinute: 10,
  queueStatsWindowSeconds: 300,
  watchKeepAliveSeconds: 15,
} as const;

/** The log levels pino knows, for every process's log level setting. */
export const LOG_LEVELS: readonly string[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** Reads and checks the settings; an invalid value throws ConfigError naming the variable. */
export function loadServerSettings(env: Environment, argv: readonly string[] = []): ServerSettings {
  // `--dev` is the only argument: any other (`--devv`) would otherwise start production mode silently.
  const unknown = argv.find((argument) => argument !== "--dev");
  if (unknown !== undefined) throw new ConfigError(unknown, "unknown argument (the only one is --dev; every setting is an environment variable)");
  const host = text(env, "MATCHMAKER_HOST", "0.0.0.0");
  return {
    host,
    grpcPort: integer(env, "MATCHMAKER_GRPC_PORT", { fallback: 50051, min: 0, max: 65535 }),
    httpPort: integer(env, "MATCHMAKER_HTTP_PORT", { fallback: 8080, min: 0, max: 65535 }),
    adminPort: optionalInteger(env, "MATCHMAKER_ADMIN_PORT", { min: 0, max: 65535 }),
    adminHost: text(env, "MATCHMAKER_ADMIN_HOST", host),
    queuesFile: text(env, "MATCHMAKER_QUEUES_FILE", "config/queues.json"),
    logLevel: oneOf(env, "MATCHMAKER_LOG_LEVEL", "info", LOG_LEVELS),
    // At least a minute: a terminal ticket must outlive what announces it after a lost answer (a
    // pass's opening handed out again, placement asking the store for up to a minute) and a
    // watcher's reconnect, or its watchers would never learn how it ended.
    ticketRetentionMs: integer(env, "MATCHMAKER_TICKET_RETENTION_SECONDS", { fallback: 600, min: 60, max: 86_400 }) * 1000,
    allocationTimeoutMs: integer(env, "MATCHMAKER_ALLOCATION_TIMEOUT_SECONDS", { fallback: SETTING_DEFAULTS.allocationTimeoutSeconds, min: 1, max: 600 }) * 1000,
    maxConcurrentAllocations: integer(env, "MATCHMAKER_MAX_CONCURRENT_ALLOCATIONS", { fallback: SETTING_DEFAULTS.maxConcurrentAllocations, min: 1, max: 100_000 }),
    playerEnqueuesPerMinute: integer(env, "MATCHMAKER_PLAYER_ENQUEUES_PER_MINUTE", { fallback: SETTING_DEFAULTS.playerEnqueuesPerMinute, min: 0, max: 100_000 }),
    shutdownGraceMs: integer(env, "MATCHMAKER_SHUTDOWN_GRACE_SECONDS", { fallback: 20, min: 1, max: 3600 }) * 1000,
    reflection: flag(env, "MATCHMAKER_GRPC_REFLECTION", true),
    queueStatsWindowMs: integer(env, "MATCHMAKER_QUEUE_STATS_WINDOW_SECONDS", { fallback: SETTING_DEFAULTS.queueStatsWindowSeconds, min: 10, max: 86_400 }) * 1000,
    development: argv.includes("--dev") || flag(env, "MATCHMAKER_DEV_MODE", false),
    redisUrl: optionalUrl(env, "MATCHMAKER_REDIS_URL", ["redis:", "rediss:"])?.href,
    leaseTtlMs: integer(env, "MATCHMAKER_LEASE_TTL_SECONDS", { fallback: 5, min: 1, max: 60 }) * 1000,
    redisCommandTimeoutMs: integer(env, "MATCHMAKER_REDIS_COMMAND_TIMEOUT_MS", { fallback: 1000, min: 50, max: 60_000 }),
    corsOrigins: origins(env, "MATCHMAKER_CORS_ORIGINS"),
    watchKeepAliveMs: integer(env, "MATCHMAKER_WATCH_KEEPALIVE_SECONDS", { fallback: SETTING_DEFAULTS.watchKeepAliveSeconds, min: 0, max: 3600 }) * 1000,
    console: flag(env, "MATCHMAKER_CONSOLE", true),
  };
}

/**
 * A comma-separated list of exact origins. A wildcard is refused: these pages send players' bearer
 * tokens, so the operator must name the sites trusted with them.
 */
function origins(env: Environment, name: string): string[] {
  const value = optionalText(env, name);
  if (value === undefined) return [];
  return value.split(",").map((entry) => {
    const origin = entry.trim();
    if (origin === "*") throw new ConfigError(name, `"*" is not allowed: list the exact origins, for example https://play.example.com`);
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new ConfigError(name, `"${origin}" is not an origin: scheme://host[:port] without path or trailing slash, in lower case`);
    }
    return origin;
  });
}
