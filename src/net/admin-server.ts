import http from "node:http";
import type { Logger } from "../application/ports/logger.ts";
import { serveRoute, type HttpRoute } from "./http-routes.ts";
import { listen } from "./listen.ts";

/** The operator-only listener. */
export interface AdminServer {
  readonly port: number;
  /** Stops accepting connections and ends open ones. */
  close(): Promise<void>;
}

/** Options of {@link serveAdmin}. */
export interface AdminServerOptions {
  readonly host: string;
  /** 0 picks a free one. */
  readonly port: number;
  readonly routes: ReadonlyMap<string, HttpRoute>;
  readonly logger: Logger;
}

/**
 * Serves operator endpoints (metrics, probes) on a port of their own, so that a deployment can keep
 * them off the public ingress by port, without path rules on the port browsers reach. Anything but
 * a GET of a route is 404: there is no RPC here.
 */
export async function serveAdmin(options: AdminServerOptions): Promise<AdminServer> {
  const server = http.createServer((request, response) => {
    if (serveRoute(options.routes, request, response, options.logger)) return;
    response.writeHead(404, { "content-type": "text/plain" });
    response.end("not found");
  });
  const port = await listen(server, options.port, options.host);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
