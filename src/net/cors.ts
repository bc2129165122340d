import type { IncomingHttpHeaders } from "node:http";
import { cors as connectCors } from "@connectrpc/connect";

/**
 * Request headers a browser page may send. The protocol headers are connect-es's own list
 * (`cors.allowedHeaders` exported by `@connectrpc/connect`, the same list the separate
 * `@connectrpc/cors` documentation describes: Content-Type, Connect-Protocol-Version,
 * Connect-Timeout-Ms, Grpc-Timeout, X-Grpc-Web, X-User-Agent and the encoding headers), so it
 * follows the protocol versions this server speaks. Added: the bearer token, and W3C trace context
 * so browser traces join the server's.
 */
export const CORS_ALLOWED_HEADERS: readonly string[] = [...connectCors.allowedHeaders, "Authorization", "Traceparent", "Tracestate"];

/**
 * Response headers a page may read: connect-es's `cors.exposedHeaders` (Grpc-Status, Grpc-Message,
 * Grpc-Status-Details-Bin, which gRPC-Web clients need to see an error, and the encoding headers).
 */
export const CORS_EXPOSED_HEADERS: readonly string[] = [...connectCors.exposedHeaders];

/** Methods of the Connect protocol (POST, and GET for side-effect-free calls) and gRPC-Web (POST). */
export const CORS_ALLOWED_METHODS: readonly string[] = [...connectCors.allowedMethods];

/** How long a browser may reuse a preflight answer; Chrome caps it at two hours. */
export const CORS_MAX_AGE_SECONDS = 7200;

/** The parts of a request CORS looks at; both HTTP/1.1 and HTTP/2 compatibility requests fit. */
export interface CorsRequest {
  readonly method?: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

/** The parts of a response CORS writes. */
export interface CorsResponse {
  setHeader(name: string, value: string): unknown;
  writeHead(status: number, headers?: Record<string, string>): unknown;
  end(): unknown;
  end(body: string): unknown;
}

/**
 * Applies the CORS policy to a request before it is routed. Returns true when the request has been
 * answered (a preflight), false when it should be routed as usual.
 */
export type CorsHandler = (request: CorsRequest, response: CorsResponse) => boolean;

/**
 * Builds the CORS policy for a fixed list of exact origins (`https://play.example.com`).
 *
 * An allowed origin's preflight is answered 204 with the methods and headers the Connect and
 * gRPC-Web protocols need, and its actual responses name it in `Access-Control-Allow-Origin` and
 * expose the gRPC status headers. Any other origin's preflight is refused (403, no CORS headers)
 * and its responses carry no CORS headers, so the browser keeps them from the page. Credentials
 * (cookies) are never allowed: callers authenticate with a bearer token, which a page sends
 * explicitly. Same-origin pages (the web console) need no CORS at all.
 */
export function createCors(allowedOrigins: readonly string[]): CorsHandler {
  const origins = new Set(allowedOrigins);
  const preflightHeaders = {
    "access-control-allow-methods": CORS_ALLOWED_METHODS.join(", "),
    "access-control-allow-headers": CORS_ALLOWED_HEADERS.join(", "),
    "access-control-max-age": String(CORS_MAX_AGE_SECONDS),
    vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
  };
  const exposedHeaders = CORS_EXPOSED_HEADERS.join(", ");
  return (request, response) => {
    const origin = request.headers.origin;
    const isPreflight = request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined;
    const allowed = origin !== undefined && origins.has(origin);
    if (isPreflight) {
      if (allowed) {
        response.writeHead(204, { ...preflightHeaders, "access-control-allow-origin": origin });
        response.end();
      } else {
        response.writeHead(403, { "content-type": "text/plain; charset=utf-8", vary: preflightHeaders.vary });
        response.end("origin not allowed\n");
      }
      return true;
    }
    if (origin !== undefined) response.setHeader("vary", "Origin");
    if (allowed) {
      response.setHeader("access-control-allow-origin", origin);
      response.setHeader("access-control-expose-headers", exposedHeaders);
    }
    return false;
  };
}
