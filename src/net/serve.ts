import http from "node:http";
import http2 from "node:http2";
import type { Logger } from "../application/ports/logger.ts";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { BODY_WAIT_MS, limitBodyWait } from "./body-wait.ts";
import { createCors } from "./cors.ts";
import { withFastConnect } from "./fast-connect.ts";
import { FastGrpc } from "./fast-grpc.ts";
import { withSpecGrpcMessage } from "./grpc-message-encoding.ts";
import { serveRoute, type HttpRoute } from "./http-routes.ts";
import { listen } from "./listen.ts";
import { guardRequests, requestTimeoutMs } from "./request-guard.ts";
import { serveStreamsFirst } from "./streams-first.ts";

/**
 * What {@link serve} needs. One set of routes and interceptors serves both listeners and every
 * path through them (connect-node and the fast paths), so a call is handled the same whichever
 * protocol or port it arrives on.
 */
export interface ServeOptions {
  /** Registers every RPC service; called once per listener. */
  readonly routes: (router: ConnectRouter) => void;
  /** Wrapped around every RPC in this order, the first outermost (as connect orders them). */
  readonly interceptors: readonly Interceptor[];
  /** Interface both listeners bind to. */
  readonly host: string;
  /** Port of the HTTP/2 (h2c) listener: gRPC for backends, plus Connect and gRPC-Web. 0 picks a free one. */
  readonly grpcPort: number;
  /** Port of the HTTP/1.1 listener: Connect and gRPC-Web for browsers, plus `httpRoutes`. */
  readonly httpPort: number;
  /**
   * Extra GET endpoints on the HTTP port, by exact path; a path ending with `/` also takes every
   * path below it that no longer path claims (a static site).
   */
  readonly httpRoutes?: ReadonlyMap<string, HttpRoute>;
  /** Exact origins (`https://play.example.com`) whose pages may call the RPCs; none unless set. */
  readonly corsOrigins?: readonly string[];
  /** Largest request message accepted, in bytes. */
  readonly readMaxBytes: number;
  /** Where failures of the plain HTTP routes are reported. */
  readonly logger: Logger;
  /** When aborted, every handler's signal aborts with its reason (graceful shutdown). */
  readonly shutdownSignal?: AbortSignal;
}

/**
 * Streams one HTTP/2 connection may have open at once (node:http2 allows 2^32 - 1 unless told).
 * Enough for a backend's busiest channel and for a thousand watchers sharing one, while each
 * connection's share of the instance's memory stays bounded; a client over the limit queues its
 * next stream until one ends (Node's and most gRPC clients do), so more needs more connections.
 */
const MAX_STREAMS_PER_CONNECTION = 1_000;
/**
 * Streams one HTTP/2 connection may have open at once on connect-node's paths (gRPC-Web, JSON or
 * compressed gRPC, reflection), each about 40 KiB of its state (against 4 KiB on the fast path):
 * at the connection's full 1,000, eight connections of requests that never finished exhausted a
 * 300 MB heap in five seconds. Further streams there are refused (REFUSED_STREAM: not processed).
 */
const MAX_ADAPTER_STREAMS_PER_CONNECTION = 100;
const adapterStreams = new WeakMap<http2.Http2Session, number>();

/** Counts `stream` against its connection's {@link MAX_ADAPTER_STREAMS_PER_CONNECTION}, or refuses it. */
function admitToAdapter(stream: http2.ServerHttp2Stream): boolean {
  const { session } = stream;
  if (session === undefined) return false;
  const open = adapterStreams.get(session) ?? 0;
  if (open >= MAX_ADAPTER_STREAMS_PER_CONNECTION) {
    stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    return false;
  }
  adapterStreams.set(session, open + 1);
  stream.once("close", () => adapterStreams.set(session, adapterStreams.get(session)! - 1));
  return true;
}

/** How long closing listeners wait for open connections to send their last frames before cutting them. */
const LAST_FRAMES_GRACE_MS = 1_000;
/** How often closing listeners look for HTTP/1.1 connections that have fallen idle. */
const IDLE_SWEEP_MS = 10;

/** The running listeners. */
export interface Servers {
  readonly grpcPort: number;
  readonly httpPort: number;
  /** Stops accepting connections and ends open ones. */
  close(): Promise<void>;
}

/**
 * Serves the same handlers on two listeners: cleartext HTTP/2 for gRPC (which needs HTTP/2
 * trailers) and HTTP/1.1 for browsers, which cannot speak cleartext HTTP/2.
 */
export async function serve(options: ServeOptions): Promise<Servers> {
  const adapter = connectNodeAdapter({
    routes: options.routes,
    interceptors: [...options.interceptors],
    readMaxBytes: options.readMaxBytes,
    ...(options.shutdownSignal !== undefined && { shutdownSignal: options.shutdownSignal }),
  });
  const cors = createCors(options.corsOrigins ?? []);
  const fastGrpc = new FastGrpc(options);
  const grpcHandler = guardRequests(withSpecGrpcMessage(adapter), options.logger);
  const grpc = http2.createServer({ settings: { maxConcurrentStreams: MAX_STREAMS_PER_CONNECTION } }, (request, response) => {
    if (!admitToAdapter(request.stream)) return;
    limitBodyWait(request, requestTimeoutMs(request.headers));
    if (!cors(request, response)) grpcHandler(request, response);
  });
  // Plain gRPC unary and server-streaming calls are served from the raw stream; a request with an
  // Origin (a browser's, which never speaks plain gRPC) takes the request handler, where the CORS
  // policy applies.
  serveStreamsFirst(grpc, (stream, headers) => headers.origin === undefined && fastGrpc.serveStream(stream, headers));
  const sessions = new Set<http2.ServerHttp2Session>();
  grpc.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const connectHandler = withFastConnect(options, guardRequests(adapter, options.logger));
  const httpRoutes = options.httpRoutes ?? new Map<string, HttpRoute>();
  // Node looks for requests past their timeout every connectionsCheckingInterval (30 s unless set).
  const web = http.createServer({ requestTimeout: BODY_WAIT_MS, headersTimeout: BODY_WAIT_MS, connectionsCheckingInterval: 1_000 }, (request, response) => {
    if (!cors(request, response) && !serveRoute(httpRoutes, request, response, options.logger)) connectHandler(request, response);
  });
  const grpcPort = await listen(grpc, options.grpcPort, options.host);
  const httpPort = await listen(web, options.httpPort, options.host);
  return {
    grpcPort,
    httpPort,
    async close() {
      const closed = Promise.all([
        new Promise<void>((resolve) => grpc.close(() => resolve())),
        new Promise<void>((resolve) => web.close(() => resolve())),
      ]);
      // Gracefully first: a stream that has just ended still sends its last frames, such as a
      // WatchTicket's UNAVAILABLE "reconnect to another instance", which destroying its connection
      // at once would cut off. HTTP/2 sessions get a GOAWAY and close once their streams are done;
      // HTTP/1.1 connections are closed as they fall idle (Node closes only those idle when the
      // server closes, not those that finish a response later). What a client leaves unread is cut
      // after a grace period.
      for (const session of sessions) session.close();
      web.closeIdleConnections();
      const idleSweep = setInterval(() => web.closeIdleConnections(), IDLE_SWEEP_MS);
      const cutOff = setTimeout(() => {
        for (const session of sessions) session.destroy();
        web.closeAllConnections();
      }, LAST_FRAMES_GRACE_MS);
      await closed;
      clearInterval(idleSweep);
      clearTimeout(cutOff);
    },
  };
}
