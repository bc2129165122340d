import type http from "node:http";
import type http2 from "node:http2";
import type { Logger } from "../application/ports/logger.ts";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

/**
 * Wraps a request handler that may throw synchronously, in Node's request event, where a throw ends
 * the process: connect-node's adapter does so for a request whose authority and path make no URL
 * (`Host: [::1`, `:authority: localhost:abc`), which any client can send without a token. Such a
 * request is answered 400 instead, before the handler sees it; anything else the handler throws
 * before answering gets 500 and is logged.
 *
 * Only in front of the adapter: the fast paths build no URL from the authority (fast-connect
 * checks the Host header on its own path), and run inside their own error handling.
 */
export function guardRequests<Req extends Request, Res extends Response>(handler: (request: Req, response: Res) => void, logger: Logger): (request: Req, response: Res) => void {
  return (request, response) => {
    const authority = "authority" in request ? request.authority : request.headers.host;
    if (authority === undefined || !URL.canParse(request.url ?? "", `http://${authority}`)) {
      refuse(response, 400, "invalid or missing host (:authority) or path");
      return;
    }
    try {
      handler(request, response);
    } catch (error) {
      logger.error({ err: error, path: request.url }, "request handler threw");
      refuse(response, 500, "internal error");
    }
  };
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
