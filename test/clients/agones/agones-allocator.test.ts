import { describe, expect, it } from "vitest";
import type { AllocationRequest } from "../../../src/application/ports/game-server-allocator.ts";
import { AgonesAllocator, type AgonesAllocatorOptions } from "../../../src/clients/agones/agones-allocator.ts";
import { AllocationRequest_SchedulingStrategy } from "../../../src/gen/allocation/allocation_pb.js";
import { cleanupAfterEach, testPkiForFile } from "../../support/lifecycle.ts";
import { allocationErrorOf } from "../../support/rejection.ts";
import { recordingRetryEnvironment } from "../../support/recording-retry-environment.ts";
import {
  contention,
  type FakeAgonesAllocator,
  type FakeAnswer,
  noServerReady,
  startFakeAgonesAllocator,
} from "./fake-agones-allocator.ts";

const request: AllocationRequest = {
  matchId: "0f8e2a6c-3b1d-4c55-9a0e-5d2f7b9c1e44",
  queue: "ranked-2v2",
  region: "eu-west",
  playerCount: 4,
  labels: {},
};

const allocated: FakeAnswer = {
  response: {
    gameServerName: "arena-x7k2p-9qzt4",
    nodeName: "gke-node-pool-3-abcd",
    source: "local",
    address: "198.51.100.23",
    addresses: [{ type: "ExternalIP", address: "198.51.100.23" }],
    ports: [
      { name: "metrics", port: 9090 },
      { name: "game", port: 7654 },
    ],
    metadata: { labels: { "agones.dev/fleet": "arena", region: "eu-west" }, annotations: {} },
  },
};

const testPki = testPkiForFile();

const onCleanup = cleanupAfterEach();

async function startFake(...answers: FakeAnswer[]): Promise<FakeAgonesAllocator> {
  const fake = await startFakeAgonesAllocator(testPki());
  onCleanup(() => fake.close());
  fake.answer(...answers);
  return fake;
}

function allocatorFor(fake: FakeAgonesAllocator, options: Partial<AgonesAllocatorOptions> = {}) {
  const retry = recordingRetryEnvironment();
  const allocator = new AgonesAllocator({
    fleet: "agones-eu",
    url: fake.url,
    tls: { caFile: testPki().caFile, certFile: testPki().client.certFile, keyFile: testPki().client.keyFile },
    retryEnvironment: retry.environment,
    ...options,
  });
  onCleanup(() => allocator.close());
  return { allocator, waits: retry.waits };
}

describe("AgonesAllocator against a fake Agones allocator over mutual TLS", () => {
  it("allocates with a region selector and the match in the metadata, and exposes only host:port", async () => {
    const fake = await startFake(allocated);
    const { allocator } = allocatorFor(fake, {
      namespace: "games",
      matchLabels: { "agones.dev/fleet": "arena" },
      scheduling: "Distributed",
      portName: "game",
    });

    const server = await allocator.allocate({ ...request, labels: { map: "harbor" } });

    expect(server).toEqual({
      address: "198.51.100.23:7654",
      serverId: "arena-x7k2p-9qzt4",
      fleet: "agones-eu",
      details: {
        matchId: request.matchId,
        namespace: "games",
        nodeName: "gke-node-pool-3-abcd",
        source: "local",
        "label.agones.dev/fleet": "arena",
        "label.region": "eu-west",
      },
    });
    for (const internal of ["arena-x7k2p-9qzt4", "gke-node-pool-3-abcd", "local", "arena"]) {
      expect(server.address).not.toContain(internal);
    }
    const [sent] = fake.requests;
    expect(sent?.namespace).toBe("games");
    expect(sent?.scheduling).toBe(AllocationRequest_SchedulingStrategy.Distributed);
    expect(sent?.gameServerSelectors.map((selector) => selector.matchLabels)).toEqual([
      { "agones.dev/fleet": "arena", map: "harbor", region: "eu-west" },
    ]);
    expect(sent?.metadata?.labels).toEqual({ "matchmaker/match-id": request.matchId });
    expect(sent?.metadata?.annotations).toEqual({
      "matchmaker/match-id": request.matchId,
      "matchmaker/queue": "ranked-2v2",
      "matchmaker/player-count": "4",
    });
  });

  it("uses the first port, the first of `addresses` when `address` is empty, and brackets IPv6", async () => {
    const fake = await startFake({
      response: { gameServerName: "gs-1", addresses: [{ type: "ExternalIP", address: "2001:db8::17" }], ports: [{ name: "default", port: 7000 }] },
    });
    const { allocator } = allocatorFor(fake, { regionLabelKey: "topology.kubernetes.io/region" });

    await expect(allocator.allocate(request)).resolves.toMatchObject({ address: "[2001:db8::17]:7000" });
    expect(fake.requests[0]?.scheduling).toBe(AllocationRequest_SchedulingStrategy.Packed);
    expect(fake.requests[0]?.gameServerSelectors[0]?.matchLabels).toEqual({ "topology.kubernetes.io/region": "eu-west" });
  });

  it("keeps a match id that is not a valid label value out of the labels but in the annotations", async () => {
    const fake = await startFake(allocated);
    const { allocator } = allocatorFor(fake);
    await allocator.allocate({ ...request, matchId: "match/with a space" });
    expect(fake.requests[0]?.metadata?.labels).toEqual({});
    expect(fake.requests[0]?.metadata?.annotations["matchmaker/match-id"]).toBe("match/with a space");
  });

  it("retries RESOURCE_EXHAUSTED with backoff, then fails with a retryable AllocationError", async () => {
    const fake = await startFake(noServerReady);
    const { allocator, waits } = allocatorFor(fake, { retry: { maxAttempts: 3 } });

    const error = await allocationErrorOf(allocator.allocate(request));

    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      'fleet "agones-eu": allocation failed: [resource_exhausted] there is no available GameServer to allocate (after 3 attempts)',
    );
    expect(fake.requests).toHaveLength(3);
    // Bounds 250 ms then 500 ms, times the random draw 0.5.
    expect(waits).toEqual([125, 250]);
  });

  it("retries ABORTED (contention) and then succeeds", async () => {
    const fake = await startFake(contention, contention, allocated);
    const { allocator, waits } = allocatorFor(fake);

    await expect(allocator.allocate(request)).resolves.toMatchObject({ address: "198.51.100.23:9090" });
    expect(fake.requests).toHaveLength(3);
    expect(waits).toEqual([125, 250]);
  });

  it("treats Agones' raw grpc-status 422 as permanent", async () => {
    const fake = await startFake({ status: 422, message: "GameServerAllocation is invalid" }, allocated);
    const { allocator, waits } = allocatorFor(fake);

    const error = await allocationErrorOf(allocator.allocate(request));

    expect(error.retryable).toBe(false);
    expect(error.message).toContain("invalid grpc-status: 422");
    expect(fake.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("fails without retrying when the client certificate is not signed by the allowed CA", async () => {
    const fake = await startFake(allocated);
    const { allocator, waits } = allocatorFor(fake, {
      tls: { caFile: testPki().caFile, certFile: testPki().untrustedClient.certFile, keyFile: testPki().untrustedClient.keyFile },
    });

    const error = await allocationErrorOf(allocator.allocate(request));

    expect(error.retryable).toBe(false);
    expect(error.message).toContain("check that the fleet accepts the client certificate");
    expect(fake.requests).toHaveLength(0);
    expect(waits).toEqual([]);
  });

  it("fails permanently when the allocated server has no port with the configured name", async () => {
    const fake = await startFake(allocated);
    const { allocator } = allocatorFor(fake, { portName: "voice" });

    const error = await allocationErrorOf(allocator.allocate(request));

    expect(error).toMatchObject({
      retryable: false,
      message: 'fleet "agones-eu": allocation failed: game server "arena-x7k2p-9qzt4" was allocated without a port named "voice"',
    });
  });

  it("runs allocations concurrently over one connection", async () => {
    const fake = await startFake(allocated);
    const { allocator } = allocatorFor(fake);
    const servers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => allocator.allocate({ ...request, matchId: `match-${index}` })),
    );
    expect(servers).toHaveLength(20);
    expect(new Set(fake.requests.map((sent) => sent.metadata?.annotations["matchmaker/match-id"])).size).toBe(20);
  });

  it("release only logs, because the allocator API has no release", async () => {
    const fake = await startFake(allocated);
    const { allocator } = allocatorFor(fake);
    const server = await allocator.allocate(request);
    await expect(allocator.release(server)).resolves.toBeUndefined();
    expect(fake.requests).toHaveLength(1);
  });

  it("refuses a ping interval the allocator would answer with too_many_pings", () => {
    expect(
      () =>
        new AgonesAllocator({
          fleet: "agones-eu",
          url: "https://allocator.example:443",
          pingIntervalMs: 10_000,
          configKey: "fleets.agones-eu",
        }),
    ).toThrow(
      "fleets.agones-eu.pingIntervalMs: must be at least 60000: the Agones allocator closes connections that ping more often",
    );
  });
});
