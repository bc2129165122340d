import pino from "pino";
import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { startMatchmaker, type RunningMatchmaker } from "../../src/app.ts";
import type { Caller } from "../../src/application/caller.ts";
import type { GameServerAllocator } from "../../src/application/ports/game-server-allocator.ts";
import { JwtMatchTicketIssuer } from "../../src/clients/match-tickets/jwt-match-ticket-issuer.ts";
import { loadMatchTicketSigningKey } from "../../src/clients/match-tickets/match-ticket-signing-key.ts";
import { loadQueueConfigFile } from "../../src/config/queue-config-file.ts";
import type { QueueConfig } from "../../src/domain/queue-config.ts";
import { MatchmakingService } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import type { Authenticate } from "../../src/net/caller-context.ts";
import { createInMemoryStorage } from "../../src/storage/storage.ts";
import { sequentialIds } from "./application-harness.ts";
import { ManualClock } from "./manual-clock.ts";
import { ScriptedFleet } from "./test-fleet.ts";

export interface ServerHarness {
  readonly app: RunningMatchmaker;
  readonly clock: ManualClock;
  readonly fleet: GameServerAllocator;
  /** connect-es over gRPC (HTTP/2), the backend path. */
  grpcClient(headers?: Record<string, string>): Client<typeof MatchmakingService>;
  /** connect-es over the Connect protocol on HTTP/1.1, the browser path. */
  connectClient(headers?: Record<string, string>): Client<typeof MatchmakingService>;
  /** connect-es over gRPC-Web on HTTP/1.1. */
  grpcWebClient(headers?: Record<string, string>): Client<typeof MatchmakingService>;
  /** connect-es over gRPC (HTTP/2), for clients of the other services. */
  grpcTransport(headers?: Record<string, string>): Transport;
  /** `http://127.0.0.1:<http port>`: Connect, gRPC-Web and the plain HTTP routes. */
  readonly httpUrl: string;
  close(): Promise<void>;
}

export interface ServerHarnessOptions {
  readonly queues?: readonly QueueConfig[];
  readonly authenticate: Authenticate;
  readonly fleet?: GameServerAllocator;
}

/** A matchmaker on real sockets (ports picked by the OS), with the default queue file and a manual clock. */
export async function startServerHarness(options: ServerHarnessOptions): Promise<ServerHarness> {
  const clock = new ManualClock();
  const { key } = await loadMatchTicketSigningKey({ keyFile: undefined });
  const fleet = options.fleet ?? new ScriptedFleet();
  const app = await startMatchmaker({
    queues: options.queues ?? loadQueueConfigFile("config/queues.json"),
    storage: createInMemoryStorage({ clock, retentionMs: 600_000 }),
    allocator: fleet,
    issuer: new JwtMatchTicketIssuer({ key, issuer: "matchmaker", ttlSeconds: 30, clock }),
    authenticate: options.authenticate,
    logger: pino({ level: "silent" }),
    clock,
    ids: sequentialIds(),
    host: "127.0.0.1",
    grpcPort: 0,
    httpPort: 0,
    scheduleMatching: false,
  });
  const client = (transport: Transport) => createClient(MatchmakingService, transport);
  const withHeaders = (headers: Record<string, string>): Interceptor[] => [
    (next) => async (request) => {
      for (const [name, value] of Object.entries(headers)) request.header.set(name, value);
      return next(request);
    },
  ];
  const grpcUrl = `http://127.0.0.1:${app.servers.grpcPort}`;
  const httpUrl = `http://127.0.0.1:${app.servers.httpPort}`;
  return {
    app,
    clock,
    fleet,
    grpcClient: (headers = {}) => client(createGrpcTransport({ baseUrl: grpcUrl, interceptors: withHeaders(headers) })),
    grpcTransport: (headers = {}) => createGrpcTransport({ baseUrl: grpcUrl, interceptors: withHeaders(headers) }),
    httpUrl,
    connectClient: (headers = {}) =>
      client(createConnectTransport({ baseUrl: httpUrl, httpVersion: "1.1", interceptors: withHeaders(headers) })),
    grpcWebClient: (headers = {}) =>
      client(createGrpcWebTransport({ baseUrl: httpUrl, httpVersion: "1.1", interceptors: withHeaders(headers) })),
    close: () => app.close(),
  };
}

/** Until tokens are wired in: `Bearer service:<name>` or `Bearer player:<id>`. */
export const plainCallerAuth: Authenticate = async (authorization) => {
  const match = /^Bearer (service|player):(.+)$/.exec(authorization ?? "");
  if (match === null) throw new ConnectError("missing credentials", Code.Unauthenticated);
  const caller: Caller = match[1] === "service" ? { kind: "service", subject: match[2]! } : { kind: "player", userId: match[2]! };
  return caller;
};
