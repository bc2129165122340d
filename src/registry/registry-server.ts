import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { guardRequests } from "../net/request-guard.ts";
import { pino, type Logger } from "pino";
import { type Clock, systemClock } from "../application/ports/clock.ts";
import { GameServerRegistryService } from "../gen/gameserver/v1/registry_pb.js";
import { type AllocationStrategy, GameServerPool } from "./game-server-pool.ts";
import { createRegistryService } from "./registry-service.ts";
import { FastGrpc } from "../net/fast-grpc.ts";
import { serveStreamsFirst } from "../net/streams-first.ts";
import { withSpecGrpcMessage } from "../net/grpc-message-encoding.ts";

/**
 * Largest request accepted, in bytes: a registry call is a few hundred. A larger one (megabytes of
 * labels) is refused with RESOURCE_EXHAUSTED.
 */
const READ_MAX_BYTES = 1024 * 1024;

/** PEM contents for serving the registry over TLS. */
export interface RegistryServerTls {
  readonly cert: string;
  readonly key: string;
  /** When set, clients must present a certificate signed by this CA (mutual TLS). */
  readonly clientCa?: string;
}

/** Options of {@link startRegistryServer}. */
export interface RegistryServerOptions {
  /** 0 picks a free port. Defaults to 50061. */
  readonly port?: number;
  /** Defaults to 127.0.0.1, so that an in-process registry is not reachable from outside. */
  readonly host?: string;
  readonly strategy?: AllocationStrategy;
  /** Defaults to 15 s. */
  readonly heartbeatTtlMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Cleartext HTTP/2 (h2c) when absent. */
  readonly tls?: RegistryServerTls;
}

/** A listening registry. */
export interface RunningRegistry {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** The registry's state, for registering development servers in-process. */
  readonly pool: GameServerPool;
  /** Stops accepting connections and closes the open ones once their calls finish; idempotent. */
  close(): Promise<void>;
}

/** Port of the registry when none is set; differs from the matchmaker's 50051 so both run on one host with their defaults. */
export const defaultRegistryPort = 50061;
/**
 * How long a server may stay silent before it is dropped. Servers are told to beat every third of
 * it, so one or two lost heartbeats do not take a healthy server out of rotation, while a dead one
 * stops receiving matches within seconds.
 */
export const defaultHeartbeatTtlMs = 15_000;

/**
 * Starts the reference game-server registry: `gameserver.v1.GameServerRegistryService` over gRPC (and
 * Connect) on one HTTP/2 port.
 *
 * Exposed as a function so that the matchmaker can run one in-process for local development and
 * tests can run it on port 0, besides the `npm run registry` command.
 */
export async function startRegistryServer(options: RegistryServerOptions = {}): Promise<RunningRegistry> {
  const logger = options.logger ?? pino({ level: "silent" });
  const pool = new GameServerPool({
    clock: options.clock ?? systemClock,
    strategy: options.strategy ?? "packed",
    heartbeatTtlMs: options.heartbeatTtlMs ?? defaultHeartbeatTtlMs,
    onExpired: (serverId, lostMatchIds) =>
      logger.warn({ serverId, lostMatchIds }, "game server dropped: no heartbeat within the TTL"),
  });
  const routes = (router: ConnectRouter): void => void router.service(GameServerRegistryService, createRegistryService(pool, logger));
  // As the matchmaker's server: grpc-message as the gRPC spec encodes it on both paths, so a client
  // reads the same text whether or not its request took the fast path (a compressed one does not).
  // Guarded: a request whose authority makes no URL would make connect-node throw and end the process.
  const handler = guardRequests(withSpecGrpcMessage(connectNodeAdapter({ routes, readMaxBytes: READ_MAX_BYTES })), logger);
  // Plain gRPC calls (the fleet clients' Allocate and Release, every one a match's) are served from
  // the raw stream, as the matchmaker's own server does: connect-node's generic path cost the
  // registry most of a core at about 6,000 allocations a second (BENCHMARKS.md, section 9).
  const fastGrpc = new FastGrpc({ routes, interceptors: [], readMaxBytes: READ_MAX_BYTES });
  const server = options.tls
    ? http2.createSecureServer(
        {
          cert: options.tls.cert,
          key: options.tls.key,
          ...(options.tls.clientCa ? { ca: options.tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
        },
        handler,
      )
    : http2.createServer(handler);
  serveStreamsFirst(server, (stream, headers) => fastGrpc.serveStream(stream, headers));

  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? defaultRegistryPort, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, strategy: pool.strategy, heartbeatTtlMs: pool.heartbeatTtlMs }, "game-server registry listening");

  let closed: Promise<void> | undefined;
  return {
    port,
    pool,
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const session of sessions) session.close();
      })),
  };
}
