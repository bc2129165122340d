import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { create } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import {
  AllocateRequestSchema,
  GameServerRegistryService,
  RegisterServerRequestSchema,
} from "../../src/gen/gameserver/v1/registry_pb.js";
import { registerDevelopmentServers } from "../../src/registry/development-servers.ts";
import type { AllocationStrategy } from "../../src/registry/game-server-pool.ts";
import { type RunningRegistry, startRegistryServer } from "../../src/registry/registry-server.ts";
import { cleanupAfterEach } from "../support/lifecycle.ts";
import { ManualClock } from "../support/manual-clock.ts";

const ttlMs = 15_000;

interface Harness {
  readonly registry: RunningRegistry;
  readonly client: Client<typeof GameServerRegistryService>;
  readonly clock: ManualClock;
  /** The registry's warnings, as parsed log entries. */
  readonly warnings: Record<string, unknown>[];
}

const onCleanup = cleanupAfterEach();

async function startHarness(strategy: AllocationStrategy = "packed"): Promise<Harness> {
  const clock = new ManualClock();
  const warnings: Record<string, unknown>[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => warnings.push(JSON.parse(line) as Record<string, unknown>) });
  const registry = await startRegistryServer({ port: 0, clock, strategy, heartbeatTtlMs: ttlMs, logger });
  onCleanup(() => registry.close());
  const sessionManager = new Http2SessionManager(`http://127.0.0.1:${registry.port}`);
  onCleanup(() => sessionManager.abort());
  const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${registry.port}`, sessionManager });
  return { registry, client: createClient(GameServerRegistryService, transport), clock, warnings };
}

function registration(serverId: string, overrides: { region?: string; capacity?: number; labels?: Record<string, string> } = {}) {
  return create(RegisterServerRequestSchema, {
    serverId,
    address: { host: "203.0.113.7", port: 7000 + Number(serverId.replace(/\D/g, "") || 0) },
    region: overrides.region ?? "eu-west",
    capacity: overrides.capacity ?? 2,
    labels: overrides.labels ?? {},
  });
}

function allocation(matchId: string, overrides: { region?: string; labels?: Record<string, string> } = {}) {
  return create(AllocateRequestSchema, {
    matchId,
    queue: "ranked-2v2",
    region: overrides.region ?? "eu-west",
    playerCount: 4,
    labels: overrides.labels ?? {},
  });
}

async function connectCode(promise: Promise<unknown>): Promise<{ code: Code; message: string }> {
  try {
    await promise;
  } catch (error) {
    const connectError = ConnectError.from(error);
    return { code: connectError.code, message: connectError.rawMessage };
  }
  throw new Error("expected the call to fail");
}

describe("reference game-server registry over gRPC", () => {
  it("registers a server, tells it the heartbeat cadence and lists its reservations", async () => {
    const { client } = await startHarness();
    const registered = await client.registerServer(registration("gs-1"));
    expect(Number(registered.heartbeatTtl?.seconds)).toBe(15);
    expect(Number(registered.heartbeatInterval?.seconds)).toBe(5);

    const allocated = await client.allocate(allocation("match-1"));
    expect(allocated.address).toMatchObject({ host: "203.0.113.7", port: 7001 });
    expect(allocated.serverId).toBe("gs-1");

    const heartbeat = await client.heartbeat({ serverId: "gs-1" });
    expect(heartbeat.registered).toBe(true);
    expect(heartbeat.reservations.map(({ matchId, queue, playerCount }) => ({ matchId, queue, playerCount }))).toEqual([
      { matchId: "match-1", queue: "ranked-2v2", playerCount: 4 },
    ]);
  });

  it("drops a server that misses its heartbeats, and keeps one that sends them", async () => {
    const { client, clock, warnings } = await startHarness();
    await client.registerServer(registration("gs-1"));
    await client.registerServer(registration("gs-2"));
    await client.allocate(allocation("match-1"));

    clock.advance(ttlMs - 1);
    expect((await client.heartbeat({ serverId: "gs-2" })).registered).toBe(true);
    clock.advance(1);

    const lost = await client.heartbeat({ serverId: "gs-1" });
    expect(lost).toMatchObject({ registered: false, reservations: [] });
    const next = await client.allocate(allocation("match-2"));
    expect(next.serverId).toBe("gs-2");
    expect(warnings).toMatchObject([
      { serverId: "gs-1", lostMatchIds: ["match-1"], msg: "game server dropped: no heartbeat within the TTL" },
    ]);

    clock.advance(ttlMs);
    expect(await connectCode(client.allocate(allocation("match-3")))).toMatchObject({ code: Code.ResourceExhausted });
  });

  it("only allocates servers of the match's region that carry the requested labels", async () => {
    const { client } = await startHarness();
    await client.registerServer(registration("gs-1", { region: "us-east", labels: { map: "harbor" } }));
    await client.registerServer(registration("gs-2", { region: "eu-west", labels: { map: "desert" } }));
    await client.registerServer(registration("gs-3", { region: "eu-west", labels: { map: "harbor", version: "2" } }));

    const allocated = await client.allocate(allocation("match-1", { labels: { map: "harbor" } }));
    expect(allocated.serverId).toBe("gs-3");
    expect(allocated.labels).toEqual({ map: "harbor", version: "2" });

    const failure = await connectCode(client.allocate(allocation("match-2", { region: "ap-south" })));
    expect(failure).toEqual({ code: Code.ResourceExhausted, message: 'no ready game server with a free slot in region "ap-south"' });
  });

  it.each([
    { strategy: "packed", order: ["gs-1", "gs-1", "gs-2", "gs-2", "gs-3", "gs-3"], rule: "the fullest server with room" },
    { strategy: "distributed", order: ["gs-1", "gs-2", "gs-3", "gs-1", "gs-2", "gs-3"], rule: "the emptiest server" },
  ] as const)("$strategy puts each match on $rule", async ({ strategy, order }) => {
    const { client } = await startHarness(strategy);
    for (const id of ["gs-1", "gs-2", "gs-3"]) await client.registerServer(registration(id, { capacity: 2 }));
    const servers = [];
    for (let match = 1; match <= 6; match++) servers.push((await client.allocate(allocation(`match-${match}`))).serverId);
    expect(servers).toEqual(order);
  });

  it("never oversells capacity under 200 concurrent Allocate calls", async () => {
    const { client, registry } = await startHarness("distributed");
    for (let server = 1; server <= 5; server++) await client.registerServer(registration(`gs-${server}`, { capacity: 3 }));

    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, match) => client.allocate(allocation(`match-${match}`))),
    );

    const granted = outcomes.filter((outcome) => outcome.status === "fulfilled");
    const refused = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(granted).toHaveLength(15);
    expect(refused.every((outcome) => ConnectError.from(outcome.reason).code === Code.ResourceExhausted)).toBe(true);
    expect(registry.pool.snapshot().map(({ used }) => used)).toEqual([3, 3, 3, 3, 3]);
    const reserved = await Promise.all(
      [1, 2, 3, 4, 5].map(async (server) => (await client.heartbeat({ serverId: `gs-${server}` })).reservations),
    );
    const matchIds = reserved.flat().map((reservation) => reservation.matchId);
    expect(new Set(matchIds).size).toBe(15);
  });

  it("gives a retried match the slot it already holds instead of a second one", async () => {
    const { client, registry } = await startHarness("distributed");
    await client.registerServer(registration("gs-1", { capacity: 2 }));
    await client.registerServer(registration("gs-2", { capacity: 2 }));
    const first = await client.allocate(allocation("match-1"));
    const retried = await client.allocate(allocation("match-1"));
    expect(retried.serverId).toBe(first.serverId);
    expect(registry.pool.snapshot().reduce((sum, { used }) => sum + used, 0)).toBe(1);
  });

  it("frees a slot on Release, idempotently, and only on the server that holds it", async () => {
    const { client } = await startHarness();
    await client.registerServer(registration("gs-1", { capacity: 1 }));
    await client.registerServer(registration("gs-2", { capacity: 1, region: "us-east" }));
    await client.allocate(allocation("match-1"));
    expect(await connectCode(client.allocate(allocation("match-2")))).toMatchObject({ code: Code.ResourceExhausted });

    expect(await connectCode(client.release({ matchId: "match-1", serverId: "gs-2" }))).toEqual({
      code: Code.NotFound,
      message: 'match "match-1" is not reserved on server "gs-2"',
    });
    expect((await client.release({ matchId: "match-1", serverId: "gs-1" })).released).toBe(true);
    expect((await client.release({ matchId: "match-1" })).released).toBe(false);
    expect((await client.allocate(allocation("match-2"))).serverId).toBe("gs-1");
  });

  it("drops a deregistered server with its reservations", async () => {
    const { client } = await startHarness();
    await client.registerServer(registration("gs-1"));
    await client.allocate(allocation("match-1"));
    expect((await client.deregisterServer({ serverId: "gs-1" })).deregistered).toBe(true);
    expect((await client.deregisterServer({ serverId: "gs-1" })).deregistered).toBe(false);
    expect((await client.release({ matchId: "match-1" })).released).toBe(false);
    expect((await client.heartbeat({ serverId: "gs-1" })).registered).toBe(false);
  });

  it("rejects malformed requests with INVALID_ARGUMENT naming the field", async () => {
    const { client } = await startHarness();
    const badPort = registration("gs-1");
    badPort.address = { $typeName: "gameserver.v1.ServerAddress", host: "203.0.113.7", port: 70_000 };
    expect(await connectCode(client.registerServer(badPort))).toEqual({
      code: Code.InvalidArgument,
      message: "address.port: must be between 1 and 65535",
    });
    expect(await connectCode(client.registerServer(registration("gs-1", { capacity: 0 })))).toMatchObject({
      message: "capacity: must be between 1 and 10000",
    });
    expect(await connectCode(client.registerServer(registration("")))).toMatchObject({ message: "server_id: is required" });
    expect(await connectCode(client.allocate(allocation("")))).toMatchObject({
      code: Code.InvalidArgument,
      message: "match_id: is required",
    });
    expect(await connectCode(client.allocate({ ...allocation("match-1"), playerCount: 0 }))).toMatchObject({
      message: "player_count: must be between 1 and 10000",
    });
  });

  it("keeps in-process development servers without heartbeats", async () => {
    const { client, clock, registry } = await startHarness();
    registerDevelopmentServers(registry, [
      { id: "dev-1", region: "local", address: "127.0.0.1:7777", capacity: 2 },
      { id: "dev-2", region: "local", address: "[::1]:7778" },
    ]);
    clock.advance(ttlMs * 10);
    const allocated = await client.allocate(allocation("match-1", { region: "local" }));
    expect(allocated.address).toMatchObject({ host: "127.0.0.1", port: 7777 });
    expect(() => registerDevelopmentServers(registry, [{ id: "dev-3", region: "local", address: "localhost" }])).toThrow(
      'development server "dev-3": address must be host:port, got "localhost"',
    );
  });
});

describe("startRegistryServer, to a client of its own (grpc-js)", () => {
  type Answer = { readonly code: number; readonly details?: string };
  type Allocate = (request: object, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null) => void) => void;

  /** A grpc-js client of the registry, loaded from the .proto files, compressing its requests or not. */
  function grpcJsRegistry(port: number, compress: boolean): { allocate(request: object): Promise<Answer> } {
    const definition = protoLoader.loadSync("gameserver/v1/registry.proto", { includeDirs: ["proto"], defaults: true });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      gameserver: { v1: { GameServerRegistryService: new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => grpc.Client & { Allocate: Allocate } } };
    };
    // 2: gzip.
    const client = new loaded.gameserver.v1.GameServerRegistryService(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), compress ? { "grpc.default_compression_algorithm": 2 } : {});
    onCleanup(() => client.close());
    return {
      allocate: (request) =>
        new Promise((resolve) => client.Allocate(request, new grpc.Metadata(), (error) => resolve(error === null ? { code: 0 } : { code: error.code, details: error.details }))),
    };
  }

  it("gives the same error text to a request that took the fast path and to a compressed one that did not", async () => {
    const registry = await startRegistryServer({ port: 0 });
    onCleanup(() => registry.close());
    const request = { matchId: "", queue: "duel", region: "eu-west", playerCount: 2 };
    const plain = await grpcJsRegistry(registry.port, false).allocate(request);
    expect(plain).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: "match_id: is required" });
    expect(await grpcJsRegistry(registry.port, true).allocate(request)).toEqual(plain);
  });
});
