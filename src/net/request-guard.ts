import type http from "node:http";
import type http2 from "node:http2";
import { parseTimeout as parseConnectTimeout } from "@connectrpc/connect/protocol-connect";
import { parseTimeout as parseGrpcTimeout } from "@connectrpc/connect/protocol-grpc";
import type { Logger } from "../application/ports/logger.ts";
import { LONGEST_TIMER_MS } from "../shared/longest-timer.ts";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

/** The protocols' timeout headers (gRPC-Web uses gRPC's), with the parser connect reads each with. */
const TIMEOUT_HEADERS = [
  ["grpc-timeout", parseGrpcTimeout],
  ["connect-timeout-ms", parseConnectTimeout],
] as const;

/**
 * Puts in front of connect-node's adapter what it gets wrong about requests any client can send,
 * without a token:
 *
 * - A request whose authority and path make no URL (`Host: [::1`, `:authority: localhost:abc`)
 *   made it throw synchronously, in Node's request event, which ends the process. Such a request is
 *   answered 400 before the adapter sees it; anything else it throws before answering gets 500 and
 *   is logged.
 * - A timeout past {@link LONGEST_TIMER_MS} (legal: gRPC's header takes up to 99,999,999 hours)
 *   armed a timer Node fires at once, ending the call with DEADLINE_EXCEEDED as it started. Its
 *   header is dropped: a deadline that far away is none, as on the fast paths (`createCallContext`).
 *
 * Only in front of the adapter: the fast paths build no URL from the authority (fast-connect
 * checks the Host header on its own path) and run inside their own error handling.
 */
export function guardRequests<Req extends Request, Res extends Response>(handler: (request: Req, response: Res) => void, logger: Logger): (request: Req, response: Res) => void {
  return (request, response) => {
    const authority = "authority" in request ? request.authority : request.headers.host;
    if (authority === undefined || !URL.canParse(request.url ?? "", `http://${authority}`)) {
      refuse(response, 400, "invalid or missing host (:authority) or path");
      return;
    }
    dropUnreachableDeadline(request.headers);
    try {
      handler(request, response);
    } catch (error) {
      logger.error({ err: error, path: request.url }, "request handler threw");
      refuse(response, 500, "internal error");
    }
  };
}

/** The deadline a request's timeout header sets, in milliseconds from now (gRPC's, gRPC-Web's or Connect's); undefined for none. */
export function requestTimeoutMs(headers: http.IncomingHttpHeaders): number | undefined {
  for (const [name, parse] of TIMEOUT_HEADERS) {
    const value = headers[name];
    if (typeof value === "string") return parse(value, Number.MAX_SAFE_INTEGER).timeoutMs;
  }
  return undefined;
}

function dropUnreachableDeadline(headers: http.IncomingHttpHeaders): void {
  for (const [name, parse] of TIMEOUT_HEADERS) {
    const value = headers[name];
    if (typeof value !== "string") continue;
    const { timeoutMs } = parse(value, Number.MAX_SAFE_INTEGER);
    if (timeoutMs !== undefined && timeoutMs > LONGEST_TIMER_MS) delete headers[name];
  }
}

function refuse(response: Response, status: number, message: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  try {
    response.statusCode = status;
    response.setHeader("content-type", "text/plain; charset=utf-8");
    response.end(message);
  } catch {
    // The stream is gone (reset by the client): nothing left to answer.
    response.destroy();
  }
}
