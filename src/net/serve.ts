import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { withFastGrpc } from "./fast-grpc.ts";
import { withSpecGrpcMessage } from "./grpc-message-encoding.ts";

/** A plain HTTP endpoint served beside the RPCs on the HTTP port (health, metrics, keys). */
export type HttpRoute = (request: http.IncomingMessage, response: http.ServerResponse) => void;

export interface ServeOptions {
  /** Registers every RPC service; called once per listener. */
  readonly routes: (router: ConnectRouter) => void;
  readonly interceptors: readonly Interceptor[];
  readonly host: string;
  /** Port of the HTTP/2 (h2c) listener: gRPC for backends, plus Connect and gRPC-Web. 0 picks a free one. */
  readonly grpcPort: number;
  /** Port of the HTTP/1.1 listener: Connect and gRPC-Web for browsers, plus `httpRoutes`. */
  readonly httpPort: number;
  /** Extra GET endpoints by path on the HTTP port. */
  readonly httpRoutes?: ReadonlyMap<string, HttpRoute>;
  /** Largest request message accepted, in bytes. */
  readonly readMaxBytes: number;
}

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
  });
  const grpc = http2.createServer(withFastGrpc(options, withSpecGrpcMessage(adapter)));
  const sessions = new Set<http2.ServerHttp2Session>();
  grpc.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const httpRoutes = options.httpRoutes ?? new Map<string, HttpRoute>();
  const web = http.createServer((request, response) => {
    const route = request.method === "GET" ? httpRoutes.get(new URL(request.url ?? "/", "http://host").pathname) : undefined;
    if (route !== undefined) route(request, response);
    else adapter(request, response);
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
      for (const session of sessions) session.destroy();
      web.closeAllConnections();
      await closed;
    },
  };
}

async function listen(server: http.Server | http2.Http2Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
