import pino from "pino";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { startMatchmaker, type RunningMatchmaker } from "../../src/app.ts";
import { createRedeemMatchTicket } from "../../src/application/redeem-match-ticket.ts";
import { loadAuthConfig } from "../../src/clients/auth/auth-config.ts";
import { mintToken, type TokenRole } from "../../src/clients/auth/mint-token.ts";
import { createTokenVerifier } from "../../src/clients/auth/token-verifier.ts";
import { JwtMatchTicketVerifier } from "../../src/clients/match-tickets/jwt-match-ticket-verifier.ts";
import type { GameServerAllocator } from "../../src/application/ports/game-server-allocator.ts";
import { JwtMatchTicketIssuer } from "../../src/clients/match-tickets/jwt-match-ticket-issuer.ts";
import { loadMatchTicketSigningKey, matchTicketJwks } from "../../src/clients/match-tickets/match-ticket-signing-key.ts";
import { loadQueueConfigFile } from "../../src/config/queue-config-file.ts";
import type { QueueConfig } from "../../src/domain/queue-config.ts";
import { MatchmakingService } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { createMatchTicketServiceImpl, registerMatchTicketService } from "../../src/net/match-ticket-service.ts";
import { tokenAuthentication } from "../../src/token-authentication.ts";
import type { HttpRoute } from "../../src/net/http-routes.ts";
import { createInMemoryStorage } from "../../src/storage/storage.ts";
import { sequentialIds } from "./application-harness.ts";
import { ManualClock } from "./manual-clock.ts";
import { ScriptedFleet } from "./test-fleet.ts";

export interface ServerHarness {
  readonly app: RunningMatchmaker;
  readonly clock: ManualClock;
  readonly fleet: GameServerAllocator;
  /** A token the server accepts, minted on the harness clock. */
  token(role: TokenRole, subject: string, options?: { ttlSeconds?: number; secret?: string; issuer?: string }): Promise<string>;
  /** `{ authorization: "Bearer <token>" }` for a fresh token. */
  bearer(role: TokenRole, subject: string): Promise<Record<string, string>>;
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
  readonly fleet?: GameServerAllocator;
  /** Stands in for the in-memory storage's readiness ping (a store that stops answering). */
  readonly ping?: () => Promise<boolean>;
  /** Serve gRPC reflection (the default) or not. */
  readonly reflection?: boolean;
  /** Where the manual clock starts (epoch ms); browser tests start at the real time. */
  readonly clockStart?: number;
  readonly corsOrigins?: readonly string[];
  readonly watchKeepAliveMs?: number;
  readonly maxConcurrentAllocations?: number;
  /** Serve metrics and probes on an admin port of their own (a free one). */
  readonly adminPort?: boolean;
  /** Extra plain HTTP routes (console, development tokens), given the secret tokens are signed with. */
  readonly httpRoutes?: (secret: Uint8Array) => ReadonlyMap<string, HttpRoute>;
}

/** The identity provider the harness trusts: an HS256 secret and an issuer. */
export const TEST_AUTH = { secret: "harness-shared-secret-0123456789abcdef", issuer: "studio-idp" } as const;

/**
 * A matchmaker on real sockets (ports picked by the OS), wired as `main.ts` wires it: real token
 * verification, signed match tickets and the game-server redemption service, with the default queue
 * file and a manual clock.
 */
export async function startServerHarness(options: ServerHarnessOptions = {}): Promise<ServerHarness> {
  const clock = new ManualClock(options.clockStart);
  const { key } = await loadMatchTicketSigningKey({ keyFile: undefined });
  const fleet = options.fleet ?? new ScriptedFleet();
  const storage = createInMemoryStorage({ clock, retentionMs: 600_000 });
  const authConfig = loadAuthConfig(
    { MATCHMAKER_AUTH_HS256_SECRET: TEST_AUTH.secret, MATCHMAKER_AUTH_ISSUER: TEST_AUTH.issuer },
    { development: false },
  );
  const auth = tokenAuthentication(createTokenVerifier(authConfig, { clock }));
  const redeem = createRedeemMatchTicket({
    verifier: new JwtMatchTicketVerifier({ jwks: matchTicketJwks([key]), issuer: "matchmaker", clock }),
    ledger: storage.redemptions,
  });
  const matchTicketService = createMatchTicketServiceImpl({ redeem, authenticateGameServer: auth.gameServer, logger: pino({ level: "silent" }) });
  const app = await startMatchmaker({
    queues: options.queues ?? loadQueueConfigFile("config/queues.json"),
    storage: { ...storage, ping: options.ping ?? storage.ping },
    allocator: fleet,
    issuer: new JwtMatchTicketIssuer({ key, issuer: "matchmaker", ttlSeconds: 30, clock }),
    authenticate: auth.caller,
    extraRoutes: (router) => registerMatchTicketService(router, matchTicketService),
    logger: pino({ level: "silent" }),
    clock,
    ids: sequentialIds(),
    host: "127.0.0.1",
    grpcPort: 0,
    httpPort: 0,
    scheduleMatching: false,
    ...(options.reflection !== undefined && { reflection: options.reflection }),
    ...(options.corsOrigins !== undefined && { corsOrigins: options.corsOrigins }),
    ...(options.watchKeepAliveMs !== undefined && { watchKeepAliveMs: options.watchKeepAliveMs }),
    ...(options.maxConcurrentAllocations !== undefined && { maxConcurrentAllocations: options.maxConcurrentAllocations }),
    ...(options.adminPort === true && { adminPort: 0 }),
    ...(options.httpRoutes !== undefined && { httpRoutes: options.httpRoutes(new TextEncoder().encode(TEST_AUTH.secret)) }),
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
  const token: ServerHarness["token"] = (role, subject, tokenOptions = {}) =>
    mintToken({
      role,
      subject,
      secret: new TextEncoder().encode(tokenOptions.secret ?? TEST_AUTH.secret),
      issuer: tokenOptions.issuer ?? TEST_AUTH.issuer,
      // Long-lived: tests move the manual clock by hours.
      ttlSeconds: tokenOptions.ttlSeconds ?? 30 * 24 * 3600,
      clock,
    });
  return {
    app,
    clock,
    fleet,
    token,
    bearer: async (role, subject) => ({ authorization: `Bearer ${await token(role, subject)}` }),
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
