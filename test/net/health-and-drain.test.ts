import { describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../src/gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../../src/gen/grpc/reflection/v1/reflection_pb.js";
import { TicketState } from "../../src/gen/matchmaking/v1/matchmaking_pb.js";
import { cleanupAfterEach } from "../support/lifecycle.ts";
import { startServerHarness, type ServerHarness, type ServerHarnessOptions } from "../support/server-harness.ts";
import { ScriptedFleet } from "../support/test-fleet.ts";

const SERVED = [
  "gameserver.v1.MatchTicketService",
  "matchmaking.v1.MatchmakingService",
  "matchmaking.v1.OperatorService",
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
];

interface GrpcJsHealthClient extends grpc.Client {
  Check(request: { service: string }, callback: (error: grpc.ServiceError | null, response?: { status: string }) => void): void;
  Watch(request: { service: string }): grpc.ClientReadableStream<{ status: string }>;
}

const cleanup = cleanupAfterEach();

async function start(options: Partial<ServerHarnessOptions> = {}): Promise<ServerHarness> {
  const harness = await startServerHarness({ ...options });
  cleanup(() => harness.close());
  return harness;
}

/** A grpc-js client generated from the health proto: an implementation independent of the server's. */
function grpcJsHealth(harness: ServerHarness): GrpcJsHealthClient {
  const definition = protoLoader.loadSync("grpc/health/v1/health.proto", { includeDirs: ["proto"], enums: String });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { health: { v1: { Health: new (address: string, credentials: grpc.ChannelCredentials) => GrpcJsHealthClient } } };
  };
  const client = new loaded.grpc.health.v1.Health(`127.0.0.1:${harness.app.servers.grpcPort}`, grpc.credentials.createInsecure());
  cleanup(() => client.close());
  return client;
}

function check(client: GrpcJsHealthClient, service: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.Check({ service }, (error, response) => (error === null ? resolve(response!.status) : reject(error)));
  });
}

/** Collects a Watch stream's statuses; `next` resolves with the next one. */
function watchHealth(client: GrpcJsHealthClient, service: string) {
  const call = client.Watch({ service });
  const statuses: string[] = [];
  const waiting: ((status: string) => void)[] = [];
  call.on("data", (message: { status: string }) => {
    const resolve = waiting.shift();
    if (resolve === undefined) statuses.push(message.status);
    else resolve(message.status);
  });
  const ended = new Promise<grpc.ServiceError>((resolve) => call.on("error", resolve));
  cleanup(() => call.cancel());
  return {
    next: (): Promise<string> => {
      const queued = statuses.shift();
      return queued !== undefined ? Promise.resolve(queued) : new Promise((resolve) => waiting.push(resolve));
    },
    ended,
  };
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

describe("grpc.health.v1.Health through real gRPC clients", () => {
  it("answers Check for the server and each service, NOT_FOUND for others (grpc-js)", async () => {
    const harness = await start();
    const client = grpcJsHealth(harness);
    expect(await check(client, "")).toBe("SERVING");
    for (const service of SERVED) expect(await check(client, service)).toBe("SERVING");
    await expect(check(client, "nope.v1.Nothing")).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it("lists every service served (connect-es over gRPC), without credentials", async () => {
    const harness = await start();
    const health = createClient(Health, harness.grpcTransport());
    const { statuses } = await health.list({});
    expect(Object.keys(statuses).sort()).toEqual(["", ...SERVED].sort());
    for (const entry of Object.values(statuses)) expect(entry.status).toBe(ServingStatus.SERVING);
  });

  it("reports NOT_SERVING while the store does not answer, on Check, Watch and /readyz", async () => {
    let reachable = true;
    const harness = await start({ ping: async () => reachable });
    const client = grpcJsHealth(harness);
    const watch = watchHealth(client, "matchmaking.v1.MatchmakingService");
    expect(await watch.next()).toBe("SERVING");
    reachable = false;
    expect(await get(`${harness.httpUrl}/readyz`)).toEqual({
      status: 503,
      body: JSON.stringify({ ready: false, draining: false, storeReachable: false }),
    });
    expect(await watch.next()).toBe("NOT_SERVING");
    expect(await check(client, "")).toBe("NOT_SERVING");
    expect((await get(`${harness.httpUrl}/healthz`)).status).toBe(200);
    reachable = true;
    expect(await check(client, "")).toBe("SERVING");
    expect(await watch.next()).toBe("SERVING");
  });

  it("keeps a Watch of an unknown service open with SERVICE_UNKNOWN", async () => {
    const harness = await start();
    const watch = watchHealth(grpcJsHealth(harness), "nope.v1.Nothing");
    expect(await watch.next()).toBe("SERVICE_UNKNOWN");
  });
});

describe("graceful shutdown", () => {
  it("goes unready, refuses new calls, ends watchers with UNAVAILABLE and finishes placements in flight", async () => {
    const fleet = new ScriptedFleet();
    const harness = await start({ fleet });
    const client = harness.grpcClient(await harness.bearer("service", "game-backend"));
    const healthClient = grpcJsHealth(harness);
    const healthWatch = watchHealth(healthClient, "");
    expect(await healthWatch.next()).toBe("SERVING");
    expect(await get(`${harness.httpUrl}/readyz`)).toEqual({ status: 200, body: JSON.stringify({ ready: true, draining: false, storeReachable: true }) });

    // A match whose server allocation is still under way when shutdown begins.
    const { ticket: a } = await client.enqueue({ queue: "duel", players: [{ userId: "a", skill: 1000 }], latencyMs: { "eu-west": 20 } });
    const { ticket: b } = await client.enqueue({ queue: "duel", players: [{ userId: "b", skill: 1000 }], latencyMs: { "eu-west": 20 } });
    let allocate!: () => void;
    fleet.gate = new Promise((resolve) => {
      allocate = resolve;
    });
    const passing = harness.app.runPass();
    // A waiting ticket's watcher, which must be told to reconnect elsewhere.
    const { ticket: waiting } = await client.enqueue({ queue: "squads-5v5", players: [{ userId: "w", skill: 1 }], latencyMs: { "eu-west": 20 } });
    const watcher = client.watchTicket({ ticketId: waiting!.ticketId })[Symbol.asyncIterator]();
    expect((await watcher.next()).value?.ticket?.state).toBe(TicketState.QUEUED);
    expect((await client.getTicket({ ticketId: a!.ticketId })).ticket!.state).toBe(TicketState.ALLOCATING);

    // A reflection stream whose client sends one question and then neither sends nor closes.
    let hangUp!: () => void;
    const quiet = new Promise<void>((resolve) => {
      hangUp = resolve;
    });
    cleanup(hangUp);
    const reflection = createClient(ServerReflection, harness.grpcTransport()).serverReflectionInfo(
      (async function* () {
        yield { host: "", messageRequest: { case: "listServices" as const, value: "" } };
        await quiet;
      })(),
    )[Symbol.asyncIterator]();
    expect((await reflection.next()).value?.messageResponse.case).toBe("listServicesResponse");

    const closing = harness.app.close();
    await expect(reflection.next()).rejects.toMatchObject({ code: Code.Unavailable });
    expect(await healthWatch.next()).toBe("NOT_SERVING");
    expect((await healthWatch.ended).code).toBe(grpc.status.UNAVAILABLE);
    const watcherEnd = await watcher.next().catch((error: unknown) => ConnectError.from(error));
    expect(watcherEnd).toMatchObject({ code: Code.Unavailable, rawMessage: "server shutting down; reconnect to another instance" });

    // Draining: not ready, health still answers, everything else is refused.
    expect(await get(`${harness.httpUrl}/readyz`)).toEqual({ status: 503, body: JSON.stringify({ ready: false, draining: true, storeReachable: true }) });
    expect((await get(`${harness.httpUrl}/healthz`)).status).toBe(200);
    expect(await check(healthClient, "")).toBe("NOT_SERVING");
    await expect(client.listQueues({})).rejects.toMatchObject({ code: Code.Unavailable });
    await expect(client.getTicket({ ticketId: a!.ticketId })).rejects.toMatchObject({ code: Code.Unavailable });

    // The placement finishes before the server closes: no ticket is lost.
    allocate();
    await closing;
    await passing;
    const service = { kind: "service", subject: "test" } as const;
    for (const ticket of [a!, b!]) expect((await harness.app.matchmaker.getTicket(service, ticket.ticketId)).state).toBe("matched");
    await expect(client.listQueues({})).rejects.toMatchObject({ code: Code.Unavailable });
  });

  it("ends every open watch with UNAVAILABLE before closing the connections, on every protocol, when nothing else holds the drain", async () => {
    const harness = await start();
    const auth = await harness.bearer("service", "game-backend");
    const clients = { grpc: harness.grpcClient(auth), connect: harness.connectClient(auth), grpcWeb: harness.grpcWebClient(auth) };
    const watchers = await Promise.all(
      Object.entries(clients).map(async ([protocol, client]) => {
        const { ticket } = await client.enqueue({ queue: "squads-5v5", players: [{ userId: `drain-${protocol}`, skill: 1 }], latencyMs: { "eu-west": 20 } });
        const watcher = client.watchTicket({ ticketId: ticket!.ticketId })[Symbol.asyncIterator]();
        expect((await watcher.next()).value?.ticket?.state).toBe(TicketState.QUEUED);
        return watcher;
      }),
    );
    await harness.app.close();
    for (const watcher of watchers) {
      const end = await watcher.next().catch((error: unknown) => ConnectError.from(error));
      expect(end).toMatchObject({ code: Code.Unavailable, rawMessage: "server shutting down; reconnect to another instance" });
    }
  });
});
