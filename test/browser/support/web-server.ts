import { randomBytes } from "node:crypto";
import pino from "pino";
import { startMatchmaker, type RunningMatchmaker } from "../../../src/app.ts";
import { systemClock } from "../../../src/application/ports/clock.ts";
import { loadAuthConfig } from "../../../src/clients/auth/auth-config.ts";
import { mintToken, type TokenRole } from "../../../src/clients/auth/mint-token.ts";
import { createTokenVerifier } from "../../../src/clients/auth/token-verifier.ts";
import { JwtMatchTicketIssuer } from "../../../src/clients/match-tickets/jwt-match-ticket-issuer.ts";
import { loadMatchTicketSigningKey } from "../../../src/clients/match-tickets/match-ticket-signing-key.ts";
import { loadQueueConfigFile } from "../../../src/config/queue-config-file.ts";
import { DEV_TOKEN_PATH, devTokenRoute } from "../../../src/net/dev-token-route.ts";
import type { HttpRoute } from "../../../src/net/serve.ts";
import { staticFilesRoutes } from "../../../src/net/static-files.ts";
import { tokenAuthentication } from "../../../src/token-authentication.ts";
import { createInMemoryStorage } from "../../../src/storage/storage.ts";
import { sequentialIds } from "../../support/application-harness.ts";
import { ManualClock } from "../../support/manual-clock.ts";
import { ScriptedFleet } from "../../support/test-fleet.ts";

/** Where `npm run build:web` puts the console. */
export const CONSOLE_DIR = "web/dist";

export interface WebServerOptions {
  readonly corsOrigins?: readonly string[];
  readonly watchKeepAliveMs?: number;
  /** Serve `/dev/token` as development mode does; off as in production. */
  readonly devTokens?: boolean;
  /** Serve the built console at `/console/` from this folder. */
  readonly consoleDir?: string;
}

/** A matchmaker on real sockets with real token verification, as a browser reaches it. */
export interface WebServer {
  readonly app: RunningMatchmaker;
  readonly clock: ManualClock;
  readonly fleet: ScriptedFleet;
  /** `http://127.0.0.1:<http port>`, the browser-facing listener. */
  readonly httpUrl: string;
  /** A token the server accepts, signed with its secret. */
  token(role: TokenRole, subject: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts the matchmaker the way `main.ts` assembles it for browsers: bearer tokens checked by the
 * production verifier against a fresh HS256 secret, CORS, keep-alives, and optionally the console
 * and the development token endpoint. Matching runs only when the test calls `app.runPass()`; the
 * matchmaker's clock starts at the real time so the console shows sensible waits.
 */
export async function startWebServer(options: WebServerOptions = {}): Promise<WebServer> {
  const secretText = randomBytes(32).toString("base64url");
  const authConfig = loadAuthConfig({ MATCHMAKER_AUTH_HS256_SECRET: secretText }, { development: false });
  const secret = authConfig.keys.sharedSecret!;
  const auth = tokenAuthentication(createTokenVerifier(authConfig));
  const clock = new ManualClock(Date.now());
  const fleet = new ScriptedFleet();
  const { key } = await loadMatchTicketSigningKey({ keyFile: undefined });
  const httpRoutes = new Map<string, HttpRoute>();
  if (options.devTokens === true) {
    httpRoutes.set(DEV_TOKEN_PATH, devTokenRoute({ secret, issuer: undefined, audience: undefined, ttlSeconds: 900, clock: systemClock }));
  }
  if (options.consoleDir !== undefined) {
    for (const [path, route] of staticFilesRoutes("/console/", options.consoleDir)) httpRoutes.set(path, route);
  }
  const app = await startMatchmaker({
    queues: loadQueueConfigFile("config/queues.json"),
    storage: createInMemoryStorage({ clock, retentionMs: 600_000 }),
    allocator: fleet,
    issuer: new JwtMatchTicketIssuer({ key, issuer: "matchmaker", ttlSeconds: 30, clock }),
    authenticate: auth.caller,
    logger: pino({ level: "silent" }),
    clock,
    ids: sequentialIds(),
    host: "127.0.0.1",
    grpcPort: 0,
    httpPort: 0,
    httpRoutes,
    corsOrigins: options.corsOrigins ?? [],
    watchKeepAliveMs: options.watchKeepAliveMs ?? 15_000,
    scheduleMatching: false,
  });
  return {
    app,
    clock,
    fleet,
    httpUrl: `http://127.0.0.1:${app.servers.httpPort}`,
    token: (role, subject) => mintToken({ role, subject, secret, ttlSeconds: 600 }),
    close: () => app.close(),
  };
}
