/**
 * The matchmaker's entry point: reads the environment and the configuration file, wires the
 * adapters into the application, serves, and shuts down cleanly on SIGTERM/SIGINT.
 *
 *   node src/main.ts --dev   development mode (what `npm start` runs)
 *   node src/main.ts         production: token keys and fleets must be configured
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { startMatchmaker } from "./app.ts";
import { systemClock } from "./application/ports/clock.ts";
import { createRedeemMatchTicket } from "./application/redeem-match-ticket.ts";
import { loadAuthConfig } from "./clients/auth/auth-config.ts";
import { createTokenVerifier } from "./clients/auth/token-verifier.ts";
import { createFleetRouter } from "./clients/fleet/create-fleet-router.ts";
import { parseFleetRoutingConfig } from "./clients/fleet/fleet-config.ts";
import { JwtMatchTicketIssuer } from "./clients/match-tickets/jwt-match-ticket-issuer.ts";
import { JwtMatchTicketVerifier } from "./clients/match-tickets/jwt-match-ticket-verifier.ts";
import { readMatchTicketConfig } from "./clients/match-tickets/match-ticket-config.ts";
import { loadMatchTicketSigningKey, matchTicketJwks } from "./clients/match-tickets/match-ticket-signing-key.ts";
import { ConfigError } from "./config/config-error.ts";
import { keyPath } from "./config/config-reader.ts";
import { parseQueueConfig, readConfigDocument } from "./config/queue-config-file.ts";
import { loadServerSettings } from "./config/server-settings.ts";
import { startDevelopmentFleet } from "./development-fleet.ts";
import { DEV_TOKEN_PATH, devTokenRoute } from "./net/dev-token-route.ts";
import { staticJsonRoute } from "./net/json-route.ts";
import { createMatchTicketServiceImpl, registerMatchTicketService } from "./net/match-ticket-service.ts";
import type { HttpRoute } from "./net/http-routes.ts";
import { staticFilesRoutes } from "./net/static-files.ts";
import { tokenAuthentication } from "./token-authentication.ts";
import { configurationSummary } from "./observability/configuration-summary.ts";
import { createLogger } from "./observability/logger.ts";
import { createRedisStorage, RedisClusterNotSupportedError } from "./storage/redis/redis-storage.ts";
import { createInMemoryStorage } from "./storage/storage.ts";
import { errorMessage } from "./shared/error-message.ts";

/** Where game servers fetch the public keys that verify match tickets offline. */
const MATCH_TICKET_KEYS_PATH = "/.well-known/match-ticket-keys.json";

/** Where the web console is served, and where `npm run build:web` puts it. */
const CONSOLE_PATH = "/console/";
const CONSOLE_DIR = fileURLToPath(new URL("../web/dist/", import.meta.url));
/** Lifetime of the development console's tokens: a session of manual testing. */
const DEV_TOKEN_TTL_SECONDS = 900;

async function main(): Promise<void> {
  const settings = loadServerSettings(process.env, process.argv.slice(2));
  const { logger, close: closeLogs } = createLogger(settings.logLevel);
  const document = readConfigDocument(settings.queuesFile);
  const queues = parseQueueConfig(document, settings.queuesFile);
  const hasFleets = typeof document === "object" && document !== null && "fleets" in document;
  if (!hasFleets && !settings.development) {
    throw new ConfigError(keyPath(settings.queuesFile, "fleets"), "no game-server fleet is configured (development mode starts a local one)");
  }

  const authConfig = loadAuthConfig(process.env, { development: settings.development });
  if (authConfig.developmentSecretFile !== undefined) warnDevelopmentMode(logger, authConfig.developmentSecretFile);
  else if (authConfig.audience === undefined) {
    logger.warn("MATCHMAKER_AUTH_AUDIENCE is not set: tokens your identity provider issued for any other service are accepted too");
  }
  const auth = tokenAuthentication(createTokenVerifier(authConfig));

  const ticketConfig = readMatchTicketConfig(process.env);
  const { key, origin } = await loadMatchTicketSigningKey(ticketConfig);
  if (origin === "generated") {
    logger.warn("MATCHMAKER_MATCH_TICKET_KEY_FILE is not set: match tickets are signed with a key generated for this process only");
  }
  const jwks = matchTicketJwks([key]);

  const instanceId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const storage =
    settings.redisUrl === undefined
      ? createInMemoryStorage({ clock: systemClock, retentionMs: settings.ticketRetentionMs })
      : await createRedisStorage({
          url: settings.redisUrl,
          clock: systemClock,
          retentionMs: settings.ticketRetentionMs,
          instanceId,
          leaseTtlMs: settings.leaseTtlMs,
          commandTimeoutMs: settings.redisCommandTimeoutMs,
          logger,
        });
  const developmentFleet = hasFleets ? undefined : await startDevelopmentFleet(queues, logger);
  const routing = parseFleetRoutingConfig(
    developmentFleet === undefined
      ? document
      : { fleets: { development: { type: "registry", url: `http://127.0.0.1:${developmentFleet.port}` } } },
    settings.queuesFile,
  );
  const allocator = createFleetRouter(routing, { logger, configKey: settings.queuesFile });

  const redeem = createRedeemMatchTicket({
    verifier: new JwtMatchTicketVerifier({ jwks, issuer: ticketConfig.issuer, clock: systemClock }),
    ledger: storage.redemptions,
  });
  const matchTicketService = createMatchTicketServiceImpl({ redeem, authenticateGameServer: auth.gameServer, logger });
  logger.info(
    { configuration: configurationSummary({ env: process.env, settings, auth: authConfig, matchTickets: ticketConfig, queues, routing }) },
    "configuration",
  );
  const httpRoutes = new Map<string, HttpRoute>([[MATCH_TICKET_KEYS_PATH, staticJsonRoute(jwks, "application/jwk-set+json")]]);
  // Only on the server's own development secret: never mint tokens an operator's keys would accept.
  const devSecret = authConfig.developmentSecretFile === undefined ? undefined : authConfig.keys.sharedSecret;
  if (devSecret !== undefined) {
    const { issuer, audience } = authConfig;
    httpRoutes.set(DEV_TOKEN_PATH, devTokenRoute({ secret: devSecret, issuer, audience, ttlSeconds: DEV_TOKEN_TTL_SECONDS, clock: systemClock }));
  }
  const consoleBuilt = settings.console && existsSync(join(CONSOLE_DIR, "index.html"));
  if (consoleBuilt) for (const [path, route] of staticFilesRoutes(CONSOLE_PATH, CONSOLE_DIR)) httpRoutes.set(path, route);
  else if (settings.console) logger.info("the web console is not built (npm run build:web), so /console/ is not served");
  const running = await startMatchmaker({
    queues,
    storage,
    allocator,
    issuer: new JwtMatchTicketIssuer({ key, issuer: ticketConfig.issuer, ttlSeconds: ticketConfig.ttlSeconds, clock: systemClock }),
    authenticate: auth.caller,
    logger,
    allocationTimeoutMs: settings.allocationTimeoutMs,
    maxConcurrentAllocations: settings.maxConcurrentAllocations,
    playerEnqueuesPerMinute: settings.playerEnqueuesPerMinute,
    queueStatsWindowMs: settings.queueStatsWindowMs,
    reflection: settings.reflection,
    host: settings.host,
    grpcPort: settings.grpcPort,
    httpPort: settings.httpPort,
    ...(settings.adminPort !== undefined && { adminPort: settings.adminPort, adminHost: settings.adminHost }),
    extraRoutes: (router) => registerMatchTicketService(router, matchTicketService),
    httpRoutes,
    corsOrigins: settings.corsOrigins,
    watchKeepAliveMs: settings.watchKeepAliveMs,
    scheduleMatching: true,
  });
  logger.info(
    {
      grpcPort: running.servers.grpcPort,
      httpPort: running.servers.httpPort,
      adminPort: running.adminPort ?? "off",
      queues: queues.map((queue) => queue.name),
      instanceId,
      storage: settings.redisUrl === undefined ? "memory" : "redis",
      fleets: Object.keys(routing.fleets),
      development: settings.development,
      console: consoleBuilt ? `http://${settings.host}:${running.servers.httpPort}${CONSOLE_PATH}` : "off",
    },
    "matchmaker started",
  );

  let exiting = false;
  /**
   * Exits with `code` once the logged lines are out (see `ProcessLogger.close`), or after
   * {@link EXIT_LOG_WAIT_MS} if stdout will not take them; once only, whatever asks next.
   */
  const exitAfterLogs = (code: number): void => {
    if (exiting) return;
    exiting = true;
    const exit = (): void => process.exit(code);
    closeLogs(exit);
    setTimeout(exit, EXIT_LOG_WAIT_MS);
  };
  /** Exits with code 1, saying why, unless the process is already on its way out. */
  const abandon = (fields: object, message: string): void => {
    if (exiting) return;
    logger.error(fields, message);
    exitAfterLogs(1);
  };
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    stopping = true;
    logger.info({ signal, graceMs: settings.shutdownGraceMs }, "shutting down");
    // Past the grace period the orchestrator is about to kill the process anyway: say so and go.
    const deadline = setTimeout(
      () => abandon({ graceMs: settings.shutdownGraceMs }, "shutdown grace period over; exiting with work unfinished"),
      settings.shutdownGraceMs,
    );
    await running.close();
    allocator.close();
    await developmentFleet?.close();
    await storage.close();
    clearTimeout(deadline);
    if (exiting) return;
    logger.info("stopped");
    exitAfterLogs(0);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) abandon({ signal }, "second signal: exiting without finishing the drain");
    else stop(signal).catch((error: unknown) => abandon({ err: error }, "shutdown failed"));
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/** How long an exit waits for stdout to take the last log lines: it may be a pipe nobody reads any more. */
const EXIT_LOG_WAIT_MS = 500;

function warnDevelopmentMode(logger: Logger, secretFile: string): void {
  logger.warn(
    { devSecretFile: secretFile },
    "DEVELOPMENT MODE: tokens are signed with a local development secret and game servers are simulated. " +
      "Never expose this instance. Mint a token with `npm run -s token -- player alice`.",
  );
}

/**
 * The setting to change when a listener cannot start: Node's error names the port or the host,
 * which the operator may not know came from a default.
 */
function settingToBlame(error: unknown): string {
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  if (error instanceof RedisClusterNotSupportedError) return " (MATCHMAKER_REDIS_URL)";
  if (code === "EADDRINUSE") return " (another process holds the port: choose others with MATCHMAKER_GRPC_PORT, MATCHMAKER_HTTP_PORT or MATCHMAKER_ADMIN_PORT)";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EADDRNOTAVAIL") return " (MATCHMAKER_HOST and MATCHMAKER_ADMIN_HOST must be addresses of this machine, or names for them)";
  return "";
}

main().catch((error: unknown) => {
  process.stderr.write(`matchmaker failed to start: ${errorMessage(error)}${settingToBlame(error)}\n`);
  process.exit(1);
});
