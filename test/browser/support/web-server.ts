import type { RunningMatchmaker } from "../../../src/app.ts";
import { systemClock } from "../../../src/application/ports/clock.ts";
import type { TokenRole } from "../../../src/clients/auth/mint-token.ts";
import { DEV_TOKEN_PATH, devTokenRoute } from "../../../src/net/dev-token-route.ts";
import type { HttpRoute } from "../../../src/net/http-routes.ts";
import { staticFilesRoutes } from "../../../src/net/static-files.ts";
import { ManualClock } from "../../support/manual-clock.ts";
import { startServerHarness, TEST_AUTH } from "../../support/server-harness.ts";
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
 * Starts the matchmaker the way `main.ts` assembles it for browsers (the shared server harness):
 * bearer tokens checked by the production verifier, CORS, keep-alives, and optionally the console
 * and the development token endpoint. Matching runs only when the test calls `app.runPass()`; the
 * clock starts at the real time so the console shows sensible waits.
 */
export async function startWebServer(options: WebServerOptions = {}): Promise<WebServer> {
  const fleet = new ScriptedFleet();
  const harness = await startServerHarness({
    fleet,
    clockStart: Date.now(),
    corsOrigins: options.corsOrigins ?? [],
    watchKeepAliveMs: options.watchKeepAliveMs ?? 15_000,
    httpRoutes: (secret) => {
      const routes = new Map<string, HttpRoute>();
      if (options.devTokens === true) {
        routes.set(DEV_TOKEN_PATH, devTokenRoute({ secret, issuer: TEST_AUTH.issuer, audience: undefined, ttlSeconds: 900, clock: systemClock }));
      }
      if (options.consoleDir !== undefined) {
        for (const [path, route] of staticFilesRoutes("/console/", options.consoleDir)) routes.set(path, route);
      }
      return routes;
    },
  });
  return {
    app: harness.app,
    clock: harness.clock,
    fleet,
    httpUrl: harness.httpUrl,
    token: (role, subject) => harness.token(role, subject),
    close: () => harness.close(),
  };
}
