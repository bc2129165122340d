import { ConfigError } from "./config-error.ts";

/** The process-level settings, all from environment variables (see the README's table). */
export interface ServerSettings {
  readonly host: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly queuesFile: string;
  readonly logLevel: string;
  readonly ticketRetentionMs: number;
  readonly allocationTimeoutMs: number;
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
  /** Exact origins whose pages may call the RPCs from a browser (CORS); none by default. */
  readonly corsOrigins: readonly string[];
  /** Idle time before a WatchTicket stream gets a keep-alive message; 0 sends none. */
  readonly watchKeepAliveMs: number;
  /** Whether the HTTP port serves the web console at `/console/` (when it has been built). */
  readonly console: boolean;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** Reads and checks the settings; an invalid value throws ConfigError naming the variable. */
export function loadServerSettings(env: NodeJS.ProcessEnv, argv: readonly string[] = []): ServerSettings {
  return {
    host: text(env, "MATCHMAKER_HOST", "0.0.0.0"),
    grpcPort: integer(env, "MATCHMAKER_GRPC_PORT", 50051, 0, 65535),
    httpPort: integer(env, "MATCHMAKER_HTTP_PORT", 8080, 0, 65535),
    queuesFile: text(env, "MATCHMAKER_QUEUES_FILE", "config/queues.json"),
    logLevel: oneOf(env, "MATCHMAKER_LOG_LEVEL", "info", LOG_LEVELS),
    ticketRetentionMs: integer(env, "MATCHMAKER_TICKET_RETENTION_SECONDS", 600, 1, 86_400) * 1000,
    allocationTimeoutMs: integer(env, "MATCHMAKER_ALLOCATION_TIMEOUT_SECONDS", 30, 1, 600) * 1000,
    shutdownGraceMs: integer(env, "MATCHMAKER_SHUTDOWN_GRACE_SECONDS", 20, 1, 3600) * 1000,
    reflection: flag(env, "MATCHMAKER_GRPC_REFLECTION", true),
    queueStatsWindowMs: integer(env, "MATCHMAKER_QUEUE_STATS_WINDOW_SECONDS", 300, 10, 86_400) * 1000,
    development: argv.includes("--dev") || flag(env, "MATCHMAKER_DEV_MODE", false),
    redisUrl: redisUrl(env, "MATCHMAKER_REDIS_URL"),
    leaseTtlMs: integer(env, "MATCHMAKER_LEASE_TTL_SECONDS", 5, 1, 60) * 1000,
    corsOrigins: origins(env, "MATCHMAKER_CORS_ORIGINS"),
    watchKeepAliveMs: integer(env, "MATCHMAKER_WATCH_KEEPALIVE_SECONDS", 15, 0, 3600) * 1000,
    console: flag(env, "MATCHMAKER_CONSOLE", true),
  };
}

function raw(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function text(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number, got "${value}"`);
  const parsed = Number(value);
  if (parsed < min || parsed > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${parsed}`);
  return parsed;
}

function redisUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  if (!/^rediss?:\/\/[^\s]+$/.test(value)) throw new ConfigError(name, "must be a redis:// or rediss:// URL");
  return value;
}

function oneOf(env: NodeJS.ProcessEnv, name: string, fallback: string, allowed: readonly string[]): string {
  const value = raw(env, name) ?? fallback;
  if (!allowed.includes(value)) throw new ConfigError(name, `must be one of ${allowed.join(", ")}, got "${value}"`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  return oneOf(env, name, String(fallback), ["true", "false"]) === "true";
}

/**
 * A comma-separated list of exact origins. A wildcard is refused: these pages send players' bearer
 * tokens, so the operator must name the sites trusted with them.
 */
function origins(env: NodeJS.ProcessEnv, name: string): string[] {
  const value = raw(env, name);
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
