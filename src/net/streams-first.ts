import type http2 from "node:http2";

/** Serves a raw stream and says so, or returns false to leave it to the compatibility API. */
export type StreamTaker = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean;

/**
 * Offers every new stream of `server` to `take` before the HTTP/2 compatibility API wraps it in a
 * request and a response for the server's request handler; streams `take` declines reach that
 * handler exactly as before (including node's own CONNECT and `Expect` handling).
 *
 * node:http2 has no hook between the two: a server created with a request handler listens to its
 * own `stream` event with the compatibility layer's listener. That listener is taken off and
 * called for the declined streams only, so `server` must have been created with its request
 * handler, and this called once, before it serves anything.
 */
export function serveStreamsFirst(server: http2.Http2Server, take: StreamTaker): void {
  const listeners = server.listeners("stream");
  const compatibility = listeners[0];
  if (listeners.length !== 1 || compatibility === undefined) {
    throw new Error(`expected the compatibility API's one "stream" listener, found ${listeners.length}`);
  }
  server.removeListener("stream", compatibility as (...args: unknown[]) => void);
  server.on("stream", (stream, headers, flags, rawHeaders) => {
    if (!take(stream, headers)) Reflect.apply(compatibility, server, [stream, headers, flags, rawHeaders]);
  });
}
