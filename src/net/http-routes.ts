import type http from "node:http";
import type { Logger } from "../application/ports/logger.ts";

/** A plain HTTP endpoint served beside the RPCs (health, metrics, keys, the console). */
export type HttpRoute = (request: http.IncomingMessage, response: http.ServerResponse) => void;

/**
 * Answers a GET whose path has a route, and reports whether it did, so the caller can hand
 * everything else to the RPC adapter (or answer 404). A path ending with `/` also takes every path
 * below it that no longer path claims (a static site). A route that throws gets a 500 and a log
 * line instead of taking the process down.
 */
export function serveRoute(
  routes: ReadonlyMap<string, HttpRoute>,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  logger: Logger,
): boolean {
  // A request target that is not a valid URL path (`//[`) must not reach `new URL` unguarded.
  const path = request.method === "GET" ? URL.parse(request.url ?? "/", "http://host")?.pathname : undefined;
  const route = path === undefined ? undefined : findRoute(routes, path);
  if (route === undefined) return false;
  try {
    route(request, response);
  } catch (error) {
    logger.error({ err: error, path }, "HTTP route failed");
    if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
    response.end("internal error");
  }
  return true;
}

/** The route of the exact path, else of the longest `/`-ended path it lies below. */
function findRoute(routes: ReadonlyMap<string, HttpRoute>, pathname: string): HttpRoute | undefined {
  const exact = routes.get(pathname);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  for (const path of routes.keys()) {
    if (path.endsWith("/") && pathname.startsWith(path) && (best === undefined || path.length > best.length)) best = path;
  }
  return best === undefined ? undefined : routes.get(best);
}
